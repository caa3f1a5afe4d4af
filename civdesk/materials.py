"""Materials: listing, metadata edits, filing (links), suggestions.

Writes return what they changed (:class:`Changes`) so undo can restore it and
views know what to refresh.  Every write goes to the audit log; the session
bumps the material's ``version`` so the search index catches up
(:mod:`civdesk.material_versions`).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from civdesk.models import (
    ChecklistNode,
    Link,
    Material,
    MaterialText,
    Standard,
    Suggestion,
    Unit,
    utcnow,
)
from civdesk.vocabulary import CAPTION_FIELDS, CAPTION_LABELS, PHOTO_KINDS

if TYPE_CHECKING:
    from civdesk.library import Library

EDITABLE = ("title", "date", "unit_id", "category", "doc_number", "secrecy", "notes") + CAPTION_FIELDS
FIELD_LABELS = {"title": "题名", "date": "形成日期", "unit_id": "责任单位", "category": "类别",
                "doc_number": "文号", "secrecy": "密级", "notes": "备注", **CAPTION_LABELS}
CATEGORIES = ("正式发文", "说明报告", "图片", "数据表格", "视频", "评价意见", "台账", "其他")
SECRECY = ("", "公开", "内部", "秘密", "机密")
SORTS = {"date": "m.date", "name": "m.original_name", "kind": "m.kind", "unit": "u.name",  # sort key → SQL
         "title": "m.title", "imported": "m.id"}


class MaterialRow(NamedTuple):
    """One material as the views show it (a named tuple: a view builds dozens per screen)."""

    id: int
    sha256: str
    original_name: str
    title: str
    kind: str
    category: str
    date: dt.date | None
    date_source: str
    unit_id: int | None
    unit: str
    doc_number: str
    secrecy: str
    notes: str
    caption_time: str
    caption_place: str
    caption_people: str
    caption_event: str
    caption_background: str
    caption_photographer: str
    pages: int | None
    width: int | None
    height: int | None
    size: int
    text_status: str
    problem: str
    thumb: bool
    version: int
    standards: tuple[int, ...] = ()
    pages_estimated: bool = False
    edit_version: int = 1  # pass it back to update(expected=…): a change by another clerk is caught

    @property
    def pages_text(self) -> str:
        """``12 页``, or ``约 12 页`` when the count is the file's own estimate (DOCX)."""
        if not self.pages:
            return ""
        return f"约 {self.pages} 页" if self.pages_estimated else f"{self.pages} 页"

    @property
    def is_photo(self) -> bool:
        return self.kind in PHOTO_KINDS

    def value(self, name: str) -> Any:
        return getattr(self, name)


@dataclass(frozen=True)
class Changes:
    """What a write changed: material ids, and per material the old values."""

    material_ids: tuple[int, ...] = ()
    before: dict[int, dict[str, Any]] = field(default_factory=dict)
    links_added: tuple[tuple[int, int], ...] = ()
    links_removed: tuple[tuple[int, int], ...] = ()


# --------------------------------------------------------------------- reads
def list_ids(lib: Library, *, standard_ids: Iterable[int] | None = None, unfiled: bool = False,
             unit_id: int | None = None, sort: str = "date", descending: bool = False,
             kind: str | None = None, dated: tuple[dt.date, dt.date] | None = None) -> list[int]:
    """Material ids for a view, filtered and sorted in SQL.

    ``dated`` (first, last day): only materials formed then, and those without a date (they
    belong to no year, so a year's view never hides them).

    One plain DB-API query (no ORM rows, no statement compiling): the window lists a node's
    ids on the UI thread when it is small, so every millisecond here is a stall there."""
    with lib.session() as s:
        conn = s.connection().connection.driver_connection
        mark = "?" if s.get_bind().dialect.paramstyle == "qmark" else "%s"
        where: list[str] = []
        params: list[Any] = []
        if standard_ids is not None:
            ids = list(standard_ids)
            if not ids:
                return []
            marks = ",".join([mark] * len(ids))
            where.append(f"m.id IN (SELECT material_id FROM links WHERE standard_id IN ({marks}))")
            params += ids
        if unfiled:
            where.append("NOT EXISTS (SELECT 1 FROM links l WHERE l.material_id = m.id)")
        if unit_id is not None:
            where.append(f"m.unit_id = {mark}")
            params.append(unit_id)
        if kind is not None:
            where.append(f"m.kind = {mark}")
            params.append(kind)
        if dated is not None:
            where.append(f"(m.date IS NULL OR m.date BETWEEN {mark} AND {mark})")
            # sqlite3 compares the ISO text SQLAlchemy stores; psycopg sends real dates
            params += [d.isoformat() for d in dated] if mark == "?" else list(dated)
        col = SORTS.get(sort, "m.date")
        join = " LEFT JOIN units u ON u.id = m.unit_id" if col.startswith("u.") else ""
        sql = (f"SELECT m.id FROM materials m{join}" + (" WHERE " + " AND ".join(where) if where else "")
               + f" ORDER BY {col} {'DESC' if descending else 'ASC'} NULLS LAST, m.id")
        cur = conn.cursor()
        cur.execute(sql, params)
        return [r[0] for r in cur.fetchall()]


