"""Run the rules over a checklist: statuses, roll-ups, the per-unit table.

:func:`run_checks` reads everything once (materials as plain rows, no
files) and keeps the maps it built in ``CheckResult.state`` so that
:func:`recheck` can recompute only the standards touched by an edit.
"""
from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import repeat
from typing import TYPE_CHECKING

from civdesk.checklist.store import ChecklistTree, NodeView, StandardView, checklist_tree, current_period
from civdesk.checks import data
from civdesk.checks.data import MaterialRow
from civdesk.checks.model import (
    ERROR,
    FAULTY,
    MET,
    MISSING,
    NOT_NEEDED,
    NOTICE,
    PARTIAL,
    STATUSES,
    CheckResult,
    Finding,
    KindCount,
    NodeRollup,
    OwedItem,
    PeriodInfo,
    StandardStatus,
    UnitOwed,
)
from civdesk.checks.rules import (
    MATERIAL_RULES,
    STANDARD_RULES,
    ContentKey,
    Context,
    Issue,
    StandardFacts,
    apply_severity,
    content_key,
)
from civdesk.checks.settings import CheckSettings, get_check_settings
from civdesk.gcpause import gc_paused

if TYPE_CHECKING:
    from civdesk.library import Library

ROLE_LEAD, ROLE_COOP, ROLE_SUBMIT = "牵头", "配合", "提交材料"


@dataclass(frozen=True)
class _State:
    """Everything a re-check needs from the previous run (treated as immutable)."""

    tree: ChecklistTree
    standards: Mapping[int, StandardView]  # in checklist order
    node_titles: Mapping[int, str]  # standard id → its 测评内容 title
    settings: CheckSettings
    period: PeriodInfo | None
    today: dt.date
    unit_filter: str | None
    materials: Mapping[int, MaterialRow]
    texts: Mapping[int, str]
    std_materials: Mapping[int, tuple[int, ...]]
    mat_standards: Mapping[int, tuple[int, ...]]
    content_keys: Mapping[int, ContentKey]
    key_standards: Mapping[ContentKey, frozenset[int]]
    mat_issues: Mapping[int, tuple[Issue, ...]]
    unit_names: Mapping[int, str]
    statuses: Mapping[int, StandardStatus]


# ------------------------------------------------------------------ public
def run_checks(lib: Library, checklist_id: int | None = None, unit: str | None = None,
               year: int | None = None, *, today: dt.date | None = None,
               settings: CheckSettings | None = None) -> CheckResult:
    """Check every standard of a checklist (default: the newest active one).

    ``unit`` narrows the result to the standards that unit leads, co-operates
    on or submitted material to; ``year`` picks the 测评周期 (default: the
    current one, see :func:`pick_period`).
    """
    with gc_paused():
        return _run_checks(lib, checklist_id, unit, year, today, settings)


def _run_checks(lib: Library, checklist_id: int | None, unit: str | None, year: int | None,
                today: dt.date | None, settings: CheckSettings | None) -> CheckResult:
    settings = settings or get_check_settings(lib)
    tree = checklist_tree(lib, checklist_id)
    today = today or dt.date.today()
    period = pick_period(tree, year, today)
    cid = tree.checklist.id
    with lib.session() as s:
        links = data.load_links(s, cid)
        materials = data.load_linked_materials(s, cid, links)
        texts = data.load_texts(s, materials) if settings.enabled("relevance") else {}
        unit_names = data.load_unit_names(s)
    standards = {st.id: st for st in tree.all_standards()}
    node_titles = {st.id: n.title for r in tree.roots for n in r.walk() for st in n.standards}
    std_mats: dict[int, list[int]] = {sid: [] for sid in standards}
    mat_stds: dict[int, list[int]] = {}
    for mid, sid in links:
        std_mats[sid].append(mid)
        mat_stds.setdefault(mid, []).append(sid)
    keys = {mid: k for mid, m in materials.items() if (k := content_key(m))}
    state = _State(
        tree=tree, standards=standards, node_titles=node_titles, settings=settings, period=period,
        today=today, unit_filter=unit, materials=materials, texts=texts,
        std_materials={sid: tuple(sorted(v)) for sid, v in std_mats.items()},
        mat_standards={mid: tuple(v) for mid, v in mat_stds.items()},
        content_keys=keys, key_standards=_key_standards(keys, mat_stds),
        mat_issues={}, unit_names=unit_names, statuses={})
    ctx = _context(state)
    state = replace(state, mat_issues=_all_material_issues(materials.values(), ctx))
    statuses = {sid: _standard_status(state, ctx, sid) for sid in standards}
    return _result(replace(state, statuses=statuses))


