"""Check dashboard and export dialog, driven offscreen."""
from __future__ import annotations

from civdesk import export as ex
from civdesk.checklist import store as cl
from civdesk.importer import ImportOptions


def _wait(qtbot, win, timeout=120_000):
    qtbot.waitUntil(lambda: not win.jobs.jobs, timeout=timeout)


def _filed_library(window, fixtures):
    st = cl.find_standard(window.lib, "Ⅲ-5:1")
    window.lib.import_paths([fixtures / "corpus" / "photos"],
                           ImportOptions(standard_ids=(st.id,), unit="市文明办"))
    window.refresh_all()
    return st


def test_dashboard_shows_statuses_units_and_opens_a_finding(window, qtbot, fixtures):
    st = _filed_library(window, fixtures)
    window.open_checks()
    _wait(qtbot, window)
    dash = window.check_dashboard
    result = dash.result
    assert result is not None and dash.isVisible()
    assert result.standard("Ⅲ-5:1").material_ids  # the filed photos are checked
    assert dash.tree.topLevelItemCount() == 3
    assert dash.units.rowCount() == len(result.units)
    # a unit's owed standards come with their reasons
    dash.units.selectRow(0)
    assert "尚欠" in dash.owed.toPlainText() or "均已达标" in dash.owed.toPlainText()
    # findings can be filtered by rule, and one opens its material in the main window
    idx = dash.rule_filter.findData("caption")
    dash.rule_filter.setCurrentIndex(idx)
    shown = dash.visible_findings()
    assert shown and all(f.rule == "caption" for f in shown)
    finding = next(f for f in shown if f.material_id)
    dash.open_finding(finding)
    assert window.selected_ids() == [finding.material_id]
    assert window.checklist_panel.tree.currentItem().data(0, 0x0100) == st.id
    # an edit in the window is re-checked at once: caption filled in -> finding gone
    window.edit_materials([finding.material_id], {
        "caption_time": "2024年3月15日", "caption_place": "安宁市人民广场",
        "caption_people": "道德模范代表", "caption_event": "道德模范颁奖仪式"})
    assert not any(f.rule == "caption" and f.material_id == finding.material_id
                   for f in dash.result.findings)


def test_export_dialog_blocks_on_errors_then_exports_with_override(window, qtbot, fixtures, tmp_path,
                                                                   answer_boxes):
    from civdesk_ui.export_dialog import ExportDialog

    _filed_library(window, fixtures)
    shown, answers = answer_boxes
    answers.append("是")
    dialog = ExportDialog(window)
    qtbot.addWidget(dialog)
    dialog.dest.setText(str(tmp_path / "申报材料包"))
    dialog.start()
    _wait(qtbot, window)
    qtbot.waitUntil(lambda: dialog.result_path is not None, timeout=120_000)
    assert shown and "错误" in shown[0][1]  # the checks stopped it first
    assert shown[0][2] == ["是", "否"]
    assert dialog.result_path.name.endswith(".zip") and dialog.result_path.exists()
    assert "已越过" in dialog.status.text()
    report = ex.verify_package(dialog.result_path)
    assert report.ok and report.checked > 10


def test_settings_dialog_stores_platform_limits_and_rules(window, qtbot):
    from PySide6.QtCore import Qt

    from civdesk import checks
    from civdesk_ui.settings_dialog import SettingsDialog

    dlg = SettingsDialog(window)
    qtbot.addWidget(dlg)
    dlg.formats.setText("jpg、pdf，docx")
    dlg.max_mb.setValue(5)
    dlg.min_w.setValue(1024)
    blur = next(dlg.rules.item(i) for i in range(dlg.rules.count())
                if dlg.rules.item(i).data(Qt.UserRole) == "blur")
    blur.setCheckState(Qt.Unchecked)
    dlg.save()
    stored = checks.get_check_settings(window.lib)
    assert stored.platform.formats == ("jpg", "pdf", "docx")
    assert (stored.platform.max_mb, stored.platform.min_width) == (5, 1024)
    assert not stored.enabled("blur") and stored.enabled("caption")


def test_no_progress_box_comes_back_while_the_export_question_is_open(window, qtbot, fixtures,
                                                                       tmp_path):
    """The clerk reads 「是否仍然导出」 for 5 s, past Qt's own 4 s progress-dialog timer:
    no progress box (「正在取消……」) may appear over the question, nor after the answer."""
    from civdesk_ui.export_dialog import ExportDialog
    from tests.ui.conftest import answer_no_after, visible_progress_boxes

    _filed_library(window, fixtures)
    window.jobs.DIALOG_DELAY_MS = 60_000  # the check ends before the runner would show its box
    dialog = ExportDialog(window)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.dest.setText(str(tmp_path / "申报材料包"))
    asked, over_question = [], []
    answer_no_after(5.0, asked, over_question)
    dialog.start()
    qtbot.waitUntil(lambda: "已停止导出" in dialog.status.text(), timeout=60_000)
    assert asked and "是否仍然导出" in asked[0]
    assert over_question == []
    qtbot.wait(1000)
    assert visible_progress_boxes() == []
    assert dialog.go.isEnabled()  # the dialog answers again


def test_export_dialog_holds_back_then_admits_the_picked_material(window, qtbot, tmp_path):
    import datetime as dt

    from PySide6.QtCore import Qt

    from civdesk.checks import RULES, set_check_settings
    from civdesk_ui.export_dialog import ExportDialog
    from tests.core.test_export_package import add_material, jpeg_bytes

    lib = window.lib
    set_check_settings(lib, disabled=[r for r in RULES if r != "resolution"])
    st = cl.find_standard(lib, "Ⅲ-5:1")
    for i, size in enumerate([(1600, 1200), (64, 48), (80, 60)]):  # two too small
        add_material(lib, jpeg_bytes(i, size), f"p{i}.jpg", "jpeg", [st.id], title=f"照片{i}",
                     date=dt.date(2024, 3, 1 + i), width=size[0], height=size[1])
    dialog = ExportDialog(window)
    qtbot.addWidget(dialog)
    dialog.dest.setText(str(tmp_path / "包"))
    dialog.start()
    qtbot.waitUntil(lambda: dialog.result_path is not None, timeout=120_000)
    assert len(dialog.held) == 2 and "未放入上报版的材料 2 件" in dialog.status.text()
    picker = dialog.pick_held()
    assert picker.list.count() == 2 and "分辨率" in picker.list.item(0).text()
    picker.list.item(0).setCheckState(Qt.Checked)
    first = dialog.result_path
    dialog.result_path = None
    picker.accept()
    _wait(qtbot, window)
    qtbot.waitUntil(lambda: dialog.result_path is not None, timeout=120_000)
    assert dialog.result_path == first and len(dialog.held) == 1
    record = ex.verify_package(tmp_path / "包-内部版.zip")
    assert record.ok
