"""The package documents: catalog (目录.xlsx / 目录.docx) and the export record.

Built from the plan (data first, STYLE.md §11) and written with openpyxl and
python-docx, then made reproducible with :func:`.stable.stable_ooxml`.
"""
from __future__ import annotations

import datetime as dt
import functools
import io
import re

from civdesk.export.plan import CatalogRow, Plan
from civdesk.export.stable import stable_ooxml
from civdesk.safetext import FORMULA_STARTS, sheet_cell, xml_text

CATALOG_HEADERS = ("序号", "测评标准", "题名", "文号", "责任者", "日期", "页数", "文件名", "图片说明", "备注")
XLSX_WIDTHS = (5, 9, 26, 14, 12, 9, 5, 40, 36, 14)  # characters; A4 landscape at fit-to-width
DOCX_WIDTHS_MM = (10, 17, 42, 22, 22, 16, 9, 60, 58, 14)  # 270 mm: A4 landscape inside the margins
TITLE = "申报材料目录"


def _row_values(n: int, r: CatalogRow) -> tuple:
    return (n, r.standard, r.title, r.doc_number, r.unit, r.date.strftime("%Y%m%d") if r.date else "",
            r.pages or "", r.path.rpartition("/")[2], r.caption, r.remark)


def catalog_xlsx(plan: Plan) -> bytes:
    """目录.xlsx in openpyxl's streaming mode (thousands of rows stay fast), set up to print:
    A4 landscape, fit to the page width, header row repeated, borders, wrapped text, a title,
    page numbers in the footer."""
    from openpyxl import Workbook
    from openpyxl.cell import Cell
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.worksheet.properties import PageSetupProperties

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("目录")
    for i, width in enumerate(XLSX_WIDTHS):
        ws.column_dimensions[chr(ord("A") + i)].width = width
    ws.freeze_panes = "A3"
    ws.print_title_rows = "2:2"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "9"  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top, ws.page_margins.bottom = 0.6, 0.6
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.oddFooter.center.size = 9
    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="center")
    centre = Alignment(wrap_text=True, vertical="center", horizontal="center")
    body, bold = Font(name="宋体", size=10), Font(name="黑体", size=10, bold=True)

    def styled(value: object, font: Font, align: Alignment, framed: bool = True) -> Cell:
        cell = sheet_cell(ws, value)
        cell.font, cell.alignment = font, align
        if framed:
            cell.border = border
        return cell

    ws.append([styled(f"{TITLE}　{plan.scope}", Font(name="黑体", size=14, bold=True),
                      Alignment(vertical="center"), framed=False)])
    ws.append([styled(h, bold, centre) for h in CATALOG_HEADERS])
    centred = {0, 1, 5, 6}
    # Thousands of openpyxl cells cost seconds; two template rows carry each column's style
    # (plain, and with the quote prefix that keeps "=…" text from becoming a formula) and the
    # rows themselves are written as XML in their place.
    for text in ("", "="):
        ws.append([styled(text, body, centre if i in centred else wrap) for i in range(len(CATALOG_HEADERS))])
    wb.properties.creator = "CivDesk"
    wb.properties.lastModifiedBy = "CivDesk"
    wb.properties.title = TITLE
    wb.properties.created = wb.properties.modified = plan.stamp
    out = io.BytesIO()
    wb.save(out)
    rows = [_row_values(n, row) for n, row in enumerate(plan.catalog, 1)]
    return stable_ooxml(out.getvalue(), plan.stamp, lambda name, body: _sheet_rows(name, body, rows))


_ROW = re.compile(rb'<row r="3"[^>]*>(.*?)</row><row r="4"[^>]*>(.*?)</row>', re.S)
_STYLE = re.compile(rb'<c r="[A-Z]+\d+" s="(\d+)"')


def _sheet_rows(name: str, body: bytes, rows: list[tuple]) -> bytes:
    """The template rows 3–4 of the catalog sheet replaced by the catalog's rows."""
    if name != "xl/worksheets/sheet1.xml":
        return body
    m = _ROW.search(body)
    assert m, "catalog template rows"
    plain = [int(x) for x in _STYLE.findall(m.group(1))]
    quoted = [int(x) for x in _STYLE.findall(m.group(2))]
    cols = [chr(ord("A") + i) for i in range(len(plain))]
    out = []
    for r, values in enumerate(rows, 3):
        cells = []
        for i, v in enumerate(values):
            ref = f"{cols[i]}{r}"
            if isinstance(v, int):
                cells.append(f'<c r="{ref}" s="{plain[i]}" t="n"><v>{v}</v></c>')
                continue
            text = xml_text(str(v))
            style = quoted[i] if text.startswith(FORMULA_STARTS) else plain[i]
            if not text:
                cells.append(f'<c r="{ref}" s="{style}" t="inlineStr"></c>')
                continue
            keep = ' xml:space="preserve"' if text != text.strip() else ""
            cells.append(f'<c r="{ref}" s="{style}" t="inlineStr"><is><t{keep}>{_escape(text)}</t></is></c>')
        lines = max(_lines(str(v), XLSX_WIDTHS[i]) for i, v in enumerate(values))
        out.append(f'<row r="{r}" ht="{lines * LINE_PT + 3:g}" customHeight="1">{"".join(cells)}</row>')
    return body[:m.start()] + "".join(out).encode("utf-8") + body[m.end():]


