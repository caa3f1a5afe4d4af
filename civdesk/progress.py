"""Progress reporting and cancellation for long jobs.

Every long operation in the core takes a ``Progress``.  It calls
``update(done, total, message)`` as it goes and ``check_cancelled()`` between
items; a cancelled job raises :class:`Cancelled`, keeping what it already
committed.  ``NullProgress`` is for tests and scripts, ``TextProgress`` for the
command line, and ``ui/jobs.py`` holds the one Qt adapter.
"""
from __future__ import annotations

import sys
import threading
import time
from typing import Protocol, TextIO


class Cancelled(Exception):
    """Raised by ``check_cancelled`` when the user asked to stop."""

    def __init__(self, done: int = 0, total: int = 0):
        super().__init__(f"已取消（已完成 {done}/{total}）")
        self.done = done
        self.total = total


class Progress(Protocol):
    def update(self, done: int, total: int, message: str = "") -> None: ...

    def check_cancelled(self) -> None: ...


class NullProgress:
    """Reports nothing; cancellable through ``cancel()`` (handy in tests)."""

    def __init__(self) -> None:
        self._cancel = threading.Event()
        self.done = 0
        self.total = 0
        self.message = ""

    def update(self, done: int, total: int, message: str = "") -> None:
        self.done, self.total, self.message = done, total, message

    def cancel(self) -> None:
        self._cancel.set()

    def check_cancelled(self) -> None:
        if self._cancel.is_set():
            raise Cancelled(self.done, self.total)


class SubProgress:
    """Maps a sub-step onto the range [start, end) of a parent's total."""

    def __init__(self, parent: Progress, start: int, end: int, total: int):
        self.parent, self.start, self.end, self.total = parent, start, end, total

    def update(self, done: int, total: int, message: str = "") -> None:
        span = self.end - self.start
        frac = done / total if total else 0.0
        self.parent.update(self.start + int(span * frac), self.total, message)

    def check_cancelled(self) -> None:
        self.parent.check_cancelled()


class TextProgress(NullProgress):
    """A text progress bar for the command line, redrawn at most 10 times a second."""

    def __init__(self, stream: TextIO | None = None, width: int = 30):
        super().__init__()
        self.stream = stream or sys.stderr
        self.width = width
        self._last = 0.0
        self._shown = False

    def update(self, done: int, total: int, message: str = "") -> None:
        super().update(done, total, message)
        now = time.monotonic()
        if now - self._last < 0.1 and done < total:
            return
        self._last = now
        if not self.stream.isatty():
            return
        frac = done / total if total else 0.0
        filled = int(self.width * frac)
        bar = "█" * filled + "·" * (self.width - filled)
        self.stream.write(f"\r[{bar}] {done}/{total} {message[:40]:<40}")
        self.stream.flush()
        self._shown = True

    def finish(self) -> None:
        if self._shown:
            self.stream.write("\n")
            self.stream.flush()
            self._shown = False
