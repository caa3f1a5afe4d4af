"""The workspace driven offscreen: import, drag-and-drop filing, caption edit + undo, search to page."""
from __future__ import annotations

import shutil
import warnings

import pymupdf
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from civdesk import materials as mat
from civdesk.checklist import store as cl
from civdesk.importer import ImportOptions
from civdesk.models import Link

PHRASE = "礼遇帮扶道德模范"


def _wait_jobs(qtbot, win, timeout=120_000):
    qtbot.waitUntil(lambda: not win.jobs.jobs and not win.background.jobs, timeout=timeout)


def _pdf_with_phrase_on_page_3(path):
    doc = pymupdf.open()
    for n in range(1, 5):
        page = doc.new_page()
        text = f"第{n}页 文明城市创建工作情况" + (f"，建立{PHRASE}制度并落实。" if n == 3 else "。")
        page.insert_text((72, 100), text, fontname="china-s", fontsize=12)
    doc.save(path)


@pytest.fixture
def corpus(tmp_path, fixtures):
    folder = tmp_path / "市文明办报送"
    shutil.copytree(fixtures / "corpus", folder)
    _pdf_with_phrase_on_page_3(folder / "道德模范礼遇帮扶情况说明.pdf")
    return folder


def _import(qtbot, window, folder):
    job = window.start_import([folder], ImportOptions(unit="市文明办"), ask=False)
    _wait_jobs(qtbot, window)
    assert job.error is None
    return window.last_report


def test_import_shows_report_and_fills_unfiled(window, qtbot, corpus):
    report = _import(qtbot, window, corpus)
    assert report.count("imported") == 33
    dialog = window.report_dialog
    assert dialog.isVisible()
    assert dialog.model.rowCount() == len(report.entries)
    texts = [dialog.model.text(r, 2) for r in range(dialog.model.rowCount())]
    assert any("损坏" in t for t in texts)  # corrupted.jpg explained
    assert any("加密" in t for t in texts)  # the password PDF explained
    dialog.close()
    tree = window.checklist_panel.tree
    unfiled = tree.topLevelItem(tree.topLevelItemCount() - 1)
    qtbot.waitUntil(lambda: unfiled.text(2) == "33")  # counts are read off the UI thread
    tree.setCurrentItem(unfiled)
    assert len(window.model.ids) == 33


warnings.filterwarnings("ignore", category=DeprecationWarning, message=".*QDrag.*Event")


