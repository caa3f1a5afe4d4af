"""A process lock on a library folder.

A second process opening the same library gets :class:`LibraryLockedError`
with a Chinese message instead of corrupting it.  The lock is an OS lock on
``library.lock`` (``flock`` on POSIX, ``msvcrt.locking`` on Windows), so it
disappears with the process that held it, even after a crash.

A ``flock`` belongs to the open file, which a forked child shares: a child
outliving its parent (an extraction worker) would keep the library locked,
naming a dead process.  So a forked child closes its copy of the descriptor
at once (:func:`os.register_at_fork`), and the descriptor is not inherited
by programs started with ``exec`` (``O_CLOEXEC``).
"""
from __future__ import annotations

import json
import os
import socket
import weakref
from pathlib import Path

if os.name == "nt":  # pragma: no cover - exercised on Windows only
    import msvcrt
else:
    import fcntl


class LibraryLockedError(RuntimeError):
    """The library is open in another process."""


_HELD: weakref.WeakSet[LibraryLock] = weakref.WeakSet()


class LibraryLock:
    def __init__(self, path: Path):
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
        try:
            _lock(fd)
        except OSError:
            holder = _read_holder(fd)
            os.close(fd)
            raise LibraryLockedError(
                f"资料库正被另一个程序使用{holder}，无法同时打开：{self.path.parent}\n"
                "请先关闭另一个 CivDesk 窗口或命令，再重试。"
            ) from None
        os.ftruncate(fd, 0)
        info = {"pid": os.getpid(), "host": socket.gethostname()}
        os.write(fd, json.dumps(info).encode())
        self._fd = fd
        _HELD.add(self)

    def release(self) -> None:
        if self._fd is None:
            return
        _HELD.discard(self)
        try:
            _unlock(self._fd)
        finally:
            os.close(self._fd)
            self._fd = None

    def _forget_in_child(self) -> None:
        """In a forked child: drop the shared descriptor without unlocking it
        (an unlock would release the parent's lock too)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None


def _after_fork_in_child() -> None:
    for lock in list(_HELD):
        lock._forget_in_child()
    _HELD.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _read_holder(fd: int) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        info = json.loads(os.read(fd, 4096).decode() or "{}")
        return f"（进程 {info.get('pid')}，计算机 {info.get('host')}）"
    except (OSError, ValueError):
        return ""


def _lock(fd: int) -> None:
    if os.name == "nt":  # pragma: no cover
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    else:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _unlock(fd: int) -> None:
    if os.name == "nt":  # pragma: no cover
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
