"""Arrangement (整理) of a year's materials into archive items (件) and their numbering.

Every material dated in the year becomes a 件 of its own the first time the year is
arranged (:func:`arrange`); the clerk then groups a main document with its attachments,
or a photo group, into one 件 (:func:`group`), and sets 保管期限, 机构代码 and titles in
batches (:func:`set_fields`).  :func:`plan` shows the arrangement with the 档号 each 件
has or would get; :func:`number` fixes the previewed numbers.  A fixed 件 keeps its
档号: it cannot be moved to another class or regrouped, and a 件 arranged later gets the
next free number at the end of its class, never a number in the middle.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from civdesk.archive.codes import RETENTIONS, CodeParts, class_label, format_code, valid_part
from civdesk.archive.settings import ArchiveSettings
from civdesk.models import (
    ArchiveItem,
    ArchiveMember,
    ChecklistNode,
    Link,
    Material,
    Standard,
    Unit,
    utcnow,
)
from civdesk.vocabulary import CAPTION_FIELDS, PHOTO_KINDS

if TYPE_CHECKING:
    from civdesk.library import Library


class ArrangeError(ValueError):
    """An arrangement change cannot be made; the message is for the clerk."""


@dataclass(frozen=True)
class MemberView:
    material_id: int
    sha256: str
    original_name: str
    kind: str
    title: str
    pages: int | None
    size: int
    captions: tuple[tuple[str, str], ...]  # (字段, 值) for photos, else ()
    taken_at: dt.datetime | None
    encrypted: bool

    @property
    def is_photo(self) -> bool:
        return self.kind in PHOTO_KINDS


@dataclass(frozen=True)
class ItemView:
    """One 件 as shown in the plan: its 档号 fixed, or the one it would get."""

    id: int
    year: int
    retention: str
    org_code: str
    title: str
    title_supplied: bool
    responsible: str
    doc_number: str
    date: dt.date | None
    secrecy: str
    pages: int
    note: str
    number: int
    code: str
    fixed: bool
    class_label: str
    members: tuple[MemberView, ...]

    @property
    def shown_title(self) -> str:
        """The title as the catalogue prints it: an archivist's title in [ ]."""
        return f"[{self.title}]" if self.title_supplied else self.title

    @property
    def date8(self) -> str:
        return self.date.strftime("%Y%m%d") if self.date else ""

    @property
    def parts(self) -> CodeParts:
        return CodeParts("", "", self.year, self.retention, self.org_code, self.number)


@dataclass(frozen=True)
class ArchivePlan:
    year: int
    settings: ArchiveSettings
    items: tuple[ItemView, ...]  # in 档号 order
    problems: tuple[str, ...]  # what stops numbering or export

    @property
    def all_fixed(self) -> bool:
        return all(i.fixed for i in self.items)

    @property
    def stamp(self) -> dt.datetime:
        """The time documents and zip entries carry: the year's last day, so two exports
        of the same arrangement give the same bytes."""
        return dt.datetime(self.year, 12, 31, 0, 0)


# ------------------------------------------------------------------ arranging
def _year_range(year: int, start: dt.date | None = None,
                end: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The dates a year's arrangement covers: the whole year, or part of it (a clerk may
    arrange the first half-year in July and the rest in January)."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    lo, hi = max(first, start or first), min(last, end or last)
    if lo > hi:
        raise ArrangeError(f"日期范围 {start or first} 至 {end or last} 不在 {year} 年度之内")
    return lo, hi


def arrange(lib: Library, year: int, settings: ArchiveSettings | None = None, *,
            start: dt.date | None = None, end: dt.date | None = None) -> int:
    """Make a 件 of each material dated in ``year`` (or in ``start``–``end`` within it) that is
    in none yet; how many were made."""
    settings = settings or ArchiveSettings.from_library(lib)
    start, end = _year_range(year, start, end)
    with lib.session() as s:
        taken = select(ArchiveMember.material_id)
        mats = s.scalars(select(Material).where(Material.date >= start, Material.date <= end,
                                                ~Material.id.in_(taken))
                         .order_by(Material.date, Material.id)).all()
        if not mats:
            return 0
        units = dict(s.execute(select(Unit.id, Unit.name)).all())
        item_codes = _item_codes(s, [m.id for m in mats])
        for m in mats:
            unit = units.get(m.unit_id, "") if m.unit_id else ""
            item = ArchiveItem(year=year, retention=_retention(settings, m, item_codes.get(m.id, ())),
                               org_code=settings.org_code(unit), responsible=unit or settings.responsible)
            _fill_from_main(item, m)
            item.members.append(ArchiveMember(material_id=m.id, position=0))
            s.add(item)
        lib.audit(s, "archive_arrange", "year", year, materials=len(mats))
        return len(mats)