def recheck(lib: Library, previous: CheckResult, material_ids: Iterable[int]) -> CheckResult:
    """Re-check after editing (or adding, linking, deleting) some materials.

    Only the standards those materials are (or were) filed under are
    recomputed, plus the standards sharing a duplicate fingerprint with them;
    checklist, settings and period are taken from ``previous`` (run
    :func:`run_checks` again after changing those).
    """
    old: _State = previous.state
    if old is None:
        raise ValueError("这个检查结果不能增量复查，请重新运行完整检查")
    with gc_paused():
        return _recheck(lib, old, set(material_ids))


def _recheck(lib: Library, old: _State, ids: set[int]) -> CheckResult:
    cid = old.tree.checklist.id
    with lib.session() as s:
        links = data.load_material_links(s, cid, ids)
        rows = data.load_materials(s, ids=ids)
        texts = data.load_texts(s, rows) if old.settings.enabled("relevance") else {}
        unit_names = data.load_unit_names(s)
    linked = {mid for mid, _ in links}
    materials = dict(old.materials)
    all_texts = dict(old.texts)
    keys = dict(old.content_keys)
    mat_stds = dict(old.mat_standards)
    touched_keys = {keys[m] for m in ids if m in keys}
    touched_stds = {sid for m in ids for sid in old.mat_standards.get(m, ())}
    for mid in ids:
        materials.pop(mid, None)
        all_texts.pop(mid, None)
        keys.pop(mid, None)
        mat_stds.pop(mid, None)
    for mid, sid in links:
        mat_stds.setdefault(mid, ())
        mat_stds[mid] = mat_stds[mid] + (sid,)
        touched_stds.add(sid)
    for mid in linked:
        if mid in rows:
            m = rows[mid]
            materials[mid] = m
            if mid in texts:
                all_texts[mid] = texts[mid]
            if k := content_key(m):
                keys[mid] = k
                touched_keys.add(k)
    std_mats = dict(old.std_materials)
    for sid in touched_stds:
        kept = [m for m in old.std_materials.get(sid, ()) if m not in ids]
        kept += [mid for mid, s in links if s == sid and mid in materials]
        std_mats[sid] = tuple(sorted(set(kept)))
    key_stds = dict(old.key_standards)
    _refresh_keys(key_stds, touched_keys, keys, mat_stds)
    for k in touched_keys:
        touched_stds |= set(old.key_standards.get(k, ())) | set(key_stds.get(k, ()))
    state = replace(old, materials=materials, texts=all_texts, content_keys=keys,
                    mat_standards=mat_stds, std_materials=std_mats, key_standards=key_stds,
                    unit_names=unit_names)
    ctx = _context(state)
    mat_issues = dict(old.mat_issues)
    for mid in ids:
        mat_issues.pop(mid, None)
        if mid in materials:
            mat_issues[mid] = _material_issues(materials[mid], ctx)
    state = replace(state, mat_issues=mat_issues)
    statuses = dict(old.statuses)
    for sid in touched_stds:
        if sid in state.standards:
            statuses[sid] = _standard_status(state, ctx, sid)
    return _result(replace(state, statuses=statuses))


def pick_period(tree: ChecklistTree, year: int | None = None, today: dt.date | None = None) -> PeriodInfo | None:
    """The 测评周期 of ``year``; without a year the current one: the period containing ``today``
    (default: the real today), else the one of today's year, else the latest."""
    periods = tree.checklist.periods
    if year is not None:
        chosen = [p for p in periods if p.year == year]
        if not chosen:
            years = "、".join(str(p.year) for p in periods) or "无"
            raise ValueError(f"测评体系「{tree.checklist.label}」没有 {year} 年的测评周期（已设置：{years}）")
        p = chosen[0]
    else:
        p = current_period(periods, today)
        if p is None:
            return None
    return PeriodInfo(p.year, p.start, p.end)


