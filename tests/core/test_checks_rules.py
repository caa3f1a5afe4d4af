"""Each check rule on made rows and on real photos/PDFs from fixtures/corpus."""
from __future__ import annotations

import datetime as dt
import io
import shutil

import pytest
from PIL import Image, ImageFilter
from sqlalchemy import delete

from civdesk.checklist.store import find_standard
from civdesk.checks import ERROR, NOTICE, RULES, WARNING, run_checks, set_check_settings
from civdesk.checks.rules import key_terms, near_pairs
from civdesk.models import StandardUnit
from tests.core.checks_helpers import (
    PHOTOS,
    add_doc,
    add_photo,
    fill_requirement,
    import_real,
    update_material,
)

TODAY = dt.date(2024, 3, 15)  # inside the sample period, before most deadlines


def findings(lib, rule: str, code: str | None = None, today: dt.date = TODAY):
    result = run_checks(lib, today=today)
    return [f for f in result.findings if f.rule == rule and (code is None or f.standard == code)]


def flagged(lib, rule: str, today: dt.date = TODAY) -> set[int]:
    return {f.material_id for f in findings(lib, rule, today=today)}


def test_rule_ids_are_the_documented_ones():
    assert list(RULES) == ["requirement", "period", "date_mismatch", "caption", "resolution",
                           "blur", "compression", "duplicate", "near_duplicate", "format", "size",
                           "unreadable", "no_text", "relevance", "no_unit", "overdue"]


# ----------------------------------------------------------------- requirement
def test_requirement_counts_kinds_against_the_parsed_requirement(sample_lib):
    add_photo(sample_lib, "Ⅲ-1:1")  # needs 正式发文, 台账, 图片≥2
    msgs = [f.message for f in findings(sample_lib, "requirement", "Ⅲ-1:1")]
    assert "图片：需要 2 件，有效 1 件" in msgs
    assert any(m.startswith("正式发文：需要 1 件，有效 0 件") for m in msgs)
    assert all(f.severity == ERROR for f in findings(sample_lib, "requirement"))


def test_requirement_met_gives_no_finding_and_skips_non_material_standards(sample_lib):
    fill_requirement(sample_lib, "Ⅲ-1:1")
    assert findings(sample_lib, "requirement", "Ⅲ-1:1") == []
    assert findings(sample_lib, "requirement", "Ⅲ-4:1") == []  # 实地考察 only


def test_requirement_does_not_count_materials_with_errors(sample_lib):
    fill_requirement(sample_lib, "Ⅲ-5:1")
    bad = add_photo(sample_lib, "Ⅲ-5:1", date=dt.date(2020, 1, 1))
    assert findings(sample_lib, "requirement", "Ⅲ-5:1") == []
    update_material(sample_lib, bad - 1, date=dt.date(2020, 1, 1))  # one good photo goes bad
    msg = [f.message for f in findings(sample_lib, "requirement", "Ⅲ-5:1")]
    assert msg == ["图片：需要 2 件，有效 1 件（另有 2 件有错误，不计入）"]


# ---------------------------------------------------------------------- period
def test_period_flags_dates_outside_and_missing(sample_lib):
    inside = add_photo(sample_lib, "Ⅲ-1:1", date=dt.date(2024, 7, 31))
    before = add_photo(sample_lib, "Ⅲ-1:1", date=dt.date(2023, 7, 31))
    undated = add_doc(sample_lib, "Ⅲ-1:1", date=None)
    got = {f.material_id: f.severity for f in findings(sample_lib, "period")}
    assert got == {before: ERROR, undated: WARNING}
    assert inside not in got


def test_period_on_a_real_photo_uses_its_exif_date(sample_lib):
    (mid,) = import_real(sample_lib, [PHOTOS / "jpg__gps__DSCN0010.jpg"], "Ⅲ-1:1")
    (f,) = findings(sample_lib, "period")
    assert f.material_id == mid and "2008-10-22" in f.message and f.severity == ERROR


