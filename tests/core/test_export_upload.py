"""The upload package as the platform receives it: names, order, upright captioned photos,
documents converted to PDF, and the checks agreeing with what the export fixes."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import Image

from civdesk.checklist.store import find_standard
from civdesk.export import ExportOptions, export_package, verify_package
from civdesk.export.names import clean_title
from civdesk.export.photo_meta import read_caption, split_segments, web_jpeg
from tests.conftest import needs_tool
from tests.core.checks_helpers import add_photo
from tests.core.test_checks_rules import findings
from tests.core.test_export_package import add_material, jpeg_bytes, only_rules, tree_files

RED, BLUE = (220, 20, 20), (20, 20, 220)


def sideways_jpeg() -> bytes:
    """80×40 pixels, red left half, blue right half, tagged "rotate 90° clockwise" (6):
    shown upright it is 40×80 with red on top."""
    im = Image.new("RGB", (80, 40), BLUE)
    im.paste(RED, (0, 0, 40, 40))
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "TestCam"
    exif.get_ifd(0x8769)[0x9003] = "2024:05:01 09:30:00"
    out = io.BytesIO()
    im.save(out, "JPEG", quality=95, exif=exif.tobytes())
    return out.getvalue()


def near(a: tuple, b: tuple) -> bool:
    return all(abs(x - y) < 40 for x, y in zip(a, b))


@pytest.mark.parametrize("name, title", [
    ("jpg__Nikon_D70.jpg", "Nikon D70"), ("heic__IMG_5195.HEIC", "IMG 5195"),
    ("活动照片_d41d8cd98f00b204e9800998ecf8427e.jpg", "活动照片"),
    ("2024年 工作总结.docx", "2024年 工作总结"), ("pdf__docx__报告_终稿.pdf", "报告 终稿"),
    ("0123456789abcdef0123.jpg", "0123456789abcdef0123"),  # nothing but a hash: kept, never empty
])
def test_clean_title(name, title):
    assert clean_title(name) == title


def test_photos_upright_with_caption_in_xmp_and_exif(sample_lib, tmp_path):
    only_rules(sample_lib)
    st = find_standard(sample_lib, "Ⅲ-5:1")
    upright = jpeg_bytes(7, (160, 120))
    add_material(sample_lib, sideways_jpeg(), "jpg__DSC_0001.jpg", "jpeg", [st.id], title="",
                 date=dt.date(2024, 5, 1), caption_place="市民中心广场", caption_event="道德模范事迹报告会",
                 caption_photographer="李明")
    add_material(sample_lib, upright, "IMG_0002.jpg", "jpeg", [st.id], title="颁奖现场",
                 date=dt.date(2024, 5, 2), caption_place="市文化馆")
    r = export_package(sample_lib, tmp_path / "包", options=ExportOptions.from_library(sample_lib))
    jpgs = sorted(p for p in r.folder.rglob("*.jpg"))
    assert [p.name for p in jpgs] == ["Ⅲ-5：1_01_DSC 0001.jpg", "Ⅲ-5：1_02_颁奖现场.jpg"]
    data = jpgs[0].read_bytes()
    with Image.open(io.BytesIO(data)) as im:  # read as a viewer that ignores EXIF would
        assert im.size == (40, 80)
        assert near(im.getpixel((20, 10)), RED) and near(im.getpixel((20, 70)), BLUE)
        exif = im.getexif()
        assert exif.get(0x0112) == 1
        assert exif.get(0x010F) == "TestCam", "the rest of EXIF is kept"
        assert exif.get_ifd(0x8769).get(0x9003) == "2024:05:01 09:30:00"
    caption = "时间：2024年5月1日；地点：市民中心广场；事由：道德模范事迹报告会；摄影者：李明"
    assert read_caption(data) == {"xmp": caption, "description": caption, "xp_comment": caption}
    # an upright photo keeps its compressed image data byte for byte
    second = jpgs[1].read_bytes()
    assert split_segments(second)[1] == split_segments(upright)[1]
    assert read_caption(second)["xmp"] == "时间：2024年5月2日；地点：市文化馆"
    assert verify_package(r.folder).ok
    from openpyxl import load_workbook

    rows = list(load_workbook(r.folder / "目录.xlsx").active.iter_rows(min_row=3, values_only=True))
    assert [row[8] for row in rows if row[7]] == [caption, "时间：2024年5月2日；地点：市文化馆"]


def test_web_jpeg_refuses_what_is_not_a_jpeg():
    from civdesk.export.photo_meta import NotJpeg

    for bad in (b"", b"GIF89a", b"\xff\xd8\xff\xe1\x00", b"\xff\xd8" + b"\x00" * 50):
        with pytest.raises(NotJpeg):
            web_jpeg(bad, "说明")


def test_files_ordered_by_category_then_photos_by_date(sample_lib, tmp_path):
    only_rules(sample_lib)
    st = find_standard(sample_lib, "Ⅲ-1:1")
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    add_material(sample_lib, jpeg_bytes(1), "b.jpg", "jpeg", [st.id], title="照片乙", date=dt.date(2024, 3, 9))
    add_material(sample_lib, jpeg_bytes(2), "a.jpg", "jpeg", [st.id], title="照片甲", date=dt.date(2024, 3, 1))
    add_material(sample_lib, pdf + b"1", "t.pdf", "pdf", [st.id], title="工作台账", category="台账")
    add_material(sample_lib, pdf + b"2", "r.pdf", "pdf", [st.id], title="情况说明", category="说明报告")
    add_material(sample_lib, pdf + b"3", "f.pdf", "pdf", [st.id], title="实施方案", category="正式发文",
                 date=dt.date(2024, 6, 1))
    add_material(sample_lib, pdf + b"4", "d.pdf", "pdf", [st.id], title="统计表", category="数据表格")
    r = export_package(sample_lib, tmp_path / "包", options=ExportOptions.from_library(sample_lib, captions=False))
    names = [f.rsplit("/", 1)[1] for f in tree_files(r.folder) if "/" in f]
    assert names == ["Ⅲ-1：1_01_实施方案.pdf", "Ⅲ-1：1_02_情况说明.pdf", "Ⅲ-1：1_03_统计表.pdf",
                     "Ⅲ-1：1_04_工作台账.pdf", "Ⅲ-1：1_05_照片甲.jpg", "Ⅲ-1：1_06_照片乙.jpg"]


def test_text_document_converted_to_pdf_or_listed_as_not_converted(sample_lib, tmp_path, monkeypatch):
    soffice = needs_tool("soffice")
    only_rules(sample_lib)
    st = find_standard(sample_lib, "Ⅲ-1:1")
    text = "第一页\n" + "\f".join(["第一页内容", "第二页内容"])
    add_material(sample_lib, text.encode("utf-8"), "学习记录.txt", "txt", [st.id], title="学习记录")
    monkeypatch.setenv("CIVDESK_SOFFICE", str(tmp_path / "没有"))  # LibreOffice missing
    r = export_package(sample_lib, tmp_path / "无")
    assert [f for f in tree_files(r.folder) if f.endswith("学习记录.txt")]
    record = (r.internal / "导出记录.txt").read_text(encoding="utf-8-sig")
    assert "1 个文档未转换为 PDF" in record and "LibreOffice" in record
    assert any("未转换为 PDF" in n for n in r.notes)
    monkeypatch.setenv("CIVDESK_SOFFICE", soffice)
    a = export_package(sample_lib, tmp_path / "有")
    pdfs = [f for f in tree_files(a.folder) if f.endswith("学习记录.pdf")]
    assert pdfs and not [f for f in tree_files(a.folder) if f.endswith("学习记录.txt")]
    import pymupdf

    with pymupdf.open(a.folder / pdfs[0]) as doc:
        assert "第二页内容" in "".join(p.get_text() for p in doc)
    cached = list((sample_lib.path / "cache" / "pdf").glob("*.pdf"))
    assert len(cached) == 1
    b = export_package(sample_lib, tmp_path / "再")  # from the cache, byte for byte
    assert (b.folder / pdfs[0]).read_bytes() == (a.folder / pdfs[0]).read_bytes()
    # a platform that takes only PDF: a three-page DOCX becomes a three-page PDF
    import docx
    from docx.enum.text import WD_BREAK

    d = docx.Document()
    for n in range(3):
        run = d.add_paragraph(f"第{n + 1}页").add_run()
        if n < 2:
            run.add_break(WD_BREAK.PAGE)
    buf = io.BytesIO()
    d.save(buf)
    add_material(sample_lib, buf.getvalue(), "制度.docx", "docx", [st.id], title="学习制度")
    from civdesk.checks import PlatformLimits

    only_pdf = ExportOptions.from_library(sample_lib, limits=PlatformLimits(formats=("jpg", "pdf")))
    c = export_package(sample_lib, tmp_path / "仅PDF", options=only_pdf)
    (converted,) = [f for f in tree_files(c.folder) if f.endswith("学习制度.pdf")]
    with pymupdf.open(c.folder / converted) as doc:
        assert doc.page_count == 3 and "第3" in doc[2].get_text()


def test_checks_agree_with_what_the_export_fixes(sample_lib):
    from civdesk.checks import ERROR, NOTICE, set_check_settings

    heic = add_photo(sample_lib, "Ⅲ-1:1", kind="heic", original_name="IMG.HEIC")
    big = add_photo(sample_lib, "Ⅲ-1:1", size=30 * 1024 * 1024)
    no_time = add_photo(sample_lib, "Ⅲ-1:1", caption_time="")  # the EXIF time counts
    no_time_at_all = add_photo(sample_lib, "Ⅲ-1:1", caption_time="", taken_at=None)
    set_check_settings(sample_lib, disabled=[])
    got = {(f.rule, f.material_id): f.severity for f in findings(sample_lib, "format")
           + findings(sample_lib, "size")}
    assert got == {("format", heic): NOTICE, ("size", big): NOTICE}
    flagged = {f.material_id for f in findings(sample_lib, "caption")}
    assert no_time_at_all in flagged and no_time not in flagged
    doc = add_photo(sample_lib, "Ⅲ-1:1", kind="pdf", category="说明报告", size=30 * 1024 * 1024)
    assert {f.severity for f in findings(sample_lib, "size") if f.material_id == doc} == {ERROR}


def test_compilation_has_cover_contents_bookmarks_photos_and_document_pages(sample_lib, tmp_path):
    import pymupdf

    from tests.conftest import FIXTURES

    only_rules(sample_lib)
    docs, photos = find_standard(sample_lib, "Ⅲ-1:1"), find_standard(sample_lib, "Ⅲ-5:1")
    four = (FIXTURES / "corpus" / "pdf" / "pdflatex-4-pages.pdf").read_bytes()
    add_material(sample_lib, four, "计划.pdf", "pdf", [docs.id], title="年度学习计划", category="正式发文")
    add_material(sample_lib, b"not a pdf", "表.xlsx", "xlsx", [docs.id], title="学习台账", category="台账")
    for i in range(3):
        add_material(sample_lib, jpeg_bytes(i, (320, 240)), f"p{i}.jpg", "jpeg", [photos.id],
                     title=f"活动照片{i}", date=dt.date(2024, 5, 1 + i), caption_place="市民广场")
    opts = ExportOptions.from_library(sample_lib, compilation=True, city="某某市")
    r = export_package(sample_lib, tmp_path / "包", options=opts)
    path = r.folder / "材料汇编.pdf"
    assert verify_package(r.folder).ok and "材料汇编.pdf" in tree_files(r.folder)
    with pymupdf.open(path) as doc:
        cover, contents = doc[0].get_text(), doc[1].get_text()
        assert "某某市" in cover and "申报材料汇编" in cover and "年" in cover
        assert "目" in contents and "年度学习计划" in contents and "活动照片0" in contents
        # cover + contents + 4 PDF pages + a page for the xlsx + 3 photo pages
        assert doc.page_count == 1 + 1 + 4 + 1 + 3
        toc = doc.get_toc()
        titles = {t[1]: t[2] for t in toc}
        assert titles["年度学习计划"] == 3 and titles["学习台账"] == 7 and titles["活动照片2"] == 10
        assert [t[0] for t in toc[2:6]] == [1, 2, 3, 4], "item → standard → material"
        assert "— 9 —" in doc[9].get_text() and "地点" in doc[9].get_text()
        assert "学习台账" in doc[6].get_text() and "不是 PDF" in doc[6].get_text()
    again = export_package(sample_lib, tmp_path / "再", options=opts)
    assert (again.folder / "材料汇编.pdf").read_bytes() == path.read_bytes()
