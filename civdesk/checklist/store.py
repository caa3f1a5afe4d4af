"""Checklists in the library: import with preview, editions, units, periods, views.

The parser (:mod:`civdesk.checklist`) turns a Word/Excel table into plain
values; this module stores them, maps the material links of an older edition
onto the new one, and reads the tree back as frozen views for the CLI and UI.
Addresses: an item by its code (``Ⅲ-9``), a standard by item code and number
(``Ⅲ-9:1``).
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from civdesk.checklist import ChecklistFormatError, ParsedChecklist, parse_checklist, parse_requirements
from civdesk.checklist.codes import canonical_code, normalise_code, parse_address
from civdesk.checklist.diff import EditionDiff, StandardKey, diff_editions
from civdesk.checklist.merge import UnitMerge, json_value, resolve_units, show_value
from civdesk.checklist.model import MATERIAL_METHODS, ParsedNode
from civdesk.checklist.parse import format_preview
from civdesk.checklist.requirements import normalise_unit_name
from civdesk.checklist.tasks import FIELDS, name_and_year
from civdesk.materials import add_link
from civdesk.models import Checklist, ChecklistNode, Link, Period, Standard, StandardUnit, Unit
from civdesk.resources import SAMPLE_CHECKLIST

if TYPE_CHECKING:
    from civdesk.library import Library

SAMPLE = SAMPLE_CHECKLIST
SAMPLE_NAME = "全国文明城市测评体系（示例）"


class ChecklistNotFound(LookupError):
    """No checklist, item or standard with the address given."""


# ----------------------------------------------------------------- the views
@dataclass(frozen=True)
class RequirementView:
    kind: str
    min_count: int


@dataclass(frozen=True)
class StandardView:
    id: int
    item_code: str
    number: int
    text: str
    methods: tuple[str, ...]
    lead_units: tuple[str, ...]
    units: tuple[str, ...]
    deadline: dt.date | None
    requirement_text: str
    requirements: tuple[RequirementView, ...]
    requirement_unparsed: str
    points: float | None
    material_count: int
    contact: str = ""

    @property
    def code(self) -> str:
        return f"{self.item_code}:{self.number}"

    @property
    def needs_materials(self) -> bool:
        return any(m in MATERIAL_METHODS for m in self.methods)

    @property
    def all_units(self) -> tuple[str, ...]:
        return self.lead_units + tuple(u for u in self.units if u not in self.lead_units)


@dataclass(frozen=True)
class NodeView:
    id: int
    code: str
    title: str
    level: int
    children: tuple[NodeView, ...]
    standards: tuple[StandardView, ...]

    def walk(self) -> Iterable[NodeView]:
        yield self
        for c in self.children:
            yield from c.walk()


@dataclass(frozen=True)
class PeriodView:
    year: int
    start: dt.date
    end: dt.date


def current_period(periods: Iterable[PeriodView], today: dt.date | None = None) -> PeriodView | None:
    """The 测评周期 views and checks use unless told otherwise: the one containing today, else
    the one of today's year, else the latest (None when the checklist has none)."""
    periods = list(periods)
    if not periods:
        return None
    today = today or dt.date.today()
    for p in periods:
        if p.start <= today <= p.end:
            return p
    for p in periods:
        if p.year == today.year:
            return p
    return max(periods, key=lambda p: p.year)


@dataclass(frozen=True)
class ChecklistInfo:
    id: int
    name: str
    family: str
    edition: str
    source_name: str
    active: bool
    items: int
    standards: int
    periods: tuple[PeriodView, ...]

    @property
    def label(self) -> str:
        state = "" if self.active else "（旧版）"
        edition = f" {self.edition}" if self.edition else ""
        return f"{self.name}{edition}{state}"


@dataclass(frozen=True)
class ChecklistTree:
    checklist: ChecklistInfo
    roots: tuple[NodeView, ...]

    def all_standards(self) -> Iterable[StandardView]:
        for root in self.roots:
            for node in root.walk():
                yield from node.standards