# --------------------------------------------------------------- date_mismatch
def test_exif_date_outside_the_period_is_flagged_when_the_stated_date_is_inside(sample_lib):
    (mid,) = import_real(sample_lib, [PHOTOS / "jpg__gps__DSCN0010.jpg"], "Ⅲ-1:1")
    assert findings(sample_lib, "date_mismatch") == []  # date taken from EXIF: they agree
    update_material(sample_lib, mid, date=dt.date(2024, 3, 1), date_source="manual")
    (f,) = findings(sample_lib, "date_mismatch")
    assert f.material_id == mid and f.severity == ERROR
    assert "2008-10-22" in f.message and "测评周期" in f.message
    assert findings(sample_lib, "period") == []  # the stated date alone looks fine


def test_date_mismatch_inside_the_period_is_a_warning_and_respects_tolerance(sample_lib):
    near = add_photo(sample_lib, "Ⅲ-1:1", date=dt.date(2024, 3, 2))
    far = add_photo(sample_lib, "Ⅲ-1:1", date=dt.date(2024, 5, 1))
    got = {f.material_id: f.severity for f in findings(sample_lib, "date_mismatch")}
    assert got == {far: WARNING}
    assert near not in got


# --------------------------------------------------------------------- caption
def test_caption_lists_the_missing_parts(sample_lib):
    ok = add_photo(sample_lib, "Ⅲ-1:1")
    bad = add_photo(sample_lib, "Ⅲ-1:1", caption_place="", caption_people="  ")
    (f,) = findings(sample_lib, "caption")
    assert f.material_id == bad and "地点、人物" in f.message and "时间" not in f.message
    assert ok != f.material_id


def test_caption_of_a_real_import_is_empty_until_filled(sample_lib):
    (mid,) = import_real(sample_lib, [PHOTOS / "jpg__mobile__jolla.jpg"], "Ⅲ-1:1")
    assert flagged(sample_lib, "caption") == {mid}
    update_material(sample_lib, mid, caption_time="2024年3月1日", caption_place="市民中心",
                    caption_people="理论学习中心组", caption_event="集体学习")
    assert flagged(sample_lib, "caption") == set()


# ------------------------------------------------------------------ resolution
def test_resolution_against_the_platform_minimum(sample_lib):
    small, big = import_real(sample_lib, [PHOTOS / "jpg__gps__DSCN0010.jpg",
                                          PHOTOS / "jpg__mobile__jolla.jpg"], "Ⅲ-1:1")
    assert flagged(sample_lib, "resolution") == {small}  # 640×480 < 800×600; jolla 3264×2448
    portrait = add_photo(sample_lib, "Ⅲ-1:1", width=600, height=800)  # rotated is fine
    assert portrait not in flagged(sample_lib, "resolution")
    set_check_settings(sample_lib, platform={"min_width": 4000, "min_height": 3000})
    assert flagged(sample_lib, "resolution") == {small, big, portrait}


# ------------------------------------------------------------------------ blur
def test_a_blurred_copy_of_a_real_photo_is_flagged_and_the_original_is_not(sample_lib, tmp_path):
    src = PHOTOS / "jpg__gps__DSCN0010.jpg"
    im = Image.open(src)
    im.filter(ImageFilter.GaussianBlur(2.5)).save(tmp_path / "模糊.jpg", quality=92,
                                                 exif=im.info.get("exif", b""))
    sharp, blurred = import_real(sample_lib, [src, tmp_path / "模糊.jpg"], "Ⅲ-1:1")
    (f,) = findings(sample_lib, "blur")
    assert f.material_id == blurred and f.severity == WARNING and sharp != blurred


@pytest.mark.parametrize("name", ["jpg__mobile__jolla.jpg", "jpg__Canon_40D.jpg",
                                  "jpg__orientation__portrait_6.jpg"])
