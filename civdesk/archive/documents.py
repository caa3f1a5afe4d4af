"""The carrier's documents, built from plain data (STYLE.md §11) and written with
openpyxl / python-docx in stable bytes: 归档文件目录 (.xlsx, .docx), 备考表, 移交登记表,
四性检测报告 and 说明文件.TXT.

The catalogue has the nine DA/T 22 columns in order, A4 landscape, its header repeated on
every printed page; an archivist's title is shown in [ ] and dates as 8 digits.
"""
from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass

from civdesk.archive.check import ASPECTS, CarrierReport
from civdesk.archive.codes import RETENTIONS
from civdesk.export.stable import stable_ooxml
from civdesk.safetext import sheet_cell

CATALOGUE_HEADERS = ("序号", "档号", "文号", "责任者", "题名", "日期", "密级", "页数", "备注")
CATALOGUE_WIDTHS_MM = (12, 64, 40, 28, 69, 24, 12, 12, 16)  # 277 mm: A4 landscape less margins
CATALOGUE_XLSX_CHARS = (5, 29, 18, 14, 44, 10, 6, 6, 12)  # column widths in characters
CATALOGUE_PT = 10.5
WRAPPED = {3: 14, 4: 44, 8: 12}  # columns that wrap → their width in characters


@dataclass(frozen=True)
class CatalogueRow:
    seq: int
    code: str
    doc_number: str
    responsible: str
    title: str  # as shown ([ ] for an archivist's title)
    date8: str
    secrecy: str
    pages: int
    note: str

    def values(self) -> tuple:
        return (self.seq, self.code, self.doc_number, self.responsible, self.title, self.date8,
                self.secrecy, self.pages, self.note)


@dataclass(frozen=True)
class TransferFacts:
    """What the register and the note say about the carrier."""

    year: int
    fonds: str
    transferring_unit: str
    receiving_unit: str
    maker: str
    checker: str
    carrier: str
    items: int
    files: int
    bytes: int
    by_retention: tuple[tuple[str, int], ...]  # (保管期限代码, 件数)
    not_converted: tuple[str, ...]
    digest: str = ""  # of the carrier's list of file digests
    digest_of: str = ""

    @property
    def gigabytes(self) -> str:
        return f"{self.bytes / 1024 ** 3:.3f}"

    @property
    def work_name(self) -> str:
        unit = self.transferring_unit or "本单位"
        return f"{unit}{self.year}年度文书档案（电子）移交"


def _docx_bytes(doc, when: dt.datetime) -> bytes:  # noqa: ANN001
    props = doc.core_properties
    props.author = props.last_modified_by = "CivDesk"
    props.created = props.modified = when
    props.revision = 1
    out = io.BytesIO()
    doc.save(out)
    return stable_ooxml(out.getvalue(), when)


def _landscape_doc(title: str):  # noqa: ANN202
    from docx.shared import Mm

    from civdesk.reports import gongwen

    doc = gongwen.new_document(landscape=True)
    sec = doc.sections[0]
    sec.top_margin, sec.bottom_margin = Mm(20), Mm(20)
    sec.left_margin = sec.right_margin = Mm(10)
    gongwen.title(doc, title)
    return doc


# --------------------------------------------------------------- catalogue
def _display_width(text: str) -> int:
    """Width in half-width cells: a CJK character takes two."""
    return sum(2 if ord(c) > 0x2E7F else 1 for c in text)


