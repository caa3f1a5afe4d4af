"""材料汇编.pdf: the whole upload package in one PDF, in checklist order, for reading and printing.

A cover (city, year, checklist, date), a table of contents with page numbers, then for each
standard its materials: photos with their caption tables (as on the 图文说明 sheets), the
pages of PDF documents (converted ones included) as they are, and a page naming any file
that is not a PDF.  Bookmarks follow the checklist (item → standard → material); every page
after the cover carries its number.  Built from the plan and the files already written, so
it shows exactly what the package holds.  Fixed metadata and no document ID: the same
package gives the same bytes.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pymupdf

from civdesk.export import captions as sheet
from civdesk.export.captions import LEFT, TOP, WIDTH, Photo, _font, _wrap, centred
from civdesk.export.plan import Plan

if TYPE_CHECKING:
    from civdesk.export.options import ExportOptions
    from civdesk.library import Library

TOC_LINES = 32  # lines per contents page
TOC_SIZE = 11.0


def compilation_pdf(lib: Library, plan: Plan, options: ExportOptions, pdfs: dict[str, bytes],
                    check: Callable[[], None] | None = None) -> bytes:
    """The PDF bytes; ``pdfs`` holds the package's converted documents by path."""
    body = pymupdf.open()
    marks: list[tuple[int, str, int]] = []  # (level, title, page index in body)
    seen: set[str] = set()
    entries = [e for e in plan.entries if e.action != "note"]
    by_standard: dict[str, list] = {}
    for e in entries:
        by_standard.setdefault(e.path.rpartition("/")[0], []).append(e)
    for folder, group in by_standard.items():
        if check:
            check()
        parts = folder.split("/")
        for level, _name in enumerate(parts, 1):
            key = "/".join(parts[:level])
            if key not in seen:
                seen.add(key)
                marks.append((level, parts[level - 1], body.page_count))
        st = group[0].standard
        text = next((s.text for s in plan.standards if s.code == st), "")
        photos = []
        for e in group:
            m = plan.materials[e.material_id]
            if m.is_photo:
                photos.append((e, m))
                continue
            marks.append((len(parts) + 1, m.title, body.page_count))
            _document(lib, body, e, m, pdfs)
        for i in range(0, len(photos), options.photos_per_page):
            chunk = photos[i:i + options.photos_per_page]
            for _e, m in chunk:
                marks.append((len(parts) + 1, m.title, body.page_count))
            page = body.new_page(width=sheet.A4[0], height=sheet.A4[1])
            writer = pymupdf.TextWriter(page.rect)
            sheet.draw_sheet_page(page, writer, st, text, [
                Photo(i + k + 1, m.title, lib.vault.path_for(m.sha256), m.kind,
                      e.path.rpartition("/")[2], m.caption_fields(), m.problem)
                for k, (e, m) in enumerate(chunk)], options.photos_per_page)
            writer.write_text(page)
    toc_pages = max(1, -(-len(marks) // TOC_LINES))
    offset = 1 + toc_pages
    doc = pymupdf.open()
    _cover(doc, plan, options)
    _contents(doc, marks, offset, toc_pages)
    doc.insert_pdf(body)
    for n in range(1, doc.page_count):
        _number(doc[n], n)
    doc.set_toc([[1, "封面", 1], [1, "目录", 2]]
                + [[level, title, page + offset + 1] for level, title, page in marks])
    stamp = plan.stamp.strftime("D:%Y%m%d%H%M%S")
    doc.set_metadata({"title": f"{plan.checklist} 材料汇编", "author": "", "subject": plan.scope,
                      "keywords": "", "creator": "CivDesk", "producer": "CivDesk",
                      "creationDate": stamp, "modDate": stamp})
    doc.subset_fonts()
    return doc.tobytes(garbage=3, deflate=True, no_new_id=True)


def _number(page: pymupdf.Page, n: int) -> None:
    writer = pymupdf.TextWriter(page.rect)
    text = f"— {n} —"
    width = _font().text_length(text, fontsize=10)
    writer.append(((page.rect.width - width) / 2, page.rect.height - 10 * sheet.MM), text,
                  font=_font(), fontsize=10)
    writer.write_text(page)


def _cover(doc: pymupdf.Document, plan: Plan, options: ExportOptions) -> None:
    page = doc.new_page(width=sheet.A4[0], height=sheet.A4[1])
    writer = pymupdf.TextWriter(page.rect)
    city = options.city or "＿＿＿＿＿＿"
    y = TOP + 150
    centred(writer, f"{city}", y, 20)
    y += 40
    centred(writer, f"{plan.stamp.year}年度全国文明城市测评", y, 20)
    y += 60
    centred(writer, "申报材料汇编", y, 30)
    y += 70
    for line in _wrap(plan.checklist, 14, WIDTH)[:2]:
        centred(writer, line, y, 14)
        y += 22
    for line in _wrap(plan.scope, 11, WIDTH)[:2]:
        centred(writer, line, y, 11)
        y += 18
    date = f"{plan.stamp.year}年{plan.stamp.month}月{plan.stamp.day}日"
    centred(writer, date, sheet.TOP + sheet.HEIGHT - 40, 14)
    writer.write_text(page)


def _contents(doc: pymupdf.Document, marks: list[tuple[int, str, int]], offset: int,
              pages: int) -> None:
    lines = [(level, title, page + offset) for level, title, page in marks]
    for p in range(pages):
        page = doc.new_page(width=sheet.A4[0], height=sheet.A4[1])
        writer = pymupdf.TextWriter(page.rect)
        y = TOP
        if p == 0:
            centred(writer, "目　　录", y + 18, 18)
            y += 40
        for level, title, number in lines[p * TOC_LINES:(p + 1) * TOC_LINES]:
            y += TOC_SIZE + 7
            indent = (level - 1) * 1.5 * TOC_SIZE
            num = str(number)
            num_w = _font().text_length(num, fontsize=TOC_SIZE)
            room = WIDTH - indent - num_w - 3 * TOC_SIZE
            text = _wrap(title, TOC_SIZE, room)[0]
            if text != title:
                text = text[:-1] + "…"
            writer.append((LEFT + indent, y), text, font=_font(), fontsize=TOC_SIZE)
            used = _font().text_length(text, fontsize=TOC_SIZE)
            dots_from = LEFT + indent + used + 4
            dots_to = LEFT + WIDTH - num_w - 4
            dot_w = _font().text_length("·", fontsize=TOC_SIZE)
            if dots_to > dots_from + dot_w:
                writer.append((dots_from, y), "·" * int((dots_to - dots_from) / dot_w), font=_font(),
                              fontsize=TOC_SIZE)
            writer.append((LEFT + WIDTH - num_w, y), num, font=_font(), fontsize=TOC_SIZE)
        writer.write_text(page)


def _document(lib: Library, body: pymupdf.Document, entry, m, pdfs: dict[str, bytes]) -> None:  # noqa: ANN001
    data = pdfs.get(entry.path)
    if data is None and entry.path.lower().endswith(".pdf"):
        try:
            data = lib.vault.path_for(m.sha256).read_bytes()
        except OSError:
            data = None
    if data is not None:
        try:
            with pymupdf.open("pdf", data) as src:
                if not src.needs_pass and src.page_count:
                    body.insert_pdf(src)
                    return
        except Exception:  # noqa: BLE001 - a damaged PDF gets the placeholder page
            pass
    page = body.new_page(width=sheet.A4[0], height=sheet.A4[1])
    writer = pymupdf.TextWriter(page.rect)
    y = TOP + 40
    for line in _wrap(m.title, 16, WIDTH)[:3]:
        centred(writer, line, y, 16)
        y += 26
    y += 20
    name = entry.path.rpartition("/")[2]
    for line in _wrap(f"此文件不是 PDF，未能并入汇编，请查看材料包中的原文件：{name}", 12, WIDTH):
        writer.append((LEFT, y), line, font=_font(), fontsize=12)
        y += 20
    writer.write_text(page)