def get_rows(lib: Library, ids: Iterable[int]) -> dict[int, MaterialRow]:
    """Rows of the given materials, in two plain SQL queries per 500 (a view fetches a screenful
    at a time on the UI thread, so no ORM objects and no statement compiling here)."""
    ids = list(ids)
    if not ids:
        return {}
    out: dict[int, MaterialRow] = {}
    cols = ", ".join(f"m.{c}" for c in _ROW_COLUMNS)
    with lib.session() as s:
        conn = s.connection().connection.driver_connection
        # sqlite3 takes ? marks, psycopg %s: both plain DB-API, no statement compiling
        mark = "?" if s.get_bind().dialect.paramstyle == "qmark" else "%s"
        for chunk in _chunks(ids, 500):
            marks = ",".join([mark] * len(chunk))
            links: dict[int, list[int]] = {}
            for mid, sid in conn.execute(
                    f"SELECT material_id, standard_id FROM links WHERE material_id IN ({marks})", chunk):
                links.setdefault(mid, []).append(sid)
            for r in conn.execute(f"SELECT {cols}, u.name FROM materials m LEFT JOIN units u "
                                  f"ON u.id = m.unit_id WHERE m.id IN ({marks})", chunk):
                out[r[0]] = _raw_row(r, tuple(links.get(r[0], ())))
    return out


def _raw_row(r: tuple, standards: tuple[int, ...]) -> MaterialRow:
    (mid, sha, name, title, kind, category, date, date_source, unit_id, doc_number, secrecy, notes,
     pages, width, height, size, text_status, problem, thumb, version, pages_estimated, edit_version,
     c_time, c_place, c_people, c_event, c_background, c_photographer, unit) = r
    return MaterialRow(
        mid, sha, name, title or "", kind, category or "",
        dt.date.fromisoformat(date) if isinstance(date, str) else date, date_source or "",
        unit_id, unit or "", doc_number or "", secrecy or "", notes or "", c_time or "",
        c_place or "", c_people or "", c_event or "", c_background or "", c_photographer or "",
        pages, width, height, size, text_status, problem or "", thumb == "ok", version,
        standards, bool(pages_estimated), edit_version)


def get_row(lib: Library, material_id: int) -> MaterialRow:
    rows = get_rows(lib, [material_id])
    if material_id not in rows:
        raise LookupError(f"没有编号为 {material_id} 的材料")
    return rows[material_id]


_ROW_COLUMNS = (
    "id", "sha256", "original_name", "title", "kind", "category", "date", "date_source", "unit_id",
    "doc_number", "secrecy", "notes", "pages", "width", "height", "size", "text_status", "problem",
    "thumb", "version", "pages_estimated", "edit_version") + CAPTION_FIELDS


def _row(m, unit: str, standards: tuple[int, ...]) -> MaterialRow:  # noqa: ANN001 - a Material or a Row
    return MaterialRow(
        id=m.id, sha256=m.sha256, original_name=m.original_name, title=m.title or "",
        kind=m.kind, category=m.category or "", date=m.date, date_source=m.date_source or "",
        unit_id=m.unit_id, unit=unit, doc_number=m.doc_number or "", secrecy=m.secrecy or "",
        notes=m.notes or "", caption_time=m.caption_time or "", caption_place=m.caption_place or "",
        caption_people=m.caption_people or "", caption_event=m.caption_event or "",
        caption_background=m.caption_background or "",
        caption_photographer=m.caption_photographer or "", pages=m.pages, width=m.width,
        height=m.height, size=m.size, text_status=m.text_status, problem=m.problem or "",
        thumb=m.thumb == "ok", version=m.version, standards=standards,
        pages_estimated=bool(m.pages_estimated), edit_version=m.edit_version)


