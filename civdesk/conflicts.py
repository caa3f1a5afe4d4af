"""Two clerks changing one material or standard: optimistic concurrency.

``Material.edit_version`` and ``Standard.edit_version`` are SQLAlchemy version counters
(``version_id_col``): an UPDATE carries ``WHERE edit_version = <the version read>``, so the
second of two writers matches no row and SQLAlchemy raises ``StaleDataError``.  A clerk
who edits what the window showed passes the versions shown (``materials.update(...,
expected=…)``), so a change made by someone else meanwhile is caught even when the two
edits are minutes apart.

Nothing is overwritten silently: the session rolls back, and the clerk gets a
:class:`ConflictError` naming who changed it (from the audit log: clerk and workstation),
when, and the values it holds now.
"""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from civdesk.errors import LibraryError
from civdesk.models import AuditEntry, Material, Standard

if TYPE_CHECKING:
    from civdesk.library import Library

_KINDS = {Material: "material", Standard: "standard"}
_NOUN = {"material": "材料", "standard": "测评标准"}
_BOOKKEEPING = {"edit_version", "version", "indexed_version", "updated_at"}


class ConflictError(LibraryError):
    """Someone else changed the same material or standard first."""

    def __init__(self, message: str, *, target: str, target_id: int, clerk: str, workstation: str,
                 current: dict[str, Any]):
        super().__init__(message)
        self.target, self.target_id = target, target_id
        self.clerk, self.workstation, self.current = clerk, workstation, current


def install(sessions: sessionmaker[Session]) -> None:
    event.listen(sessions, "before_flush", _note_dirty)


def note_edit(s: Session, target: str, target_id: int, seen_version: int, values: dict[str, Any]) -> None:
    """Record what this session means to change (for the message, should it conflict)."""
    s.info.setdefault("edited", {})[(target, target_id)] = (seen_version, dict(values))


def stale(s: Session, target: str, target_id: int, seen_version: int, values: dict[str, Any]) -> StaleDataError:
    """The error to raise when a row is no longer at the version the clerk saw."""
    note_edit(s, target, target_id, seen_version, values)
    return StaleDataError(f"{target} {target_id} changed since version {seen_version}")


def _note_dirty(s: Session, _context: Any, _instances: Any) -> None:
    edited = s.info.setdefault("edited", {})
    for obj in s.dirty:
        kind = _KINDS.get(type(obj))
        if kind is None or (kind, obj.id) in edited:
            continue
        state = inspect(obj)
        changed = {a.key: a.value for a in state.attrs
                   if a.key in state.mapper.column_attrs and a.key not in _BOOKKEEPING
                   and a.history.has_changes()}
        if changed:
            hist = state.attrs.edit_version.history
            seen = (hist.deleted or hist.unchanged or [obj.edit_version])[0]
            edited[(kind, obj.id)] = (seen, changed)


def conflict_error(lib: Library, s: Session, exc: StaleDataError) -> LibraryError:
    edited: dict[tuple[str, int], tuple[int, dict[str, Any]]] = s.info.pop("edited", {})
    with lib.session() as fresh:
        for (kind, tid), (seen, values) in edited.items():
            model = Material if kind == "material" else Standard
            row = fresh.get(model, tid)
            if row is None:
                return ConflictError(f"{_NOUN[kind]} #{tid} 已被其他人删除，您的修改没有保存。",
                                     target=kind, target_id=tid, clerk="", workstation="", current={})
            if row.edit_version == seen:
                continue
            last = fresh.execute(select(AuditEntry.user, AuditEntry.workstation, AuditEntry.at)
                                 .where(AuditEntry.target == kind, AuditEntry.target_id == tid)
                                 .order_by(AuditEntry.id.desc()).limit(1)).first()
            clerk, station, at = last if last else ("（未知）", "", None)
            current = {k: getattr(row, k) for k in values}
            return ConflictError(_message(kind, row, clerk, station, at, current),
                                 target=kind, target_id=tid, clerk=clerk, workstation=station,
                                 current=current)
    return LibraryError(f"数据已被其他人修改，您的修改没有保存，请刷新后重试。（{exc}）")


def _message(kind: str, row: Any, clerk: str, station: str, at: dt.datetime | None,
             current: dict[str, Any]) -> str:
    from civdesk.materials import FIELD_LABELS

    name = f"「{row.title}」" if kind == "material" else f"第 {row.number} 条"
    who = f"{clerk}（{station}）" if station else clerk
    when = f"于 {_local(at)} " if at else ""
    values = "；".join(f"{FIELD_LABELS.get(k, k)}：{_show(v)}" for k, v in current.items())
    return (f"{_NOUN[kind]} #{row.id}{name} 已被 {who} {when}修改，您的修改没有保存，以免覆盖对方的修改。\n"
            f"现在的内容 —— {values}\n请查看后再决定是否重新修改。")


def _local(at: dt.datetime) -> str:
    return at.replace(tzinfo=dt.timezone.utc).astimezone().strftime("%Y-%m-%d %H:%M")


def _show(v: Any) -> str:
    if v is None or v == "":
        return "（空）"
    return v.isoformat() if isinstance(v, dt.date) else str(v)