def test_real_sharp_photos_pass_and_their_blurred_copies_fail(sample_lib, tmp_path, name):
    src = PHOTOS / name
    im = Image.open(src)
    scale = max(1.0, max(im.size) / 512)  # 2 px at the analysis size
    im.convert("RGB").filter(ImageFilter.GaussianBlur(2 * scale)).save(tmp_path / "b.jpg", quality=92)
    sharp, blurred = import_real(sample_lib, [src, tmp_path / "b.jpg"], "Ⅲ-1:1")
    assert flagged(sample_lib, "blur") == {blurred}


# ----------------------------------------------------------------- compression
def test_heavily_compressed_copy_of_a_real_photo_is_flagged(sample_lib, tmp_path):
    src = PHOTOS / "jpg__gps__DSCN0012.jpg"
    Image.open(src).save(tmp_path / "压缩.jpg", quality=10)
    original, squeezed = import_real(sample_lib, [src, tmp_path / "压缩.jpg"], "Ⅲ-1:1")
    (f,) = findings(sample_lib, "compression")
    assert f.material_id == squeezed and "JPEG 质量" in f.message


# ------------------------------------------------------------------ duplicates
def _same_pixels_other_bytes(src, dest):
    """Insert a JPEG comment segment: new file hash, identical picture."""
    data = src.read_bytes()
    comment = "副本".encode()
    segment = b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment
    dest.write_bytes(data[:2] + segment + data[2:])


def test_same_picture_twice_in_one_standard_is_an_error(sample_lib, tmp_path):
    src = PHOTOS / "jpg__gps__DSCN0021.jpg"
    _same_pixels_other_bytes(src, tmp_path / "副本.jpg")
    a, b = import_real(sample_lib, [src, tmp_path / "副本.jpg"], "Ⅲ-1:1")
    assert a != b
    dup = findings(sample_lib, "duplicate")
    assert [(f.material_id, f.severity) for f in dup] == [(b, ERROR)]
    assert findings(sample_lib, "near_duplicate") == []  # reported once, as exact


def test_duplicate_does_not_count_twice_toward_the_requirement(sample_lib):
    a = add_photo(sample_lib, "Ⅲ-5:1")
    add_photo(sample_lib, "Ⅲ-5:1", phash=_phash(sample_lib, a), blur=_blur(sample_lib, a))
    msgs = [f.message for f in findings(sample_lib, "requirement", "Ⅲ-5:1")]
    assert any(m.startswith("图片：需要 2 件，有效 1 件") for m in msgs)


def test_material_reused_across_standards_is_a_notice(sample_lib):
    mid = add_photo(sample_lib, ("Ⅲ-1:1", "Ⅲ-5:1"))
    got = findings(sample_lib, "duplicate")
    assert {(f.standard, f.severity) for f in got} == {("Ⅲ-1:1", NOTICE), ("Ⅲ-5:1", NOTICE)}
    assert all(f.material_id == mid for f in got)
    assert "Ⅲ-5:1" in [f for f in got if f.standard == "Ⅲ-1:1"][0].message


def test_same_document_text_in_one_standard_is_a_duplicate(sample_lib):
    text = "市委理论学习中心组2024年度学习计划执行情况说明，全年集体学习十二次，专题研讨四次。" * 2
    a = add_doc(sample_lib, "Ⅲ-1:2", text=text)
    b = add_doc(sample_lib, "Ⅲ-1:2", text=text)
    add_doc(sample_lib, "Ⅲ-1:2", text=text + "补充一段不同的内容。")
    assert [(f.material_id, f.severity) for f in findings(sample_lib, "duplicate")] == [(b, ERROR)]
    assert a != b


def _phash(lib, mid):
    from civdesk.models import Material

    with lib.session() as s:
        return s.get(Material, mid).phash


def _blur(lib, mid):
    from civdesk.models import Material

    with lib.session() as s:
        return s.get(Material, mid).blur