@dataclass(frozen=True)
class CarriedValue:
    """A value of the old edition (责任单位, 材料要求 …) and where it goes in the new one."""

    old_code: str
    new_code: str | None           # None: the standard is removed
    field: str                     # a key of civdesk.checklist.tasks.FIELDS
    value: object
    text: str                      # the standard's text (old edition)

    def as_json(self) -> dict:
            return {"standard": self.old_code, "new_standard": self.new_code, "field": self.field,
                "value": json_value(self.field, self.value), "text": self.text}


@dataclass(frozen=True)
class ImportPreview:
    """What an import would do; nothing is written until :func:`commit_import`."""

    source: str
    parsed: ParsedChecklist
    name: str
    replaces: ChecklistInfo | None  # the older edition this one follows, if any
    diff: EditionDiff | None
    text: str  # a human-readable preview in Chinese
    carry: tuple[CarriedValue, ...] = ()    # values the new table lacks, taken from the old edition
    lost: tuple[CarriedValue, ...] = ()     # values of removed standards: gone with them
    drop_missing: bool = False              # the clerk chose to drop what the new table lacks
    unit_merges: tuple[UnitMerge, ...] = ()  # near-duplicate unit names taken for one unit
    unit_names: tuple[tuple[str, str], ...] = ()   # (name in the table, unit it is stored as)

    @property
    def dropped(self) -> tuple[CarriedValue, ...]:
        """Every value the import would lose, each named in the preview."""
        return self.lost + (self.carry if self.drop_missing else ())


@dataclass(frozen=True)
class ImportOutcome:
    checklist_id: int
    standards: int
    units_added: tuple[str, ...]
    links_carried: int
    removed_with_materials: tuple[tuple[str, str, int], ...]  # (code, text, material count)
    diff: EditionDiff | None


# ------------------------------------------------------------------- import
def preview_import(lib: Library, path: Path, *, name: str | None = None,
                   edition_of: int | None = None, separate: bool = False,
                   drop_missing: bool = False, mapping: dict[str, str] | None = None,
                   merge_units: bool = True) -> ImportPreview:
    """Parse ``path`` and work out what importing it would change.

    A checklist whose standards mostly match an active checklist of the library
    is taken as a new edition of it (unless ``separate``); ``edition_of``
    names that checklist explicitly.
    """
    parsed = parse_checklist(Path(path), mapping=mapping)
    new_keys = [StandardKey(item.code, st.number, st.text) for item, st in parsed.all_standards()]
    replaces: ChecklistInfo | None = None
    diff: EditionDiff | None = None
    if not separate:
        candidates = [edition_of] if edition_of else [c.id for c in list_checklists(lib) if c.active]
        best: tuple[float, ChecklistInfo, EditionDiff] | None = None
        for cid in candidates:
            old_keys = [StandardKey(s.item_code, s.number, s.text)
                        for s in checklist_tree(lib, cid).all_standards()]
            d = diff_editions(old_keys, new_keys)
            matched = len(d.unchanged) + len(d.reworded)
            share = matched / max(len(old_keys), len(new_keys), 1)
            if (edition_of or share >= 0.5) and (best is None or share > best[0]):
                best = (share, get_checklist(lib, cid), d)
        if best:
            _, replaces, diff = best
    final_name = name or (replaces.name if replaces else _name_from(parsed, path))
    text = format_preview(parsed)
    carry: tuple[CarriedValue, ...] = ()
    lost: tuple[CarriedValue, ...] = ()
    if replaces and diff:
        text += "\n\n" + describe_diff(diff, f"与现有「{replaces.label}」相比")
        carry, lost = _edition_values(checklist_tree(lib, replaces.id), parsed, diff)
        text += "\n" + describe_carry(carry, lost, drop_missing)
    with lib.session() as s:
        known = list(s.scalars(select(Unit.name).order_by(Unit.id)))
    use, merges, _ = resolve_units(parsed.units(), known)
    if not merge_units:
        use = {u: normalise_unit_name(u) for u in use}
    if merges:
        verb = "并入已有单位" if merge_units else "与已有单位相近，仍作为新单位"
        text += f"\n\n相近的单位名称（{len(merges)}）：\n" + "\n".join(
            f"  {m.name} → {verb}「{m.into}」" for m in merges)
    return ImportPreview(str(path), parsed, final_name, replaces, diff, text, carry, lost, drop_missing,
                         tuple(merges), tuple(use.items()))


