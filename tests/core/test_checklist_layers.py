"""The checklist's two layers: the national structure table plus the city's task table merged onto it.

Tables are made here with python-docx / openpyxl (merged cells, grouped two-row
headers), in the layouts offices send.
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import docx
import openpyxl
import pytest
from sqlalchemy import select

from civdesk.checklist import ChecklistFormatError, layers
from civdesk.checklist import store as cl
from civdesk.checklist.codes import canonical_code, code_forms, parse_address
from civdesk.checklist.merge import STALE_DEADLINE, resolve_units
from civdesk.checklist.parse import parse_checklist
from civdesk.checklist.tasks import name_and_year, read_task_table
from civdesk.models import ChecklistNode, Material
from tests.conftest import run_cli

# ------------------------------------------------------------------ tables
STRUCTURE = [  # (测评项目, 指标, 测评内容, standard, method, 分值)
    ("Ⅰ-1 思想道德建设", "Ⅱ-1 理论学习", "Ⅲ-1 学习制度", "1）建立党委（党组）理论学习中心组学习制度。",
     "材料审核", "2"),
    ("", "", "", "2）开展专题学习研讨活动，每季度不少于一次。", "材料审核", "1"),
    ("", "", "Ⅲ-2 理论宣讲", "1）组建基层理论宣讲队伍，定期开展宣讲。", "材料审核", "2"),
    ("", "", "", "2）宣讲活动覆盖城乡社区。", "实地考察", ""),
    ("Ⅰ-2 公共文明", "Ⅱ-2 志愿服务", "Ⅲ-3 志愿服务体系", "1）建立健全志愿服务组织体系。", "材料审核", "2"),
    ("", "", "", "2）注册志愿者人数占城市常住人口比例达到13%以上。", "网上申报", "3"),
    ("", "", "", "3）广泛开展学雷锋志愿服务活动。", "材料审核", "1"),
]


def write_structure_docx(path: Path, rows=STRUCTURE) -> Path:
    """The national structure table (Word), level cells merged down."""
    document = docx.Document()
    document.add_paragraph("全国文明城市测评体系（2025年版）")
    header = ["测评项目", "指标名称", "测评内容", "测评标准", "测评方法", "分值"]
    table = document.add_table(rows=len(rows) + 1, cols=len(header))
    for c, text in enumerate(header):
        table.cell(0, c).text = text
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if value:
                table.cell(r, c).text = value
    # merge each level cell down over its blank continuation rows
    for c in range(3):
        start = 1
        for r in range(2, len(rows) + 2):
            if r == len(rows) + 1 or rows[r - 1][c]:
                if r - 1 > start:
                    table.cell(start, c).merge(table.cell(r - 1, c))
                start = r
    document.save(str(path))
    return path


def write_task_xlsx(path: Path) -> Path:
    """The city's task table: a title row, then a grouped two-row header
    (测评标准 over 序号 | 内容; 申报要求 over 测评方法 | 材料要求), codes written several ways."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "责任分工"
    ws.append(["2025年度XX市全国文明城市创建任务责任分工表"])
    ws.append(["测评内容", "测评标准", None, "申报要求", None, "责任单位", "完成时限", "联系人"])
    ws.append([None, "序号", "内容", "测评方法", "材料要求", None, None, None])
    ws.append(["三-1 学习制度", 1, "建立党委（党组）理论学习中心组学习制度", "材料审核", "正式发文；图片≥2",
               "市委宣传部、市委组织部", dt.datetime(2025, 6, 30), "张三"])
    ws.append([None, 2, "开展专题学习研讨活动，每季度不少于一次", "材料审核", "说明报告；图片≥3",
               "宣传部", dt.datetime(2025, 6, 30), None])
    ws.append(["III-2 理论宣讲", 1, "组建理论宣讲队伍，定期宣讲", "材料审核", "正式发文",
               "牵头：市社科联；配合：市委 宣传部", "2025年5月", "李四"])
    ws.append(["3-3 志愿服务体系", 2, "注册志愿者人数占城市常住人口比例达到13%以上", "网上申报", "数据表格",
               "市文明办", dt.datetime(2023, 3, 31), None])
    ws.append(["3-3 志愿服务体系", 9, "城市道路无障碍设施改造", "实地考察", "图片",
               "市住建局", dt.datetime(2025, 9, 30), None])
    for rng in ("A1:H1", "A2:A3", "B2:C2", "D2:E2", "F2:F3", "G2:G3", "H2:H3", "A4:A5"):
        ws.merge_cells(rng)
    wb.save(path)
    return path


