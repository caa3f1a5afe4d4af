"""The window a clerk lives in: first-run page, badges, proposed captions, PDF hits, the
caption grid, help.  Each test imports only the few files it needs."""
from __future__ import annotations

import shutil

import pymupdf
from PIL import Image, ImageFilter

from civdesk import materials as mat
from civdesk.importer import ImportOptions
from civdesk_ui.caption_grid import CaptionGridDialog
from civdesk_ui.detail_panel import PDF_ZOOM
from civdesk_ui.material_views import STATUS_COLUMN
from tests.conftest import FIXTURES

PHOTOS = FIXTURES / "corpus" / "photos"
PHRASE = "道德模范礼遇帮扶"


def _wait(qtbot, win, timeout=60_000):
    qtbot.waitUntil(lambda: not (win.jobs.jobs or win.background.jobs or win.badge_runner.jobs),
                    timeout=timeout)


def _import(qtbot, win, paths):
    job = win.start_import(list(paths), ImportOptions(), ask=False)
    _wait(qtbot, win)
    assert job.error is None
    win.report_dialog.close()
    return [e.material_id for e in win.last_report.entries]


def _show_unfiled(win):
    win.view_toggle.setCurrentIndex(1)
    win.show_unfiled()


def test_first_run_page_leads_to_the_three_steps_and_goes_once_there_are_materials(window, qtbot):
    assert window.views.currentWidget() is window.start_page
    page = window.start_page
    assert [b.text() for b in page.buttons.values()] == ["① 导入测评体系", "② 导入材料", "③ 设置测评周期"]
    assert "✔" in page.states["checklist"].text()  # the sample checklist is there
    assert "还没有材料" in page.states["materials"].text()
    asked = []
    window.import_files = lambda: asked.append("import")
    page.buttons["materials"].click()
    assert asked == ["import"]
    _import(qtbot, window, [PHOTOS / "jpg__Nikon_D70.jpg"])
    assert window.views.currentWidget() is window.grid
    # an empty standard says what goes there and how
    st = next(s for s in window.checklist_panel.standards.values() if s.needs_materials)
    window.select_standard(st.id)
    assert window.model.rowCount() == 0 and "拖到左侧" in window.grid.empty_text


def test_a_blurred_photo_shows_its_badge_and_the_filter_keeps_only_problems(window, qtbot, tmp_path):
    im = Image.open(PHOTOS / "jpg__gps__DSCN0010.jpg")
    im.filter(ImageFilter.GaussianBlur(2.5)).save(tmp_path / "模糊.jpg", quality=92)
    # a sharp photo big enough for the platform, with no date (so never 期外)
    Image.effect_noise((1600, 1200), 60).convert("RGB").save(tmp_path / "清晰.jpg", quality=90)
    blurred, sharp = _import(qtbot, window, [tmp_path / "模糊.jpg", tmp_path / "清晰.jpg"])
    _show_unfiled(window)
    status_col = STATUS_COLUMN

    def status(mid):
        return window.model.index(window.model.row_of[mid], status_col).data()

    assert "模糊" in status(blurred) and "模糊" not in status(sharp)
    tip = window.model.index(window.model.row_of[blurred], 0).data(0x03)  # ToolTipRole
    assert "【模糊】" in tip and "清晰度" in tip
    # filed under a standard: the tree counts two materials with problems there
    st = next(s for s in window.checklist_panel.standards.values() if s.needs_materials)
    window.file_materials(st.id, [blurred, sharp])
    _wait(qtbot, window)
    qtbot.waitUntil(lambda: window.checklist_panel.item_for_standard(st.id).text(3) == "2")
    # give the sharp photo its caption: its 缺说明 badge goes, live, the count follows, the filter hides it
    window.edit_materials([sharp], {"caption_time": "2008年10月22日", "caption_place": "广场",
                                    "caption_people": "志愿者", "caption_event": "文明劝导"})
    qtbot.waitUntil(lambda: sharp not in window.badge_summary.badges)
    assert window.checklist_panel.item_for_standard(st.id).text(3) == "1"
    _show_unfiled(window)
    window.select_standard(st.id)
    window.problems_only.setChecked(True)
    assert window.model.ids == [blurred]
    window.problems_only.setChecked(False)
    assert set(window.model.ids) == {blurred, sharp}


