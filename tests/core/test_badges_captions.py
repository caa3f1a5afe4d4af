"""Badges (a material's own problems, in bulk) and proposed photo captions."""
from __future__ import annotations

import datetime as dt

import pytest
from PIL import Image, ImageFilter

from civdesk import caption_proposals as cp
from civdesk import materials as mat
from civdesk.checks import run_checks
from civdesk.checks.badges import (
    BLURRED,
    DUPLICATE,
    NO_CAPTION,
    OUT_OF_PERIOD,
    UNREADABLE,
    compute_badges,
    explain,
)
from civdesk.checks.model import PeriodInfo
from civdesk.models import MaterialText
from tests.conftest import FIXTURES
from tests.core.checks_helpers import add_doc, find_standard, import_real

PHOTOS = FIXTURES / "corpus" / "photos"


def _codes(summary, mid):
    codes = list(summary.badges.get(mid, ()))
    # the bulk SQL and the rules (which give the reasons) agree on every material
    assert [b.code for b in explain(summary_lib[0], mid, summary)] == codes
    return codes


summary_lib = []


@pytest.fixture(autouse=True)
def _remember_lib(sample_lib):
    summary_lib[:] = [sample_lib]


def test_blurred_photo_gets_its_badge_with_the_reason(sample_lib, tmp_path):
    src = PHOTOS / "jpg__gps__DSCN0010.jpg"
    im = Image.open(src)
    im.filter(ImageFilter.GaussianBlur(2.5)).save(tmp_path / "模糊.jpg", quality=92)
    sharp, blurred = import_real(sample_lib, [src, tmp_path / "模糊.jpg"], "Ⅲ-1:1")
    summary = compute_badges(sample_lib)
    assert BLURRED in _codes(summary, blurred) and BLURRED not in _codes(summary, sharp)
    (badge,) = [b for b in explain(sample_lib, blurred, summary) if b.code == BLURRED]
    assert "清晰度" in badge.reason and "换用" in badge.reason
    # both lack a caption, and the standard counts them as two materials with problems
    assert NO_CAPTION in _codes(summary, sharp)
    assert summary.problems_by_standard[find_standard(sample_lib, "Ⅲ-1:1").id] == 2


def test_period_duplicate_and_unreadable_badges(sample_lib, tmp_path):
    src = PHOTOS / "jpg__Pentax_K10D.jpg"  # taken 2008-05-04
    Image.open(src).save(tmp_path / "另存.png")  # the same pixels in other bytes
    (tmp_path / "坏.pdf").write_bytes(b"%PDF-1.4 broken")
    ids = import_real(sample_lib, [src, tmp_path / "坏.pdf"], "Ⅲ-1:1")
    period = PeriodInfo(2024, dt.date(2023, 8, 1), dt.date(2024, 7, 31))
    summary = compute_badges(sample_lib, period=period)
    assert OUT_OF_PERIOD in _codes(summary, ids[0])
    assert UNREADABLE in _codes(summary, ids[1])
    assert OUT_OF_PERIOD not in _codes(compute_badges(sample_lib, period=None), ids[0])
    # the same picture saved again: a duplicate naming the first
    (copy,) = import_real(sample_lib, [tmp_path / "另存.png"], "Ⅲ-1:2")
    summary = compute_badges(sample_lib, period=period)
    (dup,) = [b for b in explain(sample_lib, copy, summary) if b.code == DUPLICATE]
    assert f"#{ids[0]}" in dup.reason
    assert DUPLICATE not in _codes(summary, ids[0])


def test_a_document_with_the_same_text_is_badged_duplicate_as_the_check_finds_it(sample_lib):
    text = "市委理论学习中心组2024年度学习计划执行情况说明，全年集体学习十二次，专题研讨四次。" * 2
    first = add_doc(sample_lib, "Ⅲ-1:2", text=text, title="学习计划执行情况")
    copy = add_doc(sample_lib, "Ⅲ-1:2", text=text)  # e.g. the PDF of the same Word file
    other = add_doc(sample_lib, "Ⅲ-1:2", text=text + "补充一段不同的内容。")
    summary = compute_badges(sample_lib)
    assert DUPLICATE in _codes(summary, copy)
    assert DUPLICATE not in _codes(summary, first) and DUPLICATE not in _codes(summary, other)
    (dup,) = [b for b in explain(sample_lib, copy, summary) if b.code == DUPLICATE]
    assert f"#{first}" in dup.reason and "学习计划执行情况" in dup.reason
    # the check calls the same document a duplicate
    checked = run_checks(sample_lib)
    assert {f.material_id for f in checked.findings if f.rule == "duplicate"} == {copy}
    # the third document's text becomes the same (new OCR text): it is a duplicate too, and
    # an edit of the copy's title keeps its badge (its fingerprint is read again, not lost)
    with sample_lib.session() as s:
        s.get(MaterialText, (other, 1)).text = text
    mat.update(sample_lib, [copy], title="副本")
    summary = compute_badges(sample_lib)
    assert DUPLICATE in _codes(summary, other) and DUPLICATE in _codes(summary, copy)
    assert summary.problems_by_standard[find_standard(sample_lib, "Ⅲ-1:2").id] == 2


