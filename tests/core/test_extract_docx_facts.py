"""Facts read from DOCX files: the date written in the text beats the
template's date in docProps/core.xml, and page counts say they are estimates."""
from __future__ import annotations

import datetime as dt
import shutil
import sqlite3

import docx

from civdesk.extract import extract
from civdesk.extract.metadata import TEMPLATE_STAMPS

TEMPLATE_DAY = dt.date(2013, 12, 24)  # python-docx's template stamp, in China time


def _docx(path, paragraphs, created: dt.datetime | None = None):
    d = docx.Document()
    for text in paragraphs:
        d.add_paragraph(text)
    if created is not None:
        d.core_properties.created = created
        d.core_properties.modified = created
    d.save(path)
    return path


BODY = ["各位同志：", "今天我们召开全市文明城市创建工作推进会，", "总结前一阶段工作，部署下一阶段任务。"]


def test_python_docx_template_stamp_is_known():
    stamp = docx.Document().core_properties.created
    assert stamp.strftime("%Y-%m-%dT%H:%M:%SZ") in TEMPLATE_STAMPS


def test_closing_line_date_beats_template_date(tmp_path):
    path = _docx(tmp_path / "a.docx", ["在全市创建工作推进会上的讲话", *BODY, "——2023年3月5日"])
    ex = extract(path, "在推进会上的讲话.docx")
    assert (ex.date, ex.date_source) == (dt.date(2023, 3, 5), "text")


def test_opening_line_date_beats_template_date(tmp_path):
    path = _docx(tmp_path / "a.docx", ["创建工作推进会会议纪要", "时间：2023年3月5日上午", *BODY])
    ex = extract(path, "会议纪要.docx")
    assert (ex.date, ex.date_source) == (dt.date(2023, 3, 5), "text")


def test_template_date_never_becomes_the_date(tmp_path):
    path = _docx(tmp_path / "a.docx", ["创建工作推进会会议纪要", *BODY])
    ex = extract(path, "会议纪要.docx")
    assert ex.date is None and ex.date_source is None
    assert "created" not in ex.extra and "modified" not in ex.extra
    assert ex.extra["template_stamp"] == "2013-12-23T23:15:00Z"


def test_edge_line_date_beats_real_metadata(tmp_path):
    path = _docx(tmp_path / "a.docx", ["会议纪要", *BODY, "（2023年3月5日印发）"],
                 created=dt.datetime(2024, 1, 8, 9, 0))
    assert extract(path, "纪要.docx").date == dt.date(2023, 3, 5)


def test_real_metadata_date_still_used_without_text_date(tmp_path):
    path = _docx(tmp_path / "a.docx", ["会议纪要", *BODY], created=dt.datetime(2021, 6, 1, 2, 0))
    ex = extract(path, "纪要.docx")
    assert (ex.date, ex.date_source) == (dt.date(2021, 6, 1), "metadata")
    assert ex.date != TEMPLATE_DAY


def test_docx_page_count_is_marked_estimated(tmp_path):
    path = _docx(tmp_path / "a.docx", [f"第{i}段，" * 80 for i in range(60)])  # several pages of text
    ex = extract(path, "长文.docx")
    assert ex.pages == 1 and ex.pages_estimated  # the template's stale <Pages>1</Pages>


def test_pdf_page_count_is_counted(tmp_path):
    import pymupdf

    doc = pymupdf.open()
    for _ in range(3):
        doc.new_page()
    doc.save(tmp_path / "a.pdf")
    ex = extract(tmp_path / "a.pdf", "a.pdf")
    assert ex.pages == 3 and not ex.pages_estimated


def test_imported_docx_shows_about_n_pages(empty_lib, tmp_path):
    from civdesk import materials as mat

    src = tmp_path / "in"
    src.mkdir()
    _docx(src / "讲话.docx", ["讲话", *BODY, "——2023年3月5日"])
    empty_lib.import_paths([src])
    (row,) = mat.get_rows(empty_lib, [1]).values()
    assert row.pages_estimated and row.pages_text == "约 1 页"
    assert row.date == dt.date(2023, 3, 5)


def test_upgrade_marks_existing_docx_page_counts_estimated(tmp_path):
    from civdesk.library import Library
    from civdesk.models import Material
    from tests.conftest import ROOT

    path = tmp_path / "old"
    shutil.copytree(ROOT / "tests" / "fixtures" / "library_rev0001", path)
    con = sqlite3.connect(path / "library.db")
    cols = [r[1] for r in con.execute("pragma table_info(materials)") if r[1] != "id"]
    picked = ", ".join("'" + "cd" * 32 + "'" if c == "sha256" else "'docx'" if c == "kind"
                       else "4" if c == "pages" else c for c in cols)
    con.execute(f"insert into materials ({', '.join(cols)}) select {picked} from materials")
    con.commit()
    con.close()
    with Library.open(path) as lib, lib.session() as s:
        flags = {m.kind: (m.pages, m.pages_estimated) for m in s.query(Material)}
    assert flags == {"txt": (1, False), "docx": (4, True)}
