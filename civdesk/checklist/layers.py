"""A task table merged onto a checklist of the library: preview first, apply on confirmation.

:func:`preview_merge` reads the task table (:mod:`civdesk.checklist.tasks`),
matches it to the checklist's standards and lists what would change
(:mod:`civdesk.checklist.merge`); nothing is written.  :func:`commit_merge`
applies exactly the previewed changes in one transaction, to the checklist
itself, so checks, notices, exports and by-unit views read the merged values
at once.  :func:`merge_as_json` is the ``--dry-run --json`` document.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from civdesk.checklist.merge import (
    STALE_DEADLINE,
    CurrentStandard,
    MergePlan,
    json_value,
    plan_merge,
    show_value,
)
from civdesk.checklist.store import (
    ChecklistInfo,
    ChecklistNotFound,
    checklist_tree,
    get_checklist,
    set_standard_value,
    source_codes,
)
from civdesk.checklist.tasks import FIELDS, TaskTable, read_task_table
from civdesk.models import Standard, Unit

if TYPE_CHECKING:
    from civdesk.library import Library


@dataclass(frozen=True)
class MergePreview:
    source: str
    checklist: ChecklistInfo
    table: TaskTable
    plan: MergePlan
    merge_units: bool
    text: str


@dataclass(frozen=True)
class MergeOutcome:
    checklist_id: int
    standards_changed: int
    values_changed: int
    units_added: tuple[str, ...]


def preview_merge(lib: Library, path: Path | str, checklist_id: int | None = None, *,
                  mapping: dict[str, str] | None = None, merge_units: bool = True) -> MergePreview:
    """What merging the task table at ``path`` onto the checklist would change (nothing written)."""
    if checklist_id is not None:
        get_checklist(lib, checklist_id)                 # ChecklistNotFound for a wrong id
    table = read_task_table(Path(path), mapping)
    tree = checklist_tree(lib, checklist_id)
    sources = source_codes(lib, tree)
    current = []
    for root in tree.roots:
        for node in root.walk():
            for st in node.standards:
                current.append(CurrentStandard(
                    st.id, st.item_code, sources.get(st.item_code, ""), node.title, st.number, st.text,
                    st.lead_units, st.units, st.requirement_text, st.deadline, st.points, st.contact,
                    st.methods))
    with lib.session() as s:
        known = list(s.scalars(select(Unit.name).order_by(Unit.id)))
    periods = tree.checklist.periods
    period_start = max(periods, key=lambda p: p.year).start if periods else None
    plan = plan_merge(table.rows, current, table.fields, known, merge_units=merge_units,
                      period_start=period_start)
    return MergePreview(str(path), tree.checklist, table, plan, merge_units,
                        describe_merge(tree.checklist, table, plan, merge_units))


def commit_merge(lib: Library, preview: MergePreview) -> MergeOutcome:
    """Apply the previewed changes in one transaction (all or nothing)."""
    with lib.session() as s:
        units_before = set(s.scalars(select(Unit.name)))
        touched: set[int] = set()
        for change in preview.plan.changes:
            std = s.get(Standard, change.standard_id)
            if std is None:
                raise ChecklistNotFound(f"测评标准 {change.code} 已不存在，请重新预览")
            set_standard_value(s, std, change.field, change.new)
            touched.add(change.standard_id)
        s.flush()
        added = tuple(sorted(set(s.scalars(select(Unit.name))) - units_before))
        lib.audit(s, "checklist_merge", "checklist", preview.checklist.id,
                  source=Path(preview.source).name, title=preview.table.title,
                  changes=len(preview.plan.changes), standards=len(touched),
                  unit_merges=[[m.name, m.into] for m in preview.plan.unit_merges]
                  if preview.merge_units else [])
    return MergeOutcome(preview.checklist.id, len(touched), len(preview.plan.changes), added)


# ------------------------------------------------------------------ output
def describe_merge(checklist: ChecklistInfo, table: TaskTable, plan: MergePlan, merge_units: bool) -> str:
    """The merge preview in Chinese, for the command line and the wizard."""
    year = f"（{table.year} 年度）" if table.year else ""
    has = "、".join(FIELDS[f] for f in FIELDS if f in table.fields) or "无"
    lines = [f"任务分解表：{table.title}{year}", f"合并到测评体系：{checklist.label}",
             f"表中可导入的列：{has}", plan.summary() + "。"]
    if plan.unmatched:
        lines.append(f"\n表中未对应到测评标准的行（{len(plan.unmatched)}）：")
        lines += [f"  {row.label}：{row.standard.text[:40]} —— {why}" for row, why in plan.unmatched]
    if plan.not_covered:
        lines.append(f"\n表中未覆盖的测评标准（{len(plan.not_covered)}，保持原值）：")
        lines += [f"  {st.code} {st.text[:40]}" for st in plan.not_covered]
    if plan.mismatches:
        lines.append(f"\n需要核对的不一致（{len(plan.mismatches)}）：")
        lines += [f"  {m}" for m in plan.mismatches]
    if plan.stale:
        lines.append(f"\n{STALE_DEADLINE}（{len(plan.stale)} 条）：")
        lines += [f"  {x.code} 完成时限 {x.deadline}，测评周期自 {x.period_start} 开始" for x in plan.stale]
    if plan.unit_merges:
        verb = "并入已有单位" if merge_units else "与已有单位相近，仍作为新单位"
        lines.append(f"\n相近的单位名称（{len(plan.unit_merges)}）：")
        lines += [f"  {m.name} → {verb}「{m.into}」" for m in plan.unit_merges]
    if plan.new_units:
        lines.append(f"\n新增单位（{len(plan.new_units)}）：" + "、".join(plan.new_units))
    lines.append(f"\n将修改的内容（{len(plan.changes)} 处）：" if plan.changes else "\n没有需要修改的内容。")
    lines += [f"  {c.code} {c.label}：{show_value(c.field, c.old)} → {show_value(c.field, c.new)}"
              for c in plan.changes]
    if table.problems:
        lines.append(f"\n未能识别的行（{len(table.problems)}）：")
        lines += [f"  {p}" for p in table.problems]
    return "\n".join(lines)


def merge_as_json(preview: MergePreview, dry_run: bool) -> dict:
    plan, table = preview.plan, preview.table
    return {
        "dry_run": dry_run, "checklist_id": preview.checklist.id, "source": Path(preview.source).name,
        "title": table.title, "name": table.name, "year": table.year,
        "fields": [f for f in FIELDS if f in table.fields],
        "columns": [{"column": c, "header": h, "role": r or None} for c, h, r in table.columns],
        "matched": [{"row": m.row.row, "table": m.row.table_name, "standard": m.standard.code,
                     "text": m.row.standard.text, "how": m.how, "similarity": m.similarity,
                     "note": m.note or None} for m in plan.matches],
        "unmatched": [{"row": r.row, "table": r.table_name, "item": r.item_code or r.item_title or None,
                       "number": r.number, "text": r.standard.text, "reason": why}
                      for r, why in plan.unmatched],
        "not_covered": [{"standard": st.code, "text": st.text} for st in plan.not_covered],
        "changes": [{"standard": c.code, "field": c.field, "label": c.label, "row": c.row,
                     "old": json_value(c.field, c.old), "new": json_value(c.field, c.new)}
                    for c in plan.changes],
        "unit_merges": [{"name": m.name, "into": m.into, "merged": preview.merge_units}
                        for m in plan.unit_merges],
        "new_units": list(plan.new_units),
        "stale_deadlines": [{"standard": x.code, "deadline": x.deadline.isoformat(),
                             "period_start": x.period_start.isoformat(), "row": x.row,
                             "message": STALE_DEADLINE} for x in plan.stale],
        "mismatches": list(plan.mismatches),
        "dropped": [],       # a merge never removes a value: an empty cell changes nothing
        "problems": [{"row": p.row, "column": p.column, "message": p.message} for p in table.problems],
    }