_CARRIED_FIELDS = ("units", "requirement", "deadline", "points", "contact", "methods")


def _view_values(st: StandardView) -> dict[str, object]:
    """The assignment values a standard of the library has (empty ones left out)."""
    values: dict[str, object] = {
        "units": {"lead": list(st.lead_units), "coop": [u for u in st.units if u not in st.lead_units]}
        if st.all_units else None,
        "requirement": st.requirement_text or None, "deadline": st.deadline, "points": st.points,
        "contact": st.contact or None, "methods": list(st.methods) or None,
    }
    return {k: v for k, v in values.items() if v is not None}


def _parsed_has(st: object, name: str) -> bool:
    return bool({"units": st.all_units, "requirement": st.requirements.text, "deadline": st.deadline,  # type: ignore[attr-defined]
                 "points": st.points is not None, "contact": st.contact,  # type: ignore[attr-defined]
                 "methods": st.methods}[name])  # type: ignore[attr-defined]


def _edition_values(old_tree: ChecklistTree, parsed: ParsedChecklist, diff: EditionDiff
                    ) -> tuple[tuple[CarriedValue, ...], tuple[CarriedValue, ...]]:
    """(values the new table lacks for a matched standard, values of removed standards)."""
    old = {(s.item_code, s.number): s for s in old_tree.all_standards()}
    new = {(n.code, st.number): st for n, st in parsed.all_standards()}
    carry: list[CarriedValue] = []
    for o, n in diff.pairs:
        ov, ns = old[(o.item_code, o.number)], new[(n.item_code, n.number)]
        for name, value in _view_values(ov).items():
            if not _parsed_has(ns, name):
                carry.append(CarriedValue(ov.code, f"{n.item_code}:{n.number}", name, value, ov.text))
    lost = [CarriedValue(f"{o.item_code}:{o.number}", None, name, value, old[(o.item_code, o.number)].text)
            for o in diff.removed for name, value in _view_values(old[(o.item_code, o.number)]).items()]
    return tuple(carry), tuple(lost)


def describe_carry(carry: Iterable[CarriedValue], lost: Iterable[CarriedValue], drop_missing: bool) -> str:
    """The preview's lines on values the new edition lacks: carried over or dropped, each named."""
    carry, lost = list(carry), list(lost)
    lines: list[str] = []
    if carry and not drop_missing:
        lines.append(f"新表中没有、将从现有版本带过的内容 {len(carry)} 处"
                     "（如需舍弃，导入时选择“舍弃新表中没有的内容”）：")
        lines += [f"  带过 {c.old_code}→{c.new_code} {FIELDS[c.field]}：{show_value(c.field, c.value)}"
                  for c in carry]
    dropped = lost + (carry if drop_missing else [])
    if dropped:
        lines.append(f"将丢失的内容 {len(dropped)} 处：")
        for c in dropped:
            why = "标准已删除" if c.new_code is None else "新表中没有，已选择舍弃"
            lines.append(f"  丢失 {c.old_code} {FIELDS[c.field]}：{show_value(c.field, c.value)}（{why}）")
    if not lines:
        lines.append("责任单位、材料要求、完成时限等内容没有丢失。")
    return "\n".join(lines)


def _name_from(parsed: ParsedChecklist, path: Path) -> str:
    """The name from the title row, without its year (``2025年度…责任分工表`` → ``…责任分工表``)."""
    title = (parsed.title or "").strip()
    return name_and_year(title)[0] if title else Path(path).stem