def test_exif_time_is_proposed_and_taking_it_can_be_undone(window, qtbot):
    (mid,) = _import(qtbot, window, [PHOTOS / "jpg__gps__DSCN0010.jpg"])
    _show_unfiled(window)
    window.select_material(mid)
    editor = window.detail.editor
    assert editor.fields["caption_time"].placeholderText() == "建议：2008年10月22日"
    assert "EXIF" in editor.proposal_note.text()
    editor.use_proposals.click()
    assert mat.get_row(window.lib, mid).caption_time == "2008年10月22日"
    window.undo_stack.undo()
    assert mat.get_row(window.lib, mid).caption_time == ""


def test_a_search_hit_in_a_pdf_is_highlighted_on_its_page(window, qtbot, tmp_path):
    doc = pymupdf.open()
    for n in range(1, 5):
        text = f"第{n}页 文明城市创建工作情况" + (f"，建立{PHRASE}制度并落实。" if n == 3 else "。")
        doc.new_page().insert_text((72, 100), text, fontname="china-s", fontsize=12)
    doc.save(tmp_path / "情况说明.pdf")
    (mid,) = _import(qtbot, window, [tmp_path / "情况说明.pdf"])
    window.update_index()
    _wait(qtbot, window)
    window.search_box.setText(PHRASE)
    window.run_search()
    _wait(qtbot, window)
    assert window.model.ids == [mid]
    window.select_material(mid)
    preview = window.detail.preview
    assert preview.current_page() == 3 and len(preview.hits) == 1
    assert preview.hit_label.isVisible() or not preview.isVisible()
    page, (x0, y0, x1, y1) = preview.hits[0]
    image = preview._source.toImage()
    # the hit is painted yellow: sample the band just under the glyphs' baseline
    xs = [int((x0 + (x1 - x0) * k / 10) * PDF_ZOOM) for k in range(1, 10)]
    y = int((y1 - 1) * PDF_ZOOM)
    yellow = [image.pixelColor(x, y) for x in xs]
    assert sum(c.red() > 200 and c.green() > 180 and c.blue() < 150 for c in yellow) >= 5
    outside = image.pixelColor(int((x1 + 40) * PDF_ZOOM), int((y1 + 40) * PDF_ZOOM))
    assert outside.blue() > 200  # white page elsewhere


def test_the_caption_grid_edits_three_photos_and_undo_restores_them(window, qtbot, tmp_path):
    names = ("jpg__Canon_40D.jpg", "jpg__Nikon_D70.jpg", "jpg__Pentax_K10D.jpg")
    ids = _import(qtbot, window, [PHOTOS / n for n in names])
    mat.update(window.lib, [ids[0]], caption_people="原有人物")
    grid = CaptionGridDialog(window, ids)
    qtbot.addWidget(grid)
    # paste a block copied from Excel: 人物 and 事由 for the three photos
    changed = grid.paste_text("甲\t文明劝导\r\n乙\t志愿服务\r\n丙\t垃圾分类\r\n", 0, 3)
    assert changed == 3
    rows = mat.get_rows(window.lib, ids)
    assert [rows[i].caption_people for i in ids] == ["甲", "乙", "丙"]
    assert [rows[i].caption_event for i in ids] == ["文明劝导", "志愿服务", "垃圾分类"]
    # one cell typed in the grid
    assert grid.model.setData(grid.model.index(1, 2), "市民广场")
    assert mat.get_row(window.lib, ids[1]).caption_place == "市民广场"
    window.undo_stack.undo()
    assert mat.get_row(window.lib, ids[1]).caption_place == ""
    window.undo_stack.undo()  # the whole paste at once
    rows = mat.get_rows(window.lib, ids)
    assert [rows[i].caption_people for i in ids] == ["原有人物", "", ""]
    assert [rows[i].caption_event for i in ids] == ["", "", ""]
    # the proposals (EXIF dates) fill only empty cells
    assert grid.model.index(0, 1).data().startswith("建议：")
    assert grid.apply_proposals() == 3
    assert mat.get_row(window.lib, ids[0]).caption_time == "2008年5月30日"
    grid.close()


def test_a_paste_beyond_the_grid_or_into_the_file_column_changes_nothing_else(window, qtbot):
    ids = _import(qtbot, window, [PHOTOS / "jpg__Sony_HDR-HC3.jpg"])
    grid = CaptionGridDialog(window, ids)
    qtbot.addWidget(grid)
    assert grid.paste_text("不应写入\t时间\n第二行没有照片\t\n", 0, 0) == 1  # column 0 is the file name
    row = mat.get_row(window.lib, ids[0])
    assert row.original_name == "jpg__Sony_HDR-HC3.jpg" and row.caption_time == "时间"
    grid.close()