def _chunks(items: list[int], n: int) -> Iterable[list[int]]:
    for i in range(0, len(items), n):
        yield items[i:i + n]


def describe(lib: Library, ids: Iterable[int]) -> dict[int, tuple[str, tuple[str, ...]]]:
    """Title (or file name) and the codes of the standards each material is filed under."""
    ids = sorted(set(ids))
    out: dict[int, tuple[str, list[str]]] = {}
    with lib.session() as s:
        for chunk in _chunks(ids, 500):
            for mid, title, name in s.execute(select(Material.id, Material.title, Material.original_name)
                                              .where(Material.id.in_(chunk))):
                out[mid] = (title or name, [])
            q = (select(Link.material_id, ChecklistNode.code, Standard.number)
                 .join(Standard, Standard.id == Link.standard_id)
                 .join(ChecklistNode, ChecklistNode.id == Standard.node_id)
                 .where(Link.material_id.in_(chunk)).order_by(Link.id))
            for mid, code, number in s.execute(q):
                out[mid][1].append(f"{code}:{number}")
    return {mid: (title, tuple(codes)) for mid, (title, codes) in out.items()}


def text_pages(lib: Library, material_id: int) -> list[str]:
    with lib.session() as s:
        rows = s.execute(select(MaterialText.page, MaterialText.text)
                         .where(MaterialText.material_id == material_id)
                         .order_by(MaterialText.page)).all()
    if not rows:
        return []
    pages = [""] * max(p for p, _ in rows)
    for p, t in rows:
        pages[p - 1] = t
    return pages


def counts_by_standard(lib: Library, checklist_id: int) -> dict[int, dict[str, int]]:
    """Per standard, linked materials counted by 类别 (for the tree's status colour)."""
    with lib.session() as s:
        rows = s.execute(
            select(Link.standard_id, Material.category, func.count())
            .join(Material, Material.id == Link.material_id)
            .join(Standard, Standard.id == Link.standard_id)
            .join(ChecklistNode, ChecklistNode.id == Standard.node_id)
            .where(ChecklistNode.checklist_id == checklist_id)
            .group_by(Link.standard_id, Material.category)).all()
    out: dict[int, dict[str, int]] = {}
    for sid, category, n in rows:
        out.setdefault(sid, {})[category or "其他"] = n
    return out


def counts_by_unit(lib: Library) -> dict[int, int]:
    """Materials per responsible unit, in one query."""
    with lib.session() as s:
        return dict(s.execute(select(Material.unit_id, func.count())
                              .where(Material.unit_id.is_not(None)).group_by(Material.unit_id)).all())


def material_count(lib: Library) -> int:
    with lib.session() as s:
        return s.scalar(select(func.count()).select_from(Material)) or 0


def unfiled_count(lib: Library) -> int:
    """Materials filed under no standard: all of them less those with a link (every link's
    material exists), two counts over indexes rather than an anti-join."""
    with lib.session() as s:
        total = s.scalar(select(func.count()).select_from(Material)) or 0
        return total - (s.scalar(select(func.count(func.distinct(Link.material_id)))) or 0)


