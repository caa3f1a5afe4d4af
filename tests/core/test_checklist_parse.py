"""The checklist parser: both checklist fixtures, the built-in sample, and variant tables.

Variant tables are built here from the content of the Excel fixture
(read directly with openpyxl, not through the parser), written in other
shapes: other numbering, merges, title rows, two-row headers, shuffled and
extra columns, other code schemes.  Each must parse to the fixture's tree.
"""
from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path

import docx
import openpyxl
import pytest

from civdesk.checklist import (
    ChecklistFormatError,
    ParsedChecklist,
    format_preview,
    normalise_code,
    parse_checklist,
    parse_deadline,
    parse_methods,
    parse_requirements,
    split_code,
    split_unit_roles,
    split_units,
)
from civdesk.checklist.diff import comparable_text
from civdesk.checklist.numbering import split_numbered

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
CHECKLISTS = FIXTURES / "checklists"
DOCX = CHECKLISTS / "测评体系示例.docx"
XLSX = CHECKLISTS / "网上申报任务分解表示例.xlsx"
SAMPLE = ROOT / "civdesk" / "resources" / "checklists" / "sample.xlsx"
EXPECTED_COUNTS = {"level1": 3, "level2": 7, "level3": 13, "standards": 23}


# ------------------------------------------------------------------ helpers
def fixture_rows() -> list[dict[str, object]]:
    """The Excel fixture's rows as dicts keyed by header (read without the parser)."""
    ws = openpyxl.load_workbook(XLSX).active
    values = list(ws.iter_rows(values_only=True))
    return [dict(zip(values[0], row)) for row in values[1:]]


def items(rows: list[dict[str, object]]) -> list[tuple[str, str, str, list[dict[str, object]]]]:
    """Rows grouped by 测评内容: (测评项目, 指标名称, 测评内容, rows)."""
    groups: dict[str, tuple[str, str, str, list[dict[str, object]]]] = {}
    for row in rows:
        key = str(row["测评内容"])
        groups.setdefault(key, (str(row["测评项目"]), str(row["指标名称"]), key, []))[3].append(row)
    return list(groups.values())


def shape(parsed: ParsedChecklist, with_codes: bool = True) -> list[tuple[object, ...]]:
    """Levels, numbers, comparable texts and methods of every standard."""
    result = []
    for root in parsed.roots:
        for l2 in root.children:
            for l3 in l2.children:
                for std in l3.standards:
                    codes = (root.code, l2.code, l3.code) if with_codes else ()
                    result.append((*codes, root.title, l2.title, l3.title, std.number,
                                   comparable_text(std.text), std.methods))
    return result


def strip_code(text: str) -> str:
    return split_code(text)[1]


def write_xlsx(path: Path, rows: list[list[object]], merges: tuple[str, ...] = ()) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "任务分解"
    for row in rows:
        ws.append(row)
    for rng in merges:
        ws.merge_cells(rng)
    wb.save(path)
    return path


