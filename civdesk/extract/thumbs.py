"""Thumbnails: upright photos, the first page of a PDF, or a drawn type icon.

Every thumbnail is written to a temporary file beside ``dest`` and renamed
into place, so a reader never sees half a file.  JPEG unless ``dest`` ends in
``.png``.  Type icons (a coloured rounded rectangle with ``DOCX`` / ``文档``)
are drawn with Pillow at run time, with a CJK font when one is installed.
Decompression bombs get no thumbnail at all.
"""
from __future__ import annotations

import errno
import os
import tempfile
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from civdesk.vocabulary import PHOTO_KINDS

THUMB_QUALITY = 82
_BACKGROUND = (255, 255, 255)

# kind → (colour, ASCII label, Chinese label)
_ICON_STYLE: dict[str, tuple[tuple[int, int, int], str, str]] = {
    "pdf": ((214, 48, 49), "PDF", "版式文件"),
    "ofd": ((192, 57, 43), "OFD", "版式文件"),
    "docx": ((43, 87, 154), "DOCX", "文档"),
    "doc": ((43, 87, 154), "DOC", "文档"),
    "xlsx": ((33, 115, 70), "XLSX", "表格"),
    "xls": ((33, 115, 70), "XLS", "表格"),
    "pptx": ((210, 71, 38), "PPTX", "演示文稿"),
    "ppt": ((210, 71, 38), "PPT", "演示文稿"),
    "txt": ((96, 106, 120), "TXT", "文本"),
    "zip": ((142, 101, 52), "ZIP", "压缩包"),
    "video": ((111, 66, 193), "VIDEO", "视频"),
    "empty": ((150, 150, 150), "EMPTY", "空文件"),
    "unknown": ((120, 120, 120), "FILE", "未知类型"),
}
_IMAGE_STYLE = ((0, 132, 180), "IMG", "图片")

_FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simhei.ttf",
    "/System/Library/Fonts/PingFang.ttc",
)


def _make_folder(folder: Path) -> None:
    """A thumbnail's folder (``thumbs/ab``), with its parents, except a missing ``thumbs``
    folder: a library's, perhaps on a network share that went away, is never made again on
    the local disk behind the clerk's back (the import reports the share as gone)."""
    if folder.parent.name == "thumbs" and not folder.parent.is_dir():
        raise FileNotFoundError(errno.ENOENT, "缩略图文件夹无法访问", str(folder.parent))
    folder.mkdir(parents=True, exist_ok=True)


def save_atomic(im: Image.Image, dest: Path) -> None:
    """Write ``im`` to ``dest`` through a temp file in the same folder + rename."""
    _make_folder(dest.parent)
    fmt = "PNG" if dest.suffix.lower() == ".png" else "JPEG"
    fd, tmp = tempfile.mkstemp(prefix=".thumb-", suffix=".tmp", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            if fmt == "JPEG":
                im.save(fh, "JPEG", quality=THUMB_QUALITY, optimize=False)
            else:
                im.save(fh, "PNG")
        os.replace(tmp, dest)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def to_rgb(im: Image.Image) -> Image.Image:
    """RGB pixels; transparency composited over white, 16-bit scaled down."""
    if im.mode == "RGB":
        return im
    if im.mode in ("I;16", "I;16B", "I;16L", "I"):
        im = im.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if im.mode == "F":
        im = im.convert("L")
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        canvas = Image.new("RGB", rgba.size, _BACKGROUND)
        canvas.paste(rgba, mask=rgba.getchannel("A"))
        return canvas
    return im.convert("RGB")


def thumbnail_from_image(im: Image.Image, dest: Path, size: int = 256) -> None:
    """Shrink an upright, decoded image to fit ``size``×``size`` and save it."""
    thumb = to_rgb(im)
    if thumb is im:
        thumb = im.copy()
    thumb.thumbnail((size, size), Image.Resampling.BICUBIC, reducing_gap=2.0)
    save_atomic(thumb, dest)


def pdf_first_page(path: Path, size: int = 256) -> Image.Image | None:
    """The first page rendered so its long side is about ``size`` px, or None."""
    import pymupdf

    pymupdf.TOOLS.mupdf_display_errors(False)
    try:
        with pymupdf.open(path, filetype="pdf") as doc:
            return render_pdf_page(doc, size)
    except Exception:  # noqa: BLE001 - a broken PDF gets an icon instead
        return None


def render_pdf_page(doc, size: int = 256, number: int = 0) -> Image.Image | None:  # noqa: ANN001
    """A page of an open document rendered so its long side is about ``size`` px."""
    import pymupdf

    try:
        if doc.needs_pass or doc.page_count <= number:
            return None
        page = doc[number]
        long_side = max(page.rect.width, page.rect.height) or 1.0
        zoom = min(4.0, max(0.05, size / long_side))
        pix = page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), alpha=False)
        return Image.frombytes("RGB", (pix.width, pix.height), pix.samples)
    except Exception:  # noqa: BLE001 - a broken page gets an icon instead
        return None


