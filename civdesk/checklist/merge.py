"""Merging a task table onto a checklist: match its rows to standards, list every change.

The checklist has two layers: the structure (items and standards, from the
national table) and the assignment (责任单位, 材料要求, 完成时限, 分值, 联系人,
from the city's task table).  :func:`plan_merge` matches each
:class:`~civdesk.checklist.tasks.TaskRow` to a standard —

1. by code: the item's code in any form (``三-9``, ``Ⅲ-9``, ``III-9``, ``3-9``)
   or as the table wrote it (``1.1.1``), or its 测评内容 text, then the
   standard's number within the item (given, or counted in the table);
2. by text: the standard's wording (same text, or similar enough), also when
   it moved; a match whose code differs from the row's is reported;

— and works out every value that would change.  It is pure: the library
layer (:func:`civdesk.checklist.store.preview_merge`) supplies the standards
and applies the plan when the clerk confirms.

Unit names are normalised and compared with the library's unit list: a name
that is a near-duplicate of one unit (``宣传部`` / ``市委宣传部``) is offered for
merging into it rather than silently doubled.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from civdesk.checklist.codes import canonical_code, normalise_code
from civdesk.checklist.diff import StandardKey, comparable_text, diff_editions, similarity
from civdesk.checklist.requirements import normalise_unit_name
from civdesk.checklist.tasks import FIELDS, TaskRow

#: The message for a 完成时限 before the 测评周期 begins (preview and checks).
STALE_DEADLINE = "完成时限早于测评周期，任务分解表可能已过期"


@dataclass(frozen=True)
class CurrentStandard:
    """What the merge needs to know of a standard already in the checklist."""

    id: int
    item_code: str
    item_source_code: str
    item_title: str
    number: int
    text: str
    lead_units: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    requirement_text: str = ""
    deadline: dt.date | None = None
    points: float | None = None
    contact: str = ""
    methods: tuple[str, ...] = ()

    @property
    def code(self) -> str:
        return f"{self.item_code}:{self.number}"

    def value(self, name: str) -> object:
        if name == "units":
            return {"lead": list(self.lead_units), "coop": [u for u in self.units if u not in self.lead_units]}
        if name == "requirement":
            return self.requirement_text
        if name == "methods":
            return list(self.methods)
        return getattr(self, name)


@dataclass(frozen=True)
class Match:
    row: TaskRow
    standard: CurrentStandard
    how: str                      # "code" | "text" | "code+text"
    similarity: float
    note: str = ""                # a mismatch worth the clerk's eye


@dataclass(frozen=True)
class Change:
    standard_id: int
    code: str
    field: str                    # a key of FIELDS
    old: object
    new: object
    row: int

    @property
    def label(self) -> str:
        return FIELDS.get(self.field, self.field)


@dataclass(frozen=True)
class UnitMerge:
    name: str                     # as the table writes it (normalised)
    into: str                     # the library's unit it is taken for


@dataclass(frozen=True)
class StaleDeadline:
    code: str
    deadline: dt.date
    period_start: dt.date
    row: int


@dataclass(frozen=True)
class MergePlan:
    matches: tuple[Match, ...]
    unmatched: tuple[tuple[TaskRow, str], ...]          # (row, reason)
    not_covered: tuple[CurrentStandard, ...]
    changes: tuple[Change, ...]
    unit_merges: tuple[UnitMerge, ...]
    new_units: tuple[str, ...]
    stale: tuple[StaleDeadline, ...]
    fields: frozenset[str]
    mismatches: tuple[str, ...] = field(default=())      # every other discrepancy, in Chinese

    def summary(self) -> str:
        return (f"对应 {len(self.matches)} 行，未对应 {len(self.unmatched)} 行，"
                f"未覆盖的标准 {len(self.not_covered)} 条，将修改 {len(self.changes)} 处")


# ------------------------------------------------------------------ matching
def _items(current: Sequence[CurrentStandard]) -> dict[str, list[CurrentStandard]]:
    items: dict[str, list[CurrentStandard]] = {}
    for st in current:
        items.setdefault(st.item_code, []).append(st)
    return items


def _resolve_item(row: TaskRow, items: dict[str, list[CurrentStandard]],
                  by_source: dict[str, str], titles: dict[str, str]) -> str | None:
    """The checklist item a row names: by code, by the table's own code, by 测评内容 text."""
    if row.item_code:
        code = canonical_code(row.item_code)
        if code in items:
            return code
        source = by_source.get(normalise_code(row.item_code))
        if source:
            return source
    if row.item_title:
        want = comparable_text(row.item_title)
        best = max(((SequenceMatcher(None, want, comparable_text(t), autojunk=False).ratio(), c)
                    for c, t in titles.items()), default=(0.0, None))
        if best[0] >= 0.8:
            return best[1]
    return None


