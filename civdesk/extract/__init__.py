"""Identify a material file and extract what the library needs from it.

Pure functions over a file path, no database; they run in import worker
processes.  The import pipeline calls :func:`extract` once per file: it
identifies the kind by content, reads metadata, text, the 形成日期 with its
source, quality measures for photos, and (optionally) writes a thumbnail —
opening and decoding each photo only once.

Glossary: 形成日期 = ``date`` (with ``date_source``), 文号 = ``doc_number``,
题名 = ``title``, 责任者 = ``author``, 页数 = ``pages``.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

from civdesk.vocabulary import PHOTO_KINDS

from .dates import date_from_name, date_from_text, edge_date, signed_date
from .identify import OLE_MAGIC, identify, mislabelled, read_head
from .images import read_picture
from .metadata import DocInfo, find_doc_number, read_ofd, read_ooxml, read_pdf, read_txt
from .quality import analysis_copy, blur_score, dhash, jpeg_quality
from .thumbs import draw_icon, make_thumbnail, save_atomic, thumbnail_from_image

__all__ = ["Extracted", "extract", "warm_up", "identify", "make_thumbnail", "date_from_name",
           "date_from_text", "mislabelled"]

EMPTY_REASON = "文件为空（0 字节）"
_TEXT_DATE_HEAD, _TEXT_DATE_TAIL = 200_000, 50_000


@dataclass(frozen=True)
class Extracted:
    """Everything extracted from one file (sizes as displayed, upright)."""

    kind: str
    mime: str
    mislabelled: bool = False
    width: int | None = None
    height: int | None = None
    pages: int | None = None
    pages_estimated: bool = False  # 约 N 页: read from the file's saved statistics, not counted
    taken_at: datetime | None = None
    date: date | None = None
    date_source: str | None = None  # 'exif' | 'metadata' | 'filename' | 'text'
    camera: str | None = None
    gps: tuple[float, float] | None = None
    orientation: int | None = None
    title: str | None = None
    author: str | None = None
    doc_number: str | None = None  # 文号, e.g. X文明办〔2024〕12号
    encrypted: bool = False
    has_text_layer: bool | None = None
    text_pages: tuple[str, ...] = ()
    text_status: str = "none"  # 'ok' | 'none' | 'encrypted' | 'error'
    blur: float | None = None
    phash: str | None = None  # 64-bit dHash, 16 hex digits
    jpeg_quality: int | None = None
    bomb: bool = False
    error: str | None = None  # Chinese reason when the file could not be read
    extra: dict = field(default_factory=dict)  # producer, sheets, encoding, artist ...
    thumbnail: bool = False  # a thumbnail was written at thumb_dest

    @property
    def text(self) -> str:
        """All text, pages separated by form feeds."""
        return "\f".join(self.text_pages)


def extract(path: Path, original_name: str, thumb_dest: Path | None = None,
            thumb_size: int = 256) -> Extracted:
    """Identify ``path`` and extract metadata, text, date, quality, thumbnail.

    ``original_name`` is the name the user imported (the vault path may be a
    hash).  Never raises for bad content; an ``OSError`` for a file that
    vanished may propagate.
    """
    path = Path(path)
    head = read_head(path)
    kind, mime = identify(path, head, name=original_name)
    base = Extracted(kind=kind, mime=mime, mislabelled=mislabelled(kind, original_name))
    try:
        if kind == "empty":
            result = replace(base, error=EMPTY_REASON)
        elif kind in PHOTO_KINDS:
            result = _extract_picture(path, base, thumb_dest, thumb_size)
        else:
            result = _extract_document(path, base, head, thumb_dest, thumb_size)
    except OSError:
        if not path.exists():
            raise
        result = replace(base, text_status="error", error="无法读取文件内容（读写错误）")
    except Exception as exc:  # noqa: BLE001 - one bad file must not stop an import
        result = replace(base, text_status="error",
                         error=f"无法读取文件内容（{type(exc).__name__}: {str(exc)[:80]}）")
    result = _with_date(result, original_name)
    if thumb_dest is not None and not result.thumbnail and not result.bomb and kind not in PHOTO_KINDS:
        result = replace(result, thumbnail=_safe_thumbnail(path, kind, thumb_dest, thumb_size))
    if kind == "pdf":
        _release_pdf_cache()
    return result


_PDF_CACHE_EVERY = 16
_pdfs_since_release = 0


def _release_pdf_cache() -> None:
    """MuPDF keeps decoded resources (up to 256 MB) in its store; a worker that
    goes through thousands of files must not hold on to them.  Emptying it
    costs ~2.5 ms, so it is done every 16 PDFs rather than after each."""
    global _pdfs_since_release
    _pdfs_since_release += 1
    if _pdfs_since_release < _PDF_CACHE_EVERY:
        return
    _pdfs_since_release = 0
    import pymupdf

    pymupdf.TOOLS.store_shrink(100)


def warm_up() -> None:
    """Load what extraction needs (PyMuPDF, HEIC support) before the first file."""
    import pymupdf  # noqa: F401

    from .images import register_heif

    register_heif()


def _extract_picture(path: Path, base: Extracted, thumb_dest: Path | None, size: int) -> Extracted:
    """EXIF, quality and thumbnail from one reduced decode."""
    info, im = read_picture(path, base.kind, decode_side=max(512, size))
    result = replace(
        base, width=info.width, height=info.height, orientation=info.orientation,
        taken_at=info.taken_at, camera=info.camera, gps=info.gps, bomb=info.bomb,
        error=info.error, jpeg_quality=jpeg_quality(info.jpeg_tables), extra=dict(info.extra))
    if im is not None:
        grey = analysis_copy(im)
        result = replace(result, blur=blur_score(grey), phash=dhash(grey))
    if thumb_dest is None or info.bomb:
        return result
    try:
        if im is not None:
            thumbnail_from_image(im, thumb_dest, size)
        else:
            save_atomic(draw_icon(base.kind, size, "已损坏"), thumb_dest)
    except (OSError, ValueError) as exc:
        result.extra["thumb_error"] = f"缩略图生成失败（{exc}）"
        return result
    return replace(result, thumbnail=True)


def _extract_document(path: Path, base: Extracted, head: bytes, thumb_dest: Path | None = None,
                      thumb_size: int = 256) -> Extracted:
    """Metadata and text of documents; recognition only for other kinds.

    A PDF's thumbnail is rendered from the document already open for its text.
    """
    kind = base.kind
    if kind in ("docx", "xlsx", "pptx") and head.startswith(OLE_MAGIC):
        return replace(base, encrypted=True, text_status="encrypted",
                       error="Office 文档已加密（需要密码），无法读取文字")
    if kind == "pdf":
        info = read_pdf(path, render_side=thumb_size if thumb_dest is not None else None)
        if info.first_page is not None and thumb_dest is not None:
            thumbnail_from_image(info.first_page, thumb_dest, thumb_size)
            return replace(_merge_doc(base, info), thumbnail=True)
    elif kind in ("docx", "xlsx", "pptx"):
        info = read_ooxml(path, kind)
    elif kind == "ofd":
        info = read_ofd(path)
    elif kind == "txt":
        info = read_txt(path)
    else:
        extra = {"note": "旧版 Office 格式，暂不提取文字"} if kind in ("doc", "xls", "ppt") else {}
        return replace(base, extra=extra)
    return _merge_doc(base, info)


def _merge_doc(base: Extracted, info: DocInfo) -> Extracted:
    extra = dict(info.extra)
    if info.created:
        extra["created"] = info.created.isoformat(sep=" ")
    if info.modified:
        extra["modified"] = info.modified.isoformat(sep=" ")
    first = info.text_pages[0] if info.text_pages else ""
    return replace(
        base, pages=info.pages, pages_estimated=info.pages_estimated, title=info.title, author=info.author,
        doc_number=find_doc_number(first) if first else None, encrypted=info.encrypted,
        has_text_layer=info.has_text_layer, text_pages=info.text_pages,
        text_status=info.text_status, error=info.error, extra=extra)


def _with_date(result: Extracted, original_name: str) -> Extracted:
    """形成日期, by what a clerk trusts most:

    1. a photo's EXIF date taken;
    2. the 落款 written under a document (a date alone on its line);
    3. a date in the file name (clerks name files ``2024.3.15 …``);
    4. a date in the opening or closing lines of the text (not of a workbook);
    5. the document's metadata (often a template's date, so only now;
       known template dates are dropped when it is read);
    6. the first date written anywhere in the text.
    """
    if result.taken_at:
        return replace(result, date=result.taken_at.date(), date_source="exif")
    text = result.text
    if len(text) > _TEXT_DATE_HEAD + _TEXT_DATE_TAIL:
        text = text[:_TEXT_DATE_HEAD] + "\n" + text[-_TEXT_DATE_TAIL:]
    signed = signed_date(text) if text else None
    if signed:
        return replace(result, date=signed, date_source="text")
    from_name = date_from_name(original_name)
    if from_name:
        return replace(result, date=from_name, date_source="filename")
    edge = edge_date(text) if text and result.kind != "xlsx" else None   # not a ledger's rows
    if edge:
        return replace(result, date=edge, date_source="text")
    created = result.extra.get("created")
    if created:
        return replace(result, date=datetime.fromisoformat(created).date(), date_source="metadata")
    from_text = date_from_text(text) if text else None
    if from_text:
        return replace(result, date=from_text, date_source="text")
    return result


def _safe_thumbnail(path: Path, kind: str, dest: Path, size: int) -> bool:
    try:
        return make_thumbnail(path, kind, dest, size)
    except Exception:  # noqa: BLE001 - a missing thumbnail is not an import error
        return False