def describe_diff(diff: EditionDiff, heading: str) -> str:
    lines = [f"{heading}：未变 {len(diff.unchanged)} 条，措辞修改 {len(diff.reworded)} 条，"
             f"新增 {len(diff.added)} 条，删除 {len(diff.removed)} 条。"]
    for old, new, sim in diff.reworded:
        lines.append(f"  修改 {_key(old)} → {_key(new)}（相似度 {sim:.0%}）：{new.text}")
    for new in diff.added:
        lines.append(f"  新增 {_key(new)}：{new.text}")
    for old in diff.removed:
        lines.append(f"  删除 {_key(old)}：{old.text}")
    return "\n".join(lines)


def _key(k: StandardKey) -> str:
    return f"{k.item_code}:{k.number}"


def commit_import(lib: Library, preview: ImportPreview, *, edition: str = "") -> ImportOutcome:
    """Write the previewed checklist in one transaction (all or nothing).

    A table with rows whose standards could not be placed is refused as a
    whole: a half-imported checklist would hide missing standards.
    """
    parsed = preview.parsed
    if parsed.errors:
        first = parsed.errors[0]
        raise ChecklistFormatError(
            f"表格有 {len(parsed.errors)} 处无法识别，未导入任何内容。首个问题：{first}",
            row=first.row, column=first.column)
    with lib.session() as s:
        family = preview.replaces.family if preview.replaces else preview.name
        position = (s.scalar(select(func.max(Checklist.position))) or 0) + 1
        cl = Checklist(name=preview.name, family=family, edition=edition or _default_edition(parsed),
                       source_name=Path(preview.source).name, active=True, position=position)
        s.add(cl)
        s.flush()
        units_before = set(s.scalars(select(Unit.name)))
        use = dict(preview.unit_names) or {u: u for u in parsed.units()}
        ids = _ensure_units(s, set(use.values()))
        unit_ids = {name: ids[use.get(name, name)] for name in parsed.units()}
        new_ids: dict[tuple[str, int], int] = {}
        for i, root in enumerate(parsed.roots):
            _store_node(s, cl.id, None, root, i, unit_ids, new_ids)
        carried = 0
        removed: list[tuple[str, str, int]] = []
        if preview.replaces and preview.diff:
            old_ids = _standard_ids(s, preview.replaces.id)
            pairs = [(o, n) for o, n in preview.diff.unchanged] + \
                    [(o, n) for o, n, _ in preview.diff.reworded]
            for old, new in pairs:
                carried += _copy_links(s, old_ids[(old.item_code, old.number)],
                                       new_ids[(new.item_code, new.number)])
            for old in preview.diff.removed:
                sid = old_ids[(old.item_code, old.number)]
                n = s.scalar(select(func.count()).select_from(Link).where(Link.standard_id == sid)) or 0
                removed.append((_key(old), old.text, n))
            if not preview.drop_missing:
                _apply_carry(s, preview.carry, new_ids)
            old_cl = s.get(Checklist, preview.replaces.id)
            old_cl.active = False
            for p in s.scalars(select(Period).where(Period.checklist_id == old_cl.id)):
                s.add(Period(checklist_id=cl.id, year=p.year, start=p.start, end=p.end))
        lib.audit(s, "checklist_import", "checklist", cl.id, source=Path(preview.source).name,
                  replaces=preview.replaces.id if preview.replaces else None,
                  links_carried=carried)
        added_units = tuple(sorted(set(use.values()) - units_before))
        return ImportOutcome(cl.id, len(new_ids), added_units, carried, tuple(removed), preview.diff)


def _apply_carry(s: Session, carry: Iterable[CarriedValue], new_ids: dict[tuple[str, int], int]) -> None:
    for c in carry:
        code, _, number = (c.new_code or "").rpartition(":")
        sid = new_ids.get((code, int(number))) if number.isdigit() else None
        if sid is not None:
            set_standard_value(s, s.get(Standard, sid), c.field, c.value)


