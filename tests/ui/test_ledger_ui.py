"""台账与排行 in the window: opened from the 任务与报送 menu, computed off the UI thread,
units ranked by what is outstanding, and each figure double-clicked shows what it counts."""
from __future__ import annotations

import datetime as dt
import os

from PySide6.QtCore import Qt

from civdesk.tasks import export_package, receive, review
from civdesk_ui.ledger_dialog import RANK_COLUMNS
from tests.core.tasks_helpers import PHOTOS, caption, docx_file, gbk_zip, put


def _col(field: str) -> int:
    return [f for _, f in RANK_COLUMNS].index(field)


def _double_click(qtbot, table, row: int, col: int) -> None:
    table.scrollToItem(table.item(row, col))
    rect = table.visualItemRect(table.item(row, col))
    qtbot.mouseClick(table.viewport(), Qt.LeftButton, pos=rect.center())   # a press, as Qt 6's view
    qtbot.mouseDClick(table.viewport(), Qt.LeftButton, pos=rect.center())  # wants before a double


def test_ledger_ranks_units_and_shows_what_each_figure_counts(window, qtbot, tmp_path):
    lib = window.lib
    info = export_package(lib, "市民政局", tmp_path / "out", today=dt.date(2024, 5, 10))
    put(info.path, "Ⅲ-3：2", PHOTOS / "jpg__Canon_40D.jpg", "宣传栏.jpg")
    put(info.path, "Ⅲ-3：2", docx_file(tmp_path, "a.docx", "居民公约情况说明"), "情况说明.docx")
    caption(info.path, [("宣传栏.jpg", "", "2024年3月1日", "幸福社区", "居民", "居民公约宣传", "", "", "")])
    got = receive(lib, gbk_zip(info.path, tmp_path / "民政局.zip"))
    [photo] = [mid for mid, _, path in got.filed if path.endswith("宣传栏.jpg")]
    [report] = [mid for mid, _, path in got.filed if path.endswith("情况说明.docx")]
    review(lib, got.submission_id, accept=[photo], returned=[report], reason="缺少具体数据")

    menu = next(m for m in window.menuBar().actions() if m.text().startswith("任务与报送"))
    next(a for a in menu.menu().actions() if a.text() == "台账与排行…").trigger()
    dialog = window.ledger_dialog
    qtbot.waitUntil(lambda: dialog.rank.rowCount() > 0, timeout=60_000)   # filled by a job
    ledger = dialog.ledger
    shown = [dialog.rank.item(r, _col("unit")).text() for r in range(dialog.rank.rowCount())]
    assert shown == [u.unit for u in ledger.units] and len(shown) >= 15
    owed = [int(dialog.rank.item(r, _col("outstanding")).text()) for r in range(len(shown))]
    assert owed == sorted(owed, reverse=True) and owed[0] > 0

    row = shown.index("市民政局")
    figures = {f: dialog.rank.item(row, _col(f)).text()
               for f in ("issued", "received", "accepted", "returned", "pending", "outstanding")}
    assert figures == {"issued": "3", "received": "2", "accepted": "1", "returned": "1", "pending": "0",
                       "outstanding": str(ledger.unit("市民政局").outstanding)}

    _double_click(qtbot, dialog.rank, row, _col("returned"))
    assert dialog.detail.rowCount() == 1
    texts = [dialog.detail.item(0, c).text() for c in range(dialog.detail.columnCount())]
    assert texts[0] == "Ⅲ-3:2" and "已退回" in texts and "缺少具体数据" in texts
    assert dialog.detail.item(0, 0).data(Qt.UserRole) == report
    assert "已退回材料：1" in dialog.detail_label.text()

    _double_click(qtbot, dialog.rank, row, _col("received"))
    assert {dialog.detail.item(r, 0).data(Qt.UserRole) for r in range(dialog.detail.rowCount())} \
        == {photo, report}

    _double_click(qtbot, dialog.rank, row, _col("outstanding"))       # standards, not materials
    codes = {dialog.detail.item(r, 0).text() for r in range(dialog.detail.rowCount())}
    assert len(codes) == int(figures["outstanding"]) and codes == set(ledger.unit("市民政局").outstanding_codes)
    assert dialog.detail.horizontalHeaderItem(1).text() == "测评标准"

    _double_click(qtbot, dialog.rank, row, _col("pending"))           # an empty list for 0
    assert dialog.detail.rowCount() == 0 and "待审核材料：0" in dialog.detail_label.text()

    _double_click(qtbot, dialog.rank, row, _col("issued"))
    _double_click(qtbot, dialog.rank, row, _col("accepted"))
    if os.environ.get("CIVDESK_SCREENSHOT"):
        dialog.grab().save(os.environ["CIVDESK_SCREENSHOT"])
    dialog.close()
