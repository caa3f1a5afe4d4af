"""civdesk.extract on Office, OFD and text documents made in the test, and
the date and 文号 parsers."""
from __future__ import annotations

import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest

from civdesk.extract import date_from_name, date_from_text, extract
from civdesk.extract.metadata import find_doc_number

BODY = "为深入推进全国文明城市创建工作，现将有关事项通知如下。"


def _docx(path: Path) -> Path:
    import docx

    document = docx.Document()
    document.add_paragraph("某市文明办〔2024〕12号")
    document.add_paragraph("关于开展志愿服务活动的通知")
    document.add_paragraph(BODY)
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "责任单位"
    table.cell(0, 1).text = "完成时限"
    table.cell(1, 0).text = "团市委"
    table.cell(1, 1).text = "6月底"
    document.add_paragraph("某市文明办")
    document.add_paragraph("二〇二四年三月十五日")
    props = document.core_properties
    props.title = "志愿服务通知"
    props.author = "张三"
    props.created = datetime(2024, 3, 14, 9, 0, 0)
    document.save(path)
    return path


def test_docx_text_tables_and_properties(tmp_path: Path) -> None:
    result = extract(_docx(tmp_path / "通知.docx"), "通知.docx", tmp_path / "t.jpg")
    assert (result.kind, result.text_status, result.mislabelled) == ("docx", "ok", False)
    text = result.text_pages[0]
    assert len(result.text_pages) == 1
    assert BODY in text and "责任单位\t完成时限" in text and "团市委\t6月底" in text
    assert (result.title, result.author) == ("志愿服务通知", "张三")
    assert result.doc_number == "某市文明办〔2024〕12号"
    # the 落款 under the text beats the file's creation date (often a template's)
    assert (result.date, result.date_source) == (date(2024, 3, 15), "text")
    assert result.thumbnail and (tmp_path / "t.jpg").exists()


def test_docx_without_metadata_date_falls_back_to_name_then_text(tmp_path: Path) -> None:
    import docx

    path = tmp_path / "a.docx"
    document = docx.Document()
    document.add_paragraph("活动于2023年5月4日举行。")
    document.add_paragraph("2023年5月6日")
    document.save(path)
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp_path / "b.docx", "w") as dst:
        for item in src.infolist():
            if item.filename != "docProps/core.xml":
                dst.writestr(item, src.read(item.filename))
    plain = tmp_path / "b.docx"
    # the 落款 is the document's own date: it wins over a date in the file name
    assert extract(plain, "总结 2023.6.1.docx").date == date(2023, 5, 6)
    result = extract(plain, "总结.docx")
    assert (result.date, result.date_source) == (date(2023, 5, 6), "text")


def test_xlsx_sheets_and_cells(tmp_path: Path) -> None:
    import openpyxl

    path = tmp_path / "台账.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "志愿者"
    ws.append(["姓名", "服务时长", "日期"])
    ws.append(["李四", 12, datetime(2024, 3, 15)])
    wb.create_sheet("汇总").append(["合计", 12.0])
    wb.properties.creator = "王五"
    wb.properties.created = datetime(2024, 3, 16, 8, 0)
    wb.save(path)
    result = extract(path, path.name, tmp_path / "t.jpg")
    assert (result.kind, result.text_status) == ("xlsx", "ok")
    assert result.extra["sheets"] == ["志愿者", "汇总"]
    text = result.text_pages[0]
    assert "李四\t12\t2024-03-15" in text and "【汇总】" in text and "合计\t12" in text
    assert result.author == "王五" and result.date == date(2024, 3, 16)
    assert result.thumbnail


def test_pptx_text_per_slide(tmp_path: Path) -> None:
    slide = ('<p:sld xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" '
             'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><p:cSld><p:spTree><p:sp>'
             '<p:txBody><a:p><a:r><a:t>{}</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:sld>')
    path = tmp_path / "汇报.pptx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("ppt/presentation.xml", "<p/>")
        zf.writestr("ppt/slides/slide2.xml", slide.format("第二页"))
        zf.writestr("ppt/slides/slide10.xml", slide.format("第十页"))
        zf.writestr("ppt/slides/slide1.xml", slide.format("第一页"))
    result = extract(path, path.name)
    assert result.kind == "pptx" and result.pages == 3
    assert result.text_pages == ("第一页", "第二页", "第十页")


def _ofd(path: Path) -> Path:
    ns = 'xmlns:ofd="http://www.ofdspec.org/2016"'
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("OFD.xml", f'<ofd:OFD {ns} Version="1.0"><ofd:DocBody><ofd:DocInfo>'
                    '<ofd:Title>文明创建工作方案</ofd:Title><ofd:Author>市文明办</ofd:Author>'
                    '<ofd:CreationDate>2024-03-15</ofd:CreationDate></ofd:DocInfo>'
                    '<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>')
        zf.writestr("Doc_0/Document.xml", f'<ofd:Document {ns}><ofd:Pages>'
                    '<ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/>'
                    '<ofd:Page ID="2" BaseLoc="/Doc_0/Pages/Page_1/Content.xml"/></ofd:Pages></ofd:Document>')
        for i, words in enumerate(["市文明办〔2024〕3号", "第二页内容"]):
            zf.writestr(f"Doc_0/Pages/Page_{i}/Content.xml",
                        f'<ofd:Page {ns}><ofd:Content><ofd:Layer><ofd:TextObject ID="9">'
                        f'<ofd:TextCode X="0" Y="10">{words}</ofd:TextCode></ofd:TextObject>'
                        '</ofd:Layer></ofd:Content></ofd:Page>')
    return path


