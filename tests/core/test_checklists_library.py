"""Checklists in a library: both fixtures, editions keeping links, all-or-nothing, CLI JSON."""
from __future__ import annotations

import io
import json

import openpyxl
import pytest
from sqlalchemy import func, select

from civdesk.checklist import ChecklistFormatError
from civdesk.checklist import store as cl
from civdesk.library import Library
from civdesk.models import Checklist, Link, Material, Standard
from tests.conftest import run_cli

DOCX = "测评体系示例.docx"
XLSX = "网上申报任务分解表示例.xlsx"


def _shape(tree: cl.ChecklistTree) -> list:
    out = []
    for root in tree.roots:
        for node in root.walk():
            out.append((node.level, node.code, node.title,
                        tuple((s.number, s.text.rstrip("。"), s.methods) for s in node.standards)))
    return out


def _levels(tree: cl.ChecklistTree) -> tuple[int, int, int, int]:
    nodes = [n for r in tree.roots for n in r.walk()]
    return (sum(n.level == 1 for n in nodes), sum(n.level == 2 for n in nodes),
            sum(n.level == 3 for n in nodes), len(list(tree.all_standards())))


def test_both_fixtures_import_to_the_same_structure(empty_lib, fixtures):
    fixtures = fixtures / "checklists"
    ids = []
    for name in (DOCX, XLSX):
        preview = cl.preview_import(empty_lib, fixtures / name, separate=True)
        ids.append(cl.commit_import(empty_lib, preview).checklist_id)
    docx_tree, xlsx_tree = (cl.checklist_tree(empty_lib, i) for i in ids)
    assert _levels(docx_tree) == _levels(xlsx_tree) == (3, 7, 13, 23)
    assert _shape(docx_tree) == _shape(xlsx_tree)
    st = cl.find_standard(empty_lib, "Ⅲ-2:2", ids[1])
    assert st.methods == ("材料审核", "问卷调查")
    assert st.all_units == ("市委宣传部", "市教育局")
    assert st.deadline.isoformat() == "2024-04-30"
    assert [(r.kind, r.min_count) for r in st.requirements] == [("说明报告", 1), ("图片", 4)]
    assert not cl.find_standard(empty_lib, "Ⅲ-4:1", ids[1]).needs_materials
    # the docx gives methods per standard inside one cell
    assert cl.find_standard(empty_lib, "Ⅲ-2:1", ids[0]).methods == ("材料审核",)
    assert cl.find_standard(empty_lib, "Ⅲ-2:2", ids[0]).methods == ("材料审核", "问卷调查")
    units = {u.name for u in cl.list_units(empty_lib)}
    assert {"市文明办", "团市委", "市公安局交警支队", "市委宣传部"} <= units


def test_new_library_has_sample_checklist_with_period(sample_lib):
    tree = cl.checklist_tree(sample_lib)
    assert _levels(tree)[3] >= 23
    assert tree.checklist.periods, "the sample comes with a 测评周期"
    assert any(s.requirements and s.deadline and s.all_units for s in tree.all_standards())


def _link(lib: Library, address: str, content: bytes) -> int:
    stored = lib.vault.store_stream(io.BytesIO(content))
    st = cl.find_standard(lib, address)
    with lib.session() as s:
        m = Material(sha256=stored.sha256, size=stored.size, original_name=f"{address}.txt", kind="txt")
        s.add(m)
        s.flush()
        s.add(Link(material_id=m.id, standard_id=st.id))
        return m.id


def _edited_edition(src, dest):
    """Next year's table: one standard reworded, one removed, one added."""
    wb = openpyxl.load_workbook(src)
    ws = wb.active
    rows = list(ws.iter_rows(min_row=2))
    for row in rows:
        item, number, text = row[3].value, row[4].value, row[5]
        if item.startswith("Ⅲ-1 ") and number == 1:
            text.value = "市委理论学习中心组制定年度学习计划，按计划认真开展集体学习"  # reworded
        if item.startswith("Ⅲ-7 ") and number == 2:
            removed = row[0].row
    ws.delete_rows(removed)
    ws.append([99, "Ⅰ-3 公共文明环境", "Ⅱ-7 公共秩序", "Ⅲ-13 督查整改", 3,
               "建立群众投诉问题快速响应机制", "材料审核", "说明报告", "市文明办", "2025-04-30"])
    wb.save(dest)


