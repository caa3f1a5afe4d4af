"""The one job runner: long core operations on a thread pool, never on the UI thread.

A job is a plain core function taking a ``Progress``.  :class:`JobRunner`
runs it on a ``QThreadPool``; the :class:`QtProgress` adapter turns its calls
into signals delivered on the main thread, throttled to ten a second.  The
progress dialog appears only after ~0.5 s; cancelling is quiet (the status bar
says 已取消); errors are shown once, in Chinese, with the details behind a
button.
"""
from __future__ import annotations

import threading
import time
import traceback
from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from civdesk.progress import Cancelled


class QtProgress(QObject):
    """Core ``Progress`` adapter; thread-safe, emits at most 10 times a second."""

    changed = Signal(int, int, str)

    def __init__(self) -> None:
        super().__init__()
        self._cancel = threading.Event()
        self._last = 0.0
        self.done = 0
        self.total = 0

    def update(self, done: int, total: int, message: str = "") -> None:
        self.done, self.total = done, total
        now = time.monotonic()
        if now - self._last >= 0.1 or done >= total:
            self._last = now
            self.changed.emit(done, total, message)

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check_cancelled(self) -> None:
        if self._cancel.is_set():
            raise Cancelled(self.done, self.total)


class _Signals(QObject):
    finished = Signal(object)
    failed = Signal(str, str)
    cancelled = Signal(str)


class _Task(QRunnable):
    def __init__(self, fn: Callable[[QtProgress], Any], progress: QtProgress):
        super().__init__()
        self.fn, self.progress, self.signals = fn, progress, _Signals()
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            result = self.fn(self.progress)
        except Cancelled as exc:
            self.signals.cancelled.emit(str(exc))
        except Exception as exc:  # noqa: BLE001 - every error reaches the user once
            self.signals.failed.emit(str(exc) or type(exc).__name__, traceback.format_exc())
        else:
            self.signals.finished.emit(result)


class Job(QObject):
    """A running job; ``done`` fires on the main thread with the result."""

    done = Signal(object)
    ended = Signal()

    def __init__(self, title: str, progress: QtProgress):
        super().__init__()
        self.title, self.progress = title, progress
        self.result: Any = None
        self.error: str | None = None
        self.was_cancelled = False
        self.finished = False


class JobRunner(QObject):
    """Runs jobs on a thread pool and shows their progress."""

    status = Signal(str)
    DIALOG_DELAY_MS = 500

    def __init__(self, parent: QWidget | None = None, max_threads: int = 2):
        super().__init__(parent)
        self.parent_widget = parent
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self.jobs: list[Job] = []

    def run(self, title: str, fn: Callable[[QtProgress], Any], *,
            on_done: Callable[[Any], None] | None = None, dialog: bool = True,
            show_errors: bool = True) -> Job:
        progress = QtProgress()
        job = Job(title, progress)
        task = _Task(fn, progress)
        job.signals = task.signals  # keep the sender alive until its queued signals arrive
        box = self._dialog(title, progress) if dialog else None

        def finish() -> None:
            job.finished = True
            if box is not None:
                box.show_timer.stop()
                box.close()
                box.deleteLater()
            self.jobs.remove(job)
            job.ended.emit()

        def ok(result: Any) -> None:
            job.result = result
            finish()
            self.status.emit(f"{title}：完成")
            if on_done is not None:
                on_done(result)
            job.done.emit(result)

        def failed(message: str, details: str) -> None:
            job.error = message
            finish()
            self.status.emit(f"{title}：失败")
            if show_errors:
                self.show_error(title, message, details)

        def cancelled(message: str) -> None:
            job.was_cancelled = True
            finish()
            self.status.emit(message)

        task.signals.finished.connect(ok, Qt.QueuedConnection)
        task.signals.failed.connect(failed, Qt.QueuedConnection)
        task.signals.cancelled.connect(cancelled, Qt.QueuedConnection)
        progress.changed.connect(
            lambda d, t, m: self.status.emit(f"{title}：{d}/{t} {m}"), Qt.QueuedConnection)
        self.jobs.append(job)
        self.pool.start(task)
        return job

    def _dialog(self, title: str, progress: QtProgress) -> QProgressDialog:
        box = QProgressDialog(title, "取消", 0, 0, self.parent_widget)
        box.setWindowTitle(title)
        box.setWindowModality(Qt.WindowModal)
        box.setAutoClose(False)
        box.setAutoReset(False)
        box.setMinimumDuration(24 * 3600 * 1000)  # never Qt's own early show: ours below
        box.canceled.disconnect()
        box.canceled.connect(progress.cancel)
        box.canceled.connect(lambda: box.setLabelText("正在取消……"))

        def changed(done: int, total: int, message: str) -> None:
            box.setLabelText(f"{title}\n{message}" if message else title)
            if not box.isVisible():
                return  # setValue would make Qt show the dialog early for long work
            box.setMaximum(max(total, 1))
            box.setValue(min(done, max(total, 1)))

        progress.changed.connect(changed, Qt.QueuedConnection)
        box.show_timer = QTimer(box)
        box.show_timer.setSingleShot(True)
        box.show_timer.timeout.connect(lambda: (box.show(), changed(progress.done, progress.total, "")))
        box.show_timer.start(self.DIALOG_DELAY_MS)
        return box

    def show_error(self, title: str, message: str, details: str = "") -> None:
        box = QMessageBox(QMessageBox.Warning, title, message, QMessageBox.Ok, self.parent_widget)
        if details:
            box.setDetailedText(details)
        box.setObjectName("jobErrorBox")
        box.open()

    def wait(self, timeout_ms: int = 30000) -> bool:
        return self.pool.waitForDone(timeout_ms)