def catalogue_xlsx(rows: Sequence[CatalogueRow], heading: str, when: dt.datetime) -> bytes:
    """Written in openpyxl's streaming mode, every cell styled before it is appended
    (thousands of rows in a second or two)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.worksheet.page import PageMargins

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("归档文件目录")
    thin = Side(style="thin", color="000000")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="center")
    left = Alignment(vertical="center")
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for col, chars in zip("ABCDEFGHI", CATALOGUE_XLSX_CHARS):
        ws.column_dimensions[col].width = chars
    ws.print_title_rows = "2:2"
    ws.freeze_panes = "A3"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "9"  # A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.6, bottom=0.6)

    def styled(value: object, font: Font | None = None, border: Border | None = None,
               alignment: Alignment | None = None):  # noqa: ANN202
        cell = sheet_cell(ws, value)
        if font:
            cell.font = font
        if border:
            cell.border = border
        if alignment:
            cell.alignment = alignment
        return cell

    across = Alignment(horizontal="centerContinuous")  # centred over the table, no merge
    ws.row_dimensions[1].height = 24
    ws.append([styled(heading, Font(bold=True, size=16), None, across)]
              + [styled(None, None, None, across) for _ in CATALOGUE_HEADERS[1:]])
    bold = Font(bold=True)
    ws.append([styled(h, bold, box, center) for h in CATALOGUE_HEADERS])
    for n, r in enumerate(rows, 3):
        values = r.values()
        # LibreOffice and Excel do not grow a row for wrapped text they did not lay out
        lines = max([-(-_display_width(str(values[k])) // (chars * 2 - 1))
                     for k, chars in WRAPPED.items() if values[k]] or [1])
        ws.row_dimensions[n].height = 15 * lines
        ws.append([styled(v, None, box, wrap if k in WRAPPED else center if k in (0, 5, 6, 7) else left)
                   for k, v in enumerate(values)])
    wb.properties.creator = wb.properties.lastModifiedBy = "CivDesk"
    wb.properties.created = wb.properties.modified = when
    out = io.BytesIO()
    wb.save(out)
    return stable_ooxml(out.getvalue(), when)


def catalogue_docx(rows: Sequence[CatalogueRow], heading: str, when: dt.datetime) -> bytes:
    from civdesk.reports import gongwen

    doc = _landscape_doc(heading)
    anchor = doc.add_paragraph()._p  # the table goes before the section properties
    anchor.addnext(_table_xml(CATALOGUE_HEADERS, [[str(v) for v in r.values()] for r in rows],
                              CATALOGUE_WIDTHS_MM, gongwen.BODY_FONT, gongwen.HEADING_FONT))
    return _docx_bytes(doc, when)


def _table_xml(headers: Sequence[str], rows: Sequence[Sequence[str]], widths_mm: Sequence[float],
               font: str, bold_font: str) -> object:
    """The catalogue table as Word XML in one piece: python-docx adds rows and sets fonts one
    call at a time (13 s for 300 rows); this takes milliseconds for thousands.  Header row
    repeated on every page, fixed column widths, 五号 so a whole 档号 fits on one line."""
    from xml.sax.saxutils import escape

    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    from civdesk.safetext import xml_text

    twips = [round(w * 1440 / 25.4) for w in widths_mm]
    size = round(CATALOGUE_PT * 2)

    def run_pr(name: str, bold: bool) -> str:
        return (f'<w:rPr><w:rFonts w:ascii="{name}" w:hAnsi="{name}" w:eastAsia="{name}" w:cs="{name}"/>'
                + ("<w:b/>" if bold else "") + f'<w:sz w:val="{size}"/><w:szCs w:val="{size}"/></w:rPr>')

    plain, bold = run_pr(font, False), run_pr(bold_font, False)
    para = ('<w:pPr><w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/>'
            '<w:ind w:firstLine="0"/>{jc}</w:pPr>')

    def cell(text: str, width: int, header: bool = False) -> str:
        jc = '<w:jc w:val="center"/>' if header else ""
        return (f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/><w:vAlign w:val="center"/></w:tcPr>'
                f'<w:p>{para.format(jc=jc)}<w:r>{bold if header else plain}'
                f'<w:t xml:space="preserve">{escape(xml_text(text))}</w:t></w:r></w:p></w:tc>')

    border = "".join(f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
                     for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
    parts = [f'<w:tbl {nsdecls("w")}><w:tblPr><w:jc w:val="center"/><w:tblW w:w="{sum(twips)}" w:type="dxa"/>'
             f'<w:tblBorders>{border}</w:tblBorders><w:tblLayout w:type="fixed"/></w:tblPr><w:tblGrid>',
             "".join(f'<w:gridCol w:w="{w}"/>' for w in twips), "</w:tblGrid>",
             '<w:tr><w:trPr><w:tblHeader/></w:trPr>',
             "".join(cell(h, w, True) for h, w in zip(headers, twips)), "</w:tr>"]
    parts += ["<w:tr>" + "".join(cell(v, w) for v, w in zip(row, twips)) + "</w:tr>" for row in rows]
    parts.append("</w:tbl>")
    return parse_xml("".join(parts))


def _smaller(table) -> None:  # noqa: ANN001
    from docx.shared import Pt

    for row in table.rows:
        for cell in row.cells:
            for p in cell.paragraphs:
                for run in p.runs:
                    run.font.size = Pt(CATALOGUE_PT)


def _tall(table, rows: range, mm: float) -> None:  # noqa: ANN001
    """Room to sign by hand."""
    from docx.enum.table import WD_ROW_HEIGHT_RULE
    from docx.shared import Mm

    for k in rows:
        table.rows[k].height = Mm(mm)
        table.rows[k].height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST


# ---------------------------------------------------------------- box note
def box_note_docx(facts: TransferFacts, when: dt.datetime) -> bytes:
    """备考表: what is in this year's files, remarks, 整理人/检查人 with dates."""
    from civdesk.reports import gongwen

    doc = gongwen.new_document()
    gongwen.title(doc, "备考表")
    kinds = "，".join(f"{RETENTIONS[c]} {n} 件" for c, n in facts.by_retention)
    remarks = [f"本年度（{facts.year}年）归档文件共 {facts.items} 件（{kinds}），电子文件 {facts.files} 个。"]
    if facts.not_converted:
        remarks.append(f"{len(facts.not_converted)} 个文件未能转换为长期保存格式（未找到 LibreOffice），"
                       "原件已随附，见说明文件。")
    remarks.append("照片的题名、时间、地点、人物、事由、背景、摄影者见各件元数据文件。")
    rows = [["说明", "\n".join(remarks)],
            ["整理人", facts.maker or " "], ["整理日期", "    年  月  日"],
            ["检查人", facts.checker or " "], ["检查日期", "    年  月  日"],
            ["立表时间", "    年  月  日"]]
    _tall(gongwen.table(doc, ("项目", "内容"), rows, (35, 121)), range(2, len(rows) + 1), 10)
    return _docx_bytes(doc, when)


