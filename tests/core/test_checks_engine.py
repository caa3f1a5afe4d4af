"""Statuses, roll-ups, the per-unit table, settings and incremental re-checks."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import delete

from civdesk.checks import (
    FAULTY,
    MET,
    MISSING,
    NOT_NEEDED,
    PARTIAL,
    WARNING,
    get_check_settings,
    recheck,
    run_checks,
    set_check_settings,
)
from civdesk.models import Link, Material
from tests.core.checks_helpers import add_doc, add_photo, fill_requirement, update_material

TODAY = dt.date(2024, 3, 15)


def check(lib, **kw):
    return run_checks(lib, today=kw.pop("today", TODAY), **kw)


def test_statuses_of_standards(sample_lib):
    fill_requirement(sample_lib, "Ⅲ-5:1")  # 达标
    add_photo(sample_lib, "Ⅲ-1:1")  # 部分
    fill_requirement(sample_lib, "Ⅲ-7:2")
    add_doc(sample_lib, "Ⅲ-7:2", category="正式发文", date=dt.date(2019, 1, 1))  # 有错误
    r = check(sample_lib)
    assert r.standard("Ⅲ-5:1").status == MET
    assert r.standard("Ⅲ-1:1").status == PARTIAL
    assert r.standard("Ⅲ-7:2").status == FAULTY
    assert r.standard("Ⅲ-9:1").status == MISSING
    assert r.standard("Ⅲ-4:1").status == NOT_NEEDED
    assert r.standard("Ⅲ-5:1").findings == ()


def test_only_bad_material_is_still_faulty_not_missing(sample_lib):
    add_photo(sample_lib, "Ⅲ-5:1", date=dt.date(2019, 1, 1))
    assert check(sample_lib).standard("Ⅲ-5:1").status == FAULTY


def test_rollup_per_content_indicator_and_project(sample_lib):
    fill_requirement(sample_lib, "Ⅲ-5:1")
    fill_requirement(sample_lib, "Ⅲ-5:2")
    fill_requirement(sample_lib, "Ⅲ-6:1")
    r = check(sample_lib)
    by = {n.code: n for n in r.rollup}
    assert by["Ⅲ-5"].status == MET and by["Ⅲ-5"].count(MET) == 2 and by["Ⅲ-5"].level == 3
    assert by["Ⅱ-3"].status == MET and by["Ⅱ-3"].count(MET) == 3
    assert by["Ⅰ-2"].status == PARTIAL
    assert by["Ⅲ-4"].status == MISSING and by["Ⅲ-4"].count(NOT_NEEDED) == 1
    assert [n.level for n in r.rollup][:3] == [1, 2, 3]


def test_every_unit_sees_each_owed_standard_with_reasons(sample_lib):
    fill_requirement(sample_lib, "Ⅲ-7:2", unit="团市委")
    r = check(sample_lib)
    for st in r.standards:
        if st.status in (MISSING, PARTIAL, FAULTY):
            for unit in st.units:
                items = [i for i in r.unit(unit).items if i.code == st.code]
                assert len(items) == 1, (unit, st.code)
                assert items[0].reasons and all(items[0].reasons)
    tw = r.unit("团市委")
    assert {i.code for i in tw.items} == {"Ⅲ-7:1", "Ⅲ-8:1"}
    assert tw.standards == 3 and tw.met == 1
    assert any("数据表格：需要 1 件" in x for i in tw.items for x in i.reasons)


def test_material_problems_go_to_the_unit_that_submitted_them(sample_lib):
    fill_requirement(sample_lib, "Ⅲ-5:1", unit="市文明办")
    add_photo(sample_lib, "Ⅲ-5:1", unit="市教育局", caption_place="")
    r = check(sample_lib)
    edu = r.unit("市教育局")
    (item,) = [i for i in edu.items if i.code == "Ⅲ-5:1"]
    assert item.role == "提交材料" and "地点" in item.reasons[0]
    assert not [i for i in r.unit("市文明办").items if i.code == "Ⅲ-5:1"]


def test_unit_filter(sample_lib):
    r = check(sample_lib, unit="市城管局")
    assert [u.unit for u in r.units] == ["市城管局"]
    assert {s.code for s in r.standards} == {"Ⅲ-4:1", "Ⅲ-11:1"}


def test_errors_and_has_errors(sample_lib):
    r = check(sample_lib)
    assert r.has_errors and r.errors and all(f.severity == "错误" for f in r.errors)
    set_check_settings(sample_lib, disabled=["requirement", "overdue"])
    r = check(sample_lib)
    assert not r.has_errors and r.errors == ()
    assert r.disabled_rules == ("overdue", "requirement")


def test_settings_round_trip_and_validation(sample_lib):
    s = get_check_settings(sample_lib)
    assert s.blur_min == 30.0 and "jpg" in s.platform.formats
    set_check_settings(sample_lib, blur_min=55.5, severities={"caption": "错误"},
                       platform={"max_mb": 5, "formats": ["jpg", "pdf"]})
    s = get_check_settings(sample_lib)
    assert s.blur_min == 55.5 and s.platform.max_mb == 5 and s.platform.formats == ("jpg", "pdf")
    assert s.severities == {"caption": "错误"}
    with pytest.raises(ValueError, match="没有这些检查规则"):
        set_check_settings(sample_lib, disabled=["bluur"])
    with pytest.raises(ValueError, match="严重程度"):
        set_check_settings(sample_lib, severities={"blur": "致命"})


def test_severity_override_and_tuned_threshold(sample_lib):
    mid = add_photo(sample_lib, "Ⅲ-5:1", caption_event="", blur=40.0)
    assert {f.rule: f.severity for f in check(sample_lib).findings if f.material_id == mid} == {
        "caption": WARNING}
    set_check_settings(sample_lib, severities={"caption": "错误"}, blur_min=50)
    got = {f.rule: f.severity for f in check(sample_lib).findings if f.material_id == mid}
    assert got == {"caption": "错误", "blur": WARNING}


def test_year_picks_the_period(sample_lib):
    assert check(sample_lib).period.start == dt.date(2023, 8, 1)
    with pytest.raises(ValueError, match="2019"):
        check(sample_lib, year=2019)


# --------------------------------------------------------------- recheck
def _same(a, b) -> None:
    assert [(s.code, s.status, s.counts) for s in a.standards] == \
        [(s.code, s.status, s.counts) for s in b.standards]
    assert sorted(map(repr, a.findings)) == sorted(map(repr, b.findings))
    assert a.units == b.units and a.rollup == b.rollup


def _library(lib):
    fill_requirement(lib, "Ⅲ-5:1", unit="市文明办")
    shared = add_photo(lib, ("Ⅲ-1:1", "Ⅲ-9:1"), unit="市委宣传部")
    add_photo(lib, "Ⅲ-9:1", phash="00000000000000ff", unit="市文明办")
    near = add_photo(lib, "Ⅲ-9:1", phash="00000000000000fe", unit="市文明办")
    return shared, near


def test_recheck_after_an_edit_equals_a_full_check(sample_lib):
    shared, near = _library(sample_lib)
    before = check(sample_lib)
    update_material(sample_lib, shared, date=dt.date(2020, 1, 1))
    update_material(sample_lib, near, phash="123456789abcdef0")
    after = recheck(sample_lib, before, [shared, near])
    _same(after, check(sample_lib))
    assert after.standard("Ⅲ-1:1").status == FAULTY
    assert not [f for f in after.findings if f.rule == "near_duplicate"]


def test_recheck_after_linking_and_deleting(sample_lib):
    shared, _ = _library(sample_lib)
    before = check(sample_lib)
    new = add_photo(sample_lib, "Ⅲ-5:1", unit="市文明办")
    with sample_lib.session() as s:
        s.execute(delete(Link).where(Link.material_id == shared))
        s.delete(s.get(Material, shared))
    after = recheck(sample_lib, before, [new, shared])
    _same(after, check(sample_lib))
    assert new in after.standard("Ⅲ-5:1").material_ids
    assert shared not in after.standard("Ⅲ-9:1").material_ids


def test_recheck_updates_duplicates_in_other_standards(sample_lib):
    a = add_photo(sample_lib, "Ⅲ-1:1", phash="0123456789abcdef", blur=500.0)
    b = add_photo(sample_lib, "Ⅲ-5:1", phash="fedcba9876543210", blur=600.0)
    before = check(sample_lib)
    update_material(sample_lib, b, phash="0123456789abcdef", blur=500.0)  # now the same picture
    after = recheck(sample_lib, before, [b])
    _same(after, check(sample_lib))
    notices = [f for f in after.findings if f.rule == "duplicate"]
    assert {f.material_id for f in notices} == {a, b}


def test_recheck_needs_a_full_result(sample_lib):
    from dataclasses import replace

    r = replace(check(sample_lib), state=None)
    with pytest.raises(ValueError):
        recheck(sample_lib, r, [1])