def _item_codes(s: Session, material_ids: list[int]) -> dict[int, tuple[str, ...]]:
    """Per material, the codes of the checklist items it is filed under (with their parents)."""
    nodes = {n.id: n for n in s.scalars(select(ChecklistNode))}
    out: dict[int, list[str]] = {}
    rows = s.execute(select(Link.material_id, Standard.node_id)
                     .join(Standard, Standard.id == Link.standard_id)
                     .where(Link.material_id.in_(material_ids))).all()
    for mid, node_id in rows:
        node = nodes.get(node_id)
        while node is not None:
            out.setdefault(mid, []).append(node.code)
            node = nodes.get(node.parent_id) if node.parent_id else None
    return {k: tuple(v) for k, v in out.items()}


def _retention(settings: ArchiveSettings, m: Material, codes: Sequence[str]) -> str:
    found = [settings.retention_by_item[c] for c in codes if c in settings.retention_by_item]
    if found:  # filed under several items: the longest period wins
        return min(found, key=list(RETENTIONS).index)
    for key in (m.category, m.kind):
        if key and key in settings.retention_by_kind:
            return settings.retention_by_kind[key]
    return settings.default_retention


def apply_new_defaults(lib: Library, year: int, old: ArchiveSettings, new: ArchiveSettings) -> int:
    """After the clerk changes the default 保管期限 (per kind, per item, overall) or the
    机构代码 table: every 件 of ``year`` not fixed yet whose value is still what the old
    settings gave takes what the new ones give; values the clerk set by hand stay.  How many
    件 changed."""
    changed = 0
    with lib.session() as s:
        items = s.scalars(select(ArchiveItem).where(ArchiveItem.year == year,
                                                    ArchiveItem.number.is_(None))).all()
        if not items:
            return 0
        mains = {it.id: it.members[0].material_id for it in items if it.members}
        mats = {m.id: m for m in s.scalars(select(Material).where(Material.id.in_(list(mains.values()))))}
        units = dict(s.execute(select(Unit.id, Unit.name)).all())
        codes = _item_codes(s, list(mats))
        for it in items:
            m = mats.get(mains.get(it.id, -1))
            if m is None:
                continue
            unit = units.get(m.unit_id, "") if m.unit_id else ""
            ret_old = _retention(old, m, codes.get(m.id, ()))
            ret_new = _retention(new, m, codes.get(m.id, ()))
            org_old, org_new = old.org_code(unit), new.org_code(unit)
            touched = False
            if it.retention == ret_old and ret_new != ret_old:
                it.retention, touched = ret_new, True
            if it.org_code == org_old and org_new != org_old:
                it.org_code, touched = org_new, True
            changed += touched
        if changed:
            lib.audit(s, "archive_defaults", "year", year, items=changed)
    return changed


def _fill_from_main(item: ArchiveItem, m: Material) -> None:
    item.title = m.title or m.caption_event or m.original_name
    item.doc_number, item.date, item.secrecy = m.doc_number, m.date, m.secrecy


def _pages(m: Material) -> int:
    return 1 if m.kind in PHOTO_KINDS else (m.pages or 1)


