"""The 图文说明 PDF of a standard: its photos in order, each with its caption, in office style.

A4 with the 公文 page layout (GB/T 9704: top margin 37 mm, binding margin 28 mm on the
left, type area 156 × 225 mm), a title (图文说明, the standard's code and text), one photo
per page centred in the upper two thirds of the type area (or two per page, each in its
half), and under each photo a table of the six caption elements (时间、地点、人物、事由、
背景、摄影者) and 提供单位 — an empty element is an empty row to fill in by hand, never left
out.  Page numbers as in 公文 ("— 1 —").  Text is set in Noto Serif CJK SC (a Song-style
serif; SIL Open Font License, ``resources/fonts/OFL.txt``), embedded as a subset so the PDF
shows Chinese on any PC.  Photos are placed as upright JPEGs: a small upright JPEG goes in
as it is, others as a preview (long side at most 1600 px) so the PDF stays within the
platform's size limit.  Fixed metadata dates and no document ID make the bytes depend only
on the data.
"""
from __future__ import annotations

import io
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pymupdf
from PIL import Image, ImageOps

from civdesk.extract.images import register_heif

MM = 72 / 25.4
A4 = (595.0, 842.0)
LEFT, TOP, RIGHT, BOTTOM = 28 * MM, 37 * MM, 26 * MM, 35 * MM  # 公文 margins
WIDTH = A4[0] - LEFT - RIGHT  # 156 mm
HEIGHT = A4[1] - TOP - BOTTOM  # 225 mm
TITLE_SIZE, SUBTITLE_SIZE, TEXT_SIZE, SMALL = 18.0, 12.0, 11.0, 9.0
LABEL_W = 24 * MM
PREVIEW_SIDE = 1600
DIRECT_MAX_BYTES = 400 * 1024  # small upright JPEGs go in unchanged
FONT_FILE = Path(__file__).resolve().parents[1] / "resources" / "fonts" / "NotoSerifSC-GB2312.ttf"
GREY = (0.35, 0.35, 0.35)


@dataclass(frozen=True)
class Photo:
    """One photo on the sheet, with what to print under it."""

    number: int
    title: str
    path: Path  # the vault original (read only)
    kind: str
    file_name: str  # its name in the package
    captions: tuple[tuple[str, str], ...]  # (label, value): the six elements, then 提供单位
    problem: str = ""


@lru_cache(maxsize=1)
def _font() -> pymupdf.Font:
    return pymupdf.Font(fontbuffer=FONT_FILE.read_bytes())


def caption_pdf(standard: str, standard_text: str, photos: list[Photo], per_page: int,
                stamp: str, check: Callable[[], None] | None = None) -> bytes:
    """The PDF bytes; ``stamp`` is a PDF date (``D:20240101000000``)."""
    doc = pymupdf.open()
    pages = (len(photos) + per_page - 1) // per_page
    for p in range(pages):
        if check:
            check()
        page = doc.new_page(width=A4[0], height=A4[1])
        writer = pymupdf.TextWriter(page.rect)
        draw_sheet_page(page, writer, standard, standard_text, photos[p * per_page:(p + 1) * per_page],
                        per_page)
        page_number(writer, p + 1)
        writer.write_text(page)
    doc.set_metadata({"title": f"{standard} 图文说明", "author": "", "subject": standard_text,
                      "keywords": "", "creator": "CivDesk", "producer": "CivDesk",
                      "creationDate": stamp, "modDate": stamp})
    doc.subset_fonts()
    return doc.tobytes(garbage=3, deflate=True, no_new_id=True)


def draw_sheet_page(page: pymupdf.Page, writer: pymupdf.TextWriter, standard: str, standard_text: str,
                    photos: list[Photo], per_page: int) -> None:
    """One page of a sheet (also used by the 材料汇编)."""
    y = TOP
    centred(writer, "图文说明", y + TITLE_SIZE, TITLE_SIZE)
    y += TITLE_SIZE + 10
    sub = _wrap(f"{standard}　{standard_text}", SUBTITLE_SIZE, WIDTH)[:3]
    for line in sub:
        y += SUBTITLE_SIZE + 4
        writer.append((LEFT, y), line, font=_font(), fontsize=SUBTITLE_SIZE)
    y += 12
    page.draw_line((LEFT, y), (LEFT + WIDTH, y), color=GREY, width=0.6)
    y += 12
    slot_h = (TOP + HEIGHT - y) / per_page
    for k, photo in enumerate(photos):
        _place(page, writer, photo, y + k * slot_h, slot_h, per_page)


def page_number(writer: pymupdf.TextWriter, n: int) -> None:
    """公文 page number, centred under the type area: "— 1 —"."""
    centred(writer, f"— {n} —", TOP + HEIGHT + 7 * MM + 12, 12.0)


