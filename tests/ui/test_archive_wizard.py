"""The 年度归档 wizard: settings, grouping, fixing the numbers, export with the check."""
from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QWizard

from civdesk.archive.arrange import plan
from civdesk.archive.settings import ArchiveSettings
from civdesk.library import Library
from civdesk.models import Unit
from civdesk_ui.archive_wizard import ArchiveWizard
from civdesk_ui.jobs import JobRunner
from tests.core.test_export_package import add_material, jpeg_bytes


def _select(table, rows) -> None:  # noqa: ANN001
    from PySide6.QtCore import QItemSelectionModel

    table.clearSelection()
    for r in rows:
        table.selectionModel().select(table.model().index(r, 0),
                                      QItemSelectionModel.Select | QItemSelectionModel.Rows)


def _library_with_office(tmp_path) -> tuple[Library, int]:  # noqa: ANN001
    lib = Library.create(tmp_path / "lib", sample=False)
    with lib.session() as s:
        s.add(Unit(name="市文明办"))
        s.flush()
        return lib, s.query(Unit).one().id


def _open_wizard(qtbot, lib: Library) -> tuple[JobRunner, ArchiveWizard]:  # noqa: ANN001
    """The wizard on screen, its first page filled for 2024 with 全宗号 Z109 and 市文明办=BGS."""
    jobs = JobRunner()
    wiz = ArchiveWizard(lib, jobs)
    qtbot.addWidget(wiz)
    wiz.show()
    page = wiz.year_page
    page.year.setValue(2024)
    page.fonds.setText("Z109")
    page.org_codes.setText("市文明办=BGS")
    return jobs, wiz


def test_wizard_arranges_numbers_and_exports(qtbot, tmp_path, answer_boxes):
    lib, unit = _library_with_office(tmp_path)
    for k in range(1, 4):
        add_material(lib, jpeg_bytes(k, (200, 150)), f"照片{k}.jpg", "jpeg", [], title=f"照片{k}",
                     date=dt.date(2024, 3, k), unit_id=unit)
    jobs, wiz = _open_wizard(qtbot, lib)
    page = wiz.year_page
    page.maker.setText("张三")
    wiz.next()
    assert ArchiveSettings.from_library(lib).org_codes == {"市文明办": "BGS"}
    arrange_page = wiz.arrange_page
    assert arrange_page.table.rowCount() == 3
    assert arrange_page.table.item(0, 0).text() == "* Z109-WS·2024-D30-BGS-0001"
    _select(arrange_page.table, [0, 1])
    arrange_page.title_edit.setText("志愿服务照片")
    arrange_page.group_button.click()
    assert arrange_page.table.rowCount() == 2
    _select(arrange_page.table, [1])
    arrange_page.retention.setCurrentIndex(arrange_page.retention.findData("Y"))
    arrange_page._set(retention="Y")
    wiz.next()
    preview = wiz.preview_page
    assert not preview.isComplete(), "export waits until the numbers are fixed"
    shown, answers = answer_boxes
    answers.append("是")
    preview.fix.click()
    assert shown[-1][0] == "固定档号"
    assert preview.isComplete()
    assert [preview.table.item(r, 1).text() for r in range(2)] == [
        "Z109-WS·2024-Y-BGS-0001", "Z109-WS·2024-D30-BGS-0001"]
    assert preview.table.item(1, 4).text() == "[志愿服务照片]"
    assert all(i.fixed for i in plan(lib, 2024).items)
    wiz.next()
    assert wiz.currentId() == 3 and wiz.button(QWizard.FinishButton).isVisible()
    export = wiz.export_page
    export.dest.setText(str(tmp_path / "移交"))
    job = export.start()
    qtbot.waitUntil(lambda: job.finished, timeout=60000)
    assert export.result is not None and export.result.report.ok
    assert (tmp_path / "移交" / "文件目录.XML").is_file()
    assert export.results.rowCount() == len(export.result.report.items)
    assert "四性检测" in export.status.text()
    jobs.close()
    lib.close()


def test_menu_opens_the_wizard(window, qtbot):
    action = next(a for m in window.menuBar().actions() for a in m.menu().actions()
                  if a.text().startswith("年度归档"))
    action.trigger()
    wiz = window.findChild(ArchiveWizard)
    assert wiz is not None and wiz.isVisible()
    wiz.close()


def test_wizard_kind_defaults_and_part_of_the_year(qtbot, tmp_path, answer_boxes):
    lib, unit = _library_with_office(tmp_path)
    doc = add_material(lib, jpeg_bytes(21, (200, 150)), "通知.jpg", "jpeg", [], title="通知",
                       date=dt.date(2024, 3, 1), unit_id=unit, category="正式发文")
    add_material(lib, jpeg_bytes(22, (200, 150)), "下半年.jpg", "jpeg", [], title="下半年照片",
                 date=dt.date(2024, 9, 1), unit_id=unit, category="图片")
    jobs, wiz = _open_wizard(qtbot, lib)
    page = wiz.year_page
    wiz.next()
    assert wiz.arrange_page.table.rowCount() == 2 and "D30" in wiz.arrange_page.table.item(0, 0).text()
    wiz.back()
    page.kind_retention.setText("正式发文＝y")  # full-width "=", lower case: as clerks type
    page.partial.setChecked(True)
    page.date_to.setDate(QDate(2024, 6, 30))
    wiz.next()
    assert ArchiveSettings.from_library(lib).retention_by_kind == {"正式发文": "Y"}
    table = wiz.arrange_page.table
    assert table.rowCount() == 1, "only the first half-year is shown"
    assert table.item(0, 0).text() == "* Z109-WS·2024-Y-BGS-0001" and doc in table.item(0, 0).data(256)
    assert "2024-01-01 至 2024-06-30" in wiz.arrange_page.info.text()
    wiz.back()
    page.kind_retention.setText("正式发文=X")
    wiz.next()
    assert wiz.currentPage() is page, "a wrong retention code keeps the clerk on the page"
    assert answer_boxes[0][-1][0] == "归档设置" and "保管期限" in answer_boxes[0][-1][1]
    jobs.close()
    lib.close()