def set_standard_value(s: Session, std: Standard, name: str, value: object) -> None:
    """Set one assignment field of a standard (the one place merge and editions write them)."""
    if name == "units":
        roles = {u: "lead" for u in value["lead"]}  # type: ignore[index]
        for u in value["coop"]:  # type: ignore[index]
            roles.setdefault(u, "coop")
        ids = _ensure_units(s, roles)
        for row in list(s.scalars(select(StandardUnit).where(StandardUnit.standard_id == std.id))):
            s.delete(row)
        s.flush()
        for uname, role in roles.items():
            s.add(StandardUnit(standard_id=std.id, unit_id=ids[uname], role=role))
    elif name == "requirement":
        spec = parse_requirements(str(value))
        std.requirement_text = spec.text
        std.requirements = [{"kind": r.kind, "min_count": r.min_count} for r in spec.rules]
        std.requirement_unparsed = spec.unparsed
    elif name == "deadline":
        std.deadline = value  # type: ignore[assignment]
    elif name == "points":
        std.points = None if value is None else float(value)  # type: ignore[arg-type]
    elif name == "contact":
        std.contact = str(value or "")
    elif name == "methods":
        std.methods = list(value or [])  # type: ignore[call-overload]


def _default_edition(parsed: ParsedChecklist) -> str:
    year = name_and_year(parsed.title or "")[1]
    return str(year) if year else ""


def _ensure_units(s: Session, names: Iterable[str]) -> dict[str, int]:
    existing = {u.name: u.id for u in s.scalars(select(Unit))}
    for name in names:
        if name not in existing:
            u = Unit(name=name)
            s.add(u)
            s.flush()
            existing[name] = u.id
    return existing


def _store_node(s: Session, checklist_id: int, parent_id: int | None, node: ParsedNode,
                position: int, unit_ids: dict[str, int], out: dict[tuple[str, int], int]) -> None:
    row = ChecklistNode(checklist_id=checklist_id, parent_id=parent_id, level=node.level,
                        code=node.code, source_code=node.source_code or "", title=node.title,
                        position=position)
    s.add(row)
    s.flush()
    for i, st in enumerate(node.standards):
        std = Standard(
            node_id=row.id, number=st.number, text=st.text, methods=list(st.methods),
            requirement_text=st.requirements.text,
            requirements=[{"kind": r.kind, "min_count": r.min_count} for r in st.requirements.rules],
            requirement_unparsed=st.requirements.unparsed, deadline=st.deadline, points=st.points,
            contact=st.contact, note=st.note, position=i)
        s.add(std)
        s.flush()
        roles = {unit_ids[u]: "lead" for u in st.lead_units}   # by id: two spellings, one unit
        for u in st.units:
            roles.setdefault(unit_ids[u], "coop")
        for uid, role in roles.items():
            s.add(StandardUnit(standard_id=std.id, unit_id=uid, role=role))
        out[(node.code, st.number)] = std.id
    for i, child in enumerate(node.children):
        _store_node(s, checklist_id, row.id, child, i, unit_ids, out)


def _standard_ids(s: Session, checklist_id: int) -> dict[tuple[str, int], int]:
    rows = s.execute(
        select(ChecklistNode.code, Standard.number, Standard.id)
        .join(Standard, Standard.node_id == ChecklistNode.id)
        .where(ChecklistNode.checklist_id == checklist_id)
    ).all()
    return {(code, number): sid for code, number, sid in rows}


def _copy_links(s: Session, old_sid: int, new_sid: int) -> int:
    n = 0
    for link in s.scalars(select(Link).where(Link.standard_id == old_sid)):
        n += int(add_link(s, link.material_id, new_sid, "edition", link.note))
    return n


def load_sample(lib: Library) -> None:
    """Load the built-in sample checklist with a 测评周期 for its year."""
    preview = preview_import(lib, SAMPLE, name=SAMPLE_NAME, separate=True)
    outcome = commit_import(lib, preview)
    set_period(lib, outcome.checklist_id, dt.date(2023, 8, 1), dt.date(2024, 7, 31))


