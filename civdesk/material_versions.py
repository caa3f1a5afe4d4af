"""Material versions: the one place that says "this material changed".

The search index is behind for a material while ``indexed_version !=
version`` (:mod:`civdesk.search.indexing`).  Rather than every write
remembering to bump ``Material.version``, the session does it: before each
flush, and around each bulk ``update()``/``delete()``, it bumps the version of
every material whose indexed data changes —

* its own columns (not ``version``, ``indexed_version`` or ``updated_at``);
* its links to standards (added, removed, moved);
* its text rows (:class:`MaterialText`);
* the name of its responsible unit;
* the code of a standard it is filed under (an item renumbered, a standard
  renumbered or moved), since its search document holds those codes.

:func:`install` hooks this into a sessionmaker (done by
:func:`civdesk.db.make_sessionmaker`).
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import Table, event, inspect, select, update
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from civdesk.models import ChecklistNode, Link, Material, MaterialText, Standard, Unit

BOOKKEEPING = frozenset({"version", "indexed_version", "updated_at", "edit_version", "text_key"})
_OWNED = (Link, MaterialText)  # rows that belong to one material through material_id


def install(sessions: sessionmaker[Session]) -> None:
    event.listen(sessions, "before_flush", _before_flush)
    event.listen(sessions, "do_orm_execute", _bulk)


def bump(s: Session, material_ids: set[int]) -> None:
    """Add one to the version of these materials (one statement)."""
    if material_ids:
        s.execute(update(Material).where(Material.id.in_(sorted(material_ids)))
                  .values(version=Material.version + 1))


# ------------------------------------------------------------ unit of work
def _before_flush(s: Session, _context: Any, _instances: Any) -> None:
    ids: set[int] = set()
    for obj in s.new:
        if isinstance(obj, _OWNED):
            ids.add(_material_id(obj))
    for obj in s.deleted:
        if isinstance(obj, _OWNED):
            ids.add(_material_id(obj, committed=True))
    renamed: list[int] = []
    recoded: list[int] = []                # standards whose code changed
    recoded_nodes: list[int] = []
    for obj in s.dirty:
        if isinstance(obj, Material):
            if _changed(obj, lambda key: key not in BOOKKEEPING):
                ids.add(obj.id)
        elif isinstance(obj, _OWNED):
            if _changed(obj, lambda key: True):
                ids.add(_material_id(obj))
                ids.add(_material_id(obj, committed=True))
        elif isinstance(obj, Unit) and _changed(obj, lambda key: key == "name"):
            renamed.append(obj.id)
        elif isinstance(obj, ChecklistNode) and _changed(obj, lambda key: key == "code"):
            recoded_nodes.append(obj.id)
        elif isinstance(obj, Standard) and _changed(obj, lambda key: key in ("number", "node_id")):
            recoded.append(obj.id)
    # a deleted unit leaves its materials without one (ON DELETE SET NULL)
    renamed += [o.id for o in s.deleted if isinstance(o, Unit)]
    if renamed:
        ids.update(s.scalars(select(Material.id).where(Material.unit_id.in_(renamed))))
    if recoded_nodes:
        recoded += s.scalars(select(Standard.id).where(Standard.node_id.in_(recoded_nodes)))
    if recoded:
        ids.update(s.scalars(select(Link.material_id).where(Link.standard_id.in_(recoded))))
    gone = {o.id for o in s.deleted if isinstance(o, Material)}
    bump(s, {i for i in ids if i is not None} - gone)


def _changed(obj: Any, counts) -> bool:  # noqa: ANN001 - a predicate on attribute keys
    state = inspect(obj)
    return any(counts(attr.key) and attr.history.has_changes() for attr in state.attrs
               if attr.key in state.mapper.column_attrs)


def _material_id(obj: Link | MaterialText, committed: bool = False) -> int | None:
    if committed:
        history = inspect(obj).attrs.material_id.history
        if history.deleted:
            return history.deleted[0]
        if history.unchanged:
            return history.unchanged[0]
    if obj.material_id is None and isinstance(obj, Link) and obj.material is not None:
        return obj.material.id  # filed through the relationship, not the column
    return obj.material_id


# ------------------------------------------------------------ bulk statements
def _bulk(state: ORMExecuteState) -> Any:
    """Bulk ``update()``/``delete()`` skip the unit of work: find whom they touch first."""
    if not (state.is_update or state.is_delete):
        return None
    stmt = state.statement
    table: Table = stmt.table
    name = getattr(table, "name", "")
    where = stmt.whereclause
    if name == Material.__tablename__:
        if state.is_delete or not set(_set_keys(stmt)) - BOOKKEEPING:
            return None
        query = select(table.c.id)
    elif name in (Link.__tablename__, MaterialText.__tablename__):
        query = select(table.c.material_id)
    elif name == Unit.__tablename__ and (state.is_delete or "name" in _set_keys(stmt)):
        # a deleted unit leaves its materials without one (ON DELETE SET NULL)
        units = select(table.c.id) if where is None else select(table.c.id).where(where)
        query, where = select(Material.id).where(Material.unit_id.in_(units)), None
    else:
        return None
    if where is not None:
        query = query.where(where)
    s = state.session
    ids = set(s.scalars(query))
    result = state.invoke_statement()
    bump(s, ids)
    return result


def _set_keys(stmt: Any) -> list[str]:
    return [getattr(k, "key", k) for k in (stmt._values or {})]  # noqa: SLF001 - no public accessor