def _drop(tree, item, mime):
    """What a mouse drag does: enter, move over the item, drop."""
    pos = QPointF(tree.visualItemRect(item).center())
    for cls in (QDragEnterEvent, QDragMoveEvent, QDropEvent):
        if cls is QDropEvent:
            event = QDropEvent(pos, Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
        else:
            event = cls(pos.toPoint(), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
        QApplication.sendEvent(tree.viewport(), event)
        assert event.isAccepted(), cls.__name__


def test_drag_and_drop_files_a_material_and_undo(window, qtbot, corpus):
    _import(qtbot, window, corpus)
    window.report_dialog.close()
    tree = window.checklist_panel.tree
    tree.setCurrentItem(tree.topLevelItem(tree.topLevelItemCount() - 1))
    window.view_toggle.setCurrentIndex(1)
    photo_row = next(r for r in range(window.model.rowCount())
                     if window.model.row(r).original_name == "jpg__Canon_40D.jpg")
    mid = window.model.material_id(photo_row)
    window.select_material(mid)
    mime = window.model.mimeData([window.model.index(photo_row, 0)])
    st = cl.find_standard(window.lib, "Ⅲ-5:1")
    target = window.checklist_panel.item_for_standard(st.id)
    target.parent().setExpanded(True)
    tree.scrollToItem(target)
    _drop(tree, target, mime)
    with window.lib.session() as s:
        assert s.scalar(select(Link.id).where(Link.material_id == mid, Link.standard_id == st.id))
    target = window.checklist_panel.item_for_standard(st.id)
    qtbot.waitUntil(lambda: target.text(2) == "1")  # the tree's count follows (read off the UI thread)
    window.undo_stack.undo()
    with window.lib.session() as s:
        assert not s.scalar(select(Link.id).where(Link.material_id == mid))


def test_edit_caption_then_undo(window, qtbot, corpus):
    _import(qtbot, window, corpus)
    window.report_dialog.close()
    tree = window.checklist_panel.tree
    tree.setCurrentItem(tree.topLevelItem(tree.topLevelItemCount() - 1))
    mid = next(i for i in window.model.ids if mat.get_row(window.lib, i).original_name == "jpg__Nikon_D70.jpg")
    window.select_material(mid)
    editor = window.detail.editor
    assert editor.caption_box.isVisibleTo(editor)  # a photo: caption fields shown
    editor.fields["caption_place"].setText("安宁市人民广场")
    editor.fields["caption_event"].setText("道德模范颁奖仪式")
    qtbot.mouseClick(editor.save, Qt.LeftButton)
    row = mat.get_row(window.lib, mid)
    assert (row.caption_place, row.caption_event) == ("安宁市人民广场", "道德模范颁奖仪式")
    assert window.model.data(window.model.index(window.model.row_of[mid], 0)) == row.title
    window.undo_stack.undo()
    row = mat.get_row(window.lib, mid)
    assert (row.caption_place, row.caption_event) == ("", "")
    assert editor.fields["caption_place"].text() == ""  # the editor shows the restored value
    window.undo_stack.redo()
    assert mat.get_row(window.lib, mid).caption_place == "安宁市人民广场"


def test_search_opens_hit_at_its_page(window, qtbot, corpus):
    _import(qtbot, window, corpus)
    window.report_dialog.close()
    window.update_index()
    _wait_jobs(qtbot, window)
    window.search_box.setText(PHRASE)
    qtbot.waitUntil(lambda: window.search_query == PHRASE and not window.jobs.jobs, timeout=10_000)
    _wait_jobs(qtbot, window)
    qtbot.waitUntil(lambda: len(window.model.ids) == 1, timeout=10_000)
    row = mat.get_row(window.lib, window.model.ids[0])
    assert row.original_name == "道德模范礼遇帮扶情况说明.pdf"
    assert window.selected_ids() == [row.id]
    assert window.detail.preview.current_page() == 3
    assert "【" + PHRASE + "】" in window.model.snippets[row.id]


def test_search_as_you_type_is_debounced(window, qtbot, corpus, monkeypatch):
    _import(qtbot, window, corpus)
    window.report_dialog.close()
    calls = []
    original = window.run_search
    monkeypatch.setattr(window, "run_search", lambda: (calls.append(window.search_box.text()), original()))
    window._search_timer.timeout.disconnect()
    window._search_timer.timeout.connect(window.run_search)
    for text in ("道", "道德", "道德模", "道德模范"):
        window.search_box.setText(text)
    qtbot.waitUntil(lambda: bool(calls), timeout=5_000)
    qtbot.wait(400)
    assert calls == ["道德模范"]


def test_window_recovers_from_a_damaged_index(qtbot, tmp_path, corpus):
    from civdesk.library import Library
    from civdesk_ui.main_window import MainWindow

    path = tmp_path / "lib"
    with Library.create(path) as lib:
        lib.import_paths([corpus], ImportOptions(workers=1))
        lib.search_index.catch_up()
    root = path / "index" / "whoosh"
    import json

    live = root / json.loads((root / "CURRENT").read_text(encoding="utf-8"))["dir"]
    for seg in live.glob("*.seg"):
        seg.unlink()  # a damaged index: segment files gone
    lib = Library.open(path)
    messages = []
    from PySide6.QtWidgets import QStatusBar

    original = QStatusBar.showMessage
    win = None

    def record(bar, text, timeout=0):
        messages.append(text)
        original(bar, text, timeout)

    QStatusBar.showMessage = record
    try:
        win = MainWindow(lib)
        qtbot.addWidget(win)
        win.show()
        _wait_jobs(qtbot, win)
    finally:
        QStatusBar.showMessage = original
    assert any("重建" in m and "已完成" in m for m in messages), messages
    win.search_box.setText(PHRASE)
    qtbot.waitUntil(lambda: len(win.model.ids) == 1, timeout=20_000)
    assert mat.get_row(lib, win.model.ids[0]).original_name == "道德模范礼遇帮扶情况说明.pdf"
    win.close()
    lib.close()