# -------------------------------------------------------------------- views
def list_checklists(lib: Library) -> list[ChecklistInfo]:
    with lib.session() as s:
        ids = s.scalars(select(Checklist.id).order_by(Checklist.active.desc(),
                                                      Checklist.position)).all()
        return [_info(s, cid) for cid in ids]


def get_checklist(lib: Library, checklist_id: int | None = None) -> ChecklistInfo:
    with lib.session() as s:
        if checklist_id is None:
            checklist_id = _default_checklist_id(s)
        if s.get(Checklist, checklist_id) is None:
            raise ChecklistNotFound(f"没有编号为 {checklist_id} 的测评体系")
        return _info(s, checklist_id)


def _default_checklist_id(s: Session) -> int:
    cid = s.scalar(select(Checklist.id).order_by(Checklist.active.desc(),
                                                 Checklist.position.desc()).limit(1))
    if cid is None:
        raise ChecklistNotFound("资料库中还没有测评体系，请先导入")
    return cid


def _info(s: Session, cid: int) -> ChecklistInfo:
    cl = s.get(Checklist, cid)
    items = s.scalar(select(func.count()).select_from(ChecklistNode)
                     .where(ChecklistNode.checklist_id == cid)) or 0
    standards = s.scalar(select(func.count()).select_from(Standard).join(ChecklistNode)
                         .where(ChecklistNode.checklist_id == cid)) or 0
    periods = tuple(PeriodView(p.year, p.start, p.end) for p in s.scalars(
        select(Period).where(Period.checklist_id == cid).order_by(Period.year)))
    return ChecklistInfo(cl.id, cl.name, cl.family, cl.edition, cl.source_name, cl.active,
                         items, standards, periods)


def checklist_tree(lib: Library, checklist_id: int | None = None) -> ChecklistTree:
    with lib.session() as s:
        if checklist_id is None:
            checklist_id = _default_checklist_id(s)
        info = _info(s, checklist_id)
        nodes = s.scalars(select(ChecklistNode).where(ChecklistNode.checklist_id == checklist_id)
                          .order_by(ChecklistNode.level, ChecklistNode.position)).all()
        standards = s.scalars(select(Standard).join(ChecklistNode)
                              .where(ChecklistNode.checklist_id == checklist_id)
                              .order_by(Standard.position)).all()
        unit_rows = s.execute(
            select(StandardUnit.standard_id, Unit.name, StandardUnit.role)
            .join(Unit, Unit.id == StandardUnit.unit_id)
            .join(Standard, Standard.id == StandardUnit.standard_id)
            .join(ChecklistNode, ChecklistNode.id == Standard.node_id)
            .where(ChecklistNode.checklist_id == checklist_id)
            .order_by(Unit.id)).all()
        counts = dict(s.execute(
            select(Link.standard_id, func.count()).join(Standard, Standard.id == Link.standard_id)
            .join(ChecklistNode).where(ChecklistNode.checklist_id == checklist_id)
            .group_by(Link.standard_id)).all())
    units: dict[int, dict[str, list[str]]] = {}
    for sid, name, role in unit_rows:
        units.setdefault(sid, {"lead": [], "coop": []})[role].append(name)
    codes = {n.id: n.code for n in nodes}
    by_node: dict[int, list[StandardView]] = {}
    for st in standards:
        u = units.get(st.id, {"lead": [], "coop": []})
        by_node.setdefault(st.node_id, []).append(StandardView(
            id=st.id, item_code=codes[st.node_id], number=st.number, text=st.text,
            methods=tuple(st.methods or ()), lead_units=tuple(u["lead"]), units=tuple(u["coop"]),
            deadline=st.deadline, requirement_text=st.requirement_text or "",
            requirements=tuple(RequirementView(r["kind"], int(r["min_count"]))
                               for r in st.requirements or ()),
            requirement_unparsed=st.requirement_unparsed or "", points=st.points,
            material_count=counts.get(st.id, 0), contact=st.contact or ""))
    children: dict[int | None, list[ChecklistNode]] = {}
    for n in nodes:
        children.setdefault(n.parent_id, []).append(n)

    def build(n: ChecklistNode) -> NodeView:
        kids = sorted(children.get(n.id, []), key=lambda c: c.position)
        return NodeView(n.id, n.code, n.title, n.level, tuple(build(c) for c in kids),
                        tuple(by_node.get(n.id, [])))

    roots = sorted(children.get(None, []), key=lambda c: c.position)
    return ChecklistTree(info, tuple(build(r) for r in roots))


