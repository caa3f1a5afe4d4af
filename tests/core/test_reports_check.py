"""The check report and the per-unit notice as Word and Excel."""
from __future__ import annotations

import datetime as dt
import subprocess

import pytest
from docx import Document
from docx.shared import Pt
from openpyxl import load_workbook

from civdesk.checks import run_checks
from civdesk.reports import check_as_json, write_check_docx, write_check_xlsx
from civdesk.tools import convert_to_pdf
from tests.conftest import needs_tool
from tests.core.checks_helpers import add_photo, fill_requirement

TODAY = dt.date(2024, 5, 10)


@pytest.fixture
def result(sample_lib):
    fill_requirement(sample_lib, "Ⅲ-5:1", unit="市文明办")
    add_photo(sample_lib, "Ⅲ-1:1", unit="市委宣传部", caption_place="", blur=5.0)
    return run_checks(sample_lib, today=TODAY)


def _text(doc) -> str:
    parts = [p.text for p in doc.paragraphs]
    parts += [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join(parts)


def test_check_docx_is_in_gongwen_style(result, tmp_path):
    path = write_check_docx(result, tmp_path / "检查报告.docx")
    doc = Document(str(path))
    title = doc.paragraphs[0]
    assert title.text == "文明城市测评申报材料检查报告"
    assert title.runs[0].font.name == "方正小标宋简体"
    body = next(p for p in doc.paragraphs if p.text.startswith("对照"))
    assert body.runs[0].font.name == "仿宋_GB2312" and body.runs[0].font.size == Pt(16)
    east = body.runs[0]._r.rPr.rFonts.get(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia")
    assert east == "仿宋_GB2312"
    footer_xml = doc.sections[0].footer._element.xml
    assert "PAGE" in footer_xml
    texts = [p.text for p in doc.paragraphs]
    assert "2024年5月10日" in texts and texts.index("2024年5月10日") < texts.index("附件")
    text = _text(doc)
    assert "Ⅲ-1:1" in text and "图片说明不完整" in text and "照片模糊" in text
    for u in result.units:
        assert u.unit in text


def test_xlsx_has_one_sheet_per_view(result, tmp_path):
    wb = load_workbook(write_check_xlsx(result, tmp_path / "r.xlsx"))
    assert wb.sheetnames == ["概况", "测评标准", "汇总", "问题清单", "责任单位尚欠"]
    rows = list(wb["测评标准"].iter_rows(values_only=True))
    assert rows[0][:3] == ("编号", "测评标准", "状态") and len(rows) == len(result.standards) + 1
    owed = list(wb["责任单位尚欠"].iter_rows(min_row=2, values_only=True))
    assert len(owed) == sum(len(u.items) for u in result.units)
    assert len(list(wb["问题清单"].iter_rows(min_row=2))) == len(result.findings)


def test_json_shape(result):
    doc = check_as_json(result)
    assert set(doc) >= {"standards", "findings", "units", "rollup", "summary"}
    assert doc["summary"]["has_errors"] is True


def test_docx_converts_to_pdf_with_libreoffice(result, tmp_path):
    needs_tool("soffice")
    needs_tool("pdftotext")
    path = write_check_docx(result, tmp_path / "report.docx")
    pdf = convert_to_pdf(path, tmp_path)
    assert pdf == tmp_path / "report.pdf"
    out = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True)
    if out.returncode == 0:
        import re

        numbers = [int(n) for n in re.findall(r"—\s*(\d+)\s*—", out.stdout)]
        assert "文明城市测评申报材料检查报告" in out.stdout
        assert numbers[:2] == [1, 2] and numbers[-1] == out.stdout.count("\f")  # one per page


def _first_page(doc) -> tuple[str, list]:
    """The text and tables before the first paragraph that starts a new page."""
    body = doc.element.body
    texts, tables = [], []
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for el in body.iterchildren():
        if el.tag.endswith("}p"):
            p = Paragraph(el, doc)
            if p.paragraph_format.page_break_before:
                break
            texts.append(p.text)
        elif el.tag.endswith("}tbl"):
            t = Table(el, doc)
            tables.append(t)
            texts += [c.text for row in t.rows for c in row.cells]
    return "\n".join(texts), tables


def test_report_opens_with_a_summary_page_and_lists_each_problem_once(result, tmp_path):
    from civdesk.reports.check_data import worst_gaps

    doc = Document(str(write_check_docx(result, tmp_path / "r.docx")))
    first, tables = _first_page(doc)
    assert "呈阅" in first and "最需关注的五项" in first and "尚欠最多的单位" in first and "建议" in first
    counts = result.status_counts()
    assert f"达标{counts['达标']}条" in first and f"缺失{counts['缺失']}条" in first
    gaps = worst_gaps(result)
    rank = {"有错误": 0, "缺失": 1, "部分": 2}
    assert len(gaps) == 5 and [rank[g.status] for g in gaps] == sorted(rank[g.status] for g in gaps)
    assert [r.cells[0].text for r in tables[0].rows[1:]] == [g.code for g in gaps]
    assert len(tables) == 2 and len(tables[1].rows) == 6         # five units and the header
    assert "问题清单" not in _text(doc)
    body = "\n".join(p.text for p in doc.paragraphs)
    from collections import Counter

    messages = Counter(f.message for f in result.findings if f.severity != "提示")
    for message, n in messages.items():
        assert body.count(message) == n, message                   # once, under its standard


def test_report_has_outer_page_numbers_and_font_fallbacks(result, tmp_path):
    path = write_check_docx(result, tmp_path / "r.docx")
    doc = Document(str(path))
    sec = doc.sections[0]
    assert doc.settings.odd_and_even_pages_header_footer
    assert "PAGE" in sec.footer._element.xml and "PAGE" in sec.even_page_footer._element.xml
    assert sec.footer.paragraphs[0].alignment == 2 and sec.even_page_footer.paragraphs[0].alignment == 0
    import zipfile

    fonts = zipfile.ZipFile(path).read("word/fontTable.xml").decode("utf-8")
    assert 'w:name="仿宋_GB2312"><w:altName w:val="仿宋,FangSong"/>' in fonts
    assert 'w:name="方正小标宋简体"><w:altName w:val="华文中宋,宋体"/>' in fonts


def test_summary_names_stale_deadlines_and_points_at_risk(sample_lib, tmp_path):
    """A stale task table is named once on the summary (never "逾期 975 天"), with the points at risk."""
    from civdesk.checklist.store import find_standard
    from civdesk.models import Standard

    with sample_lib.session() as s:
        for code, points in (("Ⅲ-1:1", 2.0), ("Ⅲ-5:1", 3.0)):
            st = s.get(Standard, find_standard(sample_lib, code).id)
            st.points = points
        s.get(Standard, find_standard(sample_lib, "Ⅲ-1:2").id).deadline = dt.date(2021, 4, 30)
    fill_requirement(sample_lib, "Ⅲ-5:1", unit="市文明办")
    result = run_checks(sample_lib, today=TODAY)
    first, _ = _first_page(Document(str(write_check_docx(result, tmp_path / "r.docx"))))
    assert "未达标的标准共计2分（满分5分）" in first
    assert "1条标准的完成时限早于测评周期" in first
    assert "逾期 1" not in first
