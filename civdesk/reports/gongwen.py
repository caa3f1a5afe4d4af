"""Word documents in 公文 style (after GB/T 9704-2012), with python-docx.

A4, margins 37/35/28/26 mm; title 方正小标宋简体 二号 centred; level-1
headings 黑体 三号, level-2 楷体_GB2312 三号; body 仿宋_GB2312 三号 (16 pt) with
a 28.9 pt line pitch and a two-character first-line indent; page numbers
"— 1 —" in 宋体 四号 at the outer corner of the foot (odd pages right, even
pages left); issuer and date at the end.  Tables use 仿宋_GB2312 小四 so that
they fit the type area.  Heading levels 一、（一）1.（1）.  The GB2312 fonts
are missing on a stock Windows PC, so the font table names a fallback for
each (仿宋_GB2312 → 仿宋 → FangSong; 方正小标宋简体 → 华文中宋 → 宋体;
楷体_GB2312 → 楷体 → KaiTi), which Word and LibreOffice use instead.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

from docx import Document
from docx.document import Document as DocumentType
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt, RGBColor
from docx.table import Table
from docx.text.paragraph import Paragraph

from civdesk.safetext import xml_text

TITLE_FONT, HEADING_FONT, HEADING2_FONT = "方正小标宋简体", "黑体", "楷体_GB2312"
BODY_FONT, PAGE_FONT = "仿宋_GB2312", "宋体"
TITLE_PT, BODY_PT, TABLE_PT, PAGE_PT = 22, 16, 12, 14
LINE_PT = 28.9


def new_document(landscape: bool = False) -> DocumentType:
    doc = Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    if landscape:
        sec.orientation = WD_ORIENT.LANDSCAPE
        sec.page_width, sec.page_height = sec.page_height, sec.page_width
    sec.top_margin, sec.bottom_margin = Mm(37), Mm(35)
    sec.left_margin, sec.right_margin = Mm(28), Mm(26)
    sec.footer_distance = Mm(20)
    normal = doc.styles["Normal"]
    _font(normal.font, BODY_FONT, BODY_PT)
    normal.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    normal.paragraph_format.line_spacing = Pt(LINE_PT)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.space_after = Pt(0)
    doc.settings.odd_and_even_pages_header_footer = True
    _page_numbers(sec.footer.paragraphs[0], WD_ALIGN_PARAGRAPH.RIGHT)
    _page_numbers(sec.even_page_footer.paragraphs[0], WD_ALIGN_PARAGRAPH.LEFT)
    _font_fallbacks(doc)
    return doc


#: Fonts a 公文 names and what a PC without them should use (first found wins).
FALLBACKS: dict[str, tuple[str, ...]] = {
    "仿宋_GB2312": ("仿宋", "FangSong"),
    "方正小标宋简体": ("华文中宋", "宋体"),
    "楷体_GB2312": ("楷体", "KaiTi"),
    "黑体": ("SimHei",),
    "宋体": ("SimSun",),
}


def _font_fallbacks(doc: DocumentType) -> None:
    """Name each 公文 font in the font table with its fallbacks (``w:altName``) and the
    GB2312 character set, so a PC that lacks it substitutes the right family."""
    part = next((p for p in doc.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml"),
                None)
    if part is None:
        return
    entries = "".join(
        f'<w:font w:name="{name}"><w:altName w:val="{",".join(alts)}"/><w:charset w:val="86"/>'
        f'<w:family w:val="{"modern" if name in ("仿宋_GB2312", "楷体_GB2312") else "roman"}"/>'
        '<w:pitch w:val="fixed"/></w:font>' for name, alts in FALLBACKS.items())
    xml = part.blob.decode("utf-8")
    part._blob = xml.replace("</w:fonts>", entries + "</w:fonts>").encode("utf-8")

def _font(font, name: str, size: float, bold: bool = False) -> None:  # noqa: ANN001
    font.name = name
    font.size = Pt(size)
    font.bold = bold
    font.color.rgb = RGBColor(0, 0, 0)
    fonts = font.element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)


def _run(p: Paragraph, text: str, font: str = BODY_FONT, size: float = BODY_PT,
         bold: bool = False) -> None:
    r = p.add_run(xml_text(text))
    _font(r.font, font, size, bold)


def title(doc: DocumentType, text: str) -> None:
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.line_spacing = Pt(35)
    p.paragraph_format.space_after = Pt(LINE_PT)
    _run(p, text, TITLE_FONT, TITLE_PT)


def subtitle(doc: DocumentType, text: str) -> None:
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(p, text, HEADING2_FONT, BODY_PT)


def addressee(doc: DocumentType, text: str) -> None:
    p = doc.add_paragraph()
    _run(p, f"{text}：")


def heading(doc: DocumentType, text: str, level: int = 1, new_page: bool = False) -> Paragraph:
    """A heading: level 1 一、 (黑体), 2 （一） (楷体), 3 1. (仿宋 bold), 4 （1） (仿宋)."""
    p = doc.add_paragraph()
    p.paragraph_format.page_break_before = new_page
    p.paragraph_format.first_line_indent = Pt(BODY_PT * 2)
    p.paragraph_format.keep_with_next = True
    _run(p, text, HEADING_FONT if level == 1 else HEADING2_FONT if level == 2 else BODY_FONT, BODY_PT,
         bold=level == 3)
    return p


def body(doc: DocumentType, text: str, indent: bool = True, tight: bool = False) -> None:
    """A body paragraph; ``tight``: 四号 on a 22 pt pitch (a summary page that must fit one page)."""
    p = doc.add_paragraph()
    size = 14 if tight else BODY_PT
    if indent:
        p.paragraph_format.first_line_indent = Pt(size * 2)
    if tight:
        p.paragraph_format.line_spacing = Pt(22)
    _run(p, text, BODY_FONT, size)


def table(doc: DocumentType, header: Sequence[str], rows: Sequence[Sequence[str]],
          widths_mm: Sequence[float]) -> Table:
    """A bordered table: bold header repeated on every page, 小四 text."""
    texts = [[xml_text(str(t)) for t in header]] + [[xml_text(str(t)) for t in r] for r in rows]
    n = len(header)
    if (len(widths_mm) != n or any(len(r) != n for r in texts)
            or any("\t" in t or "\r" in t for r in texts for t in r)):
        return _table_by_rows(doc, header, rows, widths_mm)
    # The same XML python-docx builds cell by cell (see _table_by_rows), in one piece:
    # a report with thousands of problems was seconds of add_row()/row.cells.
    widths = [str(Mm(w).twips) for w in widths_mm]
    parts = [f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblStyle w:val="TableGrid"/>'
             '<w:tblW w:type="auto" w:w="0"/><w:jc w:val="center"/><w:tblLayout w:type="fixed"/>'
             '<w:tblLook w:firstColumn="1" w:firstRow="1" w:lastColumn="0" w:lastRow="0" '
             'w:noHBand="0" w:noVBand="1" w:val="04A0"/></w:tblPr><w:tblGrid>']
    parts += [f'<w:gridCol w:w="{w}"/>' for w in widths]
    parts.append("</w:tblGrid>")
    for i, values in enumerate(texts):
        parts.append('<w:tr><w:trPr><w:tblHeader w:val="true"/></w:trPr>' if i == 0 else "<w:tr>")
        for w, text in zip(widths, values):
            parts.append(f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{w}"/></w:tcPr>')
            parts.append(_CELL_PPR_HEAD if i == 0 else _CELL_PPR)
            rpr = _HEAD_RPR if i == 0 else _BODY_RPR
            for k, line in enumerate(text.split("\n")):
                if k:
                    parts.append("<w:r><w:br/></w:r>")
                if not line:
                    parts.append(f"<w:r>{rpr}</w:r>")
                else:
                    space = ' xml:space="preserve"' if len(line.strip()) < len(line) else ""
                    parts.append(f"<w:r>{rpr}<w:t{space}>{escape(line)}</w:t></w:r>")
            parts.append("</w:p></w:tc>")
        parts.append("</w:tr>")
    parts.append("</w:tbl>")
    tbl = parse_xml("".join(parts))
    doc.element.body._insert_tbl(tbl)
    doc.add_paragraph()
    return Table(tbl, doc._body)


def _rpr(font: str) -> str:
    f = escape(font, {'"': "&quot;"})
    return (f'<w:rPr><w:rFonts w:ascii="{f}" w:hAnsi="{f}" w:eastAsia="{f}" w:cs="{f}"/>'
            f'<w:b w:val="0"/><w:color w:val="000000"/><w:sz w:val="{TABLE_PT * 2}"/></w:rPr>')


_HEAD_RPR, _BODY_RPR = _rpr(HEADING_FONT), _rpr(BODY_FONT)
_CELL_PPR = '<w:p><w:pPr><w:spacing w:line="240" w:lineRule="auto"/><w:ind w:firstLine="0"/>'
_CELL_PPR_HEAD = _CELL_PPR + '<w:jc w:val="center"/></w:pPr>'
_CELL_PPR += "</w:pPr>"


def _table_by_rows(doc: DocumentType, header: Sequence[str], rows: Sequence[Sequence[str]],
          widths_mm: Sequence[float]) -> Table:
    """:func:`table` through python-docx, cell by cell (text with tabs or carriage returns)."""
    t = doc.add_table(rows=1, cols=len(header))
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    for cell, text in zip(t.rows[0].cells, header):
        _cell(cell, text, bold=True, center=True)
    _repeat_header(t.rows[0])
    for values in rows:
        cells = t.add_row().cells
        for cell, text in zip(cells, values):
            _cell(cell, str(text))
    for col, w in zip(t.columns, widths_mm):  # the grid (LibreOffice reads this)
        col.width = Mm(w)
    for row in t.rows:  # and every cell (Word reads these)
        for cell, w in zip(row.cells, widths_mm):
            cell.width = Mm(w)
    doc.add_paragraph()
    return t


def compact_table(doc: DocumentType, header: Sequence[str], rows: Sequence[Sequence[str]],
                  widths_mm: Sequence[float]) -> Table:
    """A table in 五号 (10.5 pt) for a summary page."""
    t = table(doc, header, [], widths_mm)
    for values in rows:
        cells = t.add_row().cells
        for cell, text, w in zip(cells, values, widths_mm):
            _cell(cell, str(text), size=10.5)
            cell.width = Mm(w)
    return t


def _cell(cell, text: str, bold: bool = False, center: bool = False,  # noqa: ANN001
          size: float = TABLE_PT) -> None:
    p = cell.paragraphs[0]
    p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    p.paragraph_format.first_line_indent = Pt(0)
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    lines = text.split("\n")
    for i, line in enumerate(lines):
        _run(p, line, HEADING_FONT if bold else BODY_FONT, size)
        if i < len(lines) - 1:
            p.add_run().add_break()


def _repeat_header(row) -> None:  # noqa: ANN001
    trpr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    trpr.append(el)


def signature(doc: DocumentType, issuer: str, date: dt.date, seal: str = "") -> None:
    """Issuer and 成文日期 at the right, four characters from the margin; ``seal`` is a
    placeholder (e.g. （印章）) where the seal goes over the date."""
    if not seal:
        doc.add_paragraph().paragraph_format.keep_with_next = True
    if seal:
        p = doc.add_paragraph()
        p.paragraph_format.space_before = Pt(BODY_PT)
        p.paragraph_format.line_spacing = Pt(TABLE_PT + 4)
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        p.paragraph_format.right_indent = Pt(BODY_PT * 6)
        p.paragraph_format.keep_with_next = True
        r = p.add_run(xml_text(seal))
        _font(r.font, BODY_FONT, TABLE_PT)
        r.font.color.rgb = RGBColor(0xC0, 0, 0)
    for text in (issuer, f"{date.year}年{date.month}月{date.day}日"):
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        p.paragraph_format.right_indent = Pt(BODY_PT * 4)
        p.paragraph_format.keep_with_next = text == issuer
        _run(p, text)


def letterhead(doc: DocumentType, issuer: str, doc_number: str) -> None:
    """The 版头: the issuer in red, the 文号 under it and a red rule."""
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.line_spacing = Pt(40)
    r = p.add_run(xml_text(issuer))
    _font(r.font, TITLE_FONT, 26)
    r.font.color.rgb = RGBColor(0xC0, 0, 0)
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.space_after = Pt(LINE_PT)
    _run(p, doc_number)
    ppr = p._p.get_or_add_pPr()
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for k, v in (("w:val", "single"), ("w:sz", "12"), ("w:space", "6"), ("w:color", "C00000")):
        bottom.set(qn(k), v)
    border.append(bottom)
    ppr.append(border)


def annex_heading(doc: DocumentType, label: str, text: str) -> None:
    """``附件`` in 黑体 at the top left of a new page, then the annex title centred."""
    p = doc.add_paragraph()
    p.paragraph_format.page_break_before = True
    _run(p, label, HEADING_FONT, BODY_PT)
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.space_after = Pt(BODY_PT)
    _run(p, text, TITLE_FONT, 18)


def _page_numbers(p: Paragraph, align: int = WD_ALIGN_PARAGRAPH.CENTER) -> None:
    p.alignment = align
    p.paragraph_format.left_indent = p.paragraph_format.right_indent = Pt(PAGE_PT)
    _run(p, "— ", PAGE_FONT, PAGE_PT)
    run = p.add_run()
    _font(run.font, PAGE_FONT, PAGE_PT)
    for kind, text in (("begin", None), (None, "PAGE"), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        elif text == "PAGE":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = " PAGE "
        else:
            el = OxmlElement("w:t")
            el.text = text
        run._r.append(el)
    _run(p, " —", PAGE_FONT, PAGE_PT)


def save(doc: DocumentType, path: Path | str) -> Path:
    """Save through a temporary file so a half-written report never remains."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    doc.save(str(tmp))
    tmp.replace(path)
    return path