# -------------------------------------------------------------------- writes
def update(lib: Library, material_ids: Iterable[int], *, expected: dict[int, int] | None = None,
           **values: Any) -> Changes:
    """Set metadata fields on one or several materials (batch edit).

    ``expected`` maps material ids to the ``edit_version`` the clerk saw: a material changed
    since by someone else is not overwritten, the whole edit raises
    :class:`civdesk.conflicts.ConflictError` naming who changed it.
    """
    from civdesk.conflicts import stale

    bad = set(values) - set(EDITABLE)
    if bad:
        raise ValueError(f"不能修改的字段：{', '.join(sorted(bad))}")
    if "date" in values and isinstance(values["date"], str):
        values["date"] = dt.date.fromisoformat(values["date"]) if values["date"] else None
    ids = tuple(material_ids)
    before: dict[int, dict[str, Any]] = {}
    with lib.session() as s:
        for mid in ids:
            m = s.get(Material, mid)
            if m is None:
                raise LookupError(f"没有编号为 {mid} 的材料")
            if expected and mid in expected and m.edit_version != expected[mid]:
                raise stale(s, "material", mid, expected[mid], values)
            old = {k: getattr(m, k) for k in values}
            if "date" in values:
                old["date_source"] = m.date_source
            changed = {k: v for k, v in values.items() if getattr(m, k) != v}
            if not changed:
                continue
            before[mid] = old
            for k, v in changed.items():
                setattr(m, k, v)
            if "date" in changed:
                m.date_source = "manual" if values["date"] else ""
            m.updated_at = utcnow()
            lib.audit(s, "material_edit", "material", mid,
                      changes={k: [_plain(old[k]), _plain(v)] for k, v in changed.items()})
    return Changes(tuple(before), before)


def restore(lib: Library, before: dict[int, dict[str, Any]]) -> Changes:
    """Put back the values an earlier :func:`update` replaced (undo)."""
    with lib.session() as s:
        for mid, old in before.items():
            m = s.get(Material, mid)
            if m is None:
                continue
            for k, v in old.items():
                setattr(m, k, v)
            lib.audit(s, "material_edit_undo", "material", mid,
                      restored={k: _plain(v) for k, v in old.items()})
    return Changes(tuple(before), {})


@dataclass(frozen=True)
class HistoryEntry:
    """One change to a material: when, by which clerk on which workstation, what."""

    at: dt.datetime
    clerk: str
    workstation: str
    action: str  # the audit log's action ('import', 'material_edit', 'link', …)
    description: str


HISTORY_ACTIONS = {"import": "导入", "material_edit": "修改", "material_edit_undo": "撤销修改",
                   "link": "归档", "unlink": "取消归档", "suggestion_accept": "接受归档建议",
                   "suggestion_reject": "拒绝归档建议"}


def history(lib: Library, material_id: int) -> list[HistoryEntry]:
    """A material's history, oldest first: its import, then every change in the audit log."""
    from civdesk.models import AuditEntry, ImportEntry, ImportRun

    out: list[HistoryEntry] = []
    with lib.session() as s:
        first = s.execute(select(ImportRun.started_at, ImportRun.user)
                          .join(ImportEntry, ImportEntry.run_id == ImportRun.id)
                          .where(ImportEntry.material_id == material_id, ImportEntry.status == "imported")
                          .order_by(ImportEntry.id).limit(1)).first()
        if first is not None:
            out.append(HistoryEntry(first.started_at, first.user, "", "import", "导入"))
        for e in s.scalars(select(AuditEntry).where(AuditEntry.target == "material",
                                                    AuditEntry.target_id == material_id)
                           .order_by(AuditEntry.id)):
            out.append(HistoryEntry(e.at, e.user, e.workstation, e.action, _describe(e.action, e.detail or {})))
    return out


def local_time(at: dt.datetime) -> str:
    """A UTC time from the database as the clerk's local time."""
    return at.replace(tzinfo=dt.timezone.utc).astimezone().strftime("%Y-%m-%d %H:%M")


def _describe(action: str, detail: dict[str, Any]) -> str:
    what = HISTORY_ACTIONS.get(action, action)
    if "changes" in detail:
        parts = [f"{FIELD_LABELS.get(k, k)}：{old or '（空）'} → {new or '（空）'}"
                 for k, (old, new) in detail["changes"].items()]
        return f"{what}：" + "；".join(parts)
    if "restored" in detail:
        return f"{what}：" + "；".join(f"{FIELD_LABELS.get(k, k)} 恢复为 {v or '（空）'}"
                                     for k, v in detail["restored"].items())
    if "standard_id" in detail:
        return f"{what}（测评标准 #{detail['standard_id']}）"
    return what


def _plain(v: Any) -> Any:
    return v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else v


def add_link(s: Session, material_id: int, standard_id: int, source: str, note: str = "") -> bool:
    """File a material under a standard (归档关联) unless it already is; whether it was added.

    ``source`` says who filed it: ``manual``, ``import``, ``suggestion`` or
    ``edition`` (carried over from an older checklist edition).
    """
    if s.scalar(select(Link.id).where(Link.material_id == material_id,
                                      Link.standard_id == standard_id)):
        return False
    s.add(Link(material_id=material_id, standard_id=standard_id, source=source, note=note))
    return True