def make_thumbnail(path: Path, kind: str, dest: Path, size: int = 256) -> bool:
    """Write a thumbnail for a file of ``kind`` at ``dest``.

    Photos come out upright (all eight EXIF orientations, HEIC too), PDFs
    show their first page, everything else a type icon.  Returns False only
    when nothing was written (a decompression bomb).
    """
    if kind in PHOTO_KINDS:
        from .images import read_picture

        info, im = read_picture(path, kind, decode_side=size)
        if info.bomb:
            return False
        if im is not None:
            thumbnail_from_image(im, dest, size)
            return True
        save_atomic(draw_icon(kind, size, "已损坏"), dest)
        return True
    if kind == "pdf":
        page = pdf_first_page(path, size)
        if page is not None:
            thumbnail_from_image(page, dest, size)
            return True
        save_atomic(draw_icon(kind, size, _pdf_note(path)), dest)
        return True
    _write_icon(kind, size, dest)
    return True


@lru_cache(maxsize=64)
def _icon_jpeg(kind: str, size: int) -> bytes:
    """A type icon encoded once per kind (most documents of an import share it)."""
    import io

    buf = io.BytesIO()
    draw_icon(kind, size).save(buf, "JPEG", quality=THUMB_QUALITY, optimize=False)
    return buf.getvalue()


def _write_icon(kind: str, size: int, dest: Path) -> None:
    if dest.suffix.lower() == ".png":
        save_atomic(draw_icon(kind, size), dest)
        return
    _make_folder(dest.parent)
    fd, tmp = tempfile.mkstemp(prefix=".thumb-", suffix=".tmp", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(_icon_jpeg(kind, size))
        os.replace(tmp, dest)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _pdf_note(path: Path) -> str:
    """'已加密' or '已损坏' for a PDF whose first page could not be drawn."""
    import pymupdf

    try:
        with pymupdf.open(path, filetype="pdf") as doc:
            return "已加密" if doc.needs_pass else "已损坏"
    except Exception:  # noqa: BLE001
        return "已损坏"


@lru_cache(maxsize=1)
def cjk_font_path() -> str | None:
    """The first installed font that can draw Chinese, or None."""
    for candidate in _FONT_CANDIDATES:
        if os.path.exists(candidate):
            return candidate
    return None


@lru_cache(maxsize=32)
def _font(px: int) -> tuple[ImageFont.FreeTypeFont | ImageFont.ImageFont, bool]:
    """(font, can_draw_chinese) at ``px`` pixels."""
    path = cjk_font_path()
    if path:
        try:
            index = 2 if "NotoSansCJK" in path else 0  # the SC face of the collection
            return ImageFont.truetype(path, px, index=index), True
        except OSError:
            pass
    try:
        return ImageFont.load_default(px), False
    except TypeError:  # very old Pillow
        return ImageFont.load_default(), False


def draw_icon(kind: str, size: int = 256, note: str | None = None) -> Image.Image:
    """A type icon: coloured rounded card with an ASCII and a Chinese label."""
    colour, label, chinese = _ICON_STYLE.get(kind, _IMAGE_STYLE if kind in PHOTO_KINDS
                                             else _ICON_STYLE["unknown"])
    if kind in PHOTO_KINDS:
        label = kind.upper()
    im = Image.new("RGB", (size, size), (243, 244, 246))
    draw = ImageDraw.Draw(im)
    margin = size // 8
    box = (margin, margin // 2, size - margin, size - margin // 2)
    draw.rounded_rectangle(box, radius=size // 12, fill=colour)
    big, _ = _font(max(8, size // (4 if len(label) <= 4 else 5)))
    small, has_cjk = _font(max(8, size // 9))
    _centred(draw, label, big, size // 2 - size // 10, size)
    lines = [chinese] + ([note] if note else [])
    if not has_cjk:
        lines = [{"已加密": "LOCKED", "已损坏": "BROKEN"}.get(note or "", "")] if note else []
    for i, line in enumerate(lines):
        _centred(draw, line, small, size // 2 + size // 7 + i * (size // 8), size)
    return im


def _centred(draw: ImageDraw.ImageDraw, text: str, font, y: int, size: int) -> None:  # noqa: ANN001
    if not text:
        return
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    draw.text(((size - (right - left)) / 2 - left, y - (bottom - top) / 2 - top), text,
              font=font, fill=(255, 255, 255))
