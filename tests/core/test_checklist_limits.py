"""Checklist tables that ask for huge work are refused quickly, in little
memory, with the reason; a long table is never cut silently."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile

import pytest

from civdesk.checklist import ChecklistFormatError, parse_checklist
from civdesk.checklist.tables import MAX_CELLS, MAX_MERGED_CELLS, MAX_ROWS
from tests.conftest import ROOT

HEADER = ["测评项目", "测评内容", "测评标准", "测评方法"]

#: Parses a file in a fresh process; prints the outcome, the CPU time (a busy machine stretches
#: the wall time, not the work done) and the peak memory.
#: The peak is the child's own VmHWM: ru_maxrss would start at the size of the
#: (large) test process that forked it, Linux carries it across exec.
_CHILD = """
import json, sys, time
from civdesk.checklist import ChecklistFormatError, parse_checklist
start = time.process_time()
try:
    parse_checklist(sys.argv[1])
    message = None
except ChecklistFormatError as exc:
    message = str(exc)
with open("/proc/self/status") as fh:
    peak_kb = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))
print(json.dumps({"message": message, "seconds": time.process_time() - start,
                  "peak_mb": peak_kb / 1024}))
"""


def _parse_in_child(path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, "-c", _CHILD, str(path)], check=False, capture_output=True,
                       text=True, encoding="utf-8", env=env, cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    return json.loads(r.stdout)


def _assert_refused_fast_and_small(path, *expected: str) -> str:
    out = _parse_in_child(path)
    assert out["message"] is not None, "the file was accepted"
    for text in expected:
        assert text in out["message"], out["message"]
    assert path.name in out["message"]
    assert out["seconds"] < 10, out
    assert out["peak_mb"] < 500, out
    return out["message"]


def _xlsx_rows(path, rows: int) -> None:
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("任务分解")
    ws.append(HEADER)
    for i in range(1, rows):
        ws.append([f"项目{i // 100}", f"内容{i}", f"标准{i}", "材料审核"])
    wb.save(path)


def test_xlsx_with_100000_rows_refused_not_cut(tmp_path):
    path = tmp_path / "十万行.xlsx"
    _xlsx_rows(path, 100_000)
    message = _assert_refused_fast_and_small(path, "100,000 行", f"上限 {MAX_ROWS:,} 行", "任务分解")
    assert "拆成" in message


def test_xlsx_just_over_the_limit_refused_in_process(tmp_path):
    path = tmp_path / "多一行.xlsx"
    _xlsx_rows(path, MAX_ROWS + 1)
    with pytest.raises(ChecklistFormatError, match=re.escape(f"{MAX_ROWS + 1:,} 行")):
        parse_checklist(path)


def test_xlsx_merged_range_over_a_million_cells_refused(tmp_path):
    import openpyxl

    path = tmp_path / "大合并.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "测评体系"
    ws.append(HEADER)
    ws.append(["一、公共文明", "内容", "标准", "实地考察"])
    ws.merge_cells("A3:Z50000")  # 1,299,948 cells
    wb.save(path)
    _assert_refused_fast_and_small(path, "1,299,948", "A3:Z50000", f"{MAX_MERGED_CELLS:,}")


def _docx_with_table(path, rows: int = 3) -> None:
    import docx

    d = docx.Document()
    d.add_paragraph("测评体系")
    table = d.add_table(rows=rows, cols=len(HEADER))
    for c, text in enumerate(HEADER):
        table.cell(0, c).text = text
    for r in range(1, rows):
        for c, text in enumerate(["一、公共文明", f"内容{r}", f"标准{r}", "材料审核"]):
            table.cell(r, c).text = text
    d.save(path)


def _edit_document_xml(path, edit) -> None:
    with zipfile.ZipFile(path) as zf:
        items = [(i, zf.read(i.filename)) for i in zf.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in items:
            if info.filename == "word/document.xml":
                data = edit(data.decode("utf-8")).encode("utf-8")
            zf.writestr(info, data)


def test_docx_grid_span_of_200_million_refused(tmp_path):
    path = tmp_path / "跨列.docx"
    _docx_with_table(path)

    def huge_span(xml: str) -> str:
        return xml.replace("<w:tcPr>", '<w:tcPr><w:gridSpan w:val="200000000"/>', 1)

    _edit_document_xml(path, huge_span)
    assert 'w:val="200000000"' in zipfile.ZipFile(path).read("word/document.xml").decode()
    _assert_refused_fast_and_small(path, "表格1", "第 1 行", "200,000,003 列", "上限 200 列")


def test_docx_with_too_many_rows_refused(tmp_path):
    path = tmp_path / "长表.docx"
    _docx_with_table(path, rows=2)

    def many_rows(xml: str) -> str:
        last = xml.rindex("<w:tr")
        end = xml.index("</w:tr>", last) + len("</w:tr>")
        return xml[:end] + xml[last:end] * 99_998 + xml[end:]

    _edit_document_xml(path, many_rows)
    _assert_refused_fast_and_small(path, "表格1", "100,000 行", f"上限 {MAX_ROWS:,} 行")


def test_xlsx_with_too_many_cells_refused(tmp_path):
    import openpyxl

    path = tmp_path / "宽表.xlsx"
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("宽表")
    ws.append(HEADER)
    for r in range(MAX_CELLS // 150 + 10):
        ws.append([None] * 149 + ["x"] if r % 1000 else ["一", "内容", "标准", "方法"])
    wb.save(path)
    with pytest.raises(ChecklistFormatError, match=f"上限 {MAX_CELLS:,} 个"):
        parse_checklist(path)


def test_rows_after_a_long_gap_are_kept(tmp_path):
    """A standard below 600 empty rows is read, not dropped at the gap."""
    import openpyxl

    path = tmp_path / "有空行.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append(["一、公共文明", "内容一", "标准一", "材料审核"])
    ws.cell(row=700, column=1, value="一、公共文明")
    ws.cell(row=700, column=2, value="内容二")
    ws.cell(row=700, column=3, value="标准二")
    ws.cell(row=700, column=4, value="材料审核")
    wb.save(path)
    parsed = parse_checklist(path)
    assert [std.text for _, std in parsed.all_standards()] == ["标准一", "标准二"]
