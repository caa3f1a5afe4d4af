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
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QProgressBar, QProgressDialog, QWidget

from civdesk.progress import Cancelled
from civdesk_ui.messages import message_box


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
        self.box: QProgressDialog | None = None


class JobRunner(QObject):
    """Runs jobs on a thread pool and shows their progress.

    Results reach the window only while the runner is alive and the job is
    still open: :meth:`stop` (and :meth:`close`, when the window closes)
    cancels every job, waits for the threads and drops what is still on its
    way, so nothing arrives in a window that is gone.  If the runner is
    deleted without being closed, its jobs are cancelled all the same.
    """

    status = Signal(str)
    DIALOG_DELAY_MS = 500

    def __init__(self, parent: QWidget | None = None, max_threads: int = 2):
        super().__init__(parent)
        self.parent_widget = parent
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self.jobs: list[Job] = []
        self.closed = False
        jobs = self.jobs
        # runs before the pool (a child) is deleted, which waits for its threads
        self.destroyed.connect(lambda *_: _abandon(jobs))

    def run(self, title: str, fn: Callable[[QtProgress], Any], *,
            on_done: Callable[[Any], None] | None = None, dialog: bool = True,
            show_errors: bool = True) -> Job:
        progress = QtProgress()
        job = Job(title, progress)
        if self.closed:  # the window is closing: no new work
            job.finished = job.was_cancelled = True
            return job
        task = _Task(fn, progress)
        job.signals = task.signals  # keep the sender alive until its queued signals arrive
        if dialog:
            job.box = self._dialog(job)

        def ok(result: Any) -> None:
            if not self._open(job):
                return
            job.result = result
            self._finish(job)
            self.status.emit(f"{title}：完成")
            if on_done is not None:
                on_done(result)
            job.done.emit(result)

        def failed(message: str, details: str) -> None:
            if not self._open(job):
                return
            job.error = message
            self._finish(job)
            self.status.emit(f"{title}：失败")
            if show_errors:
                self.show_error(title, message, details)

        def cancelled(message: str) -> None:
            if not self._open(job):
                return
            job.was_cancelled = True
            self._finish(job)
            self.status.emit(message)

        def changed(done: int, total: int, message: str) -> None:
            if self._open(job):
                self.status.emit(f"{title}：{done}/{total} {message}")

        task.signals.finished.connect(ok, Qt.QueuedConnection)
        task.signals.failed.connect(failed, Qt.QueuedConnection)
        task.signals.cancelled.connect(cancelled, Qt.QueuedConnection)
        progress.changed.connect(changed, Qt.QueuedConnection)
        self.jobs.append(job)
        self.pool.start(task)
        return job

    def _open(self, job: Job) -> bool:
        """Whether a result or progress report for ``job`` may still be shown."""
        return not job.finished and shiboken6.isValid(self)

    def _finish(self, job: Job) -> None:
        job.finished = True
        box, job.box = job.box, None
        if box is not None:
            box.show_timer.stop()
            box.hide()  # not close(): that would emit canceled
            box.deleteLater()
        self.jobs.remove(job)
        job.ended.emit()
        _release(job)

    def _dialog(self, job: Job) -> QProgressDialog:
        title, progress = job.title, job.progress
        box = QProgressDialog(title, "取消", 0, 0, self.parent_widget)
        # The constructor starts Qt's own show timer (4 s), which shows the box even after it
        # was hidden, e.g. while the job's last question is open.  reset() stops it, and this
        # box never calls QProgressDialog.setValue/setMinimumDuration, which would restart it:
        # the bar is ours and the box is shown only by show_timer below.
        box.reset()
        bar = QProgressBar(box)
        bar.setRange(0, 0)
        box.setBar(bar)
        box.setWindowTitle(title)
        box.setWindowModality(Qt.WindowModal)
        box.canceled.disconnect()
        box.canceled.connect(progress.cancel)
        box.canceled.connect(lambda: box.setLabelText("正在取消……"))

        def changed(done: int, total: int, message: str) -> None:
            if not self._open(job):
                return
            box.setLabelText(f"{title}\n{message}" if message else title)
            bar.setRange(0, max(total, 1))
            bar.setValue(min(done, max(total, 1)))

        progress.changed.connect(changed, Qt.QueuedConnection)
        box.show_timer = QTimer(box)
        box.show_timer.setSingleShot(True)
        box.show_timer.timeout.connect(lambda: (box.show(), changed(progress.done, progress.total, "")))
        box.show_timer.start(self.DIALOG_DELAY_MS)
        return box

    def show_error(self, title: str, message: str, details: str = "") -> None:
        box = message_box(self.parent_widget, QMessageBox.Warning, title, message)
        if details:
            box.setDetailedText(details)
        box.setObjectName("jobErrorBox")
        box.open()

    def wait(self, timeout_ms: int = 30000) -> bool:
        return self.pool.waitForDone(timeout_ms)

    def cancel_all(self) -> None:
        for job in self.jobs:
            job.progress.cancel()

    def stop(self, timeout_ms: int = 30000) -> bool:
        """Cancel every job and wait for its thread; results still on their way are dropped.

        Returns whether the threads ended within ``timeout_ms``.
        """
        jobs = list(self.jobs)
        self.cancel_all()
        idle = self.pool.waitForDone(timeout_ms)
        for job in jobs:
            if not job.finished:
                job.was_cancelled = True
                self._finish(job)
        return idle

    def close(self, timeout_ms: int = 30000) -> bool:
        """:meth:`stop`, and start no job after this."""
        self.closed = True
        return self.stop(timeout_ms)


def _release(job: Job) -> None:
    """Disconnect an ended job's signals from the runner's closures.

    Each closure refers to the job, and a connection to a Python callable lives in Qt, out of
    the garbage collector's sight: without this, every job (a search, a listing, with its
    result) would stay in memory as long as the window.  The task still holds its signals
    object until its thread lets go of it, so a signal already on its way finds a sender.
    """
    signals = getattr(job, "signals", None)
    job.signals = None
    for signal in ((signals.finished, signals.failed, signals.cancelled) if signals is not None else ()) \
            + (job.progress.changed,):
        try:
            signal.disconnect()
        except (RuntimeError, TypeError):  # nothing connected (a job refused at close)
            pass


def _abandon(jobs: list[Job]) -> None:
    """The runner is being deleted: cancel its jobs and let nothing of them arrive."""
    for job in jobs:
        job.progress.cancel()
        job.finished = job.was_cancelled = True
