"""「导入任务分解表到现有测评体系」: the column-mapping step and the merge preview, then confirm."""
from __future__ import annotations

import datetime as dt

import openpyxl

from civdesk.checklist import store as cl
from tests.core.test_checklist_layers import write_structure_docx, write_task_xlsx


def _structured(window, tmp_path) -> int:
    lib = window.lib
    cid = cl.commit_import(lib, cl.preview_import(lib, write_structure_docx(tmp_path / "体系.docx"),
                                                  separate=True)).checklist_id
    cl.set_period(lib, cid, dt.date(2024, 8, 1), dt.date(2025, 7, 31))
    window.checklist_panel.reload(cid)
    return cid


def test_menu_entry_preview_tabs_and_confirm(window, qtbot, tmp_path, monkeypatch):
    from civdesk_ui import task_merge_dialog
    from civdesk_ui.task_merge_dialog import TaskMergeWizard

    cid = _structured(window, tmp_path)
    entry = next(a for a in window.actions() if a.text() == "导入任务分解表到现有测评体系…")
    assert entry is not None
    monkeypatch.setattr(task_merge_dialog, "inform", lambda *a: None)
    dlg = TaskMergeWizard(window, write_task_xlsx(tmp_path / "任务分解表.xlsx"), cid)
    qtbot.addWidget(dlg)
    qtbot.waitUntil(lambda: dlg.preview is not None, timeout=30_000)     # read off the UI thread
    assert dlg.pages.currentIndex() == 1
    tabs = [dlg.tabs.tabText(i) for i in range(dlg.tabs.count())]
    assert tabs == ["概要", "对应（4）", "将修改（14）", "未对应的行（1）", "未覆盖的标准（3）", "需核对（3）",
                    "将丢失（0）"]
    assert dlg.tables["unmatched"].item(0, 0).text() == "第8行"
    review = [dlg.tables["review"].item(r, 0).text() for r in range(dlg.tables["review"].rowCount())]
    assert any("任务分解表可能已过期" in t for t in review) and any("宣传部" in t for t in review)
    assert cl.find_standard(window.lib, "Ⅲ-1:1", cid).all_units == ()     # nothing written yet
    assert dlg.ok.isEnabled()
    dlg.ok.click()
    st = cl.find_standard(window.lib, "Ⅲ-1:1", cid)
    assert st.lead_units == ("市委宣传部",) and st.deadline == dt.date(2025, 6, 30)
    assert window.checklist_panel.item_for_standard(st.id).text(0).endswith("［2分］")   # the score
    units = [window.unit_panel.item(i).text() for i in range(window.unit_panel.count())]
    assert any(t.startswith("市社科联（") for t in units), units   # by-unit view at once


def test_mapping_step_when_the_header_is_not_recognised(window, qtbot, tmp_path):
    from civdesk_ui.task_merge_dialog import TaskMergeWizard

    cid = _structured(window, tmp_path)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["条目", "工作任务", "责任科室", "办结日期"])
    ws.append(["Ⅲ-1", "建立党委（党组）理论学习中心组学习制度", "市委宣传部", dt.datetime(2025, 6, 30)])
    path = tmp_path / "自定义表头.xlsx"
    wb.save(path)
    dlg = TaskMergeWizard(window, path, cid)
    qtbot.addWidget(dlg)
    qtbot.waitUntil(lambda: dlg.pages.currentIndex() == 0, timeout=30_000)
    assert not dlg.ok.isEnabled() and dlg.preview is None
    table = dlg.map_table
    titles = [table.item(r, 1).text() for r in range(table.rowCount())]
    assert titles == ["条目", "工作任务", "责任科室", "办结日期"]
    for r, role in enumerate(("code", "standard", "units", "deadline")):
        combo = table.cellWidget(r, 3)
        combo.setCurrentIndex(combo.findData(role))
    dlg.apply_mapping()
    qtbot.waitUntil(lambda: dlg.preview is not None, timeout=30_000)
    assert dlg.pages.currentIndex() == 1
    assert dlg.tables["matched"].rowCount() == 1 and dlg.tables["matched"].item(0, 1).text() == "Ⅲ-1:1"
    assert dlg.ok.isEnabled()


def test_new_edition_wizard_names_what_would_be_dropped(window, qtbot, tmp_path, monkeypatch):
    from civdesk.checklist import layers
    from civdesk_ui import checklist_dialogs
    from civdesk_ui.checklist_dialogs import ChecklistImportWizard
    from tests.core.test_checklist_layers import STRUCTURE

    cid = _structured(window, tmp_path)
    layers.commit_merge(window.lib, layers.preview_merge(window.lib, write_task_xlsx(tmp_path / "t.xlsx"), cid))
    new = write_structure_docx(tmp_path / "新版.docx", [r for r in STRUCTURE if not r[3].startswith("1）组建")])
    monkeypatch.setattr(checklist_dialogs, "inform", lambda *a: None)
    dlg = ChecklistImportWizard(window, new)
    qtbot.addWidget(dlg)
    assert dlg.preview.replaces.id == cid
    # the removed Ⅲ-2:1: its units, requirement, deadline, contact, method and score
    assert "将丢失 6 处内容" in dlg.status.text()
    assert "带过 Ⅲ-1:1→Ⅲ-1:1 责任单位" in dlg.text.toPlainText()
    dlg.drop_missing.setChecked(True)
    assert len(dlg.preview.dropped) > 6 and "丢失 Ⅲ-1:1 责任单位" in dlg.text.toPlainText()
    dlg.drop_missing.setChecked(False)
    dlg.ok.click()
    new_id = cl.list_checklists(window.lib)[0].id
    assert cl.find_standard(window.lib, "三-1:1", new_id).lead_units == ("市委宣传部",)