# ---------------------------------------------------------------- helpers
def _context(state: _State) -> Context:
    return Context(settings=state.settings, period=state.period, today=state.today,
                   texts=state.texts, content_keys=state.content_keys,
                   key_standards=state.key_standards,
                   codes={sid: st.code for sid, st in state.standards.items()})


def _key_standards(keys: Mapping[int, ContentKey],
                   mat_stds: Mapping[int, Iterable[int]]) -> dict[ContentKey, frozenset[int]]:
    one: dict[ContentKey, Iterable[int]] = {}  # fingerprint of one material → its standards
    many: dict[ContentKey, list[int]] = {}  # of several → all their standards
    for mid, k in keys.items():
        stds = mat_stds.get(mid)
        if not stds:
            continue
        if k in many:
            many[k].extend(stds)
        elif k in one:
            many[k] = [*one.pop(k), *stds]
        else:
            one[k] = stds
    out = {k: v for k, stds in many.items() if len(v := frozenset(stds)) > 1}
    out.update((k, v) for k, stds in one.items() if len(stds) > 1 and len(v := frozenset(stds)) > 1)
    return out


def _refresh_keys(key_stds: dict[ContentKey, frozenset[int]], touched: set[ContentKey],
                  keys: Mapping[int, ContentKey],
                  mat_stds: Mapping[int, Iterable[int]]) -> None:
    if not touched:
        return
    groups: dict[ContentKey, set[int]] = {k: set() for k in touched}
    for mid, k in keys.items():  # one pass over the fingerprints
        if k in groups:
            groups[k].update(mat_stds.get(mid, ()))
    for k, v in groups.items():
        key_stds.pop(k, None)
        if len(v) > 1:
            key_stds[k] = frozenset(v)


PHOTO_RULES = frozenset({"date_mismatch", "caption", "resolution", "blur", "compression"})


@lru_cache(maxsize=16)
def _material_fns(disabled: frozenset[str], photo: bool) -> tuple:
    """The enabled material rules that can apply to a photo / to any other file."""
    return tuple(r.fn for r in MATERIAL_RULES
                 if r.id not in disabled and (photo or r.id not in PHOTO_RULES))


def _material_issues(m: MaterialRow, ctx: Context) -> tuple[Issue, ...]:
    return _all_material_issues((m,), ctx).get(m.id, ())


def _all_material_issues(materials: Iterable[MaterialRow], ctx: Context) -> dict[int, tuple[Issue, ...]]:
    """Each material's own issues (materials without any are left out).

    Rule by rule over all photos, then over all other files (``map`` calls the rule: no
    Python loop per material and rule); each material's issues stay in rule order."""
    settings = ctx.settings
    mats = list(materials)
    photos = [m for m in mats if m.is_photo]
    others = [m for m in mats if not m.is_photo]
    found: dict[int, list[Issue]] = {}
    for group, photo in ((photos, True), (others, False)):
        for fn in _material_fns(settings.disabled, photo):
            for m, issues in zip(group, map(fn, group, repeat(ctx))):
                if issues:
                    got = found.get(m.id)
                    if got is None:
                        found[m.id] = list(issues)
                    else:
                        got.extend(issues)
    if settings.severities:
        return {mid: tuple(apply_severity(v, settings)) for mid, v in found.items() if v}
    return {mid: tuple(v) for mid, v in found.items() if v}


def _counts(st: StandardView, mats: list[MaterialRow], invalid: set[int]) -> tuple[KindCount, ...]:
    out = []
    for req in st.requirements:
        linked = [m for m in mats if m.category == req.kind]
        valid = sum(1 for m in linked if m.id not in invalid)
        out.append(KindCount(req.kind, req.min_count, valid, len(linked)))
    return tuple(out)


