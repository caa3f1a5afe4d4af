"""The window on a library with years of material: the list shows the current year by default,
says so, and offers all years; the checks' period defaults to the current one (issue 18)."""
from __future__ import annotations

import datetime as dt

import pytest

from civdesk.checklist import store as cl
from civdesk.library import Library
from tests.core.checks_helpers import add_doc
from tests.ui.conftest import close_and_delete

THIS_YEAR = dt.date.today().year


def _wait(qtbot, win, timeout=60_000):
    qtbot.waitUntil(lambda: not (win.jobs.jobs or win.background.jobs or win.badge_runner.jobs),
                    timeout=timeout)


@pytest.fixture
def years_window(qtbot, tmp_path):
    from civdesk_ui.main_window import MainWindow

    lib = Library.create(tmp_path / "lib")
    ids = {
        "this": add_doc(lib, "Ⅲ-5:1", date=dt.date(THIS_YEAR, 3, 1)),
        "old": add_doc(lib, "Ⅲ-5:1", date=dt.date(2021, 5, 1)),
        "undated": add_doc(lib, "Ⅲ-5:1", date=None),
    }
    win = MainWindow(lib)
    win.show()
    qtbot.waitExposed(win)
    win.select_standard(cl.find_standard(lib, "Ⅲ-5:1").id)
    yield win, ids
    _wait(qtbot, win)
    close_and_delete(win)
    lib.close()


def test_the_list_shows_the_current_year_says_so_and_offers_all_years(years_window, qtbot):
    win, ids = years_window
    assert win.year_bar.isVisibleTo(win)
    assert win.year_filter.currentData() == THIS_YEAR
    assert set(win.model.ids) == {ids["this"], ids["undated"]}  # not 2021's
    note = win.year_note.text()
    assert f"{THIS_YEAR}年" in note and "共 2 件" in note and "显示全部年份" in note
    win.year_note.linkActivated.emit("all")
    assert set(win.model.ids) == set(ids.values())
    assert win.year_filter.currentData() is None and "全部年份 · 共 3 件" in win.year_note.text()
    win.year_filter.setCurrentIndex(win.year_filter.findData(2021))
    win.year_filter.activated.emit(win.year_filter.currentIndex())
    assert set(win.model.ids) == {ids["old"], ids["undated"]}
    assert "2021年" in win.year_note.text()
    win.year_note.linkActivated.emit("current")  # back to the current year
    assert win.year_filter.currentData() == THIS_YEAR


def test_revealing_another_years_material_shows_all_years(years_window):
    win, ids = years_window
    assert win.reveal_material(ids["old"])
    assert win.view_year is None and win.selected_ids() == [ids["old"]]


def test_a_finding_on_another_years_material_opens_it(years_window, qtbot):
    win, ids = years_window
    win.open_checks()
    _wait(qtbot, win)
    dash = win.check_dashboard
    finding = next(f for f in dash.result.findings if f.material_id == ids["old"] and f.rule == "period")
    dash.open_finding(finding)  # 期外: not in the year the list shows
    assert win.view_year is None and win.selected_ids() == [ids["old"]]
    dash.close()


def test_an_import_of_another_years_photo_shows_all_years(years_window, qtbot):
    from civdesk.importer import ImportOptions
    from tests.conftest import FIXTURES

    win, ids = years_window
    photo = FIXTURES / "corpus" / "photos" / "jpg__mobile__jolla.jpg"  # taken 2014
    win.start_import([photo], ImportOptions(), ask=False)
    _wait(qtbot, win)
    win.report_dialog.close()
    (new,) = [e.material_id for e in win.last_report.entries]
    assert win.view_year is None
    win.show_unfiled()
    assert new in win.model.ids and "全部年份" in win.year_note.text()


def test_one_year_of_material_needs_no_chooser(window, qtbot):
    add_doc(window.lib, "Ⅲ-5:1", date=dt.date(2021, 5, 1))
    window.fill_periods(reset_year=True)
    window.select_standard(cl.find_standard(window.lib, "Ⅲ-5:1").id)
    assert not window.year_bar.isVisibleTo(window)
    assert len(window.model.ids) == 1


def test_checks_default_to_the_period_containing_today_not_the_latest(years_window, qtbot):
    win, ids = years_window
    cid = win.checklist_panel.checklist_id
    cl.set_period(win.lib, cid, dt.date(THIS_YEAR, 1, 1), dt.date(THIS_YEAR, 12, 31), THIS_YEAR)
    cl.set_period(win.lib, cid, dt.date(THIS_YEAR + 1, 1, 1), dt.date(THIS_YEAR + 1, 12, 31), THIS_YEAR + 1)
    win.fill_periods(reset_year=True)
    assert f"{THIS_YEAR} 年度测评周期" in win.period_chooser.currentText()
    win.update_badges()
    _wait(qtbot, win)
    assert win.badge_summary.period.year == THIS_YEAR  # the badges' 期外 too
    assert win.year_filter.currentData() == THIS_YEAR
    win.show_selection()
    assert f"{THIS_YEAR} 年度测评周期" in win.year_note.text()
    win.open_checks()
    _wait(qtbot, win)
    assert win.check_dashboard.result.period.year == THIS_YEAR
    # picking next year's period for the checks moves the list to that year too
    win.period_chooser.chosen.emit(THIS_YEAR + 1)
    _wait(qtbot, win)
    assert win.year_filter.currentData() == THIS_YEAR + 1 and set(win.model.ids) == {ids["undated"]}
    assert win.check_dashboard.result.period.year == THIS_YEAR + 1
    win.check_dashboard.close()