# ---------------------------------------------------------------------- plan
def plan(lib: Library, year: int, *, arrange_new: bool = True, start: dt.date | None = None,
         end: dt.date | None = None) -> ArchivePlan:
    """The year's arrangement, with every 件's 档号 (fixed, or as it would be fixed).

    With ``start``/``end`` only the 件 dated in that part of the year are arranged and shown;
    their preview numbers follow the numbers already fixed in their class, so numbering the
    year part by part leaves no gap."""
    settings = ArchiveSettings.from_library(lib)
    lo, hi = _year_range(year, start, end)
    ranged = start is not None or end is not None
    if arrange_new:
        arrange(lib, year, settings, start=lo, end=hi)
    problems: list[str] = []
    if not settings.fonds:
        problems.append("未设置全宗号（请在“年度归档 → 设置”或 civdesk archive settings --fonds 中填写）")
    with lib.session() as s:
        every = s.scalars(select(ArchiveItem).where(ArchiveItem.year == year)).all()
        items = [it for it in every if not ranged or (it.date is not None and lo <= it.date <= hi)]
        mats = {m.id: m for m in s.scalars(select(Material).join(
            ArchiveMember, ArchiveMember.material_id == Material.id).join(
            ArchiveItem, ArchiveItem.id == ArchiveMember.item_id).where(ArchiveItem.year == year))}
        numbers = _numbers(every, {it.id for it in items})
        views = []
        for it in items:
            members = tuple(_member(mats[mb.material_id]) for mb in it.members)
            number = numbers[it.id]
            parts = CodeParts(settings.fonds or "?", settings.category_code, year, it.retention,
                              it.org_code, number)
            code = it.code or format_code(settings.rule, parts)
            views.append(ItemView(
                it.id, year, it.retention, it.org_code, it.title, it.title_supplied, it.responsible,
                it.doc_number, it.date, it.secrecy, it.pages or sum(_pages(mats[mb.material_id])
                                                                   for mb in it.members),
                it.note, number, code, it.code is not None, class_label(settings.rule, parts), members))
        undated = s.scalar(select(Material.id).where(Material.date.is_(None)).limit(1))
    views.sort(key=lambda v: (v.retention != "Y", v.retention, v.org_code, v.number))
    for v in views:
        if not v.members:
            problems.append(f"{v.code}：这一件没有材料（材料已从资料库删除）")
        if not v.title:
            problems.append(f"{v.code}：没有题名")
        if v.date is None:
            problems.append(f"{v.code}：没有日期")
    if undated:
        problems.append("有材料没有日期，未列入任何年度（请在材料详情中补上日期）")
    return ArchivePlan(year, settings, tuple(views), tuple(problems))


def _numbers(items: Iterable[ArchiveItem], shown: set[int] | None = None) -> dict[int, int]:
    """件号 per item: fixed ones keep theirs; the others (of ``shown`` only, when given) follow
    in date order, after the highest fixed number of their class."""
    classes: dict[tuple[str, str], list[ArchiveItem]] = {}
    for it in items:
        classes.setdefault((it.retention, it.org_code), []).append(it)
    out: dict[int, int] = {}
    for members in classes.values():
        fixed = [it for it in members if it.number is not None]
        out.update({it.id: it.number for it in fixed})  # type: ignore[misc]
        nxt = max((it.number for it in fixed), default=0) + 1  # type: ignore[type-var]
        for it in sorted((it for it in members if it.number is None
                          and (shown is None or it.id in shown)),
                         key=lambda i: (i.date or dt.date.max, i.id)):
            out[it.id] = nxt
            nxt += 1
    return out


def _member(m: Material) -> MemberView:
    caps = tuple((f, getattr(m, f)) for f in CAPTION_FIELDS) if m.kind in PHOTO_KINDS else ()
    return MemberView(m.id, m.sha256, m.original_name, m.kind, m.title, m.pages, m.size, caps,
                      m.taken_at, m.encrypted)


# ------------------------------------------------------------------- numbering
def number(lib: Library, year: int, *, start: dt.date | None = None,
           end: dt.date | None = None) -> int:
    """Fix the previewed 档号 of every 件 of ``year`` (or of ``start``–``end`` within it) not
    fixed yet; how many were fixed."""
    p = plan(lib, year, start=start, end=end)
    blocking = [x for x in p.problems if x.startswith("未设置全宗号") or "没有材料" in x]
    if blocking:
        raise ArrangeError("不能固定档号：" + "；".join(blocking))
    new = {v.id: v for v in p.items if not v.fixed}
    if not new:
        return 0
    now = utcnow()
    with lib.session() as s:
        for it in s.scalars(select(ArchiveItem).where(ArchiveItem.id.in_(list(new)))):
            v = new[it.id]
            it.number, it.code, it.fixed_at = v.number, v.code, now
            it.pages = v.pages
        lib.audit(s, "archive_number", "year", year, items=len(new),
                  codes=[new[k].code for k in sorted(new)])
    return len(new)


