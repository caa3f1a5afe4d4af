"""The job runner: work off the UI thread, a delayed progress dialog, quiet cancel, one error box."""
from __future__ import annotations

import threading
import time

from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from civdesk_ui.jobs import JobRunner


def _dialogs(parent):
    return [d for d in parent.findChildren(QProgressDialog)]


def test_progress_dialog_appears_late_and_cancel_is_quiet(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    runner = JobRunner(parent)
    seen_threads = []
    statuses = []
    runner.status.connect(statuses.append)

    def work(progress):
        seen_threads.append(threading.current_thread())
        for i in range(200):
            progress.check_cancelled()
            progress.update(i, 200, f"第 {i} 项")
            time.sleep(0.01)
        return "done"

    job = runner.run("测试任务", work)
    qtbot.wait(200)
    assert not any(d.isVisible() for d in _dialogs(parent))  # nothing flashes for quick work
    qtbot.waitUntil(lambda: any(d.isVisible() for d in _dialogs(parent)), timeout=3000)
    box = next(d for d in _dialogs(parent) if d.isVisible())
    qtbot.waitUntil(lambda: box.value() > 0, timeout=3000)
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QPushButton

    cancel = next(b for b in box.findChildren(QPushButton) if b.text() == "取消")
    qtbot.mouseClick(cancel, Qt.LeftButton)
    qtbot.waitUntil(lambda: job.finished, timeout=5000)
    assert job.was_cancelled and job.error is None and job.result is None
    assert seen_threads and seen_threads[0] is not threading.main_thread()
    assert any("已取消" in s for s in statuses)
    assert not parent.findChildren(QMessageBox)  # cancelling shows no error


def test_progress_updates_are_throttled(qtbot):
    runner = JobRunner(None)
    emitted = []

    def work(progress):
        progress.changed.connect(lambda *a: emitted.append(a))
        for i in range(5000):
            progress.update(i, 5000)
        progress.update(5000, 5000)

    job = runner.run("节流", work, dialog=False)
    qtbot.waitUntil(lambda: job.finished, timeout=5000)
    assert 1 <= len(emitted) <= 10  # at most ten a second, and the last one always


def test_error_is_shown_once_with_details(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    runner = JobRunner(parent)

    def work(progress):
        raise ValueError("文件「通知.pdf」无法读取：已损坏")

    job = runner.run("导入材料", work)
    qtbot.waitUntil(lambda: job.finished, timeout=5000)
    boxes = [b for b in parent.findChildren(QMessageBox) if b.objectName() == "jobErrorBox"]
    assert len(boxes) == 1
    assert "通知.pdf" in boxes[0].text()
    assert "Traceback" in boxes[0].detailedText() and "ValueError" in boxes[0].detailedText()
    assert job.error == "文件「通知.pdf」无法读取：已损坏"


def test_progress_box_never_comes_back_after_a_job_ends_with_a_question(qtbot):
    """A quick job ends in a question the clerk reads for 5 s: Qt's own progress-dialog
    timer (4 s after the box was made) must not bring the finished job's box back."""
    from PySide6.QtWidgets import QApplication

    from tests.ui.conftest import answer_no_after

    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    runner = JobRunner(parent)

    def work(progress):
        raise ValueError("导出前检查发现 2 项错误")

    answers, asked, over_question = [], [], []
    answer_no_after(5.0, asked, over_question)
    job = runner.run("导出申报材料包", work, show_errors=False)
    job.ended.connect(lambda: answers.append(QMessageBox.question(
        parent, "导出前检查发现错误", "是否仍然导出？") == QMessageBox.Yes))
    qtbot.waitUntil(lambda: answers == [False], timeout=20_000)
    assert over_question == []
    qtbot.wait(500)
    assert not any(d.isVisible() for d in QApplication.topLevelWidgets()
                   if isinstance(d, QProgressDialog))


def test_deleting_the_window_mid_job_delivers_nothing_and_ends_the_thread(qtbot):
    """The window goes away while a job runs: the job is cancelled, its thread ends, and
    nothing it sends arrives in the deleted window (no 'Signal source has been deleted')."""
    parent = QWidget()
    parent.show()
    runner = JobRunner(parent)
    running, thread_ended = threading.Event(), threading.Event()
    delivered = []

    def work(progress):
        try:
            running.set()
            for i in range(300):  # 3 s unless cancelled
                progress.check_cancelled()
                progress.update(i, 300, "处理中")
                time.sleep(0.01)
            return "done"
        finally:
            thread_ended.set()

    job = runner.run("长任务", work, on_done=delivered.append)
    job.done.connect(delivered.append)
    assert running.wait(10)
    qtbot.wait(700)  # the progress box is up
    with qtbot.capture_exceptions() as exceptions:
        started = time.monotonic()
        parent.deleteLater()
        qtbot.wait(100)
        deleted_in = time.monotonic() - started
        qtbot.wait(3500)  # whatever the job sent is delivered now
    assert [str(e[1]) for e in exceptions] == []
    assert thread_ended.is_set()
    assert deleted_in < 2.0  # cancelled, not waited out
    assert delivered == [] and job.was_cancelled


def test_ended_jobs_and_their_results_are_freed(qtbot):
    """A window runs a job per search and per listing all day: once a job has ended (done,
    failed or cancelled) and nobody holds it, it and its result are freed."""
    import gc
    import weakref

    runner = JobRunner(None)

    class Result:  # a search's results, say
        pass

    def fail(_progress):
        raise ValueError("坏文件")

    def cancel(progress):
        progress.cancel()
        progress.check_cancelled()

    refs = []
    for fn in (lambda _p: Result(), fail, cancel):
        job = runner.run("任务", fn, dialog=False, show_errors=False, on_done=lambda r: None)
        qtbot.waitUntil(lambda job=job: job.finished, timeout=5000)
        refs.append(weakref.ref(job))
        if job.result is not None:
            refs.append(weakref.ref(job.result))
        del job
    assert len(refs) == 4
    runner.pool.waitForDone(5000)
    qtbot.wait(50)  # the pool's tasks are deleted once run
    gc.collect()
    assert [r() for r in refs] == [None] * 4