def write_docx(path: Path, rows: list[list[str]], merges: tuple[tuple[int, int, int, int], ...] = (),
               paragraphs: tuple[str, ...] = ()) -> Path:
    """A Word document with one table; ``merges`` are (row1, col1, row2, col2), 0-based."""
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    table = document.add_table(rows=len(rows), cols=max(len(r) for r in rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value:
                table.cell(r, c).text = value
    for r1, c1, r2, c2 in merges:
        table.cell(r1, c1).merge(table.cell(r2, c2))
    document.save(str(path))
    return path


@pytest.fixture(scope="module")
def reference() -> ParsedChecklist:
    return parse_checklist(XLSX)


# ----------------------------------------------------------------- fixtures
def test_docx_fixture_structure_and_methods() -> None:
    parsed = parse_checklist(DOCX)
    assert parsed.counts() == EXPECTED_COUNTS
    assert parsed.title == "全国文明城市测评体系（示例·地级以上城市）"
    assert parsed.problems == ()
    assert [r.code for r in parsed.roots] == ["Ⅰ-1", "Ⅰ-2", "Ⅰ-3"]
    item = parsed.find("Ⅲ-2")
    assert item is not None and item.title == "面向基层开展理论宣讲"
    assert [s.methods for s in item.standards] == [("材料审核",), ("材料审核", "问卷调查")]
    assert item.standards[1].text == "宣讲活动覆盖社区、村、学校和企业。"
    assert [s.methods for s in parsed.find("Ⅲ-4").standards] == [("实地考察",), ("材料审核",)]
    assert parsed.find("Ⅲ-8").standards[0].methods == ("实地考察", "材料审核")
    # one method for the whole item applies to each standard
    assert [s.methods for s in parsed.find("Ⅲ-1").standards] == [("材料审核",), ("材料审核",)]
    assert not parsed.find("Ⅲ-12").standards[0].needs_materials
    assert parsed.find("Ⅲ-12").standards[1].needs_materials
    assert parsed.units() == []
    assert parsed.find("Ⅲ-1").standards[0].row == 2


def test_xlsx_fixture_units_deadlines_requirements() -> None:
    parsed = parse_checklist(XLSX)
    assert parsed.counts() == EXPECTED_COUNTS
    assert parsed.problems == ()
    first = parsed.find("Ⅲ-1").standards[0]
    assert first.row == 2
    # one 责任单位 column without marks: the first unit leads, the others co-operate
    assert first.lead_units == ("市委宣传部",) and first.units == ("市委组织部",)
    assert first.deadline == dt.date(2024, 3, 31)
    assert first.requirements.text == "正式发文；学习记录；图片≥2"
    assert [(r.kind, r.min_count) for r in first.requirements.rules] == [
        ("正式发文", 1), ("台账", 1), ("图片", 2)]
    assert first.requirements.unparsed == ""
    site = parsed.find("Ⅲ-4").standards[0]
    assert site.methods == ("实地考察",) and site.deadline is None and not site.requirements.rules
    assert "市公安局交警支队" in parsed.units() and "团市委" in parsed.units()
    assert len(parsed.units()) == 19


def test_both_fixtures_give_the_same_tree() -> None:
    assert shape(parse_checklist(DOCX)) == shape(parse_checklist(XLSX))


def test_builtin_sample_parses_to_a_full_tree(reference: ParsedChecklist) -> None:
    parsed = parse_checklist(SAMPLE)
    assert parsed.counts() == EXPECTED_COUNTS
    assert parsed.problems == ()
    assert parsed.title.startswith("全国文明城市")
    assert shape(parsed) == shape(reference)
    first = parsed.find("Ⅲ-1").standards[0]
    assert first.lead_units == ("市委宣传部",) and first.units == ("市委组织部",)
    assert first.deadline == dt.date(2024, 3, 31)
    assert parsed.unit_roles()["市文明办"] == frozenset({"lead"})
    assert all(s.requirements.rules for _, s in parsed.all_standards() if s.needs_materials)
    assert all(s.deadline for _, s in parsed.all_standards() if s.needs_materials)


def test_sample_builder_is_deterministic(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("make_sample", ROOT / "scripts" / "make_sample_checklist.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_sample"] = module
    spec.loader.exec_module(module)
    a = module.build(tmp_path / "a.xlsx").read_bytes()
    b = module.build(tmp_path / "b.xlsx").read_bytes()
    assert a == b
    assert parse_checklist(tmp_path / "a.xlsx").counts() == EXPECTED_COUNTS


# ------------------------------------------------------------ docx variants
def _docx_rows(number_style: str, code_style: str) -> list[list[str]]:
    marks = {"circled": lambda n: "①②③"[n - 1], "paren": lambda n: f"({n})",
             "dot": lambda n: f"{n}.", "close": lambda n: f"{n})"}[number_style]
    rows = []
    for l1, l2, l3, group in items(fixture_rows()):
        texts = [str(r["测评标准"]) for r in group]
        methods = [str(r["测评方法"]) for r in group]
        cell = "\n".join(f"{marks(i)}{t}。" for i, t in enumerate(texts, 1))
        method = methods[0] if len(set(methods)) == 1 else " ".join(
            f"{marks(i)}{m}" for i, m in enumerate(methods, 1))
        if code_style == "fullwidth":
            l1, l2, l3 = (x.replace("-", "－") for x in (l1, l2, l3))
        elif code_style == "none":
            l1, l2, l3 = (strip_code(x) for x in (l1, l2, l3))
        rows.append([l1, l2, l3, cell, method])
    return rows


@pytest.mark.parametrize("number_style, code_style", [
    ("circled", "fullwidth"), ("paren", "none"), ("dot", "national"), ("close", "national"),
])
def test_docx_numbering_merges_and_title_row(tmp_path: Path, reference: ParsedChecklist,
                                             number_style: str, code_style: str) -> None:
    body = _docx_rows(number_style, code_style)
    rows = [["某市全国文明城市测评体系（修订稿）"] + [""] * 4,
            ["测评项目", "指标名称", "测评内容", "测评标准", "测评方法"]]
    merges = [(0, 0, 0, 4)]
    # merge equal 测评项目 / 指标名称 cells down the rows (real Word vMerge)
    for col in (0, 1):
        start = 0
        for i in range(1, len(body) + 1):
            if i == len(body) or body[i][col] != body[start][col]:
                if i - 1 > start:
                    for k in range(start + 1, i):
                        body[k][col] = ""
                    merges.append((start + 2, col, i - 1 + 2, col))
                start = i
    path = write_docx(tmp_path / "variant.docx", rows + body, tuple(merges))
    parsed = parse_checklist(path)
    assert parsed.problems == ()
    assert parsed.counts() == EXPECTED_COUNTS
    assert parsed.title == "某市全国文明城市测评体系（修订稿）"
    assert shape(parsed) == shape(reference)
    if code_style == "fullwidth":
        assert parsed.find("Ⅲ-5").source_code == "Ⅲ-5"
    if code_style == "none":
        assert parsed.find("Ⅲ-5").source_code == ""


def test_docx_one_row_per_standard_with_merged_item_and_method(tmp_path: Path) -> None:
    rows = [["测评项目", "指标名称", "测评内容", "测评标准", "测评方法", "责任单位"],
            ["Ⅰ-1 重点工作", "Ⅱ-1 理论学习", "Ⅲ-1 学习制度", "1）制定学习计划。", "材料审核", "市委宣传部"],
            ["", "", "", "2）开展专题研讨。", "", "市委组织部（牵头）、市直机关工委"],
            ["", "", "Ⅲ-2 理论宣讲", "组建宣讲队伍。", "1）材料审核", ""],
            ["", "", "", "宣讲覆盖社区。", "2）实地考察", ""]]
    merges = ((1, 0, 4, 0), (1, 1, 4, 1), (1, 2, 2, 2), (1, 4, 2, 4), (3, 2, 4, 2))
    parsed = parse_checklist(write_docx(tmp_path / "v.docx", rows, merges, ("测评体系（试行）",)))
    assert parsed.title == "测评体系（试行）"
    assert parsed.counts() == {"level1": 1, "level2": 1, "level3": 2, "standards": 4}
    s1, s2 = parsed.find("Ⅲ-1").standards
    assert (s1.number, s1.methods, s1.lead_units, s1.units) == (1, ("材料审核",), ("市委宣传部",), ())
    assert (s2.number, s2.methods) == (2, ("材料审核",))      # method merged down
    assert s2.lead_units == ("市委组织部",) and s2.units == ("市直机关工委",)
    t1, t2 = parsed.find("Ⅲ-2").standards
    assert (t1.number, t1.text, t1.methods) == (1, "组建宣讲队伍。", ("材料审核",))
    assert (t2.number, t2.methods) == (2, ("实地考察",))
    assert t2.row == 5


# ------------------------------------------------------------ xlsx variants
def test_xlsx_title_rows_two_row_header_shuffled_extra_columns(tmp_path: Path,
                                                               reference: ParsedChecklist) -> None:
    top = ["序号", "测评标准", "测评体系", "", "", "材料要求", "任务分工", "", "完成时限", "分值", "测评方法", "备注"]
    sub = ["", "", "一级指标", "二级指标", "三级指标", "", "牵头单位", "配合单位", "", "", "", ""]
    data = []
    l1n = l2n = l3n = 0
    seen: dict[str, str] = {}
    for i, row in enumerate(fixture_rows(), 1):
        for key, level in (("测评项目", 1), ("指标名称", 2), ("测评内容", 3)):
            text = str(row[key])
            if text not in seen:
                if level == 1:
                    l1n, l2n, l3n = l1n + 1, 0, 0
                    seen[text] = f"{'一二三'[l1n - 1]}、{strip_code(text)}"
                elif level == 2:
                    l2n, l3n = l2n + 1, 0
                    seen[text] = f"{l1n}.{l2n} {strip_code(text)}"
                else:
                    l3n += 1
                    seen[text] = f"{l1n}.{l2n}.{l3n} {strip_code(text)}"
        units = str(row["责任单位"]).split("、")
        deadline = row["完成时限"]
        data.append([i, str(row["测评标准"]), seen[str(row["测评项目"])], seen[str(row["指标名称"])],
                     seen[str(row["测评内容"])], row["材料要求"], units[0], "，".join(units[1:]),
                     dt.datetime.fromisoformat(deadline) if deadline else None, 2, row["测评方法"], ""])
    rows = [["XX市2024年网上申报任务分解表"], ["填报单位：市文明办    日期：2024年1月"], top, sub] + data
    merges = ("A1:L1", "A2:L2", "C3:E3", "G3:H3", "A3:A4", "B3:B4", "F3:F4", "I3:I4", "J3:J4",
              "K3:K4", "L3:L4")
    parsed = parse_checklist(write_xlsx(tmp_path / "v.xlsx", rows, merges))
    assert parsed.problems == ()
    assert parsed.title == "XX市2024年网上申报任务分解表"
    assert shape(parsed, with_codes=False) == shape(reference, with_codes=False)
    assert shape(parsed) == shape(reference)                   # codes generated Ⅰ-n/Ⅱ-n/Ⅲ-n
    item = parsed.find("Ⅲ-13")
    assert item is not None and item.source_code == "3.2.2"
    assert parsed.find("Ⅰ-2").source_code == "二"
    first = parsed.find("Ⅲ-1").standards[0]
    assert first.row == 5 and first.points == 2.0
    assert first.lead_units == ("市委宣传部",) and first.units == ("市委组织部",)
    assert first.deadline == dt.date(2024, 3, 31)
    assert parsed.find("Ⅲ-2").standards[1].methods == ("材料审核", "问卷调查")


def test_xlsx_blank_cells_inherit_and_numbers_from_column(tmp_path: Path) -> None:
    rows = [["测评内容", "测评项目", "标准序号", "测评标准", "责任单位", "完成时限", "分值"],
            ["三－1 学习制度", "一、重点工作", 1, "制定学习计划", "牵头：市委宣传部；配合：市委组织部、市委党校",
             "2024年4月", "3分"],
            [None, None, 2, "开展专题研讨", "市委组织部/市委党校", "2024/3/31", "abc"],
            ["三－2 理论宣讲", None, None, "组建宣讲队伍", "市社科联\n市委宣传部", "长期坚持", None],
            [None, None, None, None, None, None, None],
            ["注：本表由市文明办负责解释"] * 7]
    parsed = parse_checklist(write_xlsx(tmp_path / "v.xlsx", rows, ("A6:G6",)))
    assert parsed.counts() == {"level1": 1, "level2": 0, "level3": 2, "standards": 3}
    root = parsed.roots[0]
    assert (root.code, root.title, root.level) == ("Ⅰ-1", "重点工作", 1)
    assert [c.code for c in root.children] == ["Ⅲ-1", "Ⅲ-2"]
    assert root.children[0].source_code == "三-1"
    s1, s2 = root.children[0].standards
    assert s1.lead_units == ("市委宣传部",) and s1.units == ("市委组织部", "市委党校")
    assert s1.deadline == dt.date(2024, 4, 30) and s1.points == 3.0
    assert s2.deadline == dt.date(2024, 3, 31) and s2.points is None
    t1 = root.children[1].standards[0]
    assert t1.number == 1 and t1.lead_units == ("市社科联",) and t1.units == ("市委宣传部",)
    assert t1.deadline is None and t1.deadline_text == "长期坚持" and "长期坚持" in t1.note
    assert t1.methods == () and t1.needs_materials
    messages = {(p.row, p.message[:6]) for p in parsed.problems}
    assert (3, "分值“abc") in messages
    assert any(p.row == 6 and "注：本表" in p.message for p in parsed.problems)
    assert not parsed.errors


def test_xlsx_several_standards_in_one_cell_with_numbered_columns(tmp_path: Path) -> None:
    rows = [["测评项目", "指标名称", "测评内容", "测评标准", "测评方法", "申报要求", "责任单位"],
            ["Ⅰ-1 重点工作", "Ⅱ-1 理论学习", "Ⅲ-1 学习制度",
             "(1)制定学习计划；(2)开展专题研讨；(3)形成学习记录", "(1)材料审核 (2)材料审核、问卷调查",
             "(1)正式发文 (2)活动图片不少于3张 (3)学习记录", "市委宣传部"]]
    parsed = parse_checklist(write_xlsx(tmp_path / "v.xlsx", rows))
    stds = parsed.find("Ⅲ-1").standards
    assert [s.text for s in stds] == ["制定学习计划", "开展专题研讨", "形成学习记录"]
    assert [s.methods for s in stds] == [("材料审核",), ("材料审核", "问卷调查"), ()]
    assert [[str(r) for r in s.requirements.rules] for s in stds] == [["正式发文"], ["图片≥3"], ["台账"]]
    assert any("第3条" in p.message and p.column.startswith("E列") for p in parsed.problems)
    assert all(s.lead_units == ("市委宣传部",) and s.units == () for s in stds)   # a sole unit leads


def test_mixed_national_codes_are_renumbered(tmp_path: Path) -> None:
    rows = [["测评项目", "测评内容", "测评标准"],
            ["Ⅰ-1 甲", "Ⅲ-1 内容一", "标准一"],
            ["Ⅰ-1 甲", "内容二（无编号）", "标准二"],
            ["Ⅰ-2 乙", "Ⅲ-1 内容三", "标准三"]]
    parsed = parse_checklist(write_xlsx(tmp_path / "v.xlsx", rows))
    assert [n.code for n in parsed.nodes()] == ["Ⅰ-1", "Ⅲ-1", "Ⅲ-2", "Ⅰ-2", "Ⅲ-3"]
    assert [n.source_code for n in parsed.nodes() if n.level == 3] == ["Ⅲ-1", "", "Ⅲ-1"]
    assert any("重新编号" in p.message for p in parsed.problems)


# ------------------------------------------------------------------ errors
def test_row_without_item_is_an_error_naming_row_and_column(tmp_path: Path) -> None:
    rows = [["测评项目", "指标名称", "测评内容", "测评标准"],
            ["Ⅰ-1 甲", "Ⅱ-1 乙", None, "没有测评内容的标准"],
            ["Ⅰ-1 甲", "Ⅱ-1 乙", "Ⅲ-1 丙", "正常的标准"]]
    path = write_xlsx(tmp_path / "v.xlsx", rows)
    parsed = parse_checklist(path)
    assert parsed.counts()["standards"] == 1
    (error,) = parsed.errors
    assert error.row == 2 and error.column == "C列（测评内容）"
    assert "第2行" in str(error) and "C列（测评内容）" in str(error)
    assert "第2行" in format_preview(parsed) and "【错误】" in format_preview(parsed)
    with pytest.raises(ChecklistFormatError) as info:
        parse_checklist(path, strict=True)
    assert info.value.row == 2 and info.value.column == "C列（测评内容）"


@pytest.mark.parametrize("rows, words", [
    ([["序号", "测评标准", "测评方法"], [1, "标准", "材料审核"]], ["第1行", "层级列"]),
    ([["标题"], ["测评项目", "测评内容", "备注"], ["Ⅰ-1 甲", "Ⅲ-1 乙", ""]], ["第2行", "测评标准"]),
    ([["名称", "数量"], ["甲", 1]], ["没有找到测评体系表格"]),
    ([["测评项目", "测评内容", "测评标准"]], ["没有读到任何测评标准"]),
])
def test_tables_that_cannot_be_understood(tmp_path: Path, rows: list[list[object]], words: list[str]) -> None:
    with pytest.raises(ChecklistFormatError) as info:
        parse_checklist(write_xlsx(tmp_path / "bad.xlsx", rows))
    for word in words:
        assert word in str(info.value)


def test_unreadable_files(tmp_path: Path) -> None:
    cases = {
        "missing.xlsx": None,
        "empty.docx": b"",
        "text.xlsx": "测评项目,测评标准\n".encode(),
        "old.doc": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100,
        "broken.docx": b"PK\x03\x04" + b"\0" * 50,
    }
    for name, content in cases.items():
        path = tmp_path / name
        if content is not None:
            path.write_bytes(content)
        with pytest.raises(ChecklistFormatError):
            parse_checklist(path)
    document = docx.Document()
    document.add_paragraph("只有文字，没有表格")
    document.save(str(tmp_path / "notable.docx"))
    with pytest.raises(ChecklistFormatError, match="没有找到测评体系表格"):
        parse_checklist(tmp_path / "notable.docx")


def test_detects_kind_by_content_not_name(tmp_path: Path) -> None:
    renamed = tmp_path / "checklist.dat"
    renamed.write_bytes(XLSX.read_bytes())
    assert parse_checklist(renamed).counts() == EXPECTED_COUNTS


# -------------------------------------------------------- small functions
@pytest.mark.parametrize("text, expected", [
    ("图片≥3；正式发文", [("图片", 3), ("正式发文", 1)]),
    ("活动图片不少于3张", [("图片", 3)]),
    ("方案、总结和活动图片", [("正式发文", 1), ("说明报告", 1), ("图片", 1)]),
    ("照片5张以上，视频1段", [("图片", 5), ("视频", 1)]),
    ("至少三份正式发文、上级主管部门评价意见", [("正式发文", 3), ("评价意见", 1)]),
    ("工作台账；统计表", [("台账", 1), ("数据表格", 1)]),
    ("图片>=2 图片≥4", [("图片", 4)]),
    ("其他佐证材料", [("其他", 1)]),
    ("", []),
    (None, []),
    ("无", []),
])
def test_parse_requirements(text: str | None, expected: list[tuple[str, int]]) -> None:
    spec = parse_requirements(text)
    assert [(r.kind, r.min_count) for r in spec.rules] == expected
    assert spec.text == (text or "").strip()
    assert spec.unparsed == ""


def test_unparsed_requirement_text_is_kept() -> None:
    spec = parse_requirements("说明报告；现场演示一次")
    assert [r.kind for r in spec.rules] == ["说明报告"]
    assert spec.unparsed == "现场演示一次"
    assert "现场演示一次" in spec.summary()


def test_split_units() -> None:
    assert split_units("市委宣传部、市委组织部") == ("市委宣传部", "市委组织部")
    assert split_units("团市委,市民政局;市文旅局；市教育局/市城管局\n各街道") == (
        "团市委", "市民政局", "市文旅局", "市教育局", "市城管局", "各街道")
    assert split_units("市住房和城乡建设局、市住房和城乡建设局") == ("市住房和城乡建设局",)
    assert split_units(None) == () and split_units("无") == ()
    assert split_unit_roles("市文明办（牵头）、团市委") == (("市文明办",), ("团市委",))
    assert split_unit_roles("牵头单位：市文明办；配合单位：市民政局、团市委") == (
        ("市文明办",), ("市民政局", "团市委"))


def test_codes() -> None:
    assert normalise_code("Ⅲ－5") == "Ⅲ-5"
    assert normalise_code("III - 5") == "Ⅲ-5"
    assert normalise_code("三—5") == "三-5"
    assert normalise_code("１．１．２") == "1.1.2"
    assert normalise_code(None) == ""
    assert split_code("Ⅰ-1 重点工作") == ("Ⅰ-1", "重点工作")
    assert split_code("Ⅲ－12文明交通") == ("Ⅲ-12", "文明交通")
    assert split_code("1.1.1 健全制度") == ("1.1.1", "健全制度")
    assert split_code("（一）重点工作") == ("（一）", "重点工作")
    assert split_code("三-5 道德模范") == ("三-5", "道德模范")
    assert split_code("12345热线") == ("", "12345热线")
    assert split_code("重点工作") == ("", "重点工作")


def test_split_numbered_keeps_numbers_inside_text() -> None:
    assert split_numbered("1）开展活动不少于50场。\n2）覆盖社区。") == [
        (1, "开展活动不少于50场。"), (2, "覆盖社区。")]
    assert split_numbered("①甲②乙③丙") == [(1, "甲"), (2, "乙"), (3, "丙")]
    assert split_numbered("按第2）项执行") == [(None, "按第2）项执行")]
    assert split_numbered("1.5万人参加") == [(None, "1.5万人参加")]
    assert split_numbered("1、甲\n2、乙") == [(1, "甲"), (2, "乙")]


def test_methods_and_deadlines() -> None:
    assert parse_methods("实地查看、材料审核。") == ("实地考察", "材料审核")
    assert parse_methods("网上申报/入户调查") == ("网上申报", "问卷调查")
    assert parse_deadline("2024年3月31日") == (dt.date(2024, 3, 31), "2024年3月31日")
    assert parse_deadline("2024年2月底")[0] == dt.date(2024, 2, 29)
    assert parse_deadline(dt.datetime(2024, 5, 1, 0, 0))[0] == dt.date(2024, 5, 1)
    assert parse_deadline(45382)[0] == dt.date(2024, 3, 31)
    assert parse_deadline("每季度") == (None, "每季度")


def test_preview_lists_what_was_recognised() -> None:
    text = format_preview(parse_checklist(XLSX))
    assert "测评项目 3 个，指标 7 个，测评内容 13 个，测评标准 23 条" in text
    assert "Ⅲ-1 健全理论学习制度（2 条标准）" in text
    assert "市委宣传部" in text and "2024-03-31（8 条）" in text
    assert "图片 12 条" in text and "所有行均已识别" in text


# ------------------------------------------------------------- robustness
def test_random_tables_never_crash(tmp_path: Path) -> None:
    """Random headers, values and merges: a result or ChecklistFormatError, nothing else."""
    import random

    rng = random.Random(20240331)
    words = ["测评项目", "指标名称", "测评内容", "测评标准", "测评方法", "材料要求", "责任单位",
             "牵头单位", "完成时限", "分值", "备注", "序号", "标准序号", "", "其他"]
    values = [None, "", "Ⅰ-1 甲", "Ⅱ－2 乙", "1.1.1 丙", "三-5 丁", "1）甲\n2）乙", "①甲②乙", "(1)材料审核 (2)实地考察",
              "图片≥3；正式发文", "市文明办（牵头）、团市委", "2024-13-45", "2024年2月", 3, 2.5, -1, 0,
              dt.datetime(2024, 3, 31), "注：说明", "x" * 300, "测评标准", "5)", "(0)"]
    outcomes = {"ok": 0, "error": 0}
    for n in range(40):
        width = rng.randint(1, 7)
        rows: list[list[object]] = [[rng.choice(words) for _ in range(width)]]
        rows += [[rng.choice(values) for _ in range(width)] for _ in range(rng.randint(0, 6))]
        if rng.random() < 0.3:
            rows.insert(0, ["标题"])
        merges = ()
        if len(rows) > 2 and width > 1 and rng.random() < 0.5:
            merges = (f"A2:{chr(ord('A') + rng.randint(0, width - 1))}{rng.randint(2, len(rows))}",)
        try:
            if n % 4 == 0:
                path = write_docx(tmp_path / f"r{n}.docx", [[cell_str(v) for v in row] for row in rows])
            else:
                path = write_xlsx(tmp_path / f"r{n}.xlsx", rows, merges)
        except Exception:  # noqa: BLE001 - the writer refused the random table; not our concern
            continue
        try:
            parsed = parse_checklist(path)
            format_preview(parsed)
            outcomes["ok"] += 1
        except ChecklistFormatError as exc:
            assert str(exc)
            outcomes["error"] += 1
    assert outcomes["ok"] and outcomes["error"]


def cell_str(value: object) -> str:
    return "" if value is None else str(value)


def test_section_rows_sideways_merges_and_other_sheets(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    notes = wb.active
    notes.title = "填表说明"
    notes.append(["请按测评体系逐项填写"])
    ws = wb.create_sheet("测评体系")
    for row in (["测评项目", "测评内容", "测评标准", "测评方法"],
                ["Ⅰ-1 重点工作", None, None, None],
                [None, "Ⅲ-1 学习制度", "制定学习计划", "材料审核"],
                [None, "Ⅲ-2 理论宣讲", "宣讲覆盖社区", None],
                ["Ⅰ-2 思想道德建设", None, None, None],
                [None, "Ⅲ-3 道德模范", "开展评选表彰", "网上申报"],
                ["注：实地考察项目不需上传材料", None, None, None]):
        ws.append(row)
    for rng in ("A2:D2", "C4:D4", "A5:D5", "A7:D7"):
        ws.merge_cells(rng)
    path = tmp_path / "sections.xlsx"
    wb.save(path)
    parsed = parse_checklist(path)
    assert [(n.code, n.title) for n in parsed.roots] == [("Ⅰ-1", "重点工作"), ("Ⅰ-2", "思想道德建设")]
    assert [n.code for n in parsed.roots[0].children] == ["Ⅲ-1", "Ⅲ-2"]
    assert parsed.find("Ⅲ-2").standards[0].methods == ()        # the standard spans 测评方法
    assert parsed.find("Ⅲ-3").standards[0].needs_materials
    locations = [(p.table_name, p.row) for p in parsed.problems]
    assert ("工作表“填表说明”", 0) in locations
    assert ("工作表“测评体系”", 7) in locations
    assert not parsed.errors


def test_docx_table_continued_on_next_page(tmp_path: Path) -> None:
    document = docx.Document()
    first = document.add_table(rows=2, cols=4)
    for c, text in enumerate(["测评项目", "测评内容", "测评标准", "测评方法"]):
        first.cell(0, c).text = text
    for c, text in enumerate(["Ⅰ-1 重点工作", "Ⅲ-1 学习制度", "1）制定计划\n2）开展研讨", "材料审核"]):
        first.cell(1, c).text = text
    document.add_paragraph("")
    second = document.add_table(rows=1, cols=4)
    for c, text in enumerate(["", "Ⅲ-2 理论宣讲", "组建宣讲队伍", "1）实地考察"]):
        second.cell(0, c).text = text
    path = tmp_path / "pages.docx"
    document.save(str(path))
    parsed = parse_checklist(path)
    assert parsed.counts() == {"level1": 1, "level2": 0, "level3": 2, "standards": 3}
    item = parsed.find("Ⅲ-2")
    assert item.table == 1 and item.standards[0].row == 1
    assert item.standards[0].methods == ("实地考察",)
    assert parsed.problems == ()