def match_rows(rows: Sequence[TaskRow], current: Sequence[CurrentStandard]
               ) -> tuple[list[Match], list[tuple[TaskRow, str]]]:
    """Pair task rows with standards (each standard at most once)."""
    items = _items(current)
    by_source = {normalise_code(s.item_source_code): s.item_code for s in current if s.item_source_code}
    titles = {s.item_code: s.item_title for s in current}
    resolved = [_resolve_item(r, items, by_source, titles) for r in rows]
    counted: dict[str, int] = {}
    row_keys: list[StandardKey] = []
    for i, (row, item) in enumerate(zip(rows, resolved)):
        number = row.number
        if number is None:                               # numbering within the item, as listed
            counted[item or f"?{row.item_title}"] = counted.get(item or f"?{row.item_title}", 0) + 1
            number = counted[item or f"?{row.item_title}"]
        row_keys.append(StandardKey(item or "", number, row.standard.text, i))
    cur_keys = [StandardKey(s.item_code, s.number, s.text, j) for j, s in enumerate(current)]
    diff = diff_editions(cur_keys, row_keys, threshold=0.6)
    matches: dict[int, Match] = {}
    taken: set[int] = set()
    for old, new in diff.pairs:
        i, j = new.ref, old.ref
        st = current[j]
        sim = similarity(st.text, rows[i].standard.text)
        same_place = (new.item_code, new.number) == (st.item_code, st.number)
        note = ""
        if new.item_code and not same_place:
            note = f"表中编号 {new.item_code}:{new.number}，按文字对应到 {st.code}"
        elif not new.item_code and (rows[i].item_code or rows[i].item_title):
            note = f"表中的测评内容“{rows[i].item_code or rows[i].item_title[:20]}”未找到，按文字对应到 {st.code}"
        if sim < 1.0 and not note:
            note = f"文字有差异（相似度 {sim:.0%}）"
        matches[i] = Match(rows[i], st, "code+text" if same_place else "text", round(sim, 3), note)
        taken.add(j)
    by_place = {(s.item_code, s.number): j for j, s in enumerate(current)}
    unmatched: list[tuple[TaskRow, str]] = []
    for i, row in enumerate(rows):
        if i in matches:
            continue
        key = row_keys[i]
        j = by_place.get((key.item_code, key.number)) if key.item_code else None
        if j is not None and j not in taken:
            st = current[j]
            sim = similarity(st.text, row.standard.text)
            matches[i] = Match(row, st, "code", round(sim, 3),
                               f"按编号对应，但文字差异较大（相似度 {sim:.0%}），请核对")
            taken.add(j)
            continue
        if j is not None:
            reason = f"{current[j].code} 已由另一行对应"
        elif key.item_code:
            reason = f"测评内容 {key.item_code} 下没有第 {key.number} 条标准，文字也未找到相近的标准"
        elif row.item_code or row.item_title:
            reason = f"测评内容“{row.item_code or row.item_title[:20]}”在测评体系中未找到，文字也未找到相近的标准"
        else:
            reason = "没有编号，文字也未找到相近的标准"
        unmatched.append((row, reason))
    return [matches[i] for i in sorted(matches)], unmatched


# ------------------------------------------------------------------- units
def resolve_units(names: Iterable[str], known: Iterable[str]) -> tuple[dict[str, str], list[UnitMerge], list[str]]:
    """Map each table unit name to the spelling to use.

    Returns (name → name to use, near-duplicates offered for merging, names new
    to the library).  A near-duplicate is a unit containing the name or
    contained in it (``宣传部`` / ``市委宣传部``), or spelled almost the same
    (similarity ≥ 0.85), among the library's units and the table's own longer
    names; only a single candidate is offered (the library's unit first).
    """
    known_list = list(dict.fromkeys(normalise_unit_name(k) for k in known))
    raw_names = list(dict.fromkeys(names))
    normal = {raw: normalise_unit_name(raw) for raw in raw_names}
    accepted: list[str] = []                       # table names kept as they are, longest first
    chosen: dict[str, str] = {}
    merges: list[UnitMerge] = []
    new: list[str] = []
    order = {n: i for i, n in enumerate(dict.fromkeys(normal.values()))}
    for name in sorted(order, key=lambda n: (-len(n), order[n])):
        if name in known_list:
            chosen[name] = name
            continue
        into = _near(name, known_list) or _near(name, accepted)
        if into:
            merges.append(UnitMerge(name, into))
            chosen[name] = into
        else:
            accepted.append(name)
            new.append(name)
            chosen[name] = name
    merges.sort(key=lambda m: order[m.name])
    new.sort(key=lambda n: order[n])
    return {raw: chosen[normal[raw]] for raw in raw_names}, merges, new


