"""Year-end archive transfer: arrangement, 档号, the carrier, the 四性检测, determinism, atomicity."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pymupdf
import pytest
from lxml import etree
from PIL import Image

from civdesk.archive import layout
from civdesk.archive.arrange import ArrangeError, apply_new_defaults, group, number, plan, set_fields
from civdesk.archive.check import FAIL, NOT_DONE, PASS, check_carrier
from civdesk.archive.codes import CodeRule, parse_code
from civdesk.archive.documents import CATALOGUE_HEADERS
from civdesk.archive.export import export_archive
from civdesk.archive.settings import ArchiveSettings, save_archive_settings
from civdesk.archive.stamp import stamp_rect
from civdesk.archive.xmlfiles import schema
from civdesk.library import Library
from civdesk.models import Unit
from tests.conftest import FIXTURES, ROOT, alive, needs_tool, run_cli
from tests.core.test_export_package import add_material, jpeg_bytes

CORPUS = FIXTURES / "corpus"
YEAR = 2024
CODE = re.compile(r"^Z109-WS·2024-(Y|D30|D10)-(BGS|TSW)-(\d{4})$")


def _docx_bytes(text: str) -> bytes:
    import docx

    d = docx.Document()
    d.add_paragraph(text)
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def _units(lib: Library) -> tuple[int, int]:
    with lib.session() as s:
        a, b = Unit(name="市文明办"), Unit(name="团市委")
        s.add_all([a, b])
        s.flush()
        return a.id, b.id


def make_year(lib: Library) -> dict[str, object]:
    """A year of materials: photos with captions, PDFs, a DOCX, a photo group, an attachment pair."""
    office, youth = _units(lib)
    save_archive_settings(lib, ArchiveSettings(
        fonds="Z109", org_codes={"市文明办": "BGS", "团市委": "TSW"},
        retention_by_kind={"正式发文": "Y"}, transferring_unit="某市文明办", receiving_unit="某市档案馆",
        maker="张三", checker="李四"))
    ids: dict[str, object] = {}
    caps = {"caption_place": "人民广场", "caption_people": "志愿者", "caption_event": "学雷锋志愿服务",
            "caption_background": "全市志愿服务月", "caption_photographer": "王五"}
    ids["group"] = [add_material(lib, jpeg_bytes(k, (320, 240)), f"志愿服务{k}.jpg", "jpeg", [],
                                 title=f"志愿服务照片{k}", date=dt.date(YEAR, 3, 5), unit_id=youth,
                                 category="图片", caption_time=f"2024年3月5日 {9 + k}时", **caps)
                    for k in range(1, 4)]
    ids["canon"] = add_material(lib, (CORPUS / "photos" / "jpg__Canon_40D.jpg").read_bytes(),
                                "文明交通.jpg", "jpeg", [], title="文明交通劝导", date=dt.date(YEAR, 4, 2),
                                unit_id=youth, category="图片", caption_time="2024年4月2日",
                                caption_place="解放路口", caption_people="交通志愿者",
                                caption_event="文明交通劝导", caption_photographer="赵六")
    ids["heic"] = add_material(lib, (CORPUS / "photos" / "heic__IMG_5195.HEIC").read_bytes(),
                               "活动现场.HEIC", "heic", [], title="道德讲堂现场", date=dt.date(YEAR, 6, 1),
                               unit_id=youth, category="图片", caption_event="道德讲堂")
    ids["notice"] = add_material(lib, (CORPUS / "pdf" / "pdflatex-4-pages.pdf").read_bytes(),
                                 "通知.pdf", "pdf", [], title="关于开展文明城市创建工作的通知",
                                 date=dt.date(YEAR, 2, 20), unit_id=office, category="正式发文",
                                 doc_number="文明办〔2024〕3号")
    with lib.session() as s:
        from civdesk.models import Material

        s.get(Material, ids["notice"]).pages = 4  # as the import counts them
    ids["main"] = add_material(lib, (CORPUS / "pdf" / "pdflatex-outline.pdf").read_bytes(),
                               "实施方案.pdf", "pdf", [], title="文明城市创建实施方案",
                               date=dt.date(YEAR, 5, 10), unit_id=office, category="说明报告")
    ids["attachment"] = add_material(lib, (CORPUS / "pdf" / "minimal-document.pdf").read_bytes(),
                                     "附件1 任务分解表.pdf", "pdf", [], title="任务分解表",
                                     date=dt.date(YEAR, 5, 10), unit_id=office, category="说明报告")
    ids["docx"] = add_material(lib, _docx_bytes("2024年文明城市创建工作总结"), "工作总结.docx", "docx",
                               [], title="2024年文明城市创建工作总结", date=dt.date(YEAR, 11, 30),
                               unit_id=office, category="说明报告")
    ids["earlier"] = add_material(lib, jpeg_bytes(99), "去年.jpg", "jpeg", [], title="去年的照片",
                                  date=dt.date(YEAR - 1, 12, 31), unit_id=youth, category="图片")
    group(lib, YEAR, ids["group"], title="2024年学雷锋志愿服务活动照片")
    group(lib, YEAR, [ids["main"], ids["attachment"]])
    return ids


@pytest.fixture(scope="module")
def year_lib(tmp_path_factory):
    lib = Library.create(tmp_path_factory.mktemp("archive") / "lib", sample=False)
    ids = make_year(lib)
    number(lib, YEAR)
    yield lib, ids
    lib.close()


@pytest.fixture(scope="module")
def carrier(year_lib, tmp_path_factory):
    lib, _ = year_lib
    out = tmp_path_factory.mktemp("carrier") / "移交2024"
    result = export_archive(lib, YEAR, out)
    return out, result


def _copy(carrier, tmp_path) -> Path:
    target = tmp_path / "copy"
    shutil.copytree(carrier[0], target)
    return target


def _failed(report, name: str) -> tuple[str, ...]:
    item = next(i for i in report.items if i.name == name)
    assert item.status == FAIL, (name, item)
    return item.files


# ----------------------------------------------------------- arrangement, 档号
def test_codes_as_specified_numbered_by_date_without_gaps(year_lib):
    lib, ids = year_lib
    p = plan(lib, YEAR)
    assert p.all_fixed and not p.problems
    by_material = {m.material_id: i for i in p.items for m in i.members}
    assert ids["earlier"] not in by_material, "a material of another year is not archived"
    assert len(p.items) == 6, "the photo group and the attachment pair are one 件 each"
    classes: dict[str, list] = {}
    for i in p.items:
        m = CODE.match(i.code)
        assert m, i.code
        assert (m.group(1), m.group(2)) == (i.retention, i.org_code)
        classes.setdefault(i.code.rpartition("-")[0], []).append(i)
    for items in classes.values():
        assert [i.number for i in items] == list(range(1, len(items) + 1))
        dates = [i.date for i in items]
        assert dates == sorted(dates), "件号 follow the date within the class"
    notice = by_material[ids["notice"]]
    assert notice.code == "Z109-WS·2024-Y-BGS-0001", "正式发文 kept permanently by the setting"
    pair = by_material[ids["main"]]
    assert [m.material_id for m in pair.members] == [ids["main"], ids["attachment"]]
    assert pair.code == "Z109-WS·2024-D30-BGS-0001" and pair.title == "文明城市创建实施方案"
    photos = by_material[ids["group"][0]]
    assert photos.shown_title == "[2024年学雷锋志愿服务活动照片]" and photos.pages == 3
    assert photos.code == "Z109-WS·2024-D30-TSW-0001"


def test_preview_then_fix_and_late_items_go_to_the_end(tmp_path):
    lib = Library.create(tmp_path / "lib", sample=False)
    try:
        office, _ = _units(lib)
        save_archive_settings(lib, fonds="Z109", org_codes={"市文明办": "BGS"})
        a = add_material(lib, jpeg_bytes(1), "a.jpg", "jpeg", [], date=dt.date(YEAR, 5, 1), unit_id=office)
        b = add_material(lib, jpeg_bytes(2), "b.jpg", "jpeg", [], date=dt.date(YEAR, 3, 1), unit_id=office)
        preview = plan(lib, YEAR)
        assert [(i.code, i.fixed) for i in preview.items] == [
            ("Z109-WS·2024-D30-BGS-0001", False), ("Z109-WS·2024-D30-BGS-0002", False)]
        assert [i.members[0].material_id for i in preview.items] == [b, a], "ordered by date"
        assert number(lib, YEAR) == 2
        late = add_material(lib, jpeg_bytes(3), "c.jpg", "jpeg", [], date=dt.date(YEAR, 1, 1),
                            unit_id=office)
        after = {i.members[0].material_id: (i.code, i.fixed) for i in plan(lib, YEAR).items}
        assert after[b] == ("Z109-WS·2024-D30-BGS-0001", True)
        assert after[a] == ("Z109-WS·2024-D30-BGS-0002", True)
        assert after[late] == ("Z109-WS·2024-D30-BGS-0003", False), "a late 件 is appended"
        with pytest.raises(ArrangeError, match="已固定档号"):
            set_fields(lib, YEAR, [a], retention="Y")
        with pytest.raises(ArrangeError, match="已固定档号"):
            group(lib, YEAR, [a, late])
        set_fields(lib, YEAR, [late], retention="D10", title="补充照片")
        fresh = {i.members[0].material_id: i for i in plan(lib, YEAR).items}[late]
        assert fresh.code == "Z109-WS·2024-D10-BGS-0001" and fresh.shown_title == "[补充照片]"
    finally:
        lib.close()


def test_arranging_the_year_in_two_parts_leaves_no_gap(tmp_path):
    """A clerk arranges the year part by part (the second half fixed first, say); each part's
    numbers follow those already fixed in the class, and the year ends without a gap."""
    lib = Library.create(tmp_path / "lib", sample=False)
    try:
        office, _ = _units(lib)
        save_archive_settings(lib, fonds="Z109", org_codes={"市文明办": "BGS"})
        dates = [dt.date(YEAR, 9, 1), dt.date(YEAR, 2, 1), dt.date(YEAR, 11, 5), dt.date(YEAR, 6, 30)]
        ids = [add_material(lib, jpeg_bytes(40 + k), f"p{k}.jpg", "jpeg", [], date=d, unit_id=office)
               for k, d in enumerate(dates)]
        assert len(plan(lib, YEAR).items) == 4, "the whole year previewed (and arranged) first"
        first = plan(lib, YEAR, end=dt.date(YEAR, 6, 30))
        assert [(i.members[0].material_id, i.number) for i in first.items] == [(ids[1], 1), (ids[3], 2)]
        second = plan(lib, YEAR, start=dt.date(YEAR, 7, 1))
        assert [(i.members[0].material_id, i.number) for i in second.items] == [(ids[0], 1), (ids[2], 2)]
        assert number(lib, YEAR, start=dt.date(YEAR, 7, 1), end=dt.date(YEAR, 12, 31)) == 2
        first = plan(lib, YEAR, end=dt.date(YEAR, 6, 30))
        assert [(i.members[0].material_id, i.number, i.fixed) for i in first.items] == [
            (ids[1], 3, False), (ids[3], 4, False)], "the other half follows the fixed numbers"
        assert number(lib, YEAR, end=dt.date(YEAR, 6, 30)) == 2
        whole = plan(lib, YEAR)
        assert sorted(i.number for i in whole.items) == [1, 2, 3, 4] and whole.all_fixed
        with pytest.raises(ArrangeError, match="不在 2024 年度之内"):
            plan(lib, YEAR, start=dt.date(YEAR + 1, 1, 1))
    finally:
        lib.close()
    opt = ("--library", str(tmp_path / "lib"))
    out = run_cli(*opt, "archive", "plan", "--year", "2024", "--from", "2024-07-01", "--json")
    assert [i["materials"] for i in json.loads(out.stdout)["items"]] == [[ids[0]], [ids[2]]]
    bad = run_cli(*opt, "archive", "plan", "--year", "2024", "--from", "2025-01-01")
    assert bad.returncode == 1 and "不在 2024 年度之内" in bad.stderr


def test_changed_defaults_reach_unfixed_items_but_not_hand_set_ones(tmp_path):
    lib = Library.create(tmp_path / "lib", sample=False)
    try:
        office, _ = _units(lib)
        old = save_archive_settings(lib, fonds="Z109", org_codes={"市文明办": "BGS"})
        doc = add_material(lib, jpeg_bytes(51), "d.jpg", "jpeg", [], date=dt.date(YEAR, 5, 1),
                           unit_id=office, category="正式发文")
        photo = add_material(lib, jpeg_bytes(52), "p.jpg", "jpeg", [], date=dt.date(YEAR, 5, 2),
                             unit_id=office, category="图片")
        hand = add_material(lib, jpeg_bytes(53), "h.jpg", "jpeg", [], date=dt.date(YEAR, 5, 3),
                            unit_id=office, category="正式发文")
        plan(lib, YEAR)
        set_fields(lib, YEAR, [hand], retention="D10")
        new = save_archive_settings(lib, retention_by_kind={"正式发文": "Y"},
                                    org_codes={"市文明办": "WMB"})
        assert apply_new_defaults(lib, YEAR, old, new) == 3
        got = {i.members[0].material_id: (i.retention, i.org_code) for i in plan(lib, YEAR).items}
        assert got == {doc: ("Y", "WMB"), photo: ("D30", "WMB"), hand: ("D10", "WMB")}
        assert apply_new_defaults(lib, YEAR, new, new) == 0
    finally:
        lib.close()


def test_ungroup_gives_each_material_its_own_item_again(empty_lib):
    from civdesk.archive.arrange import ungroup

    a = add_material(empty_lib, jpeg_bytes(21), "a.jpg", "jpeg", [], title="正本", date=dt.date(YEAR, 5, 1))
    b = add_material(empty_lib, jpeg_bytes(22), "b.jpg", "jpeg", [], title="附件", date=dt.date(YEAR, 5, 2))
    group(empty_lib, YEAR, [a, b])
    assert [[m.material_id for m in i.members] for i in plan(empty_lib, YEAR).items] == [[a, b]]
    assert ungroup(empty_lib, YEAR, [a]) == 1
    items = {i.members[0].material_id: i for i in plan(empty_lib, YEAR).items}
    assert set(items) == {a, b} and all(len(i.members) == 1 for i in items.values())
    assert items[b].title == "附件" and items[a].title == "正本"


def test_number_refused_without_fonds(empty_lib):
    add_material(empty_lib, jpeg_bytes(5), "a.jpg", "jpeg", [], date=dt.date(YEAR, 5, 1))
    with pytest.raises(ArrangeError, match="全宗号"):
        number(empty_lib, YEAR)


def test_code_parsing_rejects_malformed_codes():
    rule = CodeRule()
    assert parse_code(rule, "Z109-WS·2011-Y-BGS-0001").number == 1
    assert parse_code(rule, "Z109-WS·2011-D10-0012").org == ""
    for bad in ("Z109-WS2011-Y-BGS-0001", "Z109-WS·11-Y-BGS-0001", "Z109-WS·2011-D20-BGS-0001",
                "Z109-WS·2011-Y-BGS-001", "Z109-WS·2011-Y-BGS-0000", "Z109-WS·2011-Y-办公室-0001"):
        assert parse_code(rule, bad) is None, bad


# ------------------------------------------------------------------ the carrier
def test_carrier_layout_catalogue_and_xml(carrier):
    out, result = carrier
    assert result.report.ok, [i for i in result.report.items if i.status == FAIL]
    assert (out / "说明文件.TXT").is_file() and (out / "文件目录.XML").is_file()
    xml = (out / "文件目录.XML").read_bytes()
    assert xml.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    shipped = etree.XMLSchema(etree.parse(str(out / "其他" / "文件目录.xsd")))
    assert shipped.validate(etree.fromstring(xml)), shipped.error_log
    entries = etree.fromstring(xml).findall("件")
    assert [e.findtext("顺序号") for e in entries] == [str(n) for n in range(1, 7)]
    assert [c.tag for c in entries[0]] == ["顺序号", "档号", "责任者", "题名", "日期", "密级",
                                           "电子档案名称", "备注"]
    for e in entries:
        folder = out / e.findtext("电子档案名称")
        code = e.findtext("档号")
        assert folder.parent.name in ("BGS", "TSW") and folder.name == code
        meta = etree.parse(str(folder / f"{code}.xml"))
        assert schema("件元数据.xsd").validate(meta), schema("件元数据.xsd").error_log
        for f in meta.getroot().findall("计算机文件"):
            path = folder / f.findtext("计算机文件名")
            assert f.findtext("计算机文件名").startswith(code + "-")
            assert hashlib.sha256(path.read_bytes()).hexdigest() == f.findtext("摘要")
            assert int(f.findtext("大小")) == path.stat().st_size
    # the photo group: six caption elements and EXIF per photo
    group_meta = etree.parse(str(next((out / "电子档案/2024/D30/TSW").glob("*-0001/*-0001.xml"))))
    photos = group_meta.getroot().findall("计算机文件")
    assert len(photos) == 3
    assert [c.tag for c in photos[0].find("照片说明")] == ["事由", "时间", "地点", "人物", "背景", "摄影者"]
    assert photos[0].findtext("照片说明/摄影者") == "王五"
    assert group_meta.getroot().findtext("题名") == "[2024年学雷锋志愿服务活动照片]"
    canon = next(f for f in (out / "电子档案/2024/D30/TSW").rglob("*.xml")
                 if "Canon" in f.read_text(encoding="utf-8"))
    assert "<图像宽度>100</图像宽度>" in canon.read_text(encoding="utf-8")


def test_catalogue_columns_landscape_and_repeated_header(carrier):
    from docx import Document
    from openpyxl import load_workbook

    out, _ = carrier
    assert CATALOGUE_HEADERS == ("序号", "档号", "文号", "责任者", "题名", "日期", "密级", "页数", "备注")
    ws = load_workbook(out / "其他" / "归档文件目录.xlsx").active
    assert tuple(c.value for c in ws[2]) == CATALOGUE_HEADERS
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
    assert ws.print_title_rows == "$2:$2"
    rows = [tuple(c.value for c in r) for r in ws.iter_rows(min_row=3)]
    assert [r[0] for r in rows] == list(range(1, 7))
    notice = next(r for r in rows if r[1] == "Z109-WS·2024-Y-BGS-0001")
    assert notice[2:6] == ("文明办〔2024〕3号", "市文明办", "关于开展文明城市创建工作的通知", "20240220")
    doc = Document(str(out / "其他" / "归档文件目录.docx"))
    sec = doc.sections[0]
    assert sec.page_width > sec.page_height
    table = doc.tables[0]
    assert tuple(c.text for c in table.rows[0].cells) == CATALOGUE_HEADERS
    assert table.rows[0]._tr.trPr.xpath("./w:tblHeader"), "header row repeats on every page"


def test_stamp_on_page_one_of_the_pdf_copy_only(carrier, year_lib):
    lib, ids = year_lib
    out, _ = carrier
    folder = out / "电子档案/2024/Y/BGS/Z109-WS·2024-Y-BGS-0001"
    copy = folder / "Z109-WS·2024-Y-BGS-0001-001.pdf"
    with pymupdf.open(copy) as doc:
        page = doc[0]
        rect = stamp_rect(page)
        assert rect.width == pytest.approx(45 * 72 / 25.4) and rect.height == pytest.approx(16 * 72 / 25.4)
        assert abs((rect.x0 + rect.x1) / 2 - page.rect.width / 2) < 1 and rect.y0 < 20
        words = page.get_text(clip=rect).split()
        assert words == ["Z109", "2024", "0001", "BGS", "永久", "4"]
        pix = page.get_pixmap(dpi=72, clip=rect)
        red = sum(1 for k in range(0, len(pix.samples), 3)
                  if pix.samples[k] > 150 and pix.samples[k + 1] < 80 and pix.samples[k + 2] < 80)
        assert red > 100, "the stamp is drawn in red in its region"
        assert "Z109" not in doc[1].get_text(), "only page 1 is stamped"
    original = (CORPUS / "pdf" / "pdflatex-4-pages.pdf").read_bytes()
    with lib.session() as s:
        from civdesk.models import Material

        sha = s.get(Material, ids["notice"]).sha256
    assert lib.vault.path_for(sha).read_bytes() == original, "the vault original never changes"
    attachment = next((out / "电子档案/2024/D30/BGS").glob("*-0001/*-002.pdf"))
    assert "Z109" not in pymupdf.open(attachment)[0].get_text(), "attachments are not stamped"


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_stamp_reads_upright_on_a_turned_page(rotation):
    from civdesk.archive.stamp import StampFields, stamp_pdf

    fields = StampFields("Z109", "2024", "0001", "BGS", "永久", "1")

    def stamped_region(turn: int) -> Image.Image:
        doc = pymupdf.open()
        doc.new_page(width=595, height=842).set_rotation(turn)
        with pymupdf.open(stream=stamp_pdf(doc.tobytes(), fields, dt.datetime(2024, 12, 31))) as out:
            pix = out[0].get_pixmap(dpi=144, clip=stamp_rect(out[0]))
            return Image.frombytes("RGB", (pix.width, pix.height), pix.samples).convert("L")

    upright = stamped_region(0)
    turned = stamped_region(rotation).resize(upright.size)
    differ = sum(1 for a, b in zip(turned.tobytes(), upright.tobytes()) if abs(a - b) > 100)
    assert sum(1 for v in upright.tobytes() if v < 160) > 500, "the stamp is drawn"
    assert differ < upright.width * upright.height // 40, \
        "the stamp looks the same, upright, at the top of the displayed page"


def test_heic_becomes_jpeg_with_exif(carrier):
    out, _ = carrier
    converted = [p for p in (out / "电子档案").rglob("*.jpg")
                 if "HEIC 转 JPEG" in (p.parent / f"{p.parent.name}.xml").read_text(encoding="utf-8")]
    assert len(converted) == 1
    with Image.open(converted[0]) as im:
        assert im.format == "JPEG" and len(im.getexif()) > 0


def test_docx_converted_with_original_beside(carrier):
    needs_tool("soffice")
    out, result = carrier
    pdfs = list((out / "电子档案/2024/D30/BGS").glob("*/*-001.pdf"))
    docx_folder = next(p.parent for p in (out / "电子档案").rglob("*.docx"))
    names = sorted(p.name for p in docx_folder.iterdir())
    code = docx_folder.name
    assert names == [f"{code}-001.docx", f"{code}-001.pdf", f"{code}.xml"]
    with pymupdf.open(docx_folder / f"{code}-001.pdf") as doc:
        assert "工作总结" in doc[0].get_text()
        assert code.rsplit("-", 1)[1] in doc[0].get_text(clip=stamp_rect(doc[0]))
    assert not result.not_converted and pdfs


def test_docx_listed_as_not_converted_without_libreoffice(year_lib, tmp_path, monkeypatch):
    lib, _ = year_lib
    monkeypatch.setenv("CIVDESK_SOFFICE", str(tmp_path / "no-soffice"))
    result = export_archive(lib, YEAR, tmp_path / "out")
    assert len(result.not_converted) == 1 and result.not_converted[0].endswith(".docx")
    assert "未转换" in (tmp_path / "out" / "说明文件.TXT").read_text(encoding="utf-8-sig")
    assert _failed(result.report, "长期保存格式") == result.not_converted


def test_register_names_counts_volume_and_digest(carrier):
    from docx import Document

    out, result = carrier
    rows = {r.cells[0].text: r.cells[1].text for r in Document(str(out / "其他/移交登记表.docx")).tables[0].rows}
    assert rows["件数"] == "6"
    assert rows["文件数"] == str(result.files)
    assert re.fullmatch(r"\d+\.\d{3} GB（\d+ 字节）", rows["数据量"])
    manifest = (out / layout.MANIFEST).read_bytes()
    assert rows["数据包摘要"].startswith(f"SHA-256：{hashlib.sha256(manifest).hexdigest()}")
    assert "真实性通过" in rows["检验结果"]
    text = "\n".join(p.text for p in Document(str(out / "其他/移交登记表.docx")).tables[1]._cells)
    assert "填表人" in text and "审核人" in text and "移交单位" in text and "接收单位" in text


# ------------------------------------------------------------------ 四性检测
def test_check_passes_on_fresh_carrier_and_zip(carrier, tmp_path):
    out, _ = carrier
    done = run_cli("archive", "check", str(out), "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    data = json.loads(done.stdout)
    assert data["ok"] and data["entries"] == 6
    assert {i["status"] for i in data["items"]} <= {PASS, NOT_DONE}
    zipped = tmp_path / "c.zip"
    shutil.make_archive(str(tmp_path / "c"), "zip", out)
    assert check_carrier(zipped).ok


TAMPERING = ["changed byte", "removed file", "gap", "malformed code", "stray file", "encrypted pdf",
             "entry without content", "wrong count", "macro document"]


@pytest.mark.parametrize("case", TAMPERING)
def test_check_names_each_problem(carrier, tmp_path, case):
    root = _copy(carrier, tmp_path)
    xml_path = root / "文件目录.XML"
    tree = etree.parse(str(xml_path))
    entries = tree.getroot().findall("件")
    photo = next((root / "电子档案/2024/D30/TSW").rglob("*-002.jpg"))
    rel = photo.relative_to(root).as_posix()
    if case == "changed byte":
        data = bytearray(photo.read_bytes())
        data[len(data) // 2] ^= 0x01
        photo.write_bytes(bytes(data))
        report = check_carrier(root)
        assert rel in _failed(report, "文件摘要（SHA-256）与登记一致")
    elif case == "removed file":
        photo.unlink()
        report = check_carrier(root)
        assert rel in _failed(report, "校验清单所列文件齐全")
        assert rel in _failed(report, "目录条目均有内容和元数据")
    elif case == "gap":
        gone = next(e for e in entries if e.findtext("档号") == "Z109-WS·2024-D30-TSW-0001")
        shutil.rmtree(root / gone.findtext("电子档案名称"))
        gone.getparent().remove(gone)
        tree.write(str(xml_path), xml_declaration=True, encoding="UTF-8")
        report = check_carrier(root)
        assert "Z109-WS·2024-D30-TSW" in _failed(report, "件号连续无缺号")
        assert "件号缺 0001" in next(i for i in report.items if i.name == "件号连续无缺号").detail
    elif case == "malformed code":
        entries[0].find("档号").text = "Z109-WS2024-Y-BGS-1"
        tree.write(str(xml_path), xml_declaration=True, encoding="UTF-8")
        report = check_carrier(root)
        assert "Z109-WS2024-Y-BGS-1" in _failed(report, "档号格式正确")
    elif case == "stray file":
        (root / "电子档案/2024/Y/BGS/Z109-WS·2024-Y-BGS-0001/多余.txt").write_text("x")
        report = check_carrier(root)
        assert _failed(report, "无多余文件") == ("电子档案/2024/Y/BGS/Z109-WS·2024-Y-BGS-0001/多余.txt",)
    elif case == "encrypted pdf":
        target = root / "电子档案/2024/Y/BGS/Z109-WS·2024-Y-BGS-0001/Z109-WS·2024-Y-BGS-0001-001.pdf"
        shutil.copyfile(CORPUS / "pdf" / "libreoffice-writer-password.pdf", target)
        report = check_carrier(root)
        assert target.relative_to(root).as_posix() in _failed(report, "无加密、无口令")
    elif case == "entry without content":
        folder = root / entries[1].findtext("电子档案名称")
        for p in folder.iterdir():
            if p.suffix != ".xml":
                p.unlink()
        report = check_carrier(root)
        assert entries[1].findtext("档号") in _failed(report, "目录条目均有内容和元数据")
    elif case == "wrong count":
        note = root / "说明文件.TXT"
        note.write_bytes(note.read_bytes().replace("件数：6".encode(), "件数：7".encode()))
        report = check_carrier(root)
        assert "说明文件.TXT" in _failed(report, "数量与说明文件、移交登记表一致")
    elif case == "macro document":
        macro = root / "电子档案/2024/Y/BGS/Z109-WS·2024-Y-BGS-0001/宏.docm"
        with zipfile.ZipFile(macro, "w") as zf:
            zf.writestr("word/vbaProject.bin", b"\0" * 16)
        report = check_carrier(root)
        assert macro.relative_to(root).as_posix() in _failed(report, "无可执行文件或宏")
    assert not report.ok
    done = run_cli("archive", "check", str(root))
    assert done.returncode == 1 and "不通过" in done.stdout


def test_virus_scan_with_a_custom_signature_database(carrier, tmp_path, monkeypatch):
    needs_tool("clamscan")
    out, _ = carrier
    photo = next((out / "电子档案").rglob("*-003.jpg"))
    data = photo.read_bytes()
    db = tmp_path / "test.hdb"
    db.write_text(f"{hashlib.md5(data).hexdigest()}:{len(data)}:CivDesk.Test.Signature\n")
    report = check_carrier(out, clamav_db=str(db))
    virus = next(i for i in report.items if i.name.startswith("病毒检测"))
    assert virus.status == FAIL and virus.files == (photo.relative_to(out).as_posix(),)
    assert "CivDesk.Test.Signature" in virus.detail
    other = tmp_path / "other.hdb"
    other.write_text(f"{'0' * 32}:5:CivDesk.Other\n")
    monkeypatch.setenv("CIVDESK_CLAMAV_DB", str(other))
    assert next(i for i in check_carrier(out).items if i.name.startswith("病毒检测")).status == PASS


def test_virus_scan_not_done_is_said_plainly(carrier, tmp_path, monkeypatch):
    out, _ = carrier
    monkeypatch.setenv("CIVDESK_CLAMSCAN", str(tmp_path / "none"))
    virus = next(i for i in check_carrier(out).items if i.name.startswith("病毒检测"))
    assert virus.status == NOT_DONE and "未检测" in virus.detail


def test_check_report_docx(carrier, tmp_path):
    from docx import Document

    root = _copy(carrier, tmp_path)
    report_path = tmp_path / "报告.docx"
    done = run_cli("archive", "check", str(root), "--format", "docx", "--report", str(report_path))
    assert done.returncode == 0, done.stdout + done.stderr
    rows = Document(str(report_path)).tables[0].rows
    assert [c.text for c in rows[0].cells] == ["检测项目", "检测内容", "结果", "说明及涉及文件"]
    assert {r.cells[0].text for r in rows[1:]} == {"真实性", "完整性", "可用性", "安全性"}


# ------------------------------------------------------- determinism, atomicity
def test_two_exports_are_identical(year_lib, tmp_path):
    lib, _ = year_lib
    a = export_archive(lib, YEAR, tmp_path / "a.zip", as_zip=True).path
    b = export_archive(lib, YEAR, tmp_path / "b.zip", as_zip=True).path
    assert a.read_bytes() == b.read_bytes()
    assert not list(tmp_path.glob(".*")), "no temporary left beside the carrier"
    with zipfile.ZipFile(a) as zf:
        assert "文件目录.XML" in zf.namelist()


def test_cancelled_export_leaves_nothing(year_lib, tmp_path):
    from civdesk.progress import Cancelled, NullProgress

    lib, _ = year_lib

    class CancelLater(NullProgress):
        def update(self, done, total, message=""):  # noqa: ANN001
            super().update(done, total, message)
            if done >= 2:
                self.cancel()

    with pytest.raises(Cancelled):
        export_archive(lib, YEAR, tmp_path / "out", as_zip=True, progress=CancelLater())
    assert list(tmp_path.iterdir()) == []


def test_killing_the_export_leaves_nothing_under_the_final_name(year_lib, tmp_path):
    lib, _ = year_lib
    library = lib.path
    copy = tmp_path / "lib"
    shutil.copytree(library, copy, ignore=shutil.ignore_patterns("library.lock"))
    out = tmp_path / "移交.zip"
    scratch = tmp_path / "scratch"  # the killed process cannot remove its temporary folders
    scratch.mkdir()
    env = dict(os.environ, PYTHONPATH=str(ROOT), TMPDIR=str(scratch))
    proc = subprocess.Popen([sys.executable, "-m", "civdesk", "--library", str(copy), "archive", "export",
                             "--year", str(YEAR), "--out", str(out), "--zip"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not list(tmp_path.glob(".移交*")):
            time.sleep(0.01)
        assert list(tmp_path.glob(".移交*")), "the export started writing its temporary"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert not out.exists() and not (tmp_path / "移交").exists()
    assert not alive(proc.pid)
    done = run_cli("--library", str(copy), "archive", "export", "--year", str(YEAR), "--out", str(out),
                   "--zip", timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert out.is_file() and not list(tmp_path.glob(".移交*")), "the next export cleans up"


def test_cli_plan_set_group_number(tmp_path):
    lib = Library.create(tmp_path / "lib", sample=False)
    try:
        office, _ = _units(lib)
        a = add_material(lib, jpeg_bytes(11), "a.jpg", "jpeg", [], date=dt.date(YEAR, 5, 1), unit_id=office)
        b = add_material(lib, jpeg_bytes(12), "b.jpg", "jpeg", [], date=dt.date(YEAR, 5, 2), unit_id=office)
        c = add_material(lib, jpeg_bytes(13), "c.jpg", "jpeg", [], date=dt.date(YEAR, 5, 3), unit_id=office)
    finally:
        lib.close()
    opt = ("--library", str(tmp_path / "lib"))
    assert run_cli(*opt, "archive", "settings", "--fonds", "Z109", "--org-code", "市文明办", "BGS").returncode == 0
    assert run_cli(*opt, "archive", "group", "--year", "2024", str(a), str(b), "--title", "一组照片").returncode == 0
    assert run_cli(*opt, "archive", "set", "--year", "2024", "--retention", "Y", "--material", str(c)).returncode == 0
    data = json.loads(run_cli(*opt, "archive", "plan", "--year", "2024", "--json").stdout)
    assert [(i["code"], i["fixed"], i["materials"]) for i in data["items"]] == [
        ("Z109-WS·2024-Y-BGS-0001", False, [c]), ("Z109-WS·2024-D30-BGS-0001", False, [a, b])]
    assert run_cli(*opt, "archive", "number", "--year", "2024").returncode == 0
    data = json.loads(run_cli(*opt, "archive", "plan", "--year", "2024", "--json").stdout)
    assert all(i["fixed"] for i in data["items"]) and data["items"][1]["title"] == "[一组照片]"
    refused = run_cli(*opt, "archive", "set", "--year", "2024", "--retention", "D10", "--material", str(a))
    assert refused.returncode == 1 and "已固定档号" in refused.stderr
