"""Hostile text (formulas, control and bidi characters) in the documents CivDesk writes."""
from __future__ import annotations

import zipfile

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import select

from civdesk.checklist.store import find_standard
from civdesk.checks import run_checks
from civdesk.cli import main
from civdesk.export import ExportOptions, export_package, verify_package
from civdesk.models import Material, Standard, Unit
from civdesk.reports import write_check_docx, write_check_xlsx
from tests.core import checks_helpers as ch
from tests.core.test_export_names import assert_legal
from tests.core.test_export_package import add_material, jpeg_bytes, only_rules, tree_files

FORMULAS = ["=cmd|' /C calc'!A0", '=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1:A9)",
            "\t=1+1", "\r=1+1", "#N/A"]
CONTROLS = ["题名\x01一", "题名\x0b二", "题名\x1b[31m三", "题名\x00\x7f\ufffe四"]
BIDI = "照片\u202egpj.exe"


def sheet_cells(path):
    wb = load_workbook(path)
    return [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]


def assert_no_formulas(path, texts) -> None:
    """No formula cell; each text readable; formula-like text marked as text (quotePrefix)."""
    cells = sheet_cells(path)
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    values = [str(c.value) for c in cells if c.value is not None]
    for text in texts:
        hits = [c for c in cells if isinstance(c.value, str) and text in c.value]
        assert hits, (text, values[:40])
        for c in hits:
            assert c.data_type == "s"
            if c.value.startswith(("=", "+", "-", "@", "\t", "\r")):
                assert c.quotePrefix, (c.coordinate, c.value)


def _hostile_export_lib(lib, titles: list[str]) -> None:
    """Materials with ``titles`` in Ⅲ-5:1, a unit and a standard text that look like formulas."""
    st = find_standard(lib, "Ⅲ-5:1")
    with lib.session() as s:
        unit = Unit(name="=1+2 市城管局")
        s.add(unit)
        s.get(Standard, st.id).text = '=HYPERLINK("http://x","点此")'
        s.flush()
        unit_id = unit.id
    for i, title in enumerate(titles):
        add_material(lib, jpeg_bytes(300 + i), f"p{i}.jpg", "jpeg", [st.id], title=title,
                     unit_id=unit_id)


def test_formula_titles_units_and_standards_stay_text_in_the_catalog(sample_lib, tmp_path,
                                                                      monkeypatch):
    only_rules(sample_lib)  # the real checks run with every rule off
    _hostile_export_lib(sample_lib, FORMULAS)
    r = export_package(sample_lib, tmp_path / "包", options=ExportOptions.from_library(
        sample_lib, name_pattern="{题名}.{ext}", captions=False))
    # the catalog shows titles stripped: "\t=1+1" is listed as "=1+1" (the standard's text is
    # not a catalog column; its code is)
    assert_no_formulas(r.folder / "目录.xlsx", [t.strip() for t in FORMULAS] + ["=1+2 市城管局"])


def test_control_and_bidi_characters_in_titles_export(sample_lib, tmp_path, monkeypatch):
    """A title from a zip entry or PDF metadata may hold \\x01, \\x0b, ESC or U+202E: the export
    still works, the documents hold the visible text and the file names lose them."""
    only_rules(sample_lib)  # the real checks run with every rule off
    _hostile_export_lib(sample_lib, CONTROLS + [BIDI])
    r = export_package(sample_lib, tmp_path / "包", as_zip=True, options=ExportOptions.from_library(
        sample_lib, name_pattern="{题名}.{ext}", keep_folder=True))
    files = tree_files(r.folder)
    for f in files:
        for comp in f.split("/"):
            assert_legal(comp)
            assert not set(comp) & {"\u202e", "\x1b", "\x01", "\x0b", "\x00", "\x7f"}, ascii(comp)
    assert any(f.endswith("照片gpj.exe.jpg") for f in files), files
    values = {c.value for c in sheet_cells(r.folder / "目录.xlsx")}
    assert {"题名一", "题名二", "题名[31m三", "题名\x7f四"} <= values  # DEL is legal in XML
    doc = Document(str(r.folder / "目录.docx"))
    cells = {c.text for t in doc.tables for row in t.rows for c in row.cells}
    assert {"题名一", "题名[31m三"} <= cells
    with zipfile.ZipFile(r.zip_path) as zf:
        assert sorted(zf.namelist()) == files
    assert verify_package(r.zip_path).ok


def _hostile_check_lib(lib):
    """A checked library whose findings carry formula-like and control-character titles."""
    st = find_standard(lib, "Ⅲ-1:1")
    with lib.session() as s:
        s.get(Standard, st.id).text = "=1+1\x0b测评标准"
        s.add(Unit(name="@单位\x1b"))
    for title in ["=cmd|' /C calc'!A0", "题名\x01\x0b\x1b", '=HYPERLINK("http://x","y")']:
        ch.add_photo(lib, "Ⅲ-1:1", unit="@单位\x1b", caption_place="", blur=5.0, title=title)
    return run_checks(lib, today=ch.GOOD_DAY)


def test_check_report_xlsx_and_docx_keep_hostile_titles_as_text(sample_lib, tmp_path):
    result = _hostile_check_lib(sample_lib)
    xlsx = write_check_xlsx(result, tmp_path / "检查.xlsx")
    assert_no_formulas(xlsx, ["=cmd|' /C calc'!A0", "题名", '=HYPERLINK("http://x","y")',
                              "=1+1测评标准", "@单位"])
    docx_path = write_check_docx(result, tmp_path / "检查.docx")
    doc = Document(str(docx_path))
    text = "\n".join([c.text for t in doc.tables for row in t.rows for c in row.cells]
                     + [p.text for p in doc.paragraphs])
    assert "=1+1测评标准" in text and "题名" in text and "\x0b" not in text


@pytest.mark.parametrize("fmt", ["xlsx", "docx"])
def test_cli_check_report_with_control_characters(sample_lib, tmp_path, capsys, fmt):
    _hostile_check_lib(sample_lib)
    path = sample_lib.path
    sample_lib.close()
    out = tmp_path / f"报告.{fmt}"
    code = main(["check", "-L", str(path), "--format", fmt, "--out", str(out)])
    captured = capsys.readouterr()
    assert code in (0, 1), captured.err
    assert "Traceback" not in captured.err and out.is_file()
    if fmt == "xlsx":
        assert_no_formulas(out, ["=cmd|' /C calc'!A0", "@单位"])
        return
    notice = tmp_path / "补交通知.docx"                    # the unit's notice: civdesk tasks notice
    code = main(["tasks", "notice", "补交", "-L", str(path), "--unit", "@单位\x1b", "--deadline", "2099-01-01",
                 "--out", str(notice)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "@单位" in "\n".join(p.text for p in Document(str(notice)).paragraphs)


def test_export_with_real_checks_writes_the_report_with_hostile_titles(sample_lib, tmp_path):
    """The 内部版's 检查报告.docx comes from the checks' Word writer (real checks)."""
    _hostile_export_lib(sample_lib, CONTROLS + FORMULAS[:2])
    with sample_lib.session() as s:
        for m in s.scalars(select(Material)):
            m.caption_place = ""  # a warning per photo: its title goes into the report
    r = export_package(sample_lib, tmp_path / "包", allow_errors=True)
    doc = Document(str(r.internal / "检查报告.docx"))
    text = "\n".join([c.text for t in doc.tables for row in t.rows for c in row.cells]
                     + [p.text for p in doc.paragraphs])  # problems are listed under their standard
    assert "题名一" in text and "=cmd|' /C calc'!A0" in text