def test_an_edit_updates_badges_and_the_standard_count(sample_lib):
    (mid,) = import_real(sample_lib, [PHOTOS / "jpg__Nikon_D70.jpg"], "Ⅲ-1:1")
    sid = find_standard(sample_lib, "Ⅲ-1:1").id
    older = compute_badges(sample_lib)
    assert NO_CAPTION in _codes(older, mid) and older.problems_by_standard[sid] == 1
    mat.update(sample_lib, [mid], caption_time="2008年3月15日", caption_place="市民广场",
               caption_people="志愿者", caption_event="文明劝导")
    newer = compute_badges(sample_lib)
    assert NO_CAPTION not in _codes(newer, mid)
    # the photo is 100×66: too small for the platform, so one problem stays
    assert newer.problems_by_standard[sid] == (1 if newer.badges.get(mid) else 0)


def test_exif_time_gps_place_and_artist_are_proposed(sample_lib):
    gps, artist, plain = import_real(
        sample_lib, [PHOTOS / "jpg__gps__DSCN0010.jpg", PHOTOS / "jpg__long_description.jpg",
                     PHOTOS / "jpg__orientation__landscape_1.jpg"], "Ⅲ-1:1")
    cp.set_settings(sample_lib, cp.CaptionSettings(
        places=(cp.Place("文明广场", 43.4674, 11.8851, 300), cp.Place("火车站", 43.50, 11.90)),
        templates={"standard:Ⅲ-1:1": {"caption_event": "志愿服务活动"}}))
    found = {mid: {p.field: p for p in props} for mid, props in cp.propose(sample_lib, [gps, artist, plain]).items()}
    assert found[gps]["caption_time"].value == "2008年10月22日"
    assert "EXIF" in found[gps]["caption_time"].reason
    assert found[gps]["caption_place"].value == "文明广场"
    assert found[artist]["caption_photographer"].value == "SSG KYLE DAVIS"
    assert "caption_place" not in found[artist]  # no GPS
    assert found[plain]["caption_event"].value == "志愿服务活动"
    assert "caption_time" not in found[plain]  # no EXIF date
    # what the clerk wrote is never proposed over
    mat.update(sample_lib, [gps], caption_time="2008年10月下旬")
    assert "caption_time" not in {p.field for p in cp.propose(sample_lib, [gps]).get(gps, ())}


def test_a_place_too_far_or_a_damaged_place_list_proposes_nothing(sample_lib):
    (gps,) = import_real(sample_lib, [PHOTOS / "jpg__gps__DSCN0012.jpg"], "Ⅲ-1:1")
    settings = cp.settings_from_json({"places": [{"name": "远处", "lat": 44.0, "lon": 12.0},
                                                 {"name": "坏的", "lat": "北纬"}, {"lat": 1}]})
    assert [p.name for p in settings.places] == ["远处"]
    props = {p.field for p in cp.propose(sample_lib, [gps], settings)[gps]}
    assert "caption_place" not in props and "caption_time" in props


def test_place_list_and_templates_round_trip_as_text_and_bad_lines_are_named():
    places, problems = cp.parse_places("人民广场, 30.2741, 120.1551, 300\n# 注释\n市民中心，30.2453，120.21\n"
                                       "坏行, 北纬, 120\n远方, 95, 10\n")
    assert [(p.name, p.radius_m) for p in places] == [("人民广场", 300.0), ("市民中心", cp.DEFAULT_RADIUS_M)]
    assert len(problems) == 2 and "第 4 行" in problems[0] and "第 5 行" in problems[1]
    templates, problems = cp.parse_templates("standard:Ⅲ-5:1：事由=志愿服务活动；背景=学雷锋月\n"
                                             "unit:市民政局：摄影者=宣传科\nunit:：事由=空单位\n"
                                             "standard:Ⅲ-1:1：心情=好\n")
    assert templates == {"standard:Ⅲ-5:1": {"caption_event": "志愿服务活动", "caption_background": "学雷锋月"},
                         "unit:市民政局": {"caption_photographer": "宣传科"}}
    assert [p[:5] for p in problems] == ["第 3 行", "第 4 行"]
    settings = cp.CaptionSettings(places, templates)
    assert cp.parse_places(cp.places_text(settings))[0] == places
    assert cp.parse_templates(cp.templates_text(settings))[0] == templates


def test_closing_the_window_stops_the_badge_queries_midway(sample_lib):
    """The window closing cancels the badges' job: on SQLite its queries stop at once (they
    take half a second at 100,000 materials), and the connection is fine afterwards."""
    from bench.bench_check import build
    from civdesk.checklist.store import get_checklist
    from civdesk.progress import Cancelled

    if sample_lib.engine.dialect.name != "sqlite":
        pytest.skip("a statement on a server runs to its end; the cancel is seen before and after it")
    build(sample_lib, 3000, seed=3)
    cid = get_checklist(sample_lib).id
    whole = compute_badges(sample_lib, checklist_id=cid)

    class CancelledMidway:
        asked = 0

        def update(self, *_a) -> None:
            pass

        def check_cancelled(self) -> None:
            self.asked += 1
            if self.asked > 2:  # asked once before the queries, then by SQLite while they run
                raise Cancelled()

    progress = CancelledMidway()
    with pytest.raises(Cancelled):
        compute_badges(sample_lib, checklist_id=cid, progress=progress)
    assert progress.asked == 3
    again = compute_badges(sample_lib, checklist_id=cid)  # nothing left behind on the connection
    assert again.badges == whole.badges and again.problems_by_standard == whole.problems_by_standard
    assert whole.badges  # a library with problems to find
