"""Tests for bench/make_corpus.py: determinism, the mix, zips, EXIF, documents."""
from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util
import io
import json
import random
import sys
import zipfile
from pathlib import Path
from types import ModuleType

import docx
import openpyxl
import pymupdf
import pytest
from PIL import Image, ImageFilter, ImageOps, ImageStat

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "tests" / "fixtures" / "seeds"
SMALL = (320, 240)


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_corpus", ROOT / "bench" / "make_corpus.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_corpus"] = module
    spec.loader.exec_module(module)
    return module


mc = _load()


def _hashes(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("corpus") / "a"
    return mc.make_corpus(out, 30, seed=7, photo_size=SMALL, seeds_dir=SEEDS)


def test_same_seed_same_bytes(corpus, tmp_path: Path) -> None:
    again = mc.make_corpus(tmp_path / "b", 30, seed=7, photo_size=SMALL, seeds_dir=SEEDS)
    assert _hashes(again.out) == _hashes(corpus.out)
    assert [e.path.relative_to(again.out) for e in again.entries] == \
           [e.path.relative_to(corpus.out) for e in corpus.entries]


def test_other_seed_other_bytes(corpus, tmp_path: Path) -> None:
    other = mc.make_corpus(tmp_path / "c", 10, seed=8, photo_size=SMALL, seeds_dir=SEEDS)
    assert not set(_hashes(other.out).values()) & set(_hashes(corpus.out).values())


def test_thirty_files_have_every_kind(corpus) -> None:
    assert set(corpus.counts) == set(mc.KINDS)
    assert sum(corpus.counts.values()) == 30
    on_disk = [p for p in corpus.out.rglob("*") if p.is_file()]
    assert sorted(on_disk) == sorted(corpus.paths)


def test_layout_is_unit_then_item(corpus) -> None:
    rels = [e.path.relative_to(corpus.out) for e in corpus.entries]
    units = {u for it in mc.ITEMS for u in it.units}
    assert all(r.parts[0] in units for r in rels)
    assert any("Ⅲ-" in r.as_posix() for r in rels)
    assert any(any(ch.isdigit() for ch in r.name) and "20" in r.name for r in rels)


def test_gbk_zip_entries_have_no_utf8_flag(corpus) -> None:
    zips = [e for e in corpus.of_kind("zip") if e.facts["encoding"] == "cp936"]
    assert zips
    for entry in zips:
        raw = entry.path.read_bytes()
        infos = zipfile.ZipFile(entry.path).infolist()
        assert len(infos) == len(entry.facts["names"]) >= 3
        for info, intended in zip(infos, entry.facts["names"]):
            assert info.flag_bits & 0x800 == 0
            assert info.filename.encode("cp437").decode("cp936") == intended
            assert intended.encode("cp936") in raw
        assert any(not n.isascii() for n in entry.facts["names"])


def test_utf8_zip_sets_the_flag() -> None:
    when = dt.datetime(2024, 3, 15, 9, 30, tzinfo=mc.TZ)
    data = mc.write_zip([("Ⅲ-5 道德模范/照片.txt", b"x", when)], "utf-8")
    info = zipfile.ZipFile(io.BytesIO(data)).infolist()[0]
    assert info.flag_bits & 0x800 and info.filename == "Ⅲ-5 道德模范/照片.txt"
    assert info.date_time == (2024, 3, 15, 9, 30, 0)


def test_photos_carry_exif_dates_and_all_orientations(corpus) -> None:
    photos = corpus.of_kind("photo")
    with_exif = [e for e in photos if e.facts["exif"]]
    assert {e.facts["orientation"] for e in with_exif} == set(range(1, 9))
    assert any(e.facts["gps"] for e in with_exif)
    for e in photos:
        exif = Image.open(e.path).getexif()
        if not e.facts["exif"]:
            assert not exif
            continue
        taken = dt.datetime.strptime(exif.get_ifd(0x8769)[0x9003], "%Y:%m:%d %H:%M:%S")
        assert dt.datetime(2023, 1, 1) <= taken <= dt.datetime(2024, 12, 31, 23, 59, 59)
        assert taken == e.date.replace(tzinfo=None)
        assert exif[0x0112] == e.facts["orientation"] and exif[0x010F] == e.facts["make"]
        assert bool(exif.get_ifd(0x8825)) == e.facts["gps"]


def test_orientation_makes_the_sky_come_out_on_top(corpus) -> None:
    for e in corpus.of_kind("photo"):
        img = Image.open(e.path)
        assert img.size == tuple(e.facts["size"])
        shown = ImageOps.exif_transpose(img).convert("L")
        w, h = shown.size
        top = ImageStat.Stat(shown.crop((0, 0, w, h * 15 // 100))).mean[0]
        bottom = ImageStat.Stat(shown.crop((0, h * 85 // 100, w, h))).mean[0]
        assert top > bottom, e.path.name


def _laplacian_variance(img: Image.Image) -> float:
    kernel = ImageFilter.Kernel((3, 3), [0, 1, 0, 1, -4, 1, 0, 1, 0], scale=1, offset=128)
    return ImageStat.Stat(img.convert("L").filter(kernel)).var[0]


def test_blur_metric_separates_sharp_from_blurred() -> None:
    when = dt.datetime(2024, 3, 15, 9, 30, tzinfo=mc.TZ)
    base = {"size": (640, 480), "orientation": 1, "exif": False, "gps": False,
            "watermark": False, "low_quality": False, "quality": 90, "volunteers": False,
            "make": "HUAWEI", "model": "ANA-AN00"}
    scores: dict[bool, list[float]] = {False: [], True: []}
    for blurred in (False, True):
        for i in range(4):
            data = mc.make_photo(random.Random(i), dict(base, blurred=blurred), when)
            scores[blurred].append(_laplacian_variance(Image.open(io.BytesIO(data))))
    assert min(scores[False]) > 3 * max(scores[True])


def test_pdfs_have_text_and_scans_do_not(corpus) -> None:
    for e in corpus.of_kind("pdf"):
        doc = pymupdf.open(e.path)
        assert doc.page_count == e.facts["pages"]
        text = "".join(page.get_text() for page in doc)
        assert "各县（市、区）文明办" in text and "年" in text
        assert doc.metadata["creationDate"].startswith(e.date.strftime("D:%Y%m%d"))
        fonts = doc[0].get_fonts()  # embedded subsets: "ABCDEF+Name"
        assert fonts and all(f[1] in ("ttf", "otf") and "+" in f[3] for f in fonts)
    for e in corpus.of_kind("scan"):
        doc = pymupdf.open(e.path)
        assert doc.page_count == e.facts["pages"]
        assert all(not page.get_text().strip() and page.get_images() for page in doc)


def test_pages_flag_sets_pdf_length(tmp_path: Path) -> None:
    s = mc.make_corpus(tmp_path / "p", 3, mix={"pdf": 1}, pages=10, seeds_dir=SEEDS)
    assert [pymupdf.open(e.path).page_count for e in s.entries] == [10, 10, 10]


def test_office_files_open_with_fixed_dates(corpus) -> None:
    for e in corpus.of_kind("docx"):
        props = docx.Document(e.path).core_properties
        assert props.created == e.date.astimezone(dt.timezone.utc)
        assert all(i.date_time == mc.FIXED_ZIP_TIME for i in zipfile.ZipFile(e.path).infolist())
    for e in corpus.of_kind("xlsx"):
        wb = openpyxl.load_workbook(e.path)
        assert wb.active.max_row == e.facts["rows"] + 2
        assert wb.properties.modified == e.date.astimezone(dt.timezone.utc).replace(tzinfo=None)


def test_every_defect_is_made(tmp_path: Path) -> None:
    s = mc.make_corpus(tmp_path / "bad", 10, mix={"bad": 1}, seeds_dir=SEEDS)
    by = {e.facts["defect"]: e.path for e in s.entries}
    assert set(by) == set(mc.BAD_DEFECTS)
    assert by["zero_byte_jpg"].stat().st_size == 0 == by["zero_byte_pdf"].stat().st_size
    assert by["jpeg_named_pdf"].read_bytes()[:2] == b"\xff\xd8"
    assert by["png_named_jpg"].read_bytes()[:4] == b"\x89PNG"
    assert by["office_lock_file"].name.startswith("~$")
    with pytest.raises(OSError):
        Image.open(by["truncated_jpeg"]).load()
    assert by["truncated_pdf"].read_bytes()[:5] == b"%PDF-"
    assert b"%%EOF" not in by["truncated_pdf"].read_bytes()[-64:]
    with pytest.raises(zipfile.BadZipFile):
        zipfile.ZipFile(by["truncated_docx"])


def test_dups_are_byte_copies(corpus) -> None:
    for e in corpus.of_kind("dup"):
        original = corpus.out / e.facts["dup_of"]
        assert e.path != original and e.path.read_bytes() == original.read_bytes()


def test_allocate_and_parse_mix() -> None:
    counts = mc.allocate(10, mc.DEFAULT_MIX)
    assert sum(counts.values()) == 10 and set(counts) == set(mc.KINDS)
    assert mc.allocate(20000, mc.DEFAULT_MIX)["photo"] == 12000
    assert mc.parse_mix("photos=0.6,pdf=0.15") == {"photo": 0.6, "pdf": 0.15}
    with pytest.raises(ValueError):
        mc.parse_mix("video=1")


def test_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text("x")
    with pytest.raises(FileExistsError):
        mc.make_corpus(tmp_path, 10)


def test_cli_writes_corpus_and_manifest(tmp_path: Path) -> None:
    out, manifest = tmp_path / "cli", tmp_path / "m.json"
    rc = mc.main(["--out", str(out), "--files", "12", "--photo-size", "160x120",
                  "--kind", "photos", "--seeds", str(SEEDS), "--manifest", str(manifest)])
    data = json.loads(manifest.read_text(encoding="utf-8"))
    assert rc == 0 and data["counts"] == {"photo": 12}
    assert all((out / row["path"]).is_file() for row in data["entries"])
