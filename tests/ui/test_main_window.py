"""The main window: opens on a library with the sample checklist, imports a checklist."""
from __future__ import annotations

import subprocess
import sys
import time

from civdesk.checklist import store as cl
from tests.conftest import ROOT


def _tree_texts(win) -> list[str]:
    tree = win.checklist_panel.tree
    out = []

    def walk(item):
        out.append(item.text(0))
        for i in range(item.childCount()):
            walk(item.child(i))

    for i in range(tree.topLevelItemCount()):
        walk(tree.topLevelItem(i))
    return out


def test_window_shows_sample_checklist_and_library_path(window):
    assert "CivDesk" in window.windowTitle()
    assert str(window.lib.path.resolve()) in window.path_label.text()
    texts = _tree_texts(window)
    assert texts[0].startswith("Ⅰ-1")
    assert any(t.startswith("Ⅲ-5") for t in texts)
    assert sum(1 for t in texts if "）" in t[:4]) >= 23  # the standards are in the tree
    menus = [a.text() for a in window.menuBar().actions()]
    assert menus[0].startswith("文件") and any(m.startswith("测评体系") for m in menus)


def test_selecting_a_standard_shows_methods_units_deadline(window, qtbot):
    tree = window.checklist_panel.tree
    st = cl.find_standard(window.lib, "Ⅲ-2:2")
    item = next(it for it in _items(tree) if it.data(0, 0x0100) == st.id and it.data(0, 0x0101) == "standard")
    tree.setCurrentItem(item)
    html = window.detail.standard.toPlainText()
    assert "材料审核、问卷调查" in html and "市委宣传部" in html and "2024-04-30" in html
    assert "图片≥4" in html


def _items(tree):
    stack = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
    while stack:
        it = stack.pop()
        yield it
        stack.extend(it.child(i) for i in range(it.childCount()))


def test_import_wizard_previews_then_imports_new_checklist(window, qtbot, fixtures, answer_boxes):
    from civdesk_ui.checklist_dialogs import ChecklistImportWizard

    wizard = ChecklistImportWizard(window)
    qtbot.addWidget(wizard)
    wizard.separate.setChecked(True)
    wizard.name_edit.setText("未成年人思想道德建设测评体系（示例）")
    wizard.set_path(fixtures / "checklists" / "测评体系示例.docx")
    assert "测评标准 23 条" in wizard.text.toPlainText()
    assert wizard.ok.isEnabled()
    assert len(cl.list_checklists(window.lib)) == 1  # nothing written by the preview
    wizard.ok.click()
    infos = cl.list_checklists(window.lib)
    assert len(infos) == 2
    assert window.checklist_panel.switcher.count() == 2
    assert "未成年人" in window.checklist_panel.switcher.currentText()
    shown, _ = answer_boxes
    assert [(title, buttons) for title, _, buttons in shown] == [("导入完成", ["确定"])]


def test_period_dialog_saves(window, qtbot):
    import datetime as dt

    from PySide6.QtCore import QDate

    from civdesk_ui.checklist_dialogs import PeriodDialog

    dlg = PeriodDialog(window, window.checklist_panel.checklist_id)
    qtbot.addWidget(dlg)
    dlg.year.setValue(2025)
    dlg.start.setDate(QDate(2024, 8, 1))
    dlg.end.setDate(QDate(2025, 7, 31))
    dlg._save()
    periods = cl.get_checklist(window.lib).periods
    assert any(p.year == 2025 and p.start == dt.date(2024, 8, 1) for p in periods)


def test_gui_entry_point_starts_and_quits(tmp_path):
    """`python main.py` opens the default library (creating it) and stays up until closed."""
    shot = tmp_path / "shot.png"
    env = {"CIVDESK_HOME": str(tmp_path / "home"), "QT_QPA_PLATFORM": "offscreen",
           "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([sys.executable, "main.py", "--screenshot", str(shot)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert shot.stat().st_size > 10_000
    assert (tmp_path / "home" / "data" / "资料库" / "library.db").exists()


def test_gui_quit_when_shown_reports_the_first_paint(tmp_path):
    """`main.py --quit-when-shown` (used by bench/bench_startup.py) prints when the window was
    first painted and exits by itself."""
    env = {"CIVDESK_HOME": str(tmp_path / "home"), "QT_QPA_PLATFORM": "offscreen",
           "PATH": "/usr/bin:/bin"}
    before = time.time()
    proc = subprocess.run([sys.executable, "main.py", "--quit-when-shown"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    painted = [float(line.split()[1]) for line in proc.stderr.splitlines()
               if line.startswith("first-paint ")]
    assert len(painted) == 1 and before < painted[0] < time.time()


def test_gui_quit_when_ready_reports_when_the_list_is_shown(tmp_path, fixtures):
    """`main.py --quit-when-ready` (used by bench/bench_shared.py) prints the first paint, then
    the moment the material list is shown with its number of rows, and exits by itself."""
    from civdesk import materials as mat
    from civdesk.checklist.store import checklist_tree
    from civdesk.library import Library

    with Library.create(tmp_path / "lib") as lib:
        lib.import_paths([fixtures / "corpus" / "photos"])
        first = checklist_tree(lib).roots[0]  # the item the window selects at start
        standard = next(st for n in first.walk() for st in n.standards)
        mat.link(lib, mat.list_ids(lib), standard.id)
        count = lib.info().materials
    env = {"CIVDESK_HOME": str(tmp_path / "home"), "QT_QPA_PLATFORM": "offscreen",
           "PATH": "/usr/bin:/bin"}
    before = time.time()
    proc = subprocess.run([sys.executable, "main.py", "--library", str(tmp_path / "lib"), "--quit-when-ready"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    marks = {line.split()[0]: line.split()[1:] for line in proc.stderr.splitlines()
             if line.startswith(("first-paint ", "ready "))}
    painted, (ready, rows) = float(marks["first-paint"][0]), marks["ready"]
    assert before < painted <= float(ready) < time.time()
    assert int(rows) == count > 0  # all of them filed under the first item, all of them listed


def _scan_pdf(path) -> None:
    """An image-only PDF (no text layer): it waits for OCR after import."""
    import pymupdf

    src = pymupdf.open()
    page = src.new_page(width=300, height=150)
    page.insert_text((30, 80), "文明实践", fontname="china-s", fontsize=24)
    png = page.get_pixmap(dpi=100).tobytes("png")
    out = pymupdf.open()
    out.new_page(width=300, height=150).insert_image(pymupdf.Rect(0, 0, 300, 150), stream=png)
    out.save(path)


def test_closing_the_window_during_ocr_leaves_nothing_running(qtbot, tmp_path, fake_ocr):
    """Closed while OCR reads a page: the OCR job and the index catch-up it would start
    end with the window; nothing reports into the deleted window."""
    from civdesk import ocr
    from civdesk.library import Library
    from civdesk_ui.main_window import MainWindow
    from tests.ui.conftest import close_and_delete

    _scan_pdf(tmp_path / "扫描件.pdf")
    lib = Library.create(tmp_path / "lib")
    lib.import_paths([tmp_path / "扫描件.pdf"])
    assert ocr.pending_count(lib) == 1
    fake_ocr.delay = 1.5  # a page being read cannot be interrupted
    win = MainWindow(lib)
    win.show()
    assert fake_ocr.reading.wait(20)
    with qtbot.capture_exceptions() as exceptions:
        close_and_delete(win)
        qtbot.wait(2500)  # whatever the jobs sent is delivered now
    assert [str(e[1]) for e in exceptions] == []
    lib.close()
