"""Editions: old standards mapped onto a new edition by code and text similarity."""
from __future__ import annotations

import time
from pathlib import Path

from civdesk.checklist import StandardKey, diff_editions, parse_checklist, standard_keys
from civdesk.checklist.diff import comparable_text, similarity

CHECKLISTS = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "checklists"

OLD = [
    StandardKey("Ⅲ-1", 1, "市委理论学习中心组制定年度学习计划，按计划开展集体学习。", ref=101),
    StandardKey("Ⅲ-1", 2, "各级党组织开展专题学习研讨并形成学习记录。", ref=102),
    StandardKey("Ⅲ-2", 1, "组建理论宣讲队伍，全年开展宣讲活动不少于50场。", ref=103),
    StandardKey("Ⅲ-3", 1, "出台文明行为促进地方性法规或政府规章。", ref=104),
    StandardKey("Ⅲ-4", 1, "主要街道、公园、广场、车站设置公益广告。", ref=105),
]


def test_identical_and_punctuation_only_changes_are_unchanged() -> None:
    new = [StandardKey(k.item_code, k.number, k.text.rstrip("。")) for k in OLD]
    diff = diff_editions(OLD, new)
    assert [(o.ref, n.text) for o, n in diff.unchanged] == [(k.ref, k.text.rstrip("。")) for k in OLD]
    assert diff.reworded == () and diff.added == () and diff.removed == ()
    assert diff.moved == ()


def test_reworded_moved_added_removed() -> None:
    new = [
        OLD[0],                                                                  # unchanged
        StandardKey("Ⅲ-1", 2, "各级党组织开展专题学习研讨，形成学习记录并存档。"),   # reworded in place
        StandardKey("Ⅲ-5", 3, "组建理论宣讲队伍，全年开展宣讲活动不少于50场"),       # moved, same text
        StandardKey("Ⅲ-6", 1, "出台文明行为促进地方性法规或者政府规章并组织实施。"),  # moved and reworded
        StandardKey("Ⅲ-7", 1, "建立新时代文明实践志愿服务积分制度。"),              # added
    ]
    diff = diff_editions(OLD, new)
    assert [(o.ref, n.item_code) for o, n in diff.unchanged] == [(101, "Ⅲ-1"), (103, "Ⅲ-5")]
    assert [(o.ref, n.item_code) for o, n, _ in diff.reworded] == [(102, "Ⅲ-1"), (104, "Ⅲ-6")]
    assert all(0.6 <= score < 1 for _, _, score in diff.reworded)
    assert [n.item_code for n in diff.added] == ["Ⅲ-7"]
    assert [o.ref for o in diff.removed] == [105]
    assert {o.ref for o, _ in diff.moved} == {103, 104}
    assert len(diff.pairs) == 4
    assert diff.summary() == "未变 2 条，改写 2 条（其中编号变动 2 条），新增 1 条，删除 1 条"


def test_same_code_but_different_text_is_not_matched() -> None:
    new = [StandardKey("Ⅲ-4", 1, "农贸市场划行归市、环境整洁、秩序良好。")]
    diff = diff_editions(OLD[4:], new)
    assert diff.unchanged == () and diff.reworded == ()
    assert diff.added == tuple(new) and diff.removed == (OLD[4],)


def test_each_old_standard_is_matched_at_most_once() -> None:
    text = OLD[1].text
    new = [StandardKey("Ⅲ-8", 1, text), StandardKey("Ⅲ-1", 2, text), StandardKey("Ⅲ-9", 1, text)]
    diff = diff_editions([OLD[1]], new)
    assert [(o.ref, n.item_code) for o, n in diff.unchanged] == [(102, "Ⅲ-1")]   # same place first
    assert [n.item_code for n in diff.added] == ["Ⅲ-8", "Ⅲ-9"]


def test_threshold_controls_rewording() -> None:
    new = [StandardKey("Ⅲ-1", 1, "市委理论学习中心组每季度集体学习。")]
    score = similarity(OLD[0].text, new[0].text)
    assert 0.3 < score < 0.9
    assert diff_editions(OLD[:1], new, threshold=score - 0.01).reworded
    assert not diff_editions(OLD[:1], new, threshold=score + 0.01).reworded


def test_ref_is_not_part_of_identity() -> None:
    assert StandardKey("Ⅲ-1", 1, "甲", ref=1) == StandardKey("Ⅲ-1", 1, "甲", ref=2)
    assert comparable_text("1）建立 机制(试行)。") == "建立机制（试行）"


def test_fixture_editions_match_completely() -> None:
    docx = standard_keys(parse_checklist(CHECKLISTS / "测评体系示例.docx"))
    xlsx = standard_keys(parse_checklist(CHECKLISTS / "网上申报任务分解表示例.xlsx"))
    diff = diff_editions(docx, xlsx)
    assert len(diff.unchanged) == 23 and diff.moved == ()
    assert not (diff.reworded or diff.added or diff.removed)
    assert all(o.ref == n.ref for o, n in diff.unchanged)


def test_large_renumbered_edition_is_fast() -> None:
    old = [StandardKey(f"Ⅲ-{i // 3 + 1}", i % 3 + 1, f"第{i}项工作建立长效机制并按季度开展检查活动{i * 7}")
           for i in range(400)]
    new = [StandardKey(f"Ⅲ-{i // 3 + 2}", i % 3 + 1, f"第{i}项工作建立长效机制，按季度开展督查活动{i * 7}")
           for i in range(400)]
    start = time.process_time()  # CPU time: a busy machine stretches the wall time only
    diff = diff_editions(old, new)
    assert time.process_time() - start < 10
    assert len(diff.pairs) == 400
    assert all(o.text[:4] == n.text[:4] or o.text[:5] == n.text[:5] for o, n in diff.pairs)