def test_reimporting_an_edited_edition_keeps_links(sample_lib, fixtures, tmp_path):
    kept = _link(sample_lib, "Ⅲ-5:1", b"unchanged standard evidence")
    reworded = _link(sample_lib, "Ⅲ-1:1", b"reworded standard evidence")
    orphan = _link(sample_lib, "Ⅲ-7:2", b"removed standard evidence")
    old = cl.get_checklist(sample_lib)
    new_file = tmp_path / "2025任务分解表.xlsx"
    _edited_edition(fixtures / "checklists" / XLSX, new_file)

    preview = cl.preview_import(sample_lib, new_file)
    assert preview.replaces.id == old.id
    diff = preview.diff
    assert [(o.item_code, o.number) for o, n, _ in diff.reworded] == [("Ⅲ-1", 1)]
    assert [(o.item_code, o.number) for o in diff.removed] == [("Ⅲ-7", 2)]
    assert [(n.item_code, n.number) for n in diff.added] == [("Ⅲ-13", 3)]
    assert "删除 Ⅲ-7:2" in preview.text
    with sample_lib.session() as s:
        assert s.scalar(select(func.count()).select_from(Checklist)) == 1  # preview writes nothing

    outcome = cl.commit_import(sample_lib, preview)
    assert outcome.links_carried == 2
    assert outcome.removed_with_materials == (("Ⅲ-7:2", "建立志愿服务激励回馈制度", 1),)
    new_id = outcome.checklist_id
    assert cl.find_standard(sample_lib, "Ⅲ-5:1", new_id).material_count == 1
    assert cl.find_standard(sample_lib, "Ⅲ-1:1", new_id).material_count == 1
    # nothing deleted: the old edition keeps all its links, and is kept as 旧版
    assert cl.find_standard(sample_lib, "Ⅲ-7:2", old.id).material_count == 1
    assert not cl.get_checklist(sample_lib, old.id).active
    assert cl.get_checklist(sample_lib).id == new_id  # the new edition is the default
    with sample_lib.session() as s:
        linked = set(s.scalars(select(Link.material_id).join(Standard).where(
            Standard.id.in_([cl.find_standard(sample_lib, a, new_id).id for a in ("Ⅲ-5:1", "Ⅲ-1:1")]))))
    assert linked == {kept, reworded}
    assert orphan not in linked
    # the period follows the new edition
    assert cl.get_checklist(sample_lib, new_id).periods == old.periods


def test_unreadable_table_names_row_and_column_and_writes_nothing(empty_lib, tmp_path):
    bad = tmp_path / "坏表.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["测评项目", "指标名称", "测评内容", "测评标准", "测评方法"])
    ws.append(["", "", "", "1）不属于任何测评内容的标准", "材料审核"])
    ws.append(["Ⅰ-1 重点工作", "Ⅱ-1 理论学习", "Ⅲ-1 学习制度", "1）制定学习计划", "材料审核"])
    wb.save(bad)
    try:
        preview = cl.preview_import(empty_lib, bad)
    except ChecklistFormatError as exc:
        assert exc.row is not None and exc.column
    else:
        problems = preview.parsed.problems
        assert problems and problems[0].row == 2 and problems[0].column
        assert "第2行 A列" in preview.text
        with pytest.raises(ChecklistFormatError, match="第2行"):
            cl.commit_import(empty_lib, preview)
    not_a_table = tmp_path / "通知.docx"
    not_a_table.write_bytes(b"PK\x03\x04 this is not really a docx")
    with pytest.raises(ChecklistFormatError):
        cl.preview_import(empty_lib, not_a_table)
    with empty_lib.session() as s:
        assert s.scalar(select(func.count()).select_from(Checklist)) == 0


def test_cli_checklist_show_json_and_period(tmp_path, fixtures):
    lib = tmp_path / "lib"
    assert run_cli("init", "--library", str(lib)).returncode == 0
    r = run_cli("checklist", "import", str(fixtures / "checklists" / DOCX),
                "--dry-run", "--json", "--library", str(lib))
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["dry_run"] and doc["counts"]["standards"] == 23 and doc["checklist_id"] is None
    r = run_cli("checklist", "show", "--json", "--library", str(lib))
    tree = json.loads(r.stdout)
    item = tree["children"][1]["children"][0]["children"][0]
    assert (item["code"], item["level"]) == ("Ⅲ-5", 3)
    st = item["standards"][0]
    assert set(st) >= {"number", "text", "methods", "units", "deadline", "requirements"}
    assert st["requirements"][0] == {"kind": "正式发文", "min_count": 1}
    r = run_cli("checklist", "period", "--start", "2024-08-01", "--end", "2025-07-31", "--json",
                "--library", str(lib))
    assert r.returncode == 0, r.stderr
    assert {"year": 2025, "start": "2024-08-01", "end": "2025-07-31"} in json.loads(r.stdout)
    r = run_cli("checklist", "period", "--start", "2025-08-01", "--end", "2025-07-31",
                "--library", str(lib))
    assert r.returncode == 2 and "早于" in r.stderr