@pytest.fixture
def structured(empty_lib, tmp_path):
    """A library holding the structure table only, with a 测评周期 from 2024-08-01."""
    preview = cl.preview_import(empty_lib, write_structure_docx(tmp_path / "测评体系.docx"))
    cid = cl.commit_import(empty_lib, preview).checklist_id
    cl.set_period(empty_lib, cid, dt.date(2024, 8, 1), dt.date(2025, 7, 31))
    return empty_lib, cid


def _std(lib, cid, code):
    return cl.find_standard(lib, code, cid)


# ------------------------------------------------------------ acceptance 1
def test_task_table_with_grouped_header_merged_onto_word_structure(structured, tmp_path):
    lib, cid = structured
    before = cl.checklist_tree(lib, cid)
    task = write_task_xlsx(tmp_path / "任务分解表.xlsx")
    preview = layers.preview_merge(lib, task, cid)
    plan = preview.plan
    assert preview.table.year == 2025 and preview.table.name == "XX市全国文明城市创建任务责任分工表"
    assert {"units", "requirement", "deadline", "contact"} <= preview.table.fields
    matched = {m.row.row: m.standard.code for m in plan.matches}
    assert matched == {4: "Ⅲ-1:1", 5: "Ⅲ-1:2", 6: "Ⅲ-2:1", 7: "Ⅲ-3:2"}
    # 三-1, III-2 and 3-3 are the codes Ⅲ-1, Ⅲ-2, Ⅲ-3: matched by code and text, nothing to report
    assert {m.standard.code: m.how for m in plan.matches}["Ⅲ-3:2"] == "code+text"
    assert [m.standard.code for m in plan.matches if m.note] == ["Ⅲ-2:1"]
    # every mismatch is reported: the reworded standard, the row matching nothing, standards not covered
    assert any("Ⅲ-2:1" in m and "相似度" in m for m in plan.mismatches)
    assert [(r.row, r.number) for r, _ in plan.unmatched] == [(8, 9)]
    assert "第 9 条" in plan.unmatched[0][1]
    assert [s.code for s in plan.not_covered] == ["Ⅲ-2:2", "Ⅲ-3:1", "Ⅲ-3:3"]
    assert [(x.code, x.deadline) for x in plan.stale] == [("Ⅲ-3:2", dt.date(2023, 3, 31))]
    assert [(u.name, u.into) for u in plan.unit_merges] == [("宣传部", "市委宣传部")]
    assert STALE_DEADLINE in preview.text and "宣传部 → 并入已有单位「市委宣传部」" in preview.text
    # nothing applied before the clerk confirms
    assert cl.checklist_tree(lib, cid) == before

    outcome = layers.commit_merge(lib, preview)
    assert outcome.standards_changed == 4
    after = cl.checklist_tree(lib, cid)
    # structure from the Word table, untouched
    assert [(s.code, s.text, s.methods, s.points) for s in after.all_standards()] == \
        [(s.code, s.text, s.methods, s.points) for s in before.all_standards()]
    s11, s12, s21 = _std(lib, cid, "Ⅲ-1:1"), _std(lib, cid, "Ⅲ-1:2"), _std(lib, cid, "Ⅲ-2:1")
    assert (s11.lead_units, s11.units) == (("市委宣传部",), ("市委组织部",))
    assert {(r.kind, r.min_count) for r in s11.requirements} == {("正式发文", 1), ("图片", 2)}
    assert s11.deadline == dt.date(2025, 6, 30) and s11.contact == "张三"
    assert s11.points == 2.0                                     # 分值 kept from the structure
    assert (s12.lead_units, s12.units) == (("市委宣传部",), ())  # 宣传部 merged, not doubled
    assert (s21.lead_units, s21.units) == (("市社科联",), ("市委宣传部",))
    assert s21.deadline == dt.date(2025, 5, 31)
    names = [u.name for u in cl.list_units(lib)]
    assert "宣传部" not in names and names.count("市委宣传部") == 1
    assert _std(lib, cid, "Ⅲ-2:2").all_units == ()              # not covered: left as it was