def _standard_status(state: _State, ctx: Context, sid: int) -> StandardStatus:
    st = state.standards[sid]
    materials, mat_issues, keys = state.materials, state.mat_issues, state.content_keys
    mats = [materials[m] for m in state.std_materials.get(sid, ()) if m in materials]
    settings = state.settings
    code, unit_names = st.code, state.unit_names
    count_copies = "duplicate" not in settings.disabled
    # one pass over the materials: which count for nothing (an error of their own, or a second
    # copy of the same content), and their own findings by severity
    invalid: set[int] = set()
    seen: set[ContentKey] = set()
    own: dict[str, list[Finding]] = {sev: [] for sev in _SEV_ORDER}
    for m in mats:
        mid = m.id
        found = mat_issues.get(mid)
        if found:
            label = m.title or m.original_name
            unit = unit_names.get(m.unit_id, "") if m.unit_id is not None else ""
            for i in found:
                if i.severity == ERROR:
                    invalid.add(mid)
                own[i.severity].append(Finding(i.rule, i.severity, i.message, i.fix, code, sid, mid, label, unit))
        if count_copies:
            k = keys.get(mid)
            if k is not None:
                if k in seen:
                    invalid.add(mid)
                seen.add(k)
    facts = StandardFacts(st, state.node_titles.get(sid, ""), tuple(mats), frozenset(invalid),
                          _counts(st, mats, invalid))
    issues: list[Issue] = []
    for rule in STANDARD_RULES:
        if rule.id not in settings.disabled:
            issues.extend(rule.fn(facts, ctx))
    issues = apply_severity(issues, settings)
    by_id = {m.id: m for m in mats}
    # findings by severity (errors first), each in the order: requirement, materials', the rest
    by_sev: dict[str, list[Finding]] = {sev: [] for sev in _SEV_ORDER}
    for i in issues:
        if i.rule == "requirement":
            by_sev[i.severity].append(_finding(i, st, by_id, unit_names))
    for sev, group in own.items():
        by_sev[sev].extend(group)
    for i in issues:
        if i.rule != "requirement":
            by_sev[i.severity].append(_finding(i, st, by_id, unit_names))
    findings = [f for group in by_sev.values() for f in group]
    return StandardStatus(
        id=st.id, code=st.code, item_code=st.item_code, number=st.number, text=st.text,
        status=_status(facts, findings), needs_materials=st.needs_materials,
        requirement_text=st.requirement_text, counts=facts.counts, lead_units=st.lead_units,
        units=st.all_units, deadline=st.deadline, material_ids=tuple(m.id for m in mats),
        findings=tuple(findings), score=st.points)


_SEV_ORDER = {ERROR: 0, "警告": 1, NOTICE: 2}
_COUNTING_RULES = frozenset({"requirement", "overdue"})


def _finding(i: Issue, st: StandardView, mats: Mapping[int, MaterialRow],
             unit_names: Mapping[int, str]) -> Finding:
    m = mats.get(i.material_id) if i.material_id is not None else None
    unit = unit_names.get(m.unit_id, "") if m is not None and m.unit_id is not None else ""
    return Finding(i.rule, i.severity, i.message, i.fix, st.code, st.id, i.material_id,
                   m.label if m else "", unit)


def _status(facts: StandardFacts, findings: list[Finding]) -> str:
    if not facts.standard.needs_materials:
        return NOT_NEEDED
    if any(f.severity == ERROR and f.rule not in _COUNTING_RULES for f in findings):
        return FAULTY
    valid = len(facts.materials) - len(facts.invalid)
    if valid == 0 or facts.counts and all(c.valid == 0 for c in facts.counts):
        return MISSING
    return MET if facts.requirement_met else PARTIAL


def _result(state: _State) -> CheckResult:
    unit = state.unit_filter
    statuses = [state.statuses[sid] for sid in state.standards]
    if unit:
        statuses = [s for s in statuses if unit in s.units or any(f.unit == unit for f in s.findings)]
    kept = {s.id for s in statuses}
    rollup = tuple(r for root in state.tree.roots for r in _rollup(root, state.statuses, kept))
    units = _units(statuses, state)
    if unit:
        units = tuple(u for u in units if u.unit == unit)
    c = state.tree.checklist
    return CheckResult(
        checklist_id=c.id, checklist_name=c.label, period=state.period, today=state.today,
        checked_at=dt.datetime.now().replace(microsecond=0), standards=tuple(statuses),
        rollup=rollup, units=units, unit_filter=unit,
        disabled_rules=tuple(sorted(state.settings.disabled)), state=state)