# --------------------------------------------------------------- batch edits
def _items_of(s: Session, year: int, material_ids: Iterable[int]) -> list[ArchiveItem]:
    ids = list(dict.fromkeys(material_ids))
    rows = s.scalars(select(ArchiveItem).join(ArchiveMember).where(
        ArchiveItem.year == year, ArchiveMember.material_id.in_(ids))).unique().all()
    found = {mb.material_id for it in rows for mb in it.members}
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise ArrangeError(f"材料 #{'、#'.join(missing)} 不在 {year} 年度的归档范围内"
                           "（材料日期须在该年度内）")
    return list(rows)


def set_fields(lib: Library, year: int, material_ids: Sequence[int], *, retention: str | None = None,
               org_code: str | None = None, title: str | None = None, responsible: str | None = None,
               note: str | None = None, secrecy: str | None = None) -> int:
    """Set fields of the 件 holding these materials; how many 件 changed.

    A fixed 件 keeps its class: 保管期限 and 机构代码 cannot change once numbered.
    ``title`` marks the title as the archivist's own (shown in [ ]).
    """
    arrange(lib, year)
    if retention is not None and retention not in RETENTIONS:
        raise ArrangeError(f"保管期限应为 {'、'.join(RETENTIONS)}，而不是「{retention}」")
    if org_code and not valid_part(org_code):
        raise ArrangeError(f"机构(问题)代码只能由字母和数字组成：「{org_code}」")
    with lib.session() as s:
        items = _items_of(s, year, material_ids)
        moving = [it.code for it in items if it.code and (
            (retention is not None and retention != it.retention)
            or (org_code is not None and org_code != it.org_code))]
        if moving:
            raise ArrangeError(f"已固定档号的件不能改变保管期限或机构代码（档号会变）：{'、'.join(moving)}")
        for it in items:
            if retention is not None:
                it.retention = retention
            if org_code is not None:
                it.org_code = org_code
            if title is not None:
                it.title, it.title_supplied = title, bool(title)
            if responsible is not None:
                it.responsible = responsible
            if note is not None:
                it.note = note
            if secrecy is not None:
                it.secrecy = secrecy
        lib.audit(s, "archive_set", "year", year, items=[it.id for it in items],
                  retention=retention, org_code=org_code, title=title)
        return len(items)


def group(lib: Library, year: int, material_ids: Sequence[int], *, title: str | None = None) -> int:
    """Make one 件 of these materials, the first being the main document (or the photo
    group's first photo); returns the 件's id.  Fixed 件 cannot be regrouped."""
    if len(material_ids) < 2:
        raise ArrangeError("组成一件至少需要两份材料")
    arrange(lib, year)
    with lib.session() as s:
        items = _items_of(s, year, material_ids)
        fixed = [it.code for it in items if it.code]
        if fixed:
            raise ArrangeError(f"已固定档号的件不能重新组件：{'、'.join(fixed)}")
        mats = {m.id: m for m in s.scalars(select(Material).where(Material.id.in_(list(material_ids))))}
        main = next(it for it in items if any(mb.material_id == material_ids[0] for mb in it.members))
        others = [it for it in items if it is not main]
        order = list(dict.fromkeys(material_ids))
        rest = [mb.material_id for it in items for mb in it.members if mb.material_id not in order]
        for it in others:
            s.delete(it)
        s.flush()
        main.members.clear()
        s.flush()
        for pos, mid in enumerate(order + rest):
            main.members.append(ArchiveMember(material_id=mid, position=pos))
        _fill_from_main(main, mats[order[0]])
        if title:
            main.title, main.title_supplied = title, True
        s.flush()
        lib.audit(s, "archive_group", "archive_item", main.id, materials=order + rest)
        return main.id


def ungroup(lib: Library, year: int, material_ids: Sequence[int]) -> int:
    """Take these materials out of their 件, each becoming a 件 of its own again."""
    with lib.session() as s:
        items = _items_of(s, year, material_ids)
        fixed = [it.code for it in items if it.code]
        if fixed:
            raise ArrangeError(f"已固定档号的件不能拆分：{'、'.join(fixed)}")
        n = 0
        for it in items:
            for mb in list(it.members):
                if mb.material_id in material_ids and len(it.members) > 1:
                    it.members.remove(mb)
                    n += 1
            for pos, mb in enumerate(it.members):
                mb.position = pos
            if it.members and not it.title_supplied:  # the main document may have changed
                _fill_from_main(it, s.get(Material, it.members[0].material_id))
        lib.audit(s, "archive_ungroup", "year", year, materials=list(material_ids))
    arrange(lib, year)
    return n