def test_units_are_not_merged_when_the_clerk_keeps_them_apart(structured, tmp_path):
    lib, cid = structured
    preview = layers.preview_merge(lib, write_task_xlsx(tmp_path / "t.xlsx"), cid, merge_units=False)
    layers.commit_merge(lib, preview)
    assert _std(lib, cid, "Ⅲ-1:2").lead_units == ("宣传部",)


def test_merge_cli_dry_run_json_then_apply(structured, tmp_path):
    lib, cid = structured
    task = write_task_xlsx(tmp_path / "任务分解表.xlsx")
    lib.close()
    r = run_cli("--library", str(lib.path), "checklist", "import", str(task), "--onto", str(cid),
                "--dry-run", "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["dry_run"] and doc["year"] == 2025
    assert [m["standard"] for m in doc["matched"]] == ["Ⅲ-1:1", "Ⅲ-1:2", "Ⅲ-2:1", "Ⅲ-3:2"]
    assert [u["row"] for u in doc["unmatched"]] == [8]
    assert [s["standard"] for s in doc["not_covered"]] == ["Ⅲ-2:2", "Ⅲ-3:1", "Ⅲ-3:3"]
    change = next(c for c in doc["changes"] if c["standard"] == "Ⅲ-1:1" and c["field"] == "units")
    assert change["old"] == {"lead": [], "coop": []}
    assert change["new"] == {"lead": ["市委宣传部"], "coop": ["市委组织部"]}
    assert doc["stale_deadlines"][0]["message"] == STALE_DEADLINE and doc["dropped"] == []
    r = run_cli("--library", str(lib.path), "checklist", "show", str(cid), "--json")
    assert json.loads(r.stdout)["children"][0]["children"][0]["children"][0]["standards"][0]["units"] == []
    r = run_cli("--library", str(lib.path), "checklist", "import", str(task), "--onto", str(cid), "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["applied"]["standards"] == 4
    # acceptance 3: show --json per standard
    r = run_cli("--library", str(lib.path), "checklist", "show", str(cid), "--json")
    standards = [s for l1 in json.loads(r.stdout)["children"] for l2 in l1["children"]
                 for l3 in l2["children"] for s in l3["standards"]]
    first = standards[0]
    assert {"code", "text", "methods", "units", "lead_units", "requirements", "deadline", "score"} <= set(first)
    assert (first["code"], first["methods"], first["units"], first["lead_units"], first["deadline"],
            first["score"]) == ("Ⅲ-1:1", ["材料审核"], ["市委宣传部", "市委组织部"], ["市委宣传部"],
                                "2025-06-30", 2.0)
    assert {"kind": "图片", "min_count": 2} in first["requirements"]
    assert next(s for s in standards if s["code"] == "Ⅲ-2:2")["score"] is None


# ------------------------------------------------------------ acceptance 2
def test_structure_only_reimport_as_new_edition_loses_nothing_unnamed(structured, tmp_path):
    lib, cid = structured
    layers.commit_merge(lib, layers.preview_merge(lib, write_task_xlsx(tmp_path / "t.xlsx"), cid))
    # the new edition: Ⅲ-1:2 reworded slightly, Ⅲ-2:1 removed, no units/requirements/deadlines columns
    rows = [r for r in STRUCTURE if not r[3].startswith("1）组建")]
    rows[1] = ("", "", "", "2）开展专题学习研讨活动，每季度不少于一次，形成记录。", "材料审核", "1")
    rows[2] = ("", "", "Ⅲ-2 理论宣讲", "1）宣讲活动覆盖城乡社区。", "实地考察", "")
    new = write_structure_docx(tmp_path / "新版测评体系.docx", rows)
    preview = cl.preview_import(lib, new, edition_of=cid)
    carried = {(c.old_code, c.field) for c in preview.carry}
    assert {("Ⅲ-1:1", "units"), ("Ⅲ-1:1", "requirement"), ("Ⅲ-1:1", "deadline"), ("Ⅲ-1:1", "contact"),
            ("Ⅲ-1:2", "units")} <= carried
    lost = {(c.old_code, c.field) for c in preview.dropped}
    assert {("Ⅲ-2:1", "units"), ("Ⅲ-2:1", "requirement"), ("Ⅲ-2:1", "deadline")} <= lost
    assert "丢失 Ⅲ-2:1 责任单位" in preview.text and "带过 Ⅲ-1:1→Ⅲ-1:1 责任单位" in preview.text
    # every value of the old edition is either carried or named as dropped
    old = cl.checklist_tree(lib, cid)
    valued = {(s.code, f) for s in old.all_standards() for f, v in cl._view_values(s).items()
              if f not in ("methods", "points") and v}   # the new table has these two itself
    assert valued <= carried | lost
    # the clerk who asks to drop sees every value named first
    dropping = cl.preview_import(lib, new, edition_of=cid, drop_missing=True)
    assert {(c.old_code, c.field) for c in dropping.dropped} == carried | lost
    outcome = cl.commit_import(lib, preview)
    s11 = _std(lib, outcome.checklist_id, "Ⅲ-1:1")
    assert (s11.lead_units, s11.units, s11.deadline, s11.contact) == (
        ("市委宣传部",), ("市委组织部",), dt.date(2025, 6, 30), "张三")
    assert s11.requirement_text == "正式发文；图片≥2"
    assert _std(lib, outcome.checklist_id, "Ⅲ-1:2").lead_units == ("市委宣传部",)


def test_edition_cli_dropped_list_and_drop_missing(structured, tmp_path):
    lib, cid = structured
    layers.commit_merge(lib, layers.preview_merge(lib, write_task_xlsx(tmp_path / "t.xlsx"), cid))
    new = write_structure_docx(tmp_path / "新版.docx", [r for r in STRUCTURE if not r[3].startswith("1）组建")])
    lib.close()
    base = ("--library", str(lib.path), "checklist", "import", str(new), "--edition-of", str(cid), "--json")
    doc = json.loads(run_cli(*base, "--dry-run").stdout)
    assert {d["standard"] for d in doc["dropped"]} == {"Ⅲ-2:1"}
    assert {"Ⅲ-1:1", "Ⅲ-1:2", "Ⅲ-3:2"} <= {c["standard"] for c in doc["carry_over"]}
    doc = json.loads(run_cli(*base, "--dry-run", "--drop-missing").stdout)
    assert {d["standard"] for d in doc["dropped"]} == {"Ⅲ-1:1", "Ⅲ-1:2", "Ⅲ-2:1", "Ⅲ-3:2"}
    assert doc["carry_over"] == []
    doc = json.loads(run_cli(*base, "--drop-missing").stdout)
    show = json.loads(run_cli("--library", str(lib.path), "checklist", "show", str(doc["checklist_id"]),
                              "--json").stdout)
    assert all(not s["units"] for l1 in show["children"] for l2 in l1["children"]
               for l3 in l2["children"] for s in l3["standards"])


# ----------------------------------------------------------------- headers
def test_grouped_header_in_word_and_units_from_one_column(tmp_path):
    document = docx.Document()
    table = document.add_table(rows=4, cols=6)
    top = ["测评内容", "测评标准", "", "申报要求", "", "责任单位"]
    sub = ["", "序号", "内容", "测评方法", "材料要求", ""]
    data = [["Ⅲ-1 学习制度", "1", "建立学习制度", "材料审核", "正式发文", "市民政局 (老龄办)、团市委"],
            ["", "2", "开展学习活动", "材料审核", "图片≥3", "市委宣传部"]]
    for r, row in enumerate([top, sub, *data]):
        for c, v in enumerate(row):
            if v:
                table.cell(r, c).text = v
    table.cell(0, 1).merge(table.cell(0, 2))
    table.cell(0, 3).merge(table.cell(0, 4))
    table.cell(0, 0).merge(table.cell(1, 0))
    table.cell(0, 5).merge(table.cell(1, 5))
    table.cell(2, 0).merge(table.cell(3, 0))
    path = tmp_path / "分工.docx"
    document.save(str(path))
    parsed = parse_checklist(path)
    s1, s2 = parsed.find("Ⅲ-1").standards
    assert (s1.number, s1.text, s1.methods) == (1, "建立学习制度", ("材料审核",))
    assert s1.lead_units == ("市民政局（老龄办）",) and s1.units == ("团市委",)   # normalised
    assert s2.lead_units == ("市委宣传部",) and [str(r) for r in s2.requirements.rules] == ["图片≥3"]
    rows = read_task_table(path).rows
    assert [(r.item_code, r.number, r.standard.text) for r in rows] == [
        ("Ⅲ-1", 1, "建立学习制度"), ("Ⅲ-1", 2, "开展学习活动")]


def test_refusal_names_columns_and_map_overrides(tmp_path, structured):
    lib, cid = structured
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["条目", "工作任务", "责任科室", "办结日期"])
    ws.append(["Ⅲ-1", "建立党委（党组）理论学习中心组学习制度", "市委宣传部", dt.datetime(2025, 6, 30)])
    path = tmp_path / "自定义表头.xlsx"
    wb.save(path)
    with pytest.raises(ChecklistFormatError) as err:
        read_task_table(path)
    assert "工作任务" in err.value.message and "责任科室" in err.value.message
    with pytest.raises(ChecklistFormatError) as err:                  # the structure import too
        parse_checklist(path)
    assert "A列“条目”" in err.value.message and "--map" in err.value.message
    mapping = {"条目": "code", "工作任务": "standard", "责任科室": "units", "办结日期": "deadline"}
    preview = layers.preview_merge(lib, path, cid, mapping=mapping)
    assert [m.standard.code for m in preview.plan.matches] == ["Ⅲ-1:1"]
    assert {c.field for c in preview.plan.changes} == {"units", "deadline"}
    lib.close()
    args = ["--library", str(lib.path), "checklist", "import", str(path), "--onto", str(cid), "--dry-run",
            "--json"]
    r = run_cli(*args)
    assert r.returncode == 1 and "工作任务" in json.loads(r.stdout)["error"]
    r = run_cli(*args, "--map", "条目=编号", "--map", "工作任务=测评标准", "--map", "责任科室=责任单位",
                "--map", "办结日期=完成时限")
    assert r.returncode == 0, r.stdout + r.stderr
    assert [m["standard"] for m in json.loads(r.stdout)["matched"]] == ["Ⅲ-1:1"]
    r = run_cli(*args, "--map", "条目")
    assert r.returncode == 2 and "列标题=角色" in r.stderr
    r = run_cli(*args[:6], "999", "--dry-run")
    assert r.returncode == 2 and "没有编号为 999 的测评体系" in r.stderr
    r = run_cli(*args, "--drop-missing")
    assert r.returncode == 2 and "--drop-missing" in r.stderr


@pytest.mark.parametrize("merge", [True, False])
def test_plain_import_offers_near_duplicate_units_for_merging(structured, tmp_path, merge):
    lib, cid = structured
    layers.commit_merge(lib, layers.preview_merge(lib, write_task_xlsx(tmp_path / "t.xlsx"), cid))
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["2024年度未成年人思想道德建设测评体系"])
    ws.append(["测评内容", "测评标准", "责任单位"])
    ws.append(["Ⅲ-1 家庭教育", "建立家长学校", "宣传部、市 教育局"])
    path = tmp_path / "未成年人.xlsx"
    wb.save(path)
    preview = cl.preview_import(lib, path, separate=True, merge_units=merge)
    assert [(m.name, m.into) for m in preview.unit_merges] == [("宣传部", "市委宣传部")]
    assert "宣传部 → " in preview.text
    outcome = cl.commit_import(lib, preview)
    info = cl.get_checklist(lib, outcome.checklist_id)
    assert (info.name, info.edition) == ("未成年人思想道德建设测评体系", "2024")   # name and year from the title
    st = _std(lib, outcome.checklist_id, "Ⅲ-1:1")
    assert st.lead_units == (("市委宣传部",) if merge else ("宣传部",)) and st.units == ("市教育局",)
    assert ("宣传部" in [u.name for u in cl.list_units(lib)]) is not merge