# ---------------------------------------------------------------- register
def register_rows(facts: TransferFacts, report: CarrierReport) -> list[list[str]]:
    summary = report.summary()
    checks = "；".join(f"{a}{summary[a]}" for a in ASPECTS)
    return [
        ["交接工作名称", facts.work_name],
        ["内容描述", f"全宗号 {facts.fonds}，{facts.year}年度文书档案，按件整理，"
                  f"含文件目录、电子档案、元数据及说明文件"],
        ["件数", str(facts.items)],
        ["文件数", str(facts.files)],
        ["数据量", f"{facts.gigabytes} GB（{facts.bytes} 字节）"],
        ["载体类型及数量", f"{facts.carrier or '　'}　1 件"],
        ["检验结果", f"四性检测：{checks}（详见 其他/四性检测报告.docx）"],
        ["数据包摘要", f"SHA-256：{facts.digest}（对 {facts.digest_of} 计算，"
                   f"该清单列出载体上其余每个文件的 SHA-256）"],
    ]


def register_docx(facts: TransferFacts, report: CarrierReport, when: dt.datetime) -> bytes:
    """移交登记表: the work, the content, counts, volume, carrier, checks, digest, and the
    填表人/审核人 lines of both units."""
    from civdesk.reports import gongwen

    doc = gongwen.new_document()
    gongwen.title(doc, "电子档案移交登记表")
    gongwen.table(doc, ("项目", "内容"), register_rows(facts, report), (35, 121))
    sign = [["单位名称", facts.transferring_unit or " ", facts.receiving_unit or " "],
            ["填表人（签名）", facts.maker or " ", " "],
            ["审核人（签名）", facts.checker or " ", " "],
            ["日期", "    年  月  日", "    年  月  日"],
            ["单位（盖章）", " ", " "]]
    _tall(gongwen.table(doc, ("", "移交单位", "接收单位"), sign, (35, 60, 61)), range(1, len(sign) + 1), 12)
    return _docx_bytes(doc, when)