def test_ofd_info_and_text(tmp_path: Path) -> None:
    result = extract(_ofd(tmp_path / "方案.ofd"), "方案.ofd", tmp_path / "t.jpg")
    assert (result.kind, result.pages, result.text_status) == ("ofd", 2, "ok")
    assert result.title == "文明创建工作方案" and result.author == "市文明办"
    assert result.text_pages == ("市文明办〔2024〕3号", "第二页内容")
    assert result.doc_number == "市文明办〔2024〕3号"
    assert (result.date, result.date_source) == (date(2024, 3, 15), "metadata")
    assert result.thumbnail


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8", "utf-8-sig", "utf-16"])
def test_txt_encodings(encoding: str, tmp_path: Path) -> None:
    text = f"{BODY}\n落款日期：\n2024年3月15日\n"
    path = tmp_path / "说明.txt"
    path.write_bytes(text.encode(encoding))
    result = extract(path, path.name)
    assert (result.kind, result.text_status) == ("txt", "ok")
    assert result.text_pages == (text,)
    assert (result.date, result.date_source) == (date(2024, 3, 15), "text")


def test_gb18030_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes("文明城市测评体系".encode("gb18030"))
    assert extract(path, path.name).extra["encoding"] == "gb18030"


@pytest.mark.parametrize("name, expected", [
    ("IMG_20240315_103000.jpg", date(2024, 3, 15)),
    ("20240315.jpg", date(2024, 3, 15)),
    ("2024-03-15 志愿服务.jpg", date(2024, 3, 15)),
    ("活动2024.3.15.docx", date(2024, 3, 15)),
    ("2024年3月15日会议.pdf", date(2024, 3, 15)),
    ("会议_2024_03_15.pdf", date(2024, 3, 15)),
    ("２０２４年３月１５日.pdf", date(2024, 3, 15)),
    ("二〇二四年三月十五日通知.pdf", date(2024, 3, 15)),
    ("mmexport1710480000000.jpg", date(2024, 3, 15)),
    ("DSC01234.jpg", None),
    ("20241301.jpg", None),  # month 13
    ("20230229.jpg", None),  # not a leap year
    ("18990101.jpg", None),  # before 1990
    ("2024-03.15.jpg", None),  # mixed separators
    ("120240315.jpg", None),  # part of a longer number
])
def test_date_from_name(name: str, expected: date | None) -> None:
    assert date_from_name(name) == expected


@pytest.mark.parametrize("text, expected", [
    ("本次活动于2024年3月5日举行。", date(2024, 3, 5)),
    ("根据2021年5月3日文件精神。\n\n某市文明办\n二〇二四年三月十五日\n", date(2024, 3, 15)),
    ("根据2021年5月3日文件精神。\n某市文明办\n2024年4月1日\n", date(2024, 4, 1)),
    ("时间：二零二三年十二月三十一日", date(2023, 12, 31)),
    ("电话 20240315，没有日期", None),
    ("2024年2月30日", None),
    ("", None),
])
def test_date_from_text(text: str, expected: date | None) -> None:
    assert date_from_text(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("某市文明办〔2024〕12号\n关于……的通知", "某市文明办〔2024〕12号"),
    ("市文明委 [2023] 5 号　签发人：张三\n", "市文明委〔2023〕5号"),
    ("根据《通知》（中文明办〔2021〕3号）要求，我局开展活动。", None),
    ("普通的工作总结，没有文号。", None),
])
def test_find_doc_number(text: str, expected: str | None) -> None:
    assert find_doc_number(text) == expected


def test_date_priority_signed_then_name_then_metadata_then_any_text(tmp_path: Path) -> None:
    import docx

    def make(name: str, paragraphs: list[str]) -> Path:
        document = docx.Document()  # python-docx's template says it was created in 2013
        for p in paragraphs:
            document.add_paragraph(p)
        document.core_properties.created = datetime(2021, 1, 2, 8, 0, 0)
        path = tmp_path / name
        document.save(path)
        return path

    signed = make("a.docx", ["活动于2023年5月4日举行。", "2023年5月6日"])
    assert (extract(signed, "2024.1.1 总结.docx").date, extract(signed, "x.docx").date_source) == \
        (date(2023, 5, 6), "text")
    filler = [f"第{i}项工作按计划推进。" for i in range(6)]
    unsigned = make("b.docx", [*filler, "活动于2023年5月4日举行。", *filler])  # not in the edge lines
    assert (extract(unsigned, "2024.1.1 总结.docx").date_source,
            extract(unsigned, "2024.1.1 总结.docx").date) == ("filename", date(2024, 1, 1))
    assert (extract(unsigned, "总结.docx").date, extract(unsigned, "总结.docx").date_source) == \
        (date(2021, 1, 2), "metadata")