def test_name_and_year_from_the_title():
    assert name_and_year("2025年度XX市全国文明城市创建任务责任分工表") == ("XX市全国文明城市创建任务责任分工表", 2025)
    assert name_and_year("XX市2024年网上申报任务分解表") == ("XX市网上申报任务分解表", 2024)
    assert name_and_year("测评体系") == ("测评体系", None)


def test_near_duplicate_units_offered_not_doubled():
    use, merges, new = resolve_units(["宣传部", "市委宣传部", "市 民政局"], ["市民政局"])
    assert use == {"宣传部": "市委宣传部", "市委宣传部": "市委宣传部", "市 民政局": "市民政局"}
    assert [(m.name, m.into) for m in merges] == [("宣传部", "市委宣传部")] and new == ["市委宣传部"]


# ------------------------------------------------------------------- codes
@pytest.mark.parametrize("text", ["三-9:2", "Ⅲ-9:2", "III-9:2", "3-9:2", "iii－9：2", " Ⅲ - 9 : 2 "])
def test_every_form_of_a_code_is_the_same_address(text):
    assert parse_address(text) == ("Ⅲ-9", 2)


def test_code_forms_and_canonical_code():
    assert code_forms("Ⅲ-9:2") == ("Ⅲ-9:2", "III-9:2", "三-9:2", "3-9:2")
    assert canonical_code("三-9") == canonical_code("3-9") == canonical_code("III-9") == "Ⅲ-9"
    assert canonical_code("1.1.1") == "1.1.1" and parse_address("1.1.1") is None


