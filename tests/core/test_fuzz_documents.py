"""Random text (any Unicode but lone surrogates, control characters included) as titles,
unit names, standard texts and captions: every document writer finishes, the output
reopens, and no worksheet cell is a formula."""
from __future__ import annotations

import dataclasses
import datetime as dt
import io
import zipfile

import pymupdf
import pytest
from docx import Document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from civdesk.checks import run_checks
from civdesk.export import documents
from civdesk.export.captions import Photo, caption_pdf
from civdesk.export.plan import CatalogRow, Plan
from civdesk.library import Library
from civdesk.reports import write_check_docx, write_check_xlsx
from tests.core import checks_helpers as ch

TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
FORMULA_LIKE = st.builds(lambda head, tail: head + tail,
                         st.sampled_from(["=", "+", "-", "@", "\t", "\r", "=HYPERLINK(", ""]), TEXT)
ANY = st.one_of(TEXT, FORMULA_LIKE)
FAST = settings(max_examples=10, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
STAMP = dt.datetime(2024, 5, 1, 8, 0)


def assert_workbook_sound(data: bytes) -> None:
    wb = load_workbook(io.BytesIO(data))
    formulas = [c.coordinate for ws in wb.worksheets for row in ws.iter_rows() for c in row
                if c.data_type == "f"]
    assert formulas == []


def assert_docx_opens(data: bytes) -> None:
    assert Document(io.BytesIO(data)).paragraphs


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    """A real check result with findings, units and owed items to fill with random text."""
    with Library.create(tmp_path_factory.mktemp("fuzz") / "lib") as lib:
        ch.add_photo(lib, "Ⅲ-1:1", unit="市委宣传部", caption_place="", blur=5.0)
        result = run_checks(lib, today=ch.GOOD_DAY)
    assert any(s.findings for s in result.standards) and any(u.items for u in result.units)
    return result


def _hostile_result(result, name: str, text: str, unit: str, title: str, reason: str):
    r = dataclasses.replace
    std = next(s for s in result.standards if s.findings)
    std = r(std, text=text, units=(unit,), lead_units=(unit,),
            findings=tuple(r(f, material_title=title, message=reason, fix=text, unit=unit)
                           for f in std.findings))
    owed = next(u for u in result.units if u.items)
    owed = r(owed, unit=unit, items=tuple(r(i, text=text, reasons=(reason, title))
                                          for i in owed.items))
    others = [s for s in result.standards if s.id != std.id][:2]  # small: the writers are slow
    return r(result, checklist_name=name, standards=(std, *others),
             rollup=(r(result.rollup[0], title=title), *result.rollup[1:3]),
             units=(owed, *[u for u in result.units if u.unit != owed.unit][:1]))


@FAST
@given(name=ANY, text=ANY, unit=ANY, title=ANY, reason=ANY)
def test_check_reports_take_any_text(checked, tmp_path, name, text, unit, title, reason):
    result = _hostile_result(checked, name, text, unit, title, reason)
    xlsx = write_check_xlsx(result, tmp_path / "r.xlsx")
    assert_workbook_sound(xlsx.read_bytes())
    assert_docx_opens(write_check_docx(result, tmp_path / "r.docx").read_bytes())


@FAST
@given(scope=ANY, code=ANY, text=ANY, title=ANY, path=ANY, unit=ANY, line=ANY)
def test_export_documents_take_any_text(scope, code, text, title, path, unit, line):
    rows = (CatalogRow(code, text, title, path, "图片", dt.date(2024, 3, 1), unit, 1, line, line, text),
            CatalogRow(title, unit, text, "", "", None, code, None, ""))
    plan = Plan("体系", scope, True, (), {}, (), rows, (), STAMP)
    xlsx = documents.catalog_xlsx(plan)
    assert_workbook_sound(xlsx)
    assert_docx_opens(documents.catalog_docx(plan))
    with zipfile.ZipFile(io.BytesIO(xlsx)) as zf:
        assert zf.testzip() is None


@settings(max_examples=10, deadline=None, database=None)
@given(code=ANY, text=ANY, title=ANY, caption=ANY, name=ANY)
def test_caption_sheets_take_any_text(code, text, title, caption, name):
    photo = Photo(1, title, None, "jpeg", name, (("地点", caption), ("事由", text)),
                  problem="无法读取" + caption)
    data = caption_pdf(code, text, [photo], 2, "D:20240501080000")
    assert pymupdf.open(stream=data, filetype="pdf").page_count == 1