def link(lib: Library, material_ids: Iterable[int], standard_id: int, note: str = "") -> Changes:
    """File materials under a standard; already-filed ones are left as they are."""
    added = []
    with lib.session() as s:
        if s.get(Standard, standard_id) is None:
            raise LookupError(f"没有编号为 {standard_id} 的测评标准")
        for mid in material_ids:
            if s.get(Material, mid) is None:
                raise LookupError(f"没有编号为 {mid} 的材料")
            if not add_link(s, mid, standard_id, "manual", note):
                continue
            s.execute(Suggestion.__table__.update()
                      .where(and_(Suggestion.material_id == mid, Suggestion.standard_id == standard_id))
                      .values(status="accepted"))
            added.append((mid, standard_id))
            lib.audit(s, "link", "material", mid, standard_id=standard_id)
    return Changes(tuple(m for m, _ in added), links_added=tuple(added))


def unlink(lib: Library, material_ids: Iterable[int], standard_id: int) -> Changes:
    removed = []
    with lib.session() as s:
        for mid in material_ids:
            row = s.scalar(select(Link).where(Link.material_id == mid, Link.standard_id == standard_id))
            if row is None:
                continue
            s.delete(row)
            removed.append((mid, standard_id))
            lib.audit(s, "unlink", "material", mid, standard_id=standard_id)
    return Changes(tuple(m for m, _ in removed), links_removed=tuple(removed))


# --------------------------------------------------------------- suggestions
@dataclass(frozen=True)
class SuggestionView:
    id: int
    material_id: int
    material_name: str
    standard_id: int | None
    standard_code: str
    unit_id: int | None
    unit: str
    reason: str


def pending_suggestions(lib: Library, material_ids: Iterable[int] | None = None) -> list[SuggestionView]:
    q = (select(Suggestion, Material.original_name, ChecklistNode.code, Standard.number, Unit.name)
         .join(Material, Material.id == Suggestion.material_id)
         .outerjoin(Standard, Standard.id == Suggestion.standard_id)
         .outerjoin(ChecklistNode, ChecklistNode.id == Standard.node_id)
         .outerjoin(Unit, Unit.id == Suggestion.unit_id)
         .where(Suggestion.status == "pending").order_by(Suggestion.id))
    if material_ids is not None:
        q = q.where(Suggestion.material_id.in_(list(material_ids)))
    with lib.session() as s:
        return [SuggestionView(sg.id, sg.material_id, name, sg.standard_id,
                               f"{code}:{num}" if code else "", sg.unit_id, unit or "", sg.reason)
                for sg, name, code, num, unit in s.execute(q)]


def accept_suggestions(lib: Library, suggestion_ids: Iterable[int]) -> Changes:
    """Confirm suggestions: link the standard and set the unit where none is set."""
    touched: list[int] = []
    added: list[tuple[int, int]] = []
    with lib.session() as s:
        for sid in suggestion_ids:
            sg = s.get(Suggestion, sid)
            if sg is None or sg.status != "pending":
                continue
            m = s.get(Material, sg.material_id)
            if sg.standard_id is not None and add_link(s, m.id, sg.standard_id, "suggestion"):
                added.append((m.id, sg.standard_id))
            if sg.unit_id is not None and m.unit_id is None:
                m.unit_id = sg.unit_id
            sg.status = "accepted"
            touched.append(m.id)
            lib.audit(s, "suggestion_accept", "material", m.id, suggestion=sid)
    return Changes(tuple(touched), links_added=tuple(added))


def reject_suggestions(lib: Library, suggestion_ids: Iterable[int]) -> Changes:
    touched = []
    with lib.session() as s:
        for sid in suggestion_ids:
            sg = s.get(Suggestion, sid)
            if sg is None or sg.status != "pending":
                continue
            sg.status = "rejected"
            touched.append(sg.material_id)
            lib.audit(s, "suggestion_reject", "material", sg.material_id, suggestion=sid)
    return Changes(tuple(touched))


def units(lib: Library) -> list[tuple[int, str]]:
    with lib.session() as s:
        return list(s.execute(select(Unit.id, Unit.name).order_by(Unit.id)).tuples())