LINE_PT = 13.5  # a line of 10-point text


@functools.lru_cache(maxsize=65536)  # catalog columns repeat (standards, units, dates)
def _lines(text: str, width: int) -> int:
    """Lines ``text`` wraps to in a column ``width`` characters wide (a Chinese character
    takes two); rows get this height explicitly, as LibreOffice does not grow them on open."""
    if text.isascii():
        used = _narrow(len(text))
    else:
        used = sum(2 if ord(ch) > 0x2E7F else 1.1 for ch in text)
    return max(1, -int(-used // max(1.0, width - 1.5)))


_NARROW = [0]  # _NARROW[n]: n narrow characters, 1.1 added one by one as the sum above does


def _narrow(n: int) -> float:
    while len(_NARROW) <= n:
        _NARROW.append(_NARROW[-1] + 1.1)
    return _NARROW[n]


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _new_docx():  # noqa: ANN202 - python-docx's Document type is private
    import docx
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = docx.Document()
    normal = doc.styles["Normal"]
    normal.font.size = Pt(10.5)
    normal.font.name = "Times New Roman"
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), "宋体")
    return doc


def _save_docx(doc, when: dt.datetime, edit=None) -> bytes:  # noqa: ANN001
    props = doc.core_properties
    props.author = props.last_modified_by = "CivDesk"
    props.created = props.modified = when
    props.revision = 1
    out = io.BytesIO()
    doc.save(out)
    return stable_ooxml(out.getvalue(), when, edit)


