"""The package documents: catalog (目录.xlsx / 目录.docx), check report, export note.

Built from the plan (data first, STYLE.md §11) and written with openpyxl and
python-docx, then made reproducible with :func:`.stable.stable_ooxml`.
"""
from __future__ import annotations

import datetime as dt
import io

from civdesk.export.plan import CatalogRow, Plan
from civdesk.export.stable import stable_ooxml
from civdesk.safetext import sheet_cell, sheet_row, xml_text

CATALOG_HEADERS = ("序号", "测评标准", "标准内容", "材料题名", "文件名", "类别", "日期", "责任单位",
                   "页数", "备注")


def _row_values(n: int, r: CatalogRow) -> tuple:
    return (n, r.standard, r.standard_text, r.title, r.path, r.kind,
            r.date.strftime("%Y%m%d") if r.date else "", r.unit, r.pages or "", r.remark)


def catalog_xlsx(plan: Plan) -> bytes:
    """目录.xlsx, written in openpyxl's streaming mode (thousands of rows stay fast)."""
    from openpyxl import Workbook
    from openpyxl.cell import Cell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("目录")
    for col, width in zip("ABCDEFGHIJ", (6, 10, 36, 30, 60, 10, 10, 16, 6, 30)):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A3"

    def styled(value: str, font: Font) -> Cell:
        cell = sheet_cell(ws, value)
        cell.font = font
        return cell

    ws.append([styled(f"申报材料目录　{plan.scope}", Font(bold=True, size=14))])
    bold = Font(bold=True)
    ws.append([styled(h, bold) for h in CATALOG_HEADERS])
    for n, row in enumerate(plan.catalog, 1):
        ws.append(sheet_row(ws, _row_values(n, row)))
    wb.properties.creator = "CivDesk"
    wb.properties.lastModifiedBy = "CivDesk"
    wb.properties.created = wb.properties.modified = plan.stamp
    out = io.BytesIO()
    wb.save(out)
    return stable_ooxml(out.getvalue(), plan.stamp)


def _new_docx():  # noqa: ANN202 - python-docx's Document type is private
    import docx
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = docx.Document()
    normal = doc.styles["Normal"]
    normal.font.size = Pt(10.5)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")
    return doc


def _save_docx(doc, when: dt.datetime) -> bytes:  # noqa: ANN001
    props = doc.core_properties
    props.author = props.last_modified_by = "CivDesk"
    props.created = props.modified = when
    props.revision = 1
    out = io.BytesIO()
    doc.save(out)
    return stable_ooxml(out.getvalue(), when)


def catalog_docx(plan: Plan, check_lines: list[str]) -> bytes:
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm

    doc = _new_docx()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(15))
    doc.add_heading("申报材料目录", level=1)
    doc.add_paragraph(xml_text(plan.scope))
    for line in check_lines:
        doc.add_paragraph(xml_text(line))
    headers = ("序号", "测评标准", "材料题名", "文件名", "类别", "日期", "责任单位", "页数")
    rows = [(str(n), r.standard, r.title, r.path, r.kind, r.date.strftime("%Y%m%d") if r.date else "",
             r.unit, str(r.pages or "")) for n, r in enumerate(plan.catalog, 1)]
    anchor = doc.add_paragraph()._p  # the table goes before the section properties
    anchor.addnext(_table_xml(headers, rows, (12, 16, 50, 120, 16, 18, 30, 10)))
    return _save_docx(doc, plan.stamp)


def _table_xml(headers: tuple[str, ...], rows: list[tuple[str, ...]],
               widths_mm: tuple[int, ...]) -> object:
    """A bordered Word table built as XML in one go (python-docx's add_row is slow for
    thousands of rows); the header row repeats on every page."""
    from xml.sax.saxutils import escape

    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    twips = [w * 1440 * 10 // 254 for w in widths_mm]

    def cell(text: str, width: int, bold: bool = False) -> str:
        run_pr = "<w:rPr><w:b/></w:rPr>" if bold else ""
        return (f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr><w:p><w:r>{run_pr}'
                f'<w:t xml:space="preserve">{escape(xml_text(str(text)))}</w:t></w:r></w:p></w:tc>')

    border = "".join(f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
                     for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
    parts = [f"<w:tbl {nsdecls('w')}><w:tblPr><w:tblW w:w=\"0\" w:type=\"auto\"/>"
             f"<w:tblBorders>{border}</w:tblBorders><w:tblLayout w:type=\"fixed\"/></w:tblPr><w:tblGrid>",
             "".join(f'<w:gridCol w:w="{w}"/>' for w in twips), "</w:tblGrid>",
             '<w:tr><w:trPr><w:tblHeader/></w:trPr>',
             "".join(cell(h, w, True) for h, w in zip(headers, twips)), "</w:tr>"]
    for row in rows:
        parts.append("<w:tr>" + "".join(cell(v, w) for v, w in zip(row, twips)) + "</w:tr>")
    parts.append("</w:tbl>")
    return parse_xml("".join(parts))


def export_note(plan: Plan, check_lines: list[str], notes: list[str], files: int) -> bytes:
    """导出说明.txt: what this package is, how it was checked, how to verify it."""
    lines = [
        "CivDesk 申报材料包",
        f"范围：{plan.scope}",
        f"测评标准：{sum(1 for s in plan.standards if any(r.standard == s.code and r.path for r in plan.catalog))}"
        " 条有材料",
        f"文件：{files} 个（不含本说明和校验清单）",
        *check_lines,
        "",
        "校验：manifest-sha256.txt 列出包内其他每个文件的 SHA-256（BagIt 格式），",
        "可用「civdesk verify-package 本文件夹或压缩包」核对，缺失、改动、多余的文件都会列出。",
    ]
    if notes:
        lines += ["", "导出时的处理与提醒："] + [f"- {n}" for n in notes]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")