def centred(writer: pymupdf.TextWriter, text: str, baseline: float, size: float) -> None:
    writer.append((LEFT + (WIDTH - _width(text, size)) / 2, baseline), text, font=_font(), fontsize=size)


def _place(page: pymupdf.Page, writer: pymupdf.TextWriter, photo: Photo, top: float, slot_h: float,
           per_page: int) -> None:
    """The photo centred in the upper part of its slot, its number and title, the caption table."""
    row_h = 8 * MM if per_page == 1 else 6.2 * MM
    size = TEXT_SIZE if per_page == 1 else 10.0
    rows = [(label, value) for label, value in photo.captions]
    table_h = sum(_row_height(v, size, row_h) for _, v in rows)
    label_h = size + 12
    box_h = min(slot_h * (2 / 3 if per_page == 1 else 0.62), slot_h - table_h - label_h - 10)
    box = pymupdf.Rect(LEFT, top, LEFT + WIDTH, top + box_h)
    image = None if photo.problem else _preview(photo.path, photo.kind)
    if image is not None:
        data, w, h = image
        scale = min(box.width / w, box.height / h)
        dx, dy = (box.width - w * scale) / 2, (box.height - h * scale) / 2
        shown = pymupdf.Rect(box.x0 + dx, box.y0 + dy, box.x0 + dx + w * scale, box.y0 + dy + h * scale)
        page.insert_image(shown, stream=data, keep_proportion=True)
    else:
        page.draw_rect(box, color=GREY, width=0.5)
        msg = "（图片无法读取" + (f"：{photo.problem[:40]}" if photo.problem else "") + "）"
        centred(writer, msg, box.y0 + box.height / 2, size)
    y = box.y1 + size + 6
    caption = f"图{photo.number}　{photo.title}"
    line = _wrap(caption, size, WIDTH)[0]
    centred(writer, line, y, size)
    y += 6
    for label, value in rows:
        h = _row_height(value, size, row_h)
        page.draw_rect(pymupdf.Rect(LEFT, y, LEFT + LABEL_W, y + h), color=(0, 0, 0), width=0.5)
        page.draw_rect(pymupdf.Rect(LEFT + LABEL_W, y, LEFT + WIDTH, y + h), color=(0, 0, 0), width=0.5)
        writer.append((LEFT + (LABEL_W - _width(label, size)) / 2, y + (h + size) / 2 - 1.5), label,
                      font=_font(), fontsize=size)
        lines = _wrap(value, size, WIDTH - LABEL_W - 8)[:2] if value else []
        for i, text in enumerate(lines):
            base = y + (h - len(lines) * (size + 3)) / 2 + (i + 1) * (size + 3) - 2
            writer.append((LEFT + LABEL_W + 4, base), text, font=_font(), fontsize=size)
        y += h
    writer.append((LEFT, y + SMALL + 3), _wrap(f"文件：{photo.file_name}", SMALL, WIDTH)[0],
                  font=_font(), fontsize=SMALL)


def _row_height(value: str, size: float, row_h: float) -> float:
    lines = len(_wrap(value, size, WIDTH - LABEL_W - 8)[:2]) if value else 1
    return max(row_h, lines * (size + 3) + 6)


def _width(text: str, size: float) -> float:
    return _font().text_length(text, fontsize=size)


def _wrap(text: str, size: float, width: float) -> list[str]:
    """Break ``text`` into lines no wider than ``width`` points (any character may break)."""
    out, cur, used = [], [], 0.0
    for ch, w in zip(text, _font().char_lengths(text, fontsize=size)):
        if ch == "\n" or used + w > width:
            out.append("".join(cur))
            cur, used = [], 0.0
            if ch == "\n":
                continue
        cur.append(ch)
        used += w
    if cur:
        out.append("".join(cur))
    return out or [""]


def _preview(path: Path, kind: str) -> tuple[bytes, int, int] | None:
    """An upright JPEG no larger than ``PREVIEW_SIDE`` and its size, or None when unreadable."""
    if kind in ("heic", "avif"):
        register_heif()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                if (kind == "jpeg" and im.mode in ("RGB", "L") and im.getexif().get(0x0112, 1) == 1
                        and path.stat().st_size <= DIRECT_MAX_BYTES):  # as it is: no re-encoding
                    return path.read_bytes(), im.width, im.height
                if kind == "jpeg":
                    im.draft("RGB", (PREVIEW_SIDE, PREVIEW_SIDE))
                im.load()
                upright = ImageOps.exif_transpose(im)
                upright.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE), Image.Resampling.BILINEAR)
                if upright.mode not in ("RGB", "L"):
                    upright = upright.convert("RGB")
                out = io.BytesIO()
                upright.save(out, "JPEG", quality=80)
                return out.getvalue(), upright.width, upright.height
    except (OSError, SyntaxError, ValueError, EOFError, MemoryError):
        return None