# ------------------------------------------------------------------ report
def report_lines(report: CarrierReport) -> list[str]:
    lines = []
    for a in ASPECTS:
        lines.append(f"【{a}】")
        for i in (i for i in report.items if i.aspect == a):
            lines.append(f"  {i.status}　{i.name}" + (f"：{i.detail}" if i.detail else ""))
    return lines


def report_docx(report: CarrierReport, carrier_name: str, when: dt.datetime) -> bytes:
    from civdesk.reports import gongwen

    doc = gongwen.new_document()
    gongwen.title(doc, "电子档案四性检测报告")
    summary = report.summary()
    gongwen.body(doc, f"检测对象：{carrier_name}，共 {report.entries} 件、电子文件 {report.files} 个，"
                      f"数据量 {report.bytes / 1024 ** 3:.3f} GB。依据 DA/T 70-2018 逐项检测，结果如下："
                      + "；".join(f"{a}{summary[a]}" for a in ASPECTS) + "。")
    rows = [[i.aspect, i.name, i.status, i.detail] for i in report.items]
    _smaller(gongwen.table(doc, ("检测项目", "检测内容", "结果", "说明及涉及文件"), rows, (20, 50, 18, 68)))
    gongwen.body(doc, "“未检测”表示本机不具备该项检测条件（如未安装杀毒软件或病毒库），"
                      "接收方可用 civdesk archive check 在本机重新检测。")
    gongwen.signature(doc, "CivDesk 四性检测", when.date())
    return _docx_bytes(doc, when)


# -------------------------------------------------------------------- note
def note_txt(facts: TransferFacts) -> bytes:
    """说明文件.TXT (CRLF, UTF-8 with BOM so Windows Notepad shows it)."""
    kinds = "，".join(f"{RETENTIONS[c]}（{c}）{n} 件" for c, n in facts.by_retention)
    lines = [
        f"{facts.work_name} 说明文件",
        "",
        f"载体内容：全宗号 {facts.fonds}，{facts.year}年度文书档案（按件整理）",
        f"件数：{facts.items}",
        f"文件数：{facts.files}",
        f"保管期限：{kinds}",
        f"数据量：{facts.gigabytes} GB（{facts.bytes} 字节，不含本说明、四性检测报告和移交登记表）",
        f"载体：{facts.carrier}",
        f"制作人：{facts.maker}",
        f"检查人：{facts.checker}",
        f"移交单位：{facts.transferring_unit}",
        f"接收单位：{facts.receiving_unit}",
        "",
        "目录结构：",
        "  文件目录.XML　每件一条（顺序号、档号、责任者、题名、日期、密级、电子档案名称、备注），",
        "    结构见 其他/文件目录.xsd",
        "  电子档案/年度/保管期限/机构代码/档号/　每件的文件（档号-序号），",
        "    及元数据 档号.xml（结构见 其他/件元数据.xsd）",
        "  其他/　归档文件目录、备考表、移交登记表、四性检测报告、XSD、校验清单",
        "",
        "读取所需软件和硬件：",
        "  PDF 阅读软件（PDF、OFD 文件用相应阅读器）；图片查看软件（JPEG、TIFF）；",
        "  文字处理和电子表格软件（DOCX、XLSX）；任何文本编辑器或浏览器（XML、TXT）；",
        "  能读取该载体的计算机（Windows、Linux 或国产操作系统均可）。",
        "",
        "校验：其他/校验清单-SHA256.txt 列出其余每个文件的 SHA-256；",
        "  可用「civdesk archive check 本文件夹或压缩包」重新进行四性检测。",
    ]
    if facts.not_converted:
        lines += ["", "未转换为长期保存格式的文件（未找到 LibreOffice，原件已随附）："]
        lines += [f"  {n}" for n in facts.not_converted]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")