def test_commands_resolve_codes_in_every_form_and_search_finds_filed_materials(structured, tmp_path, fixtures):
    lib, cid = structured
    for form in ("三-1:2", "Ⅲ-1:2", "III-1:2", "3-1:2"):
        assert _std(lib, cid, form).code == "Ⅲ-1:2"
    assert cl.find_node(lib, "三-3", cid).code == "Ⅲ-3"
    photo = next((fixtures / "corpus" / "photos").glob("*.jpg"))
    lib.import_paths([photo])
    with lib.session() as s:
        mid = s.scalar(select(Material.id))
    from civdesk.materials import add_link
    with lib.session() as s:
        add_link(s, mid, _std(lib, cid, "Ⅲ-1:2").id, "manual", "")
    for query in ("Ⅲ-1", "三-1", "3-1:2", "III-1"):
        assert [r.material_id for r in lib.search(query)] == [mid], query
    # renumbering an item re-indexes the materials filed under it (the version hook)
    with lib.session() as s:
        version = s.get(Material, mid).version
        s.scalar(select(ChecklistNode).where(ChecklistNode.checklist_id == cid,
                                             ChecklistNode.code == "Ⅲ-1")).code = "Ⅲ-8"
    with lib.session() as s:
        assert s.get(Material, mid).version == version + 1
    assert [r.material_id for r in lib.search("三-8:2")] == [mid]
    assert lib.search("三-1:2") == []


