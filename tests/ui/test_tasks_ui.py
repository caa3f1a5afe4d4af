"""The window's task round trip: packages for all units off the UI thread, a returned package
dropped in is received (not imported as loose files), then reviewed in the review dialog."""
from __future__ import annotations

import datetime as dt
import zipfile

from PySide6.QtCore import Qt

from civdesk.tasks import export_package, list_submissions
from tests.core.tasks_helpers import PHOTOS, caption, docx_file, gbk_zip, put


def _wait(qtbot, win, timeout=120_000):
    qtbot.waitUntil(lambda: not win.jobs.jobs, timeout=timeout)


def test_export_packages_for_all_units(window, qtbot, tmp_path, answer_boxes):
    from civdesk_ui.tasks_ui import export_all_packages

    shown, _ = answer_boxes
    job = export_all_packages(window, str(tmp_path / "包"))
    assert job is not None
    _wait(qtbot, window)
    infos = window.last_task_export
    zips = sorted((tmp_path / "包").glob("*.zip"))
    assert len(zips) == len(infos) >= 15
    with zipfile.ZipFile(next(z for z in zips if "团市委" in z.name)) as zf:
        names = zf.namelist()
    assert any(n.endswith("/task.json") for n in names) and any("Ⅲ-8：1" in n for n in names)
    assert shown and "生成任务包" in shown[-1][0]


def test_dropped_package_is_received_and_reviewed(window, qtbot, tmp_path, answer_boxes):
    lib = window.lib
    info = export_package(lib, "市民政局", tmp_path / "out", today=dt.date(2024, 5, 10))
    put(info.path, "Ⅲ-3：2", PHOTOS / "jpg__Canon_40D.jpg", "宣传栏.jpg")
    put(info.path, "Ⅲ-3：2", docx_file(tmp_path, "a.docx", "居民公约情况说明"), "情况说明.docx")
    caption(info.path, [("宣传栏.jpg", "", "2024年3月1日", "幸福社区", "居民", "居民公约宣传", "", "", "")])
    zpath = gbk_zip(info.path, tmp_path / "民政局.zip")
    assert window.start_import([zpath]) is None          # no import options asked: it is a package
    _wait(qtbot, window)
    [sub] = list_submissions(lib)
    dialog = window.review_dialog
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 2, timeout=60_000)
    _wait(qtbot, window)
    titles = [dialog.table.item(r, 1).text() for r in range(2)]
    report_row = titles.index("情况说明")
    dialog.table.selectRow(report_row)
    dialog.reason.setCurrentText("")
    dialog.return_selected()                              # no reason: refused with a warning
    assert any("退回原因" in text for _, text, _ in answer_boxes[0])
    dialog.reason.setCurrentText("说明报告为总结式写法，缺少具体数据")
    dialog.return_selected()
    _wait(qtbot, window)
    dialog = window.review_dialog
    qtbot.waitUntil(lambda: dialog.detail is not None and dialog.detail.submission.returned == 1,
                    timeout=60_000)
    photo_row = next(r for r in range(dialog.table.rowCount()) if dialog.table.item(r, 1).text() == "宣传栏")
    dialog.table.selectRow(photo_row)
    dialog.accept_selected()
    _wait(qtbot, window)
    [sub] = list_submissions(lib)
    assert (sub.accepted, sub.returned, sub.pending) == (1, 1, 0)
    qtbot.waitUntil(lambda: window.review_dialog.detail.submission.accepted == 1, timeout=60_000)
    states = {window.review_dialog.table.item(r, 1).text(): window.review_dialog.table.item(r, 3).text()
              for r in range(2)}
    assert states == {"宣传栏": "已采用", "情况说明": "已退回"}
    assert window.review_dialog.table.item(0, 0).data(Qt.UserRole)
    window.review_dialog.close()
