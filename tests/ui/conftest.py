"""UI tests run offscreen (QT_QPA_PLATFORM=offscreen is set in tests/conftest.py)."""
from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QMessageBox

from civdesk import ocr
from civdesk.library import Library


class FakeOcrEngine:
    """Stands in for RapidOCR (seconds of CPU per page): answers at once, or after ``delay``."""

    def __init__(self, delay: float = 0.0):
        self.delay = delay
        self.reading = threading.Event()
        self.pages = 0

    def read(self, png: bytes) -> str:
        assert png.startswith(b"\x89PNG")
        self.reading.set()
        if self.delay:
            threading.Event().wait(self.delay)  # one page cannot be interrupted, like the real engine
        self.pages += 1
        return "识别出的文字"


@pytest.fixture(autouse=True)
def fake_ocr(monkeypatch) -> FakeOcrEngine:
    """Every window of these tests reads scans with the fast fake engine."""
    engine = FakeOcrEngine()
    monkeypatch.setattr(ocr, "default_engine", lambda: engine)
    return engine


def close_and_delete(win) -> None:
    """Close the window as the clerk would, check no worker thread is left, then delete it."""
    win.close()
    busy = [name for name, jobs, pool in (("jobs", win.jobs.jobs, win.jobs.pool),
                                          ("background", win.background.jobs, win.background.pool),
                                          ("thumbnails", (), win.thumbs.pool))
            if jobs or pool.activeThreadCount()]
    win.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.DeferredDelete)
    QCoreApplication.processEvents()
    assert not busy, f"threads still running after the window closed: {busy}"


@pytest.fixture
def window(qtbot, tmp_path):
    from civdesk_ui.main_window import MainWindow

    lib = Library.create(tmp_path / "lib")
    win = MainWindow(lib)
    win.show()
    qtbot.waitExposed(win)
    yield win
    close_and_delete(win)
    lib.close()


@pytest.fixture
def answer_boxes(monkeypatch):
    """Message boxes answer themselves: ``answers`` lists the button texts to click, in turn
    (确定 when empty); every box shown is recorded as (title, text, button texts)."""
    shown: list[tuple[str, str, list[str]]] = []
    answers: list[str] = []

    def exec_(box: QMessageBox) -> int:
        texts = [b.text() for b in box.buttons()]
        shown.append((box.windowTitle(), box.text(), texts))
        wanted = answers.pop(0) if answers else "确定"
        button = next(b for b in box.buttons() if b.text() == wanted)
        button.click()
        return box.standardButton(button)

    monkeypatch.setattr(QMessageBox, "exec", exec_)
    return shown, answers


def visible_progress_boxes() -> list[str]:
    """The labels of the progress boxes on screen."""
    from PySide6.QtWidgets import QApplication, QProgressDialog

    return [w.labelText() for w in QApplication.topLevelWidgets()
            if isinstance(w, QProgressDialog) and w.isVisible()]


def answer_no_after(seconds: float, asked: list[str], over_question: list[str]) -> None:
    """Like a clerk: wait for the question box, read it for ``seconds``, note what it says
    (``asked``) and which progress boxes cover it (``over_question``), then click 否."""
    import time

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    started = time.monotonic()

    def poll() -> None:
        box = next((w for w in QApplication.topLevelWidgets()
                    if isinstance(w, QMessageBox) and w.isVisible()), None)
        if box is None or time.monotonic() - started < seconds:
            QTimer.singleShot(100, poll)
            return
        asked.append(box.text())
        over_question.extend(visible_progress_boxes())
        box.button(QMessageBox.No).click()

    QTimer.singleShot(100, poll)