def _rollup(node: NodeView, statuses: Mapping[int, StandardStatus], kept: set[int]) -> list[NodeRollup]:
    below = [statuses[st.id].status for n in node.walk() for st in n.standards if st.id in kept]
    if not below:
        return []
    tally = {s: below.count(s) for s in STATUSES if below.count(s)}
    out = [NodeRollup(node.id, node.code, node.title, node.level, rollup_status(below),
                      tuple(tally.items()))]
    for child in node.children:
        out.extend(_rollup(child, statuses, kept))
    return out


def rollup_status(statuses: list[str]) -> str:
    """One status for a group of standards (those needing no material ignored)."""
    counted = [s for s in statuses if s != NOT_NEEDED]
    if not counted:
        return NOT_NEEDED
    if FAULTY in counted:
        return FAULTY
    if all(s == MET for s in counted):
        return MET
    if all(s == MISSING for s in counted):
        return MISSING
    return PARTIAL


# ---------------------------------------------------------- the unit table
def _units(statuses: list[StandardStatus], state: _State) -> tuple[UnitOwed, ...]:
    names: list[str] = []
    assigned: dict[str, int] = {}
    met: dict[str, int] = {}
    items: dict[str, list[OwedItem]] = {}
    for s in statuses:
        roles = {u: ROLE_LEAD for u in s.lead_units}
        for u in s.units:
            roles.setdefault(u, ROLE_COOP)
        for u in roles:
            if s.needs_materials:
                assigned[u] = assigned.get(u, 0) + 1
                met[u] = met.get(u, 0) + (s.status == MET)
        reasons = _Reasons(s)
        for u in reasons.by_unit:
            if u not in roles:
                roles[u] = ROLE_SUBMIT
        for u, role in roles.items():
            if u not in items:
                items[u] = []
                names.append(u)
            why = reasons.of(u, role)
            if why:
                items[u].append(OwedItem(s.code, s.text, s.status, role, s.deadline, why))
    order = {n: i for i, n in enumerate(state.unit_names.values())}
    names.sort(key=lambda n: (order.get(n, len(order)), n))
    return tuple(UnitOwed(n, tuple(items[n]), assigned.get(n, 0), met.get(n, 0)) for n in names)


class _Reasons:
    """Why each unit still owes work on a standard: its own materials' problems, the problems
    of materials nobody is named for (the lead units'), and the standard's shortfalls unless
    it only submitted material.  The findings are grouped once (not read again per unit)."""

    def __init__(self, s: StandardStatus) -> None:
        self.status = s
        self.standard: list[tuple[int, str]] = []  # (position among the findings, reason)
        self.unitless: list[tuple[int, str]] = []
        self.by_unit: dict[str, list[tuple[int, str]]] = {}
        for n, f in enumerate(s.findings):
            if f.severity == NOTICE:
                continue
            if f.material_id is None:
                self.standard.append((n, f"{f.message}（{f.fix}）"))
            elif f.unit:
                self.by_unit.setdefault(f.unit, []).append((n, f"「{f.material_title}」{f.message}（{f.fix}）"))
            else:
                self.unitless.append((n, f"「{f.material_title}」{f.message}（{f.fix}）"))

    def of(self, unit: str, role: str) -> tuple[str, ...]:
        parts = [p for p in (self.standard if role != ROLE_SUBMIT else (), self.by_unit.get(unit, ()),
                             self.unitless if role == ROLE_LEAD else ()) if p]
        if len(parts) == 1:
            out = [text for _, text in parts[0]]
        else:
            out = [text for _, text in heapq.merge(*parts)]  # in the findings' order
        s = self.status
        if not out and s.needs_materials and s.status in (MISSING, PARTIAL) and role != ROLE_SUBMIT:
            out.append(f"状态为「{s.status}」")
        return tuple(out)