def _page_number_footer(section) -> None:  # noqa: ANN001
    """"第 N 页 共 M 页" centred in the footer (Word fields, filled in when printed)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER

    def run(text: str) -> str:
        return f'<w:r {nsdecls("w")}><w:rPr><w:sz w:val="18"/></w:rPr><w:t xml:space="preserve">{text}</w:t></w:r>'

    def field(code: str) -> list[str]:
        return [f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="begin"/></w:r>',
                f'<w:r {nsdecls("w")}><w:rPr><w:sz w:val="18"/></w:rPr>'
                f'<w:instrText xml:space="preserve"> {code} </w:instrText></w:r>',
                f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="separate"/></w:r>',
                run("1"), f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="end"/></w:r>']

    for xml in [run("第 "), *field("PAGE"), run(" 页，共 "), *field("NUMPAGES"), run(" 页")]:
        p._p.append(parse_xml(xml))


def catalog_docx(plan: Plan) -> bytes:
    """目录.docx: A4 landscape, a plain bold title (no Word heading style), a bordered table
    whose header row repeats and whose rows never split across pages, page numbers."""
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    doc = _new_docx()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    section.left_margin = section.right_margin = Mm(13)
    section.top_margin, section.bottom_margin = Mm(15), Mm(15)
    section.footer_distance = Mm(7)
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(TITLE)
    run.bold = True
    run.font.size = Pt(18)
    run.font.name = "黑体"
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "黑体")
    scope = doc.add_paragraph()
    scope.alignment = WD_ALIGN_PARAGRAPH.CENTER
    scope.add_run(xml_text(plan.scope)).font.size = Pt(10.5)
    rows = [tuple(str(v) for v in _row_values(n, r)) for n, r in enumerate(plan.catalog, 1)]
    doc.add_paragraph(TABLE_MARK)  # replaced by the table in the saved XML (parsing thousands
    _page_number_footer(section)   # of rows into python-docx's tree costs seconds)
    table = _table_xml(CATALOG_HEADERS, rows, DOCX_WIDTHS_MM).encode("utf-8")

    def put_table(name: str, body: bytes) -> bytes:
        if name != "word/document.xml":
            return body
        start = body.rfind(b"<w:p>", 0, body.index(TABLE_MARK.encode()))
        start = max(start, body.rfind(b"<w:p ", 0, body.index(TABLE_MARK.encode())))
        end = body.index(b"</w:p>", start) + len(b"</w:p>")
        return body[:start] + table + body[end:]

    return _save_docx(doc, plan.stamp, put_table)


TABLE_MARK = "CIVDESK-CATALOG-TABLE"


def _table_xml(headers: tuple[str, ...], rows: list[tuple[str, ...]],
               widths_mm: tuple[int, ...]) -> str:
    """A bordered Word table as WordprocessingML text (``w:`` is declared by the document);
    the header row repeats on every page, no row splits across pages."""
    twips = [w * 1440 * 10 // 254 for w in widths_mm]
    small = '<w:sz w:val="18"/><w:szCs w:val="18"/>'  # 9 pt

    def opening(width: int, bold: bool) -> str:  # a cell up to its text
        run_pr = f"<w:rPr>{'<w:b/>' if bold else ''}{small}</w:rPr>"
        jc = '<w:jc w:val="center"/>' if bold else ""
        return (f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/><w:vAlign w:val="center"/></w:tcPr>'
                f'<w:p><w:pPr><w:spacing w:before="0" w:after="0"/>{jc}</w:pPr><w:r>{run_pr}'
                f'<w:t xml:space="preserve">')

    closing = "</w:t></w:r></w:p></w:tc>"
    # Thousands of rows: each column's cell markup is made once, the texts are only escaped
    # (the characters XML cannot hold are dropped from the whole table at the end, which
    # is the same as dropping them from each text: the markup has none).
    head = [opening(w, True) for w in twips]
    body = [opening(w, False) for w in twips]
    border = "".join(f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
                     for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
    parts = [f"<w:tbl><w:tblPr><w:tblW w:w=\"{sum(twips)}\" w:type=\"dxa\"/>"
             f"<w:jc w:val=\"center\"/><w:tblBorders>{border}</w:tblBorders>"
             "<w:tblLayout w:type=\"fixed\"/><w:tblCellMar><w:left w:w=\"57\" w:type=\"dxa\"/>"
             "<w:right w:w=\"57\" w:type=\"dxa\"/></w:tblCellMar></w:tblPr><w:tblGrid>",
             "".join(f'<w:gridCol w:w="{w}"/>' for w in twips), "</w:tblGrid>",
             '<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>',
             "".join(o + _escape_all(str(h)) + closing for o, h in zip(head, headers)), "</w:tr>"]
    for row in rows:
        parts.append("<w:tr><w:trPr><w:cantSplit/></w:trPr>"
                     + "".join(o + _escape_all(str(v)) + closing for o, v in zip(body, row)) + "</w:tr>")
    parts.append("</w:tbl>")
    return xml_text("".join(parts))


def _escape_all(text: str) -> str:
    """``&``, ``<`` and ``>`` escaped (as :func:`xml.sax.saxutils.escape`)."""
    if "&" in text or "<" in text or ">" in text:
        return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
    return text


def export_record(plan: Plan, check_lines: list[str], notes: list[str], *, user: str, files: int,
                  size: int, manifest_digest: str,
                  held: list[tuple[int, str, str, tuple[str, ...], tuple[str, ...]]],
                  admitted: list[str], how: str) -> bytes:
    """导出记录.txt of the 内部版: who exported what, the checks, the override, what was held
    back and why, what the export did; ties itself to the 上报版 by its manifest's digest."""
    with_files = {r.standard for r in plan.catalog if r.path}
    lines = [
        "CivDesk 申报材料包 · 导出记录（内部版，留存备查，不上报）",
        f"范围：{plan.scope}",
        f"数据时间：{plan.stamp:%Y-%m-%d %H:%M:%S}",
        f"操作人：{user}",
        f"上报版：测评标准 {len(with_files)} 条有材料，文件 {files} 个（{size / 1048576:.1f} MB，不含校验清单）",
        f"上报版校验清单 manifest-sha256.txt 的 SHA-256：{manifest_digest}",
        *check_lines,
        "",
        f"未纳入上报版的材料：{len(held)} 件" + ("（检查发现错误；处理后重新导出，或在导出时选择纳入）"
                                          if held else ""),
    ]
    for mid, name, title, standards, reasons in held:
        where = f"，测评标准 {'、'.join(standards)}" if standards else ""
        lines.append(f"- 材料 #{mid}「{name}」（题名：{title}{where}）")
        lines += [f"    原因：{r}" for r in reasons]
    if admitted:
        lines += ["", f"有错误但经操作人「{user}」确认纳入上报版的材料：{len(admitted)} 件（{how}）"]
        lines += [f"- {a}" for a in admitted]
    if notes:
        lines += ["", "导出时的处理与提醒："] + [f"- {n}" for n in notes]
    lines += ["", "校验：两个版本各有 manifest-sha256.txt，列出包内其他每个文件的 SHA-256（BagIt 格式），",
              "可用「civdesk verify-package 文件夹或压缩包」核对，缺失、改动、多余的文件都会列出。"]
    return ("\r\n".join(xml_text(line) for line in lines) + "\r\n").encode("utf-8-sig")
