"""The 图文说明 PDF of a standard: its photos in order, each with its caption.

One or two photos per A4 page, the caption (时间、地点、人物、事由、背景、
摄影者) under each photo, the standard at the top of every page.  Text uses
the Droid Sans Fallback font bundled in PyMuPDF, embedded as a subset
(about 16 KB), so the PDF shows Chinese on any PC.  Photos are placed as
upright JPEG previews (long side at most 1600 px) so the PDF stays within
the platform's size limit.  Fixed metadata dates and no document ID make the
bytes depend only on the data.
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

A4 = (595.0, 842.0)
MARGIN = 50.0
HEAD_SIZE, TEXT_SIZE, LEAD = 9.0, 10.5, 15.0
CAPTION_LINES = 9
PREVIEW_SIDE = 1600
DIRECT_MAX_BYTES = 400 * 1024  # small upright JPEGs go in unchanged


@dataclass(frozen=True)
class Photo:
    """One photo on the sheet, with what to print under it."""

    number: int
    title: str
    path: Path  # the vault original (read only)
    kind: str
    file_name: str  # its name in the package
    captions: tuple[tuple[str, str], ...]
    problem: str = ""


@lru_cache(maxsize=1)
def _font() -> pymupdf.Font:
    return pymupdf.Font("cjk")


def caption_pdf(standard: str, standard_text: str, photos: list[Photo], per_page: int,
                stamp: str, check: Callable[[], None] | None = None) -> bytes:
    """The PDF bytes; ``stamp`` is a PDF date (``D:20240101000000``)."""
    doc = pymupdf.open()
    pages = (len(photos) + per_page - 1) // per_page
    slot_h = (A4[1] - 2 * MARGIN - 40) / per_page
    for p in range(pages):
        if check:
            check()
        page = doc.new_page(width=A4[0], height=A4[1])
        writer = pymupdf.TextWriter(page.rect)
        head = f"图文说明　{standard}　{standard_text}"
        _lines(writer, _wrap(head, HEAD_SIZE, A4[0] - 2 * MARGIN)[:2], MARGIN, MARGIN, HEAD_SIZE, 12)
        page.draw_line((MARGIN, MARGIN + 22), (A4[0] - MARGIN, MARGIN + 22), color=(0.6, 0.6, 0.6),
                       width=0.5)
        foot = f"第 {p + 1} 页　共 {pages} 页"
        writer.append((A4[0] / 2 - _width(foot, HEAD_SIZE) / 2, A4[1] - MARGIN / 2), foot,
                      font=_font(), fontsize=HEAD_SIZE)
        for k, photo in enumerate(photos[p * per_page:(p + 1) * per_page]):
            top = MARGIN + 34 + k * slot_h
            _place(page, writer, photo, top, slot_h)
        writer.write_text(page)
    doc.set_metadata({"title": f"{standard} 图文说明", "author": "", "subject": standard_text,
                      "keywords": "", "creator": "CivDesk", "producer": "CivDesk",
                      "creationDate": stamp, "modDate": stamp})
    doc.subset_fonts()
    return doc.tobytes(garbage=3, deflate=True, no_new_id=True)


def _place(page: pymupdf.Page, writer: pymupdf.TextWriter, photo: Photo, top: float,
           slot_h: float) -> None:
    width = A4[0] - 2 * MARGIN
    lines = _caption_lines(photo, width)
    text_h = len(lines) * LEAD + 6
    box = pymupdf.Rect(MARGIN, top, MARGIN + width, top + slot_h - text_h - 10)
    image = None if photo.problem else _preview(photo.path, photo.kind)
    if image is not None:  # the photo at the top of its box, the caption right under it
        data, w, h = image
        scale = min(box.width / w, box.height / h)
        box = pymupdf.Rect(0, 0, w * scale, h * scale) + (
            MARGIN + (width - w * scale) / 2, top, MARGIN + (width - w * scale) / 2, top)
    if image is None:
        page.draw_rect(box, color=(0.6, 0.6, 0.6), width=0.5)
        msg = "（图片无法读取" + (f"：{photo.problem[:40]}" if photo.problem else "") + "）"
        writer.append((box.x0 + 12, box.y0 + box.height / 2), msg, font=_font(), fontsize=TEXT_SIZE)
    else:
        page.insert_image(box, stream=image[0], keep_proportion=True)
    _lines(writer, lines, MARGIN, box.y1 + 8, TEXT_SIZE, LEAD)


def _caption_lines(photo: Photo, width: float) -> list[str]:
    lines = _wrap(f"{photo.number}．{photo.title}", TEXT_SIZE, width)[:2]
    for label, value in photo.captions:
        if value:
            lines += _wrap(f"{label}：{value}", TEXT_SIZE, width)
    lines += _wrap(f"文件：{photo.file_name}", TEXT_SIZE, width)
    if len(lines) > CAPTION_LINES:
        lines = lines[:CAPTION_LINES - 1] + [lines[CAPTION_LINES - 1][:-1] + "…"]
    return lines


def _lines(writer: pymupdf.TextWriter, lines: list[str], x: float, y: float, size: float,
           lead: float) -> None:
    for i, text in enumerate(lines):
        writer.append((x, y + size + i * lead), text, font=_font(), fontsize=size)


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
                if (kind == "jpeg" and im.mode in ("RGB", "L") and max(im.size) <= PREVIEW_SIDE
                        and im.getexif().get(0x0112, 1) == 1
                        and path.stat().st_size <= DIRECT_MAX_BYTES):
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