def test_near_duplicate_real_photos_resaved(sample_lib, tmp_path):
    src = PHOTOS / "jpg__orientation__landscape_1.jpg"
    Image.open(src).save(tmp_path / "再存.jpg", quality=70)
    other = PHOTOS / "jpg__gps__DSCN0010.jpg"
    a, b, c = import_real(sample_lib, [src, tmp_path / "再存.jpg", other], "Ⅲ-1:1")
    got = findings(sample_lib, "near_duplicate")
    assert [(f.material_id, f.severity) for f in got] == [(b, WARNING)]
    assert f"#{a}" in got[0].message


def test_near_duplicates_in_different_standards_are_not_flagged(sample_lib):
    a = add_photo(sample_lib, "Ⅲ-1:1", phash="0f0f0f0f0f0f0f0f")
    add_photo(sample_lib, "Ⅲ-5:1", phash="0f0f0f0f0f0f0f0e")
    assert findings(sample_lib, "near_duplicate") == []
    b = add_photo(sample_lib, "Ⅲ-1:1", phash="0f0f0f0f0f0f0f0c")
    assert flagged(sample_lib, "near_duplicate") == {b} and a < b


def test_near_pairs_finds_exactly_the_pairs_within_the_distance():
    import random

    rnd = random.Random(7)
    hashes = {i: rnd.getrandbits(64) for i in range(300)}
    for i in range(300, 340):  # close relatives of the first 40
        hashes[i] = hashes[i - 300] ^ (1 << rnd.randrange(64)) ^ (1 << rnd.randrange(64))
    brute = sorted((a, b, (hashes[a] ^ hashes[b]).bit_count()) for a in hashes for b in hashes
                   if a < b and (hashes[a] ^ hashes[b]).bit_count() <= 4)
    assert near_pairs(hashes, 4) == brute
    assert len(brute) >= 40


# ---------------------------------------------------------------- format, size
def test_format_outside_the_platform_list(sample_lib):
    heic, jpg = import_real(sample_lib, [PHOTOS / "heic__IMG_5195.HEIC",
                                         PHOTOS / "jpg__mobile__jolla.jpg"], "Ⅲ-1:1")
    (f,) = findings(sample_lib, "format")
    assert f.material_id == heic and "heic" in f.message
    set_check_settings(sample_lib, platform={"formats": ["jpg", "heic"]})
    assert findings(sample_lib, "format") == []


def test_size_over_the_platform_limit(sample_lib):
    (mid,) = import_real(sample_lib, [PHOTOS / "jpg__mobile__jolla.jpg"], "Ⅲ-1:1")  # 812 KB
    big = add_doc(sample_lib, "Ⅲ-1:1", size=25 * 1024 * 1024)
    assert flagged(sample_lib, "size") == {big}  # default 20 MB
    set_check_settings(sample_lib, platform={"max_mb": 0.5})
    assert flagged(sample_lib, "size") == {big, mid}


# ------------------------------------------------------------------ unreadable
def test_encrypted_and_damaged_real_files_are_unreadable(sample_lib, fixtures):
    enc, broken, fine = import_real(sample_lib, [
        fixtures / "corpus" / "pdf" / "libreoffice-writer-password.pdf",
        PHOTOS / "jpg__corrupted.jpg", fixtures / "corpus" / "pdf" / "minimal-document.pdf"], "Ⅲ-1:1")
    got = {f.material_id: f for f in findings(sample_lib, "unreadable")}
    assert set(got) == {enc, broken}
    assert "加密" in got[enc].message and got[enc].severity == ERROR
    assert got[broken].severity == ERROR and "损坏" in got[broken].message


def test_only_a_wrong_extension_is_a_warning(sample_lib):
    mid = add_doc(sample_lib, "Ⅲ-1:1", problem="扩展名与内容不符（实际是 pdf 文件）")
    (f,) = findings(sample_lib, "unreadable")
    assert f.material_id == mid and f.severity == WARNING


