"""OCR of scans: a low-priority background stage that resumes after a restart.

Image-only PDFs (and pictures the clerk files as a document, i.e. whose
类别 is not 图片) have no text after import (``text_status == 'none'``).
This stage renders their pages with PyMuPDF and reads them with RapidOCR (the
optional ``ocr`` extra: ``pip install civdesk[ocr]``; its models ship inside
the wheel, so it works offline).  Each page is committed as it is read, so a
restart continues with the next page; a material is done when all its pages
are read (``text_status == 'ocr'``) and its version is bumped so the search
index picks the text up.
"""
from __future__ import annotations

import io
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import func, or_, select

from civdesk.models import Material, MaterialText
from civdesk.progress import NullProgress, Progress

if TYPE_CHECKING:
    from civdesk.library import Library

PICTURE_KINDS = ("jpeg", "png", "tiff", "bmp", "webp", "heic")
DPI = 150


class OcrEngine(Protocol):
    def read(self, png: bytes) -> str: ...


@dataclass(frozen=True)
class OcrOutcome:
    materials: int
    pages: int
    available: bool
    message: str


class RapidOcrEngine:
    """RapidOCR (rapidocr 3.x or rapidocr-onnxruntime 1.x), default models only."""

    def __init__(self) -> None:
        try:
            from rapidocr import RapidOCR  # type: ignore[import-not-found]
            self._new = True
        except ImportError:
            from rapidocr_onnxruntime import RapidOCR  # type: ignore[import-not-found]
            self._new = False
        self._ocr = RapidOCR()

    def read(self, png: bytes) -> str:
        result = self._ocr(png)
        if self._new:
            texts = list(getattr(result, "txts", None) or ())
        else:
            lines = result[0] if isinstance(result, tuple) else result
            texts = [line[1] for line in lines or ()]
        return unicodedata.normalize("NFKC", "\n".join(texts))


_engine: OcrEngine | None = None


def default_engine() -> OcrEngine | None:
    """The installed OCR engine, or None when the ``ocr`` extra is missing."""
    global _engine
    if _engine is None:
        try:
            _engine = RapidOcrEngine()
        except ImportError:
            return None
    return _engine


def pending_query():
    return select(Material.id).where(
        Material.text_status == "none", Material.encrypted.is_(False),
        or_(Material.kind == "pdf",
            Material.kind.in_(PICTURE_KINDS) & (Material.category.notin_(("图片", "")))),
    ).order_by(Material.id)


def pending_count(lib: Library) -> int:
    with lib.session() as s:
        return s.scalar(select(func.count()).select_from(pending_query().subquery())) or 0


def run_pending_ocr(lib: Library, progress: Progress | None = None,
                    engine: OcrEngine | None = None,
                    should_stop: Callable[[], bool] | None = None) -> OcrOutcome:
    """Read every pending scan, page by page; cancel or stop at any page."""
    progress = progress or NullProgress()
    engine = engine or default_engine()
    if engine is None:
        n = pending_count(lib)
        return OcrOutcome(0, 0, False, f"未安装文字识别组件（pip install civdesk[ocr]），{n} 个扫描件暂无文字")
    with lib.session() as s:
        ids = list(s.scalars(pending_query()))
    pages_done = 0
    for i, mid in enumerate(ids):
        progress.check_cancelled()
        if should_stop and should_stop():
            break
        pages_done += _ocr_material(lib, mid, engine, progress, should_stop)
        progress.update(i + 1, len(ids), "文字识别")
    return OcrOutcome(len(ids), pages_done, True, f"已识别 {len(ids)} 个扫描件，共 {pages_done} 页")


def _ocr_material(lib: Library, mid: int, engine: OcrEngine, progress: Progress,
                  should_stop: Callable[[], bool] | None) -> int:
    with lib.session() as s:
        m = s.get(Material, mid)
        sha, kind = m.sha256, m.kind
        done = set(s.scalars(select(MaterialText.page).where(MaterialText.material_id == mid,
                                                             MaterialText.source == "ocr")))
    images = list(_page_images(lib.vault.path_for(sha), kind))
    read = 0
    for number, render in images:
        if number in done:
            continue
        progress.check_cancelled()
        if should_stop and should_stop():
            return read
        try:
            text = engine.read(render())
        except Exception as exc:  # noqa: BLE001 - one bad page must not stop the stage
            text = ""
            problem = f"第 {number} 页文字识别失败（{type(exc).__name__}）"
            with lib.session() as s:
                s.get(Material, mid).problem = problem
        with lib.session() as s:
            row = s.get(MaterialText, (mid, number))
            if row is None:
                s.add(MaterialText(material_id=mid, page=number, text=text, source="ocr"))
            else:
                row.text, row.source = text, "ocr"
        read += 1
    with lib.session() as s:
        m = s.get(Material, mid)
        m.text_status = "ocr"
        lib.audit(s, "ocr", "material", mid, pages=len(images))
    return read


def _page_images(path, kind: str):
    """(page number, callable giving PNG bytes) for each page of a scan."""
    if kind == "pdf":
        import pymupdf as fitz

        with fitz.open(path) as doc:
            count = doc.page_count

        def render(n: int) -> bytes:
            with fitz.open(path) as d:
                return d[n - 1].get_pixmap(dpi=DPI).tobytes("png")

        for n in range(1, count + 1):
            yield n, (lambda n=n: render(n))
        return

    def picture() -> bytes:
        from PIL import Image, ImageOps

        from civdesk.extract.images import register_heif

        register_heif()
        with Image.open(path) as im:
            im = ImageOps.exif_transpose(im).convert("RGB")
            im.thumbnail((2400, 2400))
            buf = io.BytesIO()
            im.save(buf, "PNG")
            return buf.getvalue()

    yield 1, picture