def test_help_shows_the_usage_with_screenshots_the_keys_and_the_licences(window, qtbot):
    usage = window.show_usage()
    qtbot.addWidget(usage)
    text = usage.browser.toPlainText()
    assert "导入材料" in text and "申报前检查" in text and "## 命令行" not in text
    assert "<img" in usage.browser.toHtml()
    keys = window.show_shortcuts()
    qtbot.addWidget(keys)
    rows = {keys.table.item(r, 0).text(): keys.table.item(r, 1).text() for r in range(keys.table.rowCount())}
    assert rows["F9"] == "申报前检查" and "Ctrl+Shift+E" in rows
    about = window.about()
    qtbot.addWidget(about)
    assert str(window.lib.path.resolve()) in about.browser.toPlainText()
    assert "LGPL" in about.browser.toPlainText()
    for d in (usage, keys, about):
        d.close()


def test_a_duplicate_in_the_import_report_names_the_material_already_there(window, qtbot, tmp_path):
    (first,) = _import(qtbot, window, [PHOTOS / "jpg__Canon_40D.jpg"])
    st = next(s for s in window.checklist_panel.standards.values() if s.needs_materials)
    mat.link(window.lib, [first], st.id)
    (tmp_path / "again").mkdir()
    shutil.copy(PHOTOS / "jpg__Canon_40D.jpg", tmp_path / "again" / "转发的副本.jpg")
    (tmp_path / "again" / "空.pdf").write_bytes(b"")
    job = window.start_import([tmp_path / "again"], ImportOptions(), ask=False)
    _wait(qtbot, window)
    assert job.error is None
    model = window.report_dialog.model
    texts = {model.text(r, 0).rsplit("/", 1)[-1]: (model.text(r, 1), model.text(r, 3))
             for r in range(model.rowCount())}
    status, note = texts["转发的副本.jpg"]
    assert status == "重复" and f"#{first}" in note and st.code in note
    status, note = texts["空.pdf"]
    assert status == "拒绝" and "索取" in note  # what to do about it
    row = next(r for r in range(model.rowCount()) if model.entries[r].status == "duplicate")
    window.report_dialog.table.doubleClicked.emit(model.index(row, 3))
    assert window.selected_ids() == [first]
    window.report_dialog.close()


def test_the_period_chooser_decides_what_is_out_of_period(window, qtbot):
    from civdesk.checklist import store as cl

    (mid,) = _import(qtbot, window, [PHOTOS / "jpg__mobile__jolla.jpg"])  # taken 2014-09-21
    assert "2024 年度测评周期" in window.period_chooser.currentText()  # the sample checklist's period
    assert "期外" in window.badge_summary.badges.get(mid, ())
    import datetime as dt

    cl.set_period(window.lib, window.checklist_panel.checklist_id, dt.date(2014, 1, 1), dt.date(2014, 12, 31), 2014)
    window.fill_periods()
    assert window.period_chooser.count() == 2
    window.period_chooser.chosen.emit(2014)
    _wait(qtbot, window)
    assert "期外" not in window.badge_summary.badges.get(mid, ())
    assert "2014 年度" in window.period_chooser.currentText()
    dashboard = window.open_checks()
    _wait(qtbot, window)
    assert "2014 年度" in window.check_dashboard.period_chooser.currentText()
    assert "2014-01-01" in window.check_dashboard.summary.text()
    window.check_dashboard.close()
    assert dashboard is not None


def test_a_document_saved_twice_shows_its_duplicate_badge(window, qtbot, tmp_path):
    lines = ("关于开展2024年度文明单位创建工作的情况说明。", "全年组织志愿服务活动二十次，参与人数一千余人，",
             "覆盖全部社区和窗口单位，群众满意度明显提升。")
    for name, author in (("情况说明.pdf", "办公室"), ("情况说明（转存）.pdf", "宣传科")):
        doc = pymupdf.open()
        page = doc.new_page()
        for i, line in enumerate(lines):
            page.insert_text((72, 100 + 20 * i), line, fontname="china-s", fontsize=11)
        doc.set_metadata({"author": author})  # other bytes, the same pages and text
        doc.save(tmp_path / name)
    first, copy = _import(qtbot, window, [tmp_path / "情况说明.pdf", tmp_path / "情况说明（转存）.pdf"])
    _wait(qtbot, window)
    _show_unfiled(window)

    def status(mid):
        return window.model.index(window.model.row_of[mid], STATUS_COLUMN).data()

    qtbot.waitUntil(lambda: "重复" in status(copy))
    assert "重复" not in status(first)
    tip = window.model.index(window.model.row_of[copy], 0).data(0x03)  # ToolTipRole
    assert "【重复】" in tip and f"#{first}" in tip