def tree_as_json(tree: ChecklistTree) -> dict:
    def node(n: NodeView) -> dict:
        d = {"code": n.code, "title": n.title, "level": n.level,
             "children": [node(c) for c in n.children]}
        if n.level == 3:
            d["standards"] = [{
                "code": s.code, "number": s.number, "text": s.text, "methods": list(s.methods),
                "units": list(s.all_units), "lead_units": list(s.lead_units),
                "deadline": s.deadline.isoformat() if s.deadline else None,
                "requirements": [{"kind": r.kind, "min_count": r.min_count}
                                 for r in s.requirements],
                "requirement_text": s.requirement_text,
                "requirement_unparsed": s.requirement_unparsed,
                "score": s.points, "contact": s.contact or None,
                "needs_materials": s.needs_materials, "materials": s.material_count,
            } for s in n.standards]
        return d

    c = tree.checklist
    return {"id": c.id, "name": c.name, "edition": c.edition, "active": c.active,
            "periods": [{"year": p.year, "start": p.start.isoformat(), "end": p.end.isoformat()}
                        for p in c.periods],
            "children": [node(r) for r in tree.roots]}


# ---------------------------------------------------------------- addresses
_STD_ADDR = re.compile(r"^\s*(.+?)\s*[:：]\s*(\d+)\s*$")


def parse_standard_address(address: str) -> tuple[str, int]:
    """``'三-9:2'`` / ``'Ⅲ-9:2'`` / ``'III-9:2'`` / ``'3-9:2'`` → ``('Ⅲ-9', 2)``; a local code
    (``'1.1.1:2'``) comes back cleaned.  :class:`ChecklistNotFound` when it is no address."""
    parsed = parse_address(address)
    if parsed is not None and parsed[1] is not None:
        return parsed[0], parsed[1]
    m = _STD_ADDR.match(address or "")
    if not m:
        raise ChecklistNotFound(f"测评标准编号格式应为「测评内容编号:序号」，如 Ⅲ-9:1，而不是「{address}」")
    return canonical_code(m.group(1)), int(m.group(2))


def find_standard(lib: Library, address: str, checklist_id: int | None = None) -> StandardView:
    """A standard by its address (``Ⅲ-9:1`` in any form, or the table's own ``1.1.1:1``)
    in the given (or default) checklist."""
    code, number = parse_standard_address(address)
    tree = checklist_tree(lib, checklist_id)
    for st in tree.all_standards():
        if st.item_code == code and st.number == number:
            return st
    sources = source_codes(lib, tree)
    for st in tree.all_standards():
        if sources.get(st.item_code) == code and st.number == number:
            return st
    raise ChecklistNotFound(f"测评体系「{tree.checklist.label}」中没有测评标准 {code}:{number}")


def source_codes(lib: Library, tree: ChecklistTree) -> dict[str, str]:
    """Item code → the code as the table wrote it (``1.1.1``), for addresses in the local scheme."""
    with lib.session() as s:
        return {code: normalise_code(src) for code, src in s.execute(
            select(ChecklistNode.code, ChecklistNode.source_code)
            .where(ChecklistNode.checklist_id == tree.checklist.id)) if src}


