"""The 归档章 (filing stamp) on PDF copies, and PDFs whose bytes depend only on their content.

The stamp is 45 × 16 mm, two rows of three cells (DA/T 22-2015):
``全宗号 | 年度 | 件号`` over ``机构(问题) | 保管期限 | 页数``, drawn in red at the top centre
of page 1, 3 mm from the top edge.  Text uses a 6 KB subset of the CJK font bundled in
PyMuPDF holding just the stamp's characters (``resources/archive/stamp-font.ttf``, made by
``scripts/make_stamp_font.py``), embedded whole: subsetting the 4 MB font in every PDF took
most of the stamping time.  Only the copy written to the carrier is stamped; the vault original is never
touched.  :func:`stable_pdf` removes what makes two conversions of the same document
differ (LibreOffice writes the time and a random /ID): fixed dates, no XMP, no /ID.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import pymupdf

MM = 72 / 25.4
STAMP_W, STAMP_H, STAMP_TOP = 45 * MM, 16 * MM, 3 * MM
RED = (0.8, 0.0, 0.0)


class StampError(ValueError):
    """The PDF cannot be stamped (encrypted, damaged); the message is for the clerk."""


@dataclass(frozen=True)
class StampFields:
    fonds: str  # 全宗号
    year: str  # 年度
    number: str  # 件号
    org: str  # 机构(问题)
    retention: str  # 保管期限
    pages: str  # 页数

    def cells(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        return (self.fonds, self.year, self.number), (self.org, self.retention, self.pages)


STAMP_FONT = "stamp-font.ttf"


@lru_cache(maxsize=1)
def _font() -> pymupdf.Font:
    from civdesk.resources import resource_path

    return pymupdf.Font(fontfile=str(resource_path("archive", STAMP_FONT)))


def _printable(text: str) -> str:
    """Characters outside the stamp font shown as "?" (codes are letters and digits)."""
    return "".join(c if _font().has_glyph(ord(c)) else "?" for c in text)


def stamp_rect(page: pymupdf.Page) -> pymupdf.Rect:
    """Where the stamp goes on ``page``: top centre, in displayed (rotated) coordinates, as
    ``get_pixmap(clip=…)`` takes them."""
    x0 = page.rect.x0 + (page.rect.width - STAMP_W) / 2
    y0 = page.rect.y0 + STAMP_TOP
    return pymupdf.Rect(x0, y0, x0 + STAMP_W, y0 + STAMP_H)


def stamp_pdf(data: bytes, fields: StampFields, when: dt.datetime) -> bytes:
    """A copy of the PDF ``data`` with the stamp on page 1 (stable bytes, see :func:`stable_pdf`)."""
    try:
        doc = pymupdf.open(stream=data, filetype="pdf")
    except (RuntimeError, ValueError) as exc:
        raise StampError(f"PDF 无法打开，未加盖归档章：{exc}") from None
    with doc:
        if doc.needs_pass or doc.is_encrypted:
            raise StampError("PDF 已加密，未加盖归档章")
        if doc.page_count == 0:
            raise StampError("PDF 没有页面，未加盖归档章")
        page = doc[0]
        rect = stamp_rect(page)
        # drawn where the reader sees the top of the page: a page turned by /Rotate gets the
        # stamp in its displayed coordinates, mapped back to the page's own space
        morph = _derotation_morph(page)
        shape = page.new_shape()
        shape.draw_rect(rect)
        for k in (1, 2):
            x = rect.x0 + rect.width * k / 3
            shape.draw_line((x, rect.y0), (x, rect.y1))
        shape.draw_line((rect.x0, rect.y0 + rect.height / 2), (rect.x1, rect.y0 + rect.height / 2))
        shape.finish(color=RED, width=0.8, fill=(1, 1, 1), fill_opacity=1, morph=morph)
        shape.commit(overlay=True)
        writer = pymupdf.TextWriter(page.rect, color=RED)
        cw, ch = rect.width / 3, rect.height / 2
        for r, row in enumerate(fields.cells()):
            for c, text in enumerate(row):
                text = _printable(text)
                size = _fit(text, cw - 2, 9.0)
                w = _font().text_length(text, fontsize=size)
                x = rect.x0 + c * cw + (cw - w) / 2
                y = rect.y0 + r * ch + ch / 2 + size * 0.35
                writer.append((x, y), text, font=_font(), fontsize=size)
        writer.write_text(page, color=RED, morph=morph)
        return _stable_bytes(doc, when)


def _derotation_morph(page: pymupdf.Page) -> tuple[pymupdf.Point, pymupdf.Matrix] | None:
    """For a page turned by /Rotate, the ``morph`` that puts what is drawn in displayed
    coordinates where the reader sees it, upright.  ``morph`` takes a pure rotation about a
    fixed point f, so the page's matrix p·R + t is written (p − f)·R + f with
    f = t·(I − R)⁻¹ (I − R is invertible for 90, 180 and 270 degrees).  PyMuPDF applies it
    to the drawing in its own y-down space, hence the rotation matrix and not its inverse
    (checked by rendering each of the three turns)."""
    if not page.rotation:
        return None
    m = page.rotation_matrix
    turn = pymupdf.Matrix(m.a, m.b, m.c, m.d, 0, 0)
    rest = ~pymupdf.Matrix(1 - m.a, -m.b, -m.c, 1 - m.d, 0, 0)
    return pymupdf.Point(m.e, m.f) * rest, turn


def _fit(text: str, width: float, size: float) -> float:
    while size > 4 and _font().text_length(text, fontsize=size) > width:
        size -= 0.5
    return size


def stable_pdf(data: bytes, when: dt.datetime) -> bytes:
    """``data`` rewritten with fixed dates and without XMP or /ID."""
    with pymupdf.open(stream=data, filetype="pdf") as doc:
        if doc.needs_pass or doc.is_encrypted:
            return data
        return _stable_bytes(doc, when)


def _stable_bytes(doc: pymupdf.Document, when: dt.datetime) -> bytes:
    stamp = when.strftime("D:%Y%m%d%H%M%S")
    meta = {k: v for k, v in (doc.metadata or {}).items() if k in (
        "title", "author", "subject", "keywords", "creator", "producer") and v}
    doc.set_metadata({**meta, "creationDate": stamp, "modDate": stamp})
    doc.del_xml_metadata()
    trailer_id = doc.xref_get_key(-1, "ID")
    if trailer_id[0] != "null":
        doc.xref_set_key(-1, "ID", "null")
    return doc.tobytes(garbage=3, deflate=True, no_new_id=True)
