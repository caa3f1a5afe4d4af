"""OCR of scans: real RapidOCR on a made scan, page-by-page resume, missing extra."""
from __future__ import annotations

import pymupdf
import pytest
from sqlalchemy import select

from civdesk import ocr
from civdesk.models import Material, MaterialText

PHRASE = "文明实践志愿服务"


def _scan_pdf(path, pages: int) -> None:
    """An image-only PDF: Chinese text rendered to a picture, no text layer."""
    font = pymupdf.Font("china-s")
    out = pymupdf.open()
    for n in range(pages):
        src = pymupdf.open()
        page = src.new_page(width=400, height=200)
        tw = pymupdf.TextWriter(page.rect)
        tw.append((30, 80), f"{PHRASE}第{n + 1}页", font=font, fontsize=26)
        tw.write_text(page)
        pix = page.get_pixmap(dpi=150)
        img_page = out.new_page(width=400, height=200)
        img_page.insert_image(img_page.rect, stream=pix.tobytes("png"))
    out.save(path)


def _import(lib, path):
    report = lib.import_paths([path])
    assert report.count("imported") == 1
    with lib.session() as s:
        m = s.scalars(select(Material)).one()
        assert m.text_status == "none"  # no text layer: waits for OCR
        return m.id


@pytest.mark.skipif(ocr.default_engine() is None, reason="OCR extra not installed")
def test_real_ocr_reads_a_scan_and_search_finds_it(empty_lib, tmp_path):
    path = tmp_path / "扫描件.pdf"
    _scan_pdf(path, 1)
    mid = _import(empty_lib, path)
    assert empty_lib.search("文明实践") == []  # indexed before the OCR
    assert ocr.pending_count(empty_lib) == 1
    outcome = ocr.run_pending_ocr(empty_lib)
    assert outcome.available and outcome.pages == 1
    with empty_lib.session() as s:
        m = s.get(Material, mid)
        text = s.scalars(select(MaterialText.text).where(MaterialText.material_id == mid)).one()
        assert m.text_status == "ocr"
    assert "文明实践" in text and "志愿服务" in text
    assert [r.material_id for r in empty_lib.search("文明实践")] == [mid]
    assert ocr.pending_count(empty_lib) == 0


class _CountingEngine:
    def __init__(self):
        self.calls = 0

    def read(self, png: bytes) -> str:
        assert png.startswith(b"\x89PNG")
        self.calls += 1
        return f"第{self.calls}次识别"


def test_ocr_resumes_at_the_next_page_after_a_stop(empty_lib, tmp_path):
    path = tmp_path / "三页扫描件.pdf"
    _scan_pdf(path, 3)
    mid = _import(empty_lib, path)
    engine = _CountingEngine()
    ocr.run_pending_ocr(empty_lib, engine=engine, should_stop=lambda: engine.calls >= 1)
    with empty_lib.session() as s:
        assert s.get(Material, mid).text_status == "none"  # not finished: still pending
        assert s.scalars(select(MaterialText.page).where(MaterialText.material_id == mid)).all() == [1]
    ocr.run_pending_ocr(empty_lib, engine=engine)
    assert engine.calls == 3  # pages 2 and 3 only on the second run
    with empty_lib.session() as s:
        rows = s.scalars(select(MaterialText).where(MaterialText.material_id == mid)
                         .order_by(MaterialText.page)).all()
        assert [r.page for r in rows] == [1, 2, 3] and all(r.source == "ocr" for r in rows)
        assert s.get(Material, mid).text_status == "ocr"


def test_without_ocr_extra_scans_stay_pending_with_a_message(empty_lib, tmp_path, monkeypatch):
    path = tmp_path / "扫描件.pdf"
    _scan_pdf(path, 1)
    _import(empty_lib, path)
    monkeypatch.setattr(ocr, "default_engine", lambda: None)
    outcome = ocr.run_pending_ocr(empty_lib)
    assert not outcome.available and "未安装文字识别组件" in outcome.message
    assert ocr.pending_count(empty_lib) == 1


@pytest.mark.skipif(ocr.default_engine() is None, reason="OCR extra not installed")
def test_cli_import_wait_ocr_makes_scans_searchable(tmp_path):
    import json

    from tests.conftest import run_cli

    lib = tmp_path / "lib"
    path = tmp_path / "扫描件.pdf"
    _scan_pdf(path, 1)
    assert run_cli("init", "--empty", "--library", str(lib)).returncode == 0
    r = run_cli("import", str(path), "--wait-ocr", "--library", str(lib))
    assert r.returncode == 0, r.stderr
    assert "已识别 1 个扫描件" in r.stdout
    r = run_cli("search", "志愿服务", "--json", "--library", str(lib))
    hits = json.loads(r.stdout)
    assert [h["original_name"] for h in hits] == ["扫描件.pdf"] and hits[0]["page"] == 1