def find_node(lib: Library, code: str, checklist_id: int | None = None) -> NodeView:
    code = canonical_code(code)
    tree = checklist_tree(lib, checklist_id)
    sources = source_codes(lib, tree)
    for root in tree.roots:
        for n in root.walk():
            if n.code == code or sources.get(n.code) == code:
                return n
    raise ChecklistNotFound(f"测评体系「{tree.checklist.label}」中没有条目 {code}")


# ------------------------------------------------------------ units, periods
@dataclass(frozen=True)
class UnitView:
    id: int
    name: str
    contact: str
    phone: str
    lead: int  # standards it leads
    coop: int  # standards it co-operates on


def list_units(lib: Library) -> list[UnitView]:
    with lib.session() as s:
        roles = s.execute(select(StandardUnit.unit_id, StandardUnit.role, func.count())
                          .group_by(StandardUnit.unit_id, StandardUnit.role)).all()
        tally: dict[tuple[int, str], int] = {(u, r): n for u, r, n in roles}
        return [UnitView(u.id, u.name, u.contact, u.phone, tally.get((u.id, "lead"), 0),
                         tally.get((u.id, "coop"), 0))
                for u in s.scalars(select(Unit).order_by(Unit.id))]


def update_unit(lib: Library, unit_id: int, *, name: str | None = None,
                contact: str | None = None, phone: str | None = None) -> None:
    with lib.session() as s:
        u = s.get(Unit, unit_id)
        if u is None:
            raise ChecklistNotFound(f"没有编号为 {unit_id} 的责任单位")
        before = {"name": u.name, "contact": u.contact, "phone": u.phone}
        if name is not None:
            name = name.strip()
            if not name:
                raise ValueError("单位名称不能为空")
            clash = s.scalar(select(Unit.id).where(Unit.name == name, Unit.id != unit_id))
            if clash:
                raise ValueError(f"已有名为「{name}」的单位")
            u.name = name
        if contact is not None:
            u.contact = contact.strip()
        if phone is not None:
            u.phone = phone.strip()
        lib.audit(s, "unit_edit", "unit", unit_id, before=before)


def set_period(lib: Library, checklist_id: int | None, start: dt.date, end: dt.date,
               year: int | None = None) -> PeriodView:
    """Set the 测评周期 of a checklist for a year (default: the end date's year)."""
    if end < start:
        raise ValueError(f"测评周期的结束日期 {end} 早于开始日期 {start}")
    year = year or end.year
    with lib.session() as s:
        if checklist_id is None:
            checklist_id = _default_checklist_id(s)
        if s.get(Checklist, checklist_id) is None:
            raise ChecklistNotFound(f"没有编号为 {checklist_id} 的测评体系")
        p = s.scalar(select(Period).where(Period.checklist_id == checklist_id, Period.year == year))
        if p is None:
            p = Period(checklist_id=checklist_id, year=year, start=start, end=end)
            s.add(p)
        else:
            p.start, p.end = start, end
        lib.audit(s, "period_set", "checklist", checklist_id, year=year,
                  start=start.isoformat(), end=end.isoformat())
    return PeriodView(year, start, end)


def diff_checklists(lib: Library, old_id: int, new_id: int) -> EditionDiff:
    old = [StandardKey(s.item_code, s.number, s.text) for s in checklist_tree(lib, old_id).all_standards()]
    new = [StandardKey(s.item_code, s.number, s.text) for s in checklist_tree(lib, new_id).all_standards()]
    return diff_editions(old, new)


__all__ = [
    "ChecklistFormatError", "ChecklistInfo", "ChecklistNotFound", "ChecklistTree", "ImportOutcome",
    "ImportPreview", "NodeView", "StandardView", "checklist_tree", "commit_import",
    "diff_checklists", "find_node", "find_standard", "get_checklist", "list_checklists",
    "current_period", "list_units", "load_sample", "preview_import", "set_period", "tree_as_json", "update_unit",
    "CarriedValue", "describe_carry", "parse_standard_address", "set_standard_value", "source_codes",
]
