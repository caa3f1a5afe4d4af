"""Importing the shared corpus (real photos and PDFs) through the whole pipeline.

One import of ``fixtures/corpus`` per module (32 files, so extraction runs in
the worker processes as it does for a clerk's real folder); each test checks
what a clerk sees afterwards: dates, upright thumbnails, page counts, text,
and the reasons attached to the bad files.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat
from sqlalchemy import func, select

from civdesk.importer import ImportOptions
from civdesk.library import Library
from civdesk.models import Material, MaterialText
from tests.conftest import FIXTURES

CORPUS = FIXTURES / "corpus"


@pytest.fixture(scope="module")
def corpus_import(tmp_path_factory):
    if not CORPUS.is_dir():
        pytest.fail(f"fixture corpus not found: {CORPUS}")
    lib = Library.create(tmp_path_factory.mktemp("corpus") / "lib", sample=False)
    report = lib.import_paths([CORPUS], ImportOptions())
    with lib.session() as s:
        rows = {m.original_name: m for m in s.scalars(select(Material))}
        texts = dict(s.execute(select(MaterialText.material_id, func.count())
                               .group_by(MaterialText.material_id)).all())
        s.expunge_all()
    yield lib, report, rows, texts
    lib.close()


def _files() -> list[Path]:
    return sorted(p for p in CORPUS.rglob("*") if p.is_file())


def test_every_corpus_file_imported_once(corpus_import):
    lib, report, rows, _ = corpus_import
    paths = [e.path for e in report.entries]
    assert sorted(paths) == sorted(str(p) for p in _files())
    assert all(e.status == "imported" for e in report.entries), report.summary()
    assert len(rows) == len(_files())
    assert lib.verify().ok


@pytest.mark.parametrize("name, taken, camera", [
    ("jpg__Canon_40D.jpg", date(2008, 5, 30), "Canon EOS 40D"),
    ("jpg__Nikon_D70.jpg", date(2008, 3, 15), "NIKON D70"),
    ("jpg__gps__DSCN0010.jpg", date(2008, 10, 22), None),
    ("jpg__mobile__jolla.jpg", date(2014, 9, 21), None),
    ("heic__IMG_5195.HEIC", date(2021, 4, 11), None),
])
def test_photo_dates_come_from_exif(corpus_import, name, taken, camera):
    m = corpus_import[2][name]
    assert (m.date, m.date_source) == (taken, "exif")
    assert m.category == "图片"
    if camera:
        assert m.meta["camera"] == camera


def test_gps_kept(corpus_import):
    lat, lon = corpus_import[2]["jpg__gps__DSCN0010.jpg"].meta["gps"]
    assert 43 < lat < 44 and 11 < lon < 12


PHOTOS = [p.name for p in sorted((CORPUS / "photos").iterdir())] if CORPUS.is_dir() else []


@pytest.mark.parametrize("name", [n for n in PHOTOS if "corrupted" not in n])
def test_photo_thumbnail_has_the_displayed_shape(corpus_import, name):
    lib, _, rows, _ = corpus_import
    m = rows[name]
    assert m.thumb == "ok" and not m.problem
    with Image.open(lib.thumb_path(m.sha256)) as t:
        tw, th = t.size
    assert max(tw, th) <= 256
    assert (tw >= th) == (m.width >= m.height), (name, (tw, th), (m.width, m.height))
    assert abs(tw / th - m.width / m.height) < 0.05


@pytest.mark.parametrize("name, size", [
    ("landscape_1", (600, 450)), ("landscape_3", (600, 450)), ("landscape_6", (600, 450)),
    ("landscape_8", (600, 450)), ("portrait_1", (450, 600)), ("portrait_6", (450, 600)),
])
def test_orientation_thumbnails_are_upright(corpus_import, name, size):
    """Each orientation file shows the same scene; its thumbnail must match the
    orientation-1 file's thumbnail, not a rotated version of it."""
    lib, _, rows, _ = corpus_import
    m = rows[f"jpg__orientation__{name}.jpg"]
    assert (m.width, m.height) == size
    ref_name = "landscape_1" if name.startswith("landscape") else "portrait_1"
    ref = rows[f"jpg__orientation__{ref_name}.jpg"]
    with Image.open(lib.thumb_path(m.sha256)) as a, Image.open(lib.thumb_path(ref.sha256)) as b:
        a, b = a.convert("L"), b.convert("L")
        assert a.size == b.size
        upright = ImageStat.Stat(ImageChops.difference(a, b)).mean[0]
        turned = ImageStat.Stat(ImageChops.difference(a.transpose(Image.Transpose.ROTATE_180), b)).mean[0]
    assert upright < 25 and upright < turned / 2, (upright, turned)


@pytest.mark.parametrize("name, pages, word", [
    ("pdflatex-4-pages.pdf", 4, None),
    ("multicolumn.pdf", 3, None),
    ("habibi-rotated.pdf", 4, None),
    ("minimal-document.pdf", 1, None),
    ("crazyones-pdfa.pdf", 1, "crazy"),
])
def test_pdf_pages_and_text_rows(corpus_import, name, pages, word):
    lib, _, rows, texts = corpus_import
    m = rows[name]
    assert m.kind == "pdf" and m.pages == pages and m.text_status == "ok"
    assert texts.get(m.id) == pages  # one text row per page
    assert m.thumb == "ok" and lib.thumb_path(m.sha256).is_file()
    if word:
        with lib.session() as s:
            text = " ".join(s.scalars(select(MaterialText.text).where(MaterialText.material_id == m.id)))
        assert word in text.lower()


def test_image_only_pdf_has_pages_but_no_text(corpus_import):
    _, _, rows, texts = corpus_import
    m = rows["imagemagick-images.pdf"]
    assert m.pages == 6 and m.text_status == "none" and m.id not in texts


def test_password_pdf_imported_and_flagged(corpus_import):
    lib, report, rows, texts = corpus_import
    m = rows["libreoffice-writer-password.pdf"]
    assert m.encrypted is True and m.text_status == "encrypted"
    assert "加密" in m.problem and "密码" in m.problem
    assert m.id not in texts
    assert lib.vault.path_for(m.sha256).is_file()  # the original is kept
    entry = next(e for e in report.entries if e.path.endswith("libreoffice-writer-password.pdf"))
    assert entry.status == "imported" and "加密" in entry.reason


def test_corrupted_jpeg_imported_with_clear_reason(corpus_import):
    lib, report, rows, _ = corpus_import
    m = rows["jpg__corrupted.jpg"]
    assert m.kind == "jpeg" and lib.vault.path_for(m.sha256).is_file()
    assert "损坏" in m.problem
    entry = next(e for e in report.entries if e.path.endswith("jpg__corrupted.jpg"))
    assert entry.status == "imported" and entry.reason == m.problem
    assert "有问题" in report.summary()