# --------------------------------------------------------------------- no_text
def test_scanned_report_without_text_in_a_standard_needing_a_report(sample_lib, fixtures):
    (scan,) = import_real(sample_lib, [fixtures / "corpus" / "pdf" / "imagemagick-images.pdf"], "Ⅲ-1:2")
    update_material(sample_lib, scan, category="说明报告", date=dt.date(2024, 3, 1))
    (f,) = findings(sample_lib, "no_text")
    assert f.material_id == scan and f.standard == "Ⅲ-1:2" and "文字识别" in f.message
    update_material(sample_lib, scan, text_status="ocr")
    assert findings(sample_lib, "no_text") == []


def test_no_text_only_where_a_report_is_required(sample_lib):
    add_doc(sample_lib, "Ⅲ-3:1", text_status="none")  # needs 正式发文 only
    assert findings(sample_lib, "no_text") == []


# ------------------------------------------------------------------- relevance
def test_report_unrelated_to_its_standard_is_flagged(sample_lib, fixtures):
    unrelated = (fixtures / "seeds").glob("000_*.txt").__next__().read_text(encoding="utf-8")
    fits = ("关于市委理论学习中心组开展专题学习研讨的情况说明：各级党组织按照年度学习计划开展"
            "专题学习研讨，形成学习记录，理论学习中心组全年集体学习十二次。")
    bad = add_doc(sample_lib, "Ⅲ-1:2", text=unrelated[:3000], title="预算绩效评价整改情况报告")
    good = add_doc(sample_lib, "Ⅲ-1:2", text=fits, title="学习研讨情况说明")
    got = findings(sample_lib, "relevance")
    assert [f.material_id for f in got] == [bad] and good != bad
    assert "可能与测评标准不符" in got[0].message


def test_key_terms_drop_words_every_report_uses():
    terms = key_terms("公共厕所建设管理：公共厕所数量布局合理，保洁管理规范")
    assert {"厕所", "保洁", "布局"} <= terms
    assert not {"建设", "管理", "规范"} & terms


# --------------------------------------------------------------------- no_unit
def test_standard_without_units(sample_lib):
    st = find_standard(sample_lib, "Ⅲ-13:1")
    with sample_lib.session() as s:
        s.execute(delete(StandardUnit).where(StandardUnit.standard_id == st.id))
    got = findings(sample_lib, "no_unit")
    assert [(f.standard, f.severity) for f in got] == [("Ⅲ-13:1", WARNING)]


# --------------------------------------------------------------------- overdue
def test_overdue_only_after_the_deadline_and_while_unmet(sample_lib):
    add_photo(sample_lib, "Ⅲ-5:1")  # deadline 2024-03-31, needs 正式发文 + 图片≥2
    assert findings(sample_lib, "overdue", "Ⅲ-5:1", today=dt.date(2024, 3, 31)) == []
    (f,) = findings(sample_lib, "overdue", "Ⅲ-5:1", today=dt.date(2024, 4, 2))
    assert f.severity == ERROR and "2024-03-31" in f.message and "逾期 2 天" in f.message
    fill_requirement(sample_lib, "Ⅲ-5:1")
    assert findings(sample_lib, "overdue", "Ⅲ-5:1", today=dt.date(2024, 4, 2)) == []


def test_a_copy_is_not_needed_for_the_real_file(tmp_path):
    # guard for the helper above: the comment trick keeps the picture identical
    src = PHOTOS / "jpg__Canon_40D.jpg"
    _same_pixels_other_bytes(src, tmp_path / "c.jpg")
    a, b = Image.open(src), Image.open(tmp_path / "c.jpg")
    assert a.tobytes() == b.tobytes() and src.read_bytes() != (tmp_path / "c.jpg").read_bytes()
    shutil.copy(src, tmp_path / "d.jpg")
    assert io.BytesIO((tmp_path / "d.jpg").read_bytes()).getbuffer().nbytes == src.stat().st_size