def _near(name: str, pool: Sequence[str]) -> str | None:
    candidates = [k for k in pool if len(min(k, name, key=len)) >= 2
                  and (name in k or k in name
                       or SequenceMatcher(None, name, k, autojunk=False).ratio() >= 0.85)]
    return candidates[0] if len(candidates) == 1 else None


# -------------------------------------------------------------------- plan
def plan_merge(rows: Sequence[TaskRow], current: Sequence[CurrentStandard], fields: frozenset[str],
               known_units: Iterable[str], *, merge_units: bool = True,
               period_start: dt.date | None = None) -> MergePlan:
    """Match ``rows`` to ``current`` and list every value that would change.

    Only the ``fields`` the table has columns for are compared; an empty cell
    changes nothing (a value is never replaced by nothing).  With
    ``merge_units=False`` near-duplicate unit names are kept as new units.
    """
    matches, unmatched = match_rows(rows, current)
    table_units = [u for m in matches for u in m.row.standard.all_units]
    use, merges, new_units = resolve_units(table_units, known_units)
    if not merge_units:                                  # the clerk keeps them apart: new units
        use = {raw: normalise_unit_name(raw) for raw in use}
        new_units = list(dict.fromkeys(new_units + [m.name for m in merges]))
    changes: list[Change] = []
    stale: list[StaleDeadline] = []
    mismatches = [f"{m.row.label} → {m.standard.code}：{m.note}" for m in matches if m.note]
    for m in matches:
        st, ps = m.standard, m.row.standard
        proposed: dict[str, object] = {}
        if "units" in fields and ps.all_units:
            lead = list(dict.fromkeys(use.get(u, u) for u in ps.lead_units))
            coop = [u for u in dict.fromkeys(use.get(u, u) for u in ps.units) if u not in lead]
            proposed["units"] = {"lead": lead, "coop": coop}
        if "requirement" in fields and ps.requirements.text:
            proposed["requirement"] = ps.requirements.text
        if "deadline" in fields and ps.deadline is not None:
            proposed["deadline"] = ps.deadline
            if period_start is not None and ps.deadline < period_start:
                stale.append(StaleDeadline(st.code, ps.deadline, period_start, m.row.row))
        elif "deadline" in fields and ps.deadline_text:
            mismatches.append(f"{m.row.label} → {st.code}：完成时限“{ps.deadline_text}”不是日期，未导入")
        if "points" in fields and ps.points is not None:
            proposed["points"] = ps.points
        if "contact" in fields and ps.contact:
            proposed["contact"] = ps.contact
        if "methods" in fields and ps.methods and not st.methods:
            proposed["methods"] = list(ps.methods)
        for name, new in proposed.items():
            old = st.value(name)
            if _differs(name, old, new):
                changes.append(Change(st.id, st.code, name, old, new, m.row.row))
    covered = {m.standard.id for m in matches}
    not_covered = tuple(s for s in current if s.id not in covered)
    return MergePlan(tuple(matches), tuple(unmatched), not_covered, tuple(changes), tuple(merges),
                     tuple(new_units), tuple(stale), fields, tuple(mismatches))


def _differs(name: str, old: object, new: object) -> bool:
    if name == "units":
        return (old["lead"], sorted(old["coop"])) != (new["lead"], sorted(new["coop"]))  # type: ignore[index]
    if name == "points":
        return old is None or float(old) != float(new)  # type: ignore[arg-type]
    return old != new


def show_value(name: str, value: object) -> str:
    """A value as the preview shows it (``牵头：市文明办；配合：团市委``)."""
    if value in (None, "", [], {}):
        return "（空）"
    if name == "units":
        lead, coop = value["lead"], value["coop"]  # type: ignore[index]
        parts = []
        if lead:
            parts.append("牵头：" + "、".join(lead))
        if coop:
            parts.append("配合：" + "、".join(coop))
        return "；".join(parts) or "（空）"
    if name == "methods":
        return "、".join(value)  # type: ignore[arg-type]
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def json_value(name: str, value: object) -> object:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