# ------------------------------------------------------------------ checks
def test_stale_deadline_is_flagged_in_checks_not_overdue(structured, tmp_path):
    from civdesk.checks.engine import run_checks

    lib, cid = structured
    layers.commit_merge(lib, layers.preview_merge(lib, write_task_xlsx(tmp_path / "t.xlsx"), cid))
    result = run_checks(lib, checklist_id=cid)
    stale = [f for f in result.findings if f.standard == "Ⅲ-3:2" and f.rule == "overdue"]
    assert stale and STALE_DEADLINE in stale[0].message and "逾期" not in stale[0].message
    # the by-unit view reflects the merge at once
    assert next(s for s in result.standards if s.code == "Ⅲ-3:2").score == 3.0   # 分值 in the report
    owed = {u.unit: [i.code for i in u.items] for u in result.units}
    assert "Ⅲ-1:1" in owed["市委宣传部"] and "Ⅲ-2:1" in owed["市社科联"]


def test_a_code_column_labels_the_item_but_a_row_count_does_not(tmp_path):
    def table(codes: list[object], items: list[str]) -> Path:
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.append(["编号", "测评项目", "测评内容", "测评标准"])
        for code, item in zip(codes, items):
            ws.append([code, "Ⅰ-1 思想道德建设", item, f"{item}的标准"])
        path = tmp_path / f"t{len(list(tmp_path.iterdir()))}.xlsx"
        wb.save(path)
        return path

    parsed = parse_checklist(table(["Ⅲ-4", "Ⅲ-5"], ["学习制度", "理论宣讲"]))
    assert [n.code for n in parsed.roots[0].children] == ["Ⅲ-4", "Ⅲ-5"]
    parsed = parse_checklist(table([1, 2], ["Ⅲ-4 学习制度", "Ⅲ-5 理论宣讲"]))          # a row count
    assert [(n.code, n.title) for n in parsed.roots[0].children] == [("Ⅲ-4", "学习制度"), ("Ⅲ-5", "理论宣讲")]
    rows = read_task_table(table(["3-4", "3-5"], ["学习制度", "理论宣讲"])).rows
    assert [(r.item_code, r.item_title) for r in rows] == [("Ⅲ-4", "学习制度"), ("Ⅲ-5", "理论宣讲")]


