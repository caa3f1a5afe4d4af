"""UI tests run offscreen (QT_QPA_PLATFORM=offscreen is set in tests/conftest.py)."""
from __future__ import annotations

import pytest

from civdesk.library import Library


@pytest.fixture
def window(qtbot, tmp_path):
    from civdesk_ui.main_window import MainWindow

    lib = Library.create(tmp_path / "lib")
    win = MainWindow(lib)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.jobs.wait(10000)
    win.lib.close()
