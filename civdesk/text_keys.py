"""Text keys: a fingerprint of each material's first pages of text, kept on the material.

The duplicate check (and its badge) calls two documents the same when they have the same
number of pages and the same text on their first pages (:func:`civdesk.checks.rules.content_key`).
Reading those pages at every check means unpacking a compressed text per document on
PostgreSQL (as long as reading all the materials' rows), so the fingerprint of the text head
is stored in ``materials.text_key`` when the text rows are written, and the check reads that:

* a 32-digit hash of the head (:func:`text_head`) when it has at least :data:`MIN_TEXT`
  characters, ``""`` when it is shorter (too little text to call two documents the same);
* ``NULL`` while not worked out (a row written around the session, e.g. straight through a
  connection): the check then reads that material's text and works the key out itself.

The session keeps it current (:func:`install`, done by :func:`civdesk.db.make_sessionmaker`):
after each flush that adds, changes or deletes text rows, and after each bulk insert, update
or delete of text rows, the keys of the materials concerned are worked out again from the
database.  Revision 0010 filled them in for the materials of older libraries (with its own copy
of :func:`fingerprint`; a test keeps the two equal).
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import bindparam, case, event, func, inspect, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from civdesk.models import Material, MaterialText

TEXT_PAGES = 3  # pages read per document
TEXT_HEAD = 3000  # characters read per page
MIN_TEXT = 50  # a shorter head proves nothing about two documents being the same
_IDS_PER_QUERY = 900  # below SQLite's 999 bound parameters
_PENDING = "civdesk_text_keys"  # session.info: material ids whose text rows this flush writes


def text_head(pages: Iterable[str]) -> str:
    """The head of a document's text: the first :data:`TEXT_HEAD` characters of each of its
    first :data:`TEXT_PAGES` text rows (in page order), one line break between them."""
    return "\n".join(t[:TEXT_HEAD] if t else "" for t in pages)


def fingerprint(head: str) -> str:
    """The stored key of a text head: ``""`` when too short to compare."""
    if len(head) < MIN_TEXT:
        return ""
    return hashlib.blake2b(head.encode("utf-8"), digest_size=16).hexdigest()


def read_heads(conn: Connection, ids: Iterable[int]) -> dict[int, str]:
    """The text head of each of these materials (those without text rows are left out)."""
    cut = func.substr(MaterialText.text, 1, TEXT_HEAD)
    if conn.dialect.name == "postgresql":
        # substr() on a compressed (TOASTed) text costs more than sending it: a page of at most
        # 4 × TEXT_HEAD bytes comes whole and is cut to TEXT_HEAD characters below
        cut = case((func.octet_length(MaterialText.text) <= 4 * TEXT_HEAD, MaterialText.text), else_=cut)
    head = select(MaterialText.material_id, MaterialText.page, cut).where(MaterialText.page <= TEXT_PAGES)
    wanted = sorted(set(ids))
    queries = [head.where(MaterialText.material_id.in_(wanted[i:i + _IDS_PER_QUERY]))
               for i in range(0, len(wanted), _IDS_PER_QUERY)]
    rows = [r for q in queries for r in conn.execute(q).fetchall()]
    # sorted here, not by the server: an ORDER BY over a hundred megabytes of text at 100,000
    # materials spills PostgreSQL's sort to disk
    rows.sort(key=lambda r: (r[0], r[1]))
    pages: dict[int, list[str]] = {}
    for mid, _page, text in rows:
        pages.setdefault(mid, []).append(text)
    return {mid: text_head(parts) for mid, parts in pages.items()}


def keys_of(conn: Connection, ids: Iterable[int]) -> dict[int, str]:
    """The text key of each of these materials, worked out from their text rows now."""
    ids = list(ids)
    heads = read_heads(conn, ids)
    return {mid: fingerprint(heads.get(mid, "")) for mid in ids}


def refresh(conn: Connection, ids: Iterable[int]) -> None:
    """Work out and store the text key of these materials again."""
    keys = keys_of(conn, ids)
    if keys:
        table = Material.__table__
        stmt = update(table).where(table.c.id == bindparam("mid")).values(text_key=bindparam("key"))
        conn.execute(stmt, [{"mid": mid, "key": key} for mid, key in sorted(keys.items())])


# ---------------------------------------------------------------- the session
def install(sessions: sessionmaker[Session]) -> None:
    event.listen(sessions, "before_flush", _before_flush)
    event.listen(sessions, "after_flush", _after_flush)
    event.listen(sessions, "do_orm_execute", _bulk)


def _before_flush(s: Session, _context: Any, _instances: Any) -> None:
    ids: set[int] = set()
    for obj in s.new:
        if isinstance(obj, MaterialText):
            ids.add(obj.material_id)
    for obj in s.deleted:
        if isinstance(obj, MaterialText):
            ids.update(_material_ids(obj))
    for obj in s.dirty:
        if isinstance(obj, MaterialText) and s.is_modified(obj):
            ids.update(_material_ids(obj))
    ids.discard(None)
    if ids:
        s.info.setdefault(_PENDING, set()).update(ids)


def _material_ids(obj: MaterialText) -> set[int]:
    """Its material, and the one it belonged to if moved."""
    history = inspect(obj).attrs.material_id.history
    return {obj.material_id, *history.deleted, *history.unchanged}


def _after_flush(s: Session, _context: Any) -> None:
    ids = s.info.pop(_PENDING, None)
    if ids:
        # the materials' rows are locked by now (material_versions bumped their version before
        # the flush), so a second clerk writing the same material's text waits for this commit
        # and then reads this text with its own
        refresh(s.connection(), ids)


def _bulk(state: ORMExecuteState) -> Any:
    """Bulk statements on the text rows skip the unit of work: their materials' keys are
    worked out again once the statement has run."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return None
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", "") != MaterialText.__tablename__:
        return None
    s = state.session
    if state.is_insert:  # the material ids are in the parameters or the values (not an INSERT … SELECT)
        params = state.parameters
        rows: Iterable[Mapping[str, Any]] = [params] if isinstance(params, Mapping) else (params or ())
        ids = {r.get("material_id") for r in rows} | _statement_values(state.statement)
    else:
        q = select(table.c.material_id)
        if state.statement.whereclause is not None:
            q = q.where(state.statement.whereclause)
        ids = set(s.connection().execute(q).scalars())
        if state.is_update:  # text rows moved to another material
            ids.update(_statement_values(state.statement))
    result = state.invoke_statement()
    ids.discard(None)
    if ids:
        refresh(s.connection(), ids)
    return result


def _statement_values(stmt: Any) -> set[int | None]:
    """The material ids an insert/update statement sets with ``.values()`` (none: an empty set)."""
    values = getattr(stmt, "_values", None) or {}  # noqa: SLF001 - no public accessor
    out: set[int | None] = set()
    for k, v in values.items():
        if getattr(k, "key", k) == "material_id":
            out.add(getattr(v, "value", None))
    return out