def test_merging_again_changes_nothing_and_a_new_table_lists_old_to_new(structured, tmp_path):
    lib, cid = structured
    task = write_task_xlsx(tmp_path / "t.xlsx")
    layers.commit_merge(lib, layers.preview_merge(lib, task, cid))
    assert layers.preview_merge(lib, task, cid).plan.changes == ()
    wb = openpyxl.load_workbook(task)
    ws = wb.active
    ws["G4"] = dt.datetime(2025, 7, 15)
    ws["F4"] = "市委组织部"                    # a sole unit: now the lead, 市委宣传部 no longer named
    ws["H4"] = None                            # an empty cell changes nothing
    wb.save(task)
    changes = {(c.code, c.field): (c.old, c.new) for c in layers.preview_merge(lib, task, cid).plan.changes}
    assert changes == {
        ("Ⅲ-1:1", "deadline"): (dt.date(2025, 6, 30), dt.date(2025, 7, 15)),
        ("Ⅲ-1:1", "units"): ({"lead": ["市委宣传部"], "coop": ["市委组织部"]}, {"lead": ["市委组织部"], "coop": []}),
    }
    assert _std(lib, cid, "Ⅲ-1:1").contact == "张三"


def test_fixture_task_table_merged_onto_fixture_word_checklist(empty_lib, fixtures):
    folder = fixtures / "checklists"
    cid = cl.commit_import(empty_lib, cl.preview_import(empty_lib, folder / "测评体系示例.docx")).checklist_id
    assert not any(s.all_units for s in cl.checklist_tree(empty_lib, cid).all_standards())
    preview = layers.preview_merge(empty_lib, folder / "网上申报任务分解表示例.xlsx", cid)
    assert len(preview.plan.matches) == 23 and not preview.plan.unmatched and not preview.plan.not_covered
    layers.commit_merge(empty_lib, preview)
    reference = parse_checklist(folder / "网上申报任务分解表示例.xlsx")
    expected = {f"{n.code}:{s.number}": (s.lead_units, s.units, s.deadline, s.requirements.text)
                for n, s in reference.all_standards()}
    merged = {s.code: (s.lead_units, s.units, s.deadline, s.requirement_text)
              for s in cl.checklist_tree(empty_lib, cid).all_standards()}
    assert merged == expected
