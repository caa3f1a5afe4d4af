"""The import preview: what the parser recognised, as data and as Chinese text.

:func:`preview_data` gathers the figures a clerk checks before importing
(levels, standards per item, methods, units, requirements, deadlines and every
row not understood); :func:`format_preview` renders them as plain text for
the preview dialog and the command line.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from civdesk.checklist.model import ERROR, REQUIREMENT_KINDS, ParsedChecklist, ParsedNode


@dataclass(frozen=True)
class PreviewData:
    counts: dict[str, int]
    needs_materials: int
    methods: tuple[tuple[str, int], ...]
    lead_units: tuple[str, ...]
    units: tuple[str, ...]
    requirement_kinds: tuple[tuple[str, int], ...]      # kind → standards asking for it
    with_requirements: int
    unparsed_requirements: tuple[tuple[str, str], ...]  # (standard label, leftover text)
    deadlines: tuple[tuple[str, int], ...]              # ISO date or text → standards
    without_deadline: int


def _label(node: ParsedNode, number: int) -> str:
    return f"{node.code} 第{number}条"


def preview_data(parsed: ParsedChecklist) -> PreviewData:
    methods: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    deadlines: Counter[str] = Counter()
    unparsed: list[tuple[str, str]] = []
    needs = with_req = no_deadline = 0
    for node, std in parsed.all_standards():
        methods.update(std.methods)
        needs += std.needs_materials
        if std.requirements.rules:
            with_req += 1
            kinds.update({r.kind for r in std.requirements.rules})
        if std.requirements.unparsed:
            unparsed.append((_label(node, std.number), std.requirements.unparsed))
        if std.deadline is not None:
            deadlines[std.deadline.isoformat()] += 1
        elif std.deadline_text:
            deadlines[std.deadline_text] += 1
        else:
            no_deadline += 1
    roles = parsed.unit_roles()
    return PreviewData(
        counts=parsed.counts(),
        needs_materials=needs,
        methods=tuple(methods.most_common()),
        lead_units=tuple(u for u, r in roles.items() if "lead" in r),
        units=tuple(roles),
        requirement_kinds=tuple((k, kinds[k]) for k in REQUIREMENT_KINDS if kinds[k]),
        with_requirements=with_req,
        unparsed_requirements=tuple(unparsed),
        deadlines=tuple(sorted(deadlines.items())),
        without_deadline=no_deadline,
    )


def _tree_lines(node: ParsedNode, indent: int = 0) -> list[str]:
    pad = "  " * indent
    if node.standards:
        lines = [f"{pad}{node.code} {node.title}（{len(node.standards)} 条标准）"]
    else:
        lines = [f"{pad}{node.code} {node.title}"]
    for child in node.children:
        lines.extend(_tree_lines(child, indent + 1))
    return lines


def format_preview(parsed: ParsedChecklist) -> str:
    """A Chinese, human-readable summary of ``parsed`` for the import preview."""
    data = preview_data(parsed)
    c = data.counts
    lines = [
        f"测评体系：{parsed.title}",
        f"来源文件：{parsed.source_name}",
        f"识别结果：测评项目 {c['level1']} 个，指标 {c['level2']} 个，测评内容 {c['level3']} 个，"
        f"测评标准 {c['standards']} 条（其中需提交材料 {data.needs_materials} 条）",
    ]
    if data.methods:
        lines.append("测评方法：" + "，".join(f"{m} {n} 条" for m, n in data.methods))
    if data.units:
        lines.append(f"责任单位（{len(data.units)} 个）：" + "、".join(data.units))
        if data.lead_units:
            lines.append(f"其中牵头单位（{len(data.lead_units)} 个）：" + "、".join(data.lead_units))
    else:
        lines.append("责任单位：表中未列出")
    if data.with_requirements or data.unparsed_requirements:
        kinds = "，".join(f"{k} {n} 条" for k, n in data.requirement_kinds)
        lines.append(f"材料要求：{data.with_requirements} 条标准已识别（{kinds}）")
        for label, text in data.unparsed_requirements:
            lines.append(f"  未能识别的材料要求 {label}：{text}")
    else:
        lines.append("材料要求：表中未列出")
    if data.deadlines:
        parts = "，".join(f"{d}（{n} 条）" for d, n in data.deadlines)
        rest = f"；未定时限 {data.without_deadline} 条" if data.without_deadline else ""
        lines.append(f"完成时限：{parts}{rest}")
    else:
        lines.append("完成时限：表中未列出")
    lines.append("")
    lines.append("结构：")
    for root in parsed.roots:
        lines.extend(_tree_lines(root, 1))
    lines.append("")
    if parsed.problems:
        errors = sum(1 for p in parsed.problems if p.severity == ERROR)
        head = f"未能识别的行（{len(parsed.problems)} 处"
        head += f"，其中 {errors} 处导致测评标准无法导入）：" if errors else "）："
        lines.append(head)
        for problem in parsed.problems:
            mark = "【错误】" if problem.severity == ERROR else ""
            lines.append(f"  {mark}{problem}")
    else:
        lines.append("所有行均已识别。")
    return "\n".join(lines)
