"""Years of material: views and checks default to the current 测评周期 / year (issue 18)."""
from __future__ import annotations

import datetime as dt

from civdesk import materials as mat
from civdesk.checklist import store as cl
from civdesk.checks import run_checks
from civdesk.library import Library
from civdesk.years import default_year, material_years, year_span
from tests.conftest import run_cli
from tests.core.checks_helpers import add_doc, add_photo

# the sample checklist's 测评周期 is 2023-08-01 … 2024-07-31 (year 2024)
P2025 = (dt.date(2024, 8, 1), dt.date(2025, 7, 31))


def _two_periods(lib) -> int:
    cid = cl.get_checklist(lib).id
    cl.set_period(lib, cid, *P2025, 2025)
    return cid


def test_a_check_defaults_to_the_period_containing_today(sample_lib):
    _two_periods(sample_lib)
    mid = add_photo(sample_lib, "Ⅲ-1:1", date=dt.date(2024, 3, 1))
    r = run_checks(sample_lib, today=dt.date(2024, 5, 1))
    assert r.period.year == 2024  # not the latest (2025): this year's material is not 期外
    assert not [f for f in r.findings if f.material_id == mid and f.rule == "period"]
    assert run_checks(sample_lib, today=dt.date(2025, 3, 1)).period.year == 2025
    assert run_checks(sample_lib, today=dt.date(2024, 5, 1), year=2025).period.year == 2025
    # today after every period: the latest one
    assert run_checks(sample_lib, today=dt.date(2027, 1, 5)).period.year == 2025


def test_the_period_of_todays_year_when_none_contains_today(sample_lib):
    cid = cl.get_checklist(sample_lib).id
    cl.set_period(sample_lib, cid, dt.date(2030, 3, 1), dt.date(2030, 11, 30), 2030)
    assert cl.current_period(cl.get_checklist(sample_lib).periods, dt.date(2024, 12, 20)).year == 2024
    assert cl.current_period(cl.get_checklist(sample_lib).periods, dt.date(2030, 12, 20)).year == 2030


def test_cli_check_uses_the_current_period_and_names_the_others(tmp_path):
    path = tmp_path / "lib"
    this_year = dt.date.today().year
    with Library.create(path) as lib:
        cid = cl.get_checklist(lib).id
        cl.set_period(lib, cid, dt.date(this_year, 1, 1), dt.date(this_year, 12, 31), this_year)
        cl.set_period(lib, cid, dt.date(this_year + 1, 1, 1), dt.date(this_year + 1, 12, 31), this_year + 1)
    p = run_cli("check", "-L", str(path), "--json")
    import json

    assert json.loads(p.stdout)["period"]["year"] == this_year, p.stderr
    p = run_cli("check", "-L", str(path))
    assert f"检查的是 {this_year} 年度测评周期" in p.stdout
    assert f"--year {this_year + 1}" in p.stdout
    p = run_cli("check", "-L", str(path), "--year", str(this_year + 1), "--json")
    assert json.loads(p.stdout)["period"]["year"] == this_year + 1


def test_a_year_view_lists_that_year_and_undated_material(sample_lib):
    old = add_doc(sample_lib, "Ⅲ-5:1", date=dt.date(2021, 5, 1))
    last_period = add_doc(sample_lib, "Ⅲ-5:1", date=dt.date(2023, 9, 1))  # 2024 测评周期, calendar 2023
    this = add_doc(sample_lib, "Ⅲ-5:1", date=dt.date(2024, 3, 1))
    undated = add_doc(sample_lib, "Ⅲ-5:1", date=None)
    periods = cl.get_checklist(sample_lib).periods
    assert material_years(sample_lib) == [2024, 2023, 2021]
    span = year_span(2024, periods)
    assert span.is_period and span.label == "2024 年度测评周期"
    assert set(mat.list_ids(sample_lib, dated=span.dates)) == {last_period, this, undated}
    span = year_span(2021, periods)
    assert not span.is_period and span.label == "2021年"
    assert set(mat.list_ids(sample_lib, dated=span.dates)) == {old, undated}
    assert set(mat.list_ids(sample_lib)) == {old, last_period, this, undated}  # all years
    add_doc(sample_lib, "Ⅲ-5:1", date=dt.date(2019, 12, 31))  # the last day of a year
    add_doc(sample_lib, "Ⅲ-5:1", date=dt.date(2020, 1, 1))  # the first of the next
    assert material_years(sample_lib) == [2024, 2023, 2021, 2020, 2019]


def test_the_default_year_of_the_views():
    p24 = cl.PeriodView(2024, dt.date(2023, 8, 1), dt.date(2024, 7, 31))
    assert default_year([p24], [2021, 2023], dt.date(2023, 9, 1)) == 2024  # the period containing today
    assert default_year([p24], [2026, 2021], dt.date(2026, 12, 2)) == 2026  # today's year has material
    assert default_year([p24], [2021, 2020], dt.date(2026, 12, 2)) == 2021  # else the latest with material
    assert default_year([p24], [], dt.date(2026, 12, 2)) == 2024
    assert default_year([], [], dt.date(2026, 12, 2)) is None
