"""Keeping the search index in step with the database, and searching it.

Every change to a material bumps ``Material.version``; the index is behind
where ``indexed_version != version``.  :func:`catch_up` feeds those materials
to the one writer in batches and records, after each committed batch, which
version the index now holds.  A crash, kill or cancel at any point leaves
rows still marked stale, so the next catch-up completes them.  A missing or
corrupted index is rebuilt from the database (:func:`rebuild`).

A shared library (:mod:`civdesk.shared`) has one catalog and an index on each
workstation, so which version each workstation's index holds is recorded beside
that index (:class:`LocalMarks`, a small SQLite file), not in the catalog;
changes by other clerks are found by comparing the catalog's versions with it.
"""
from __future__ import annotations

import datetime as dt
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, bindparam, event, func, select, update
from sqlalchemy.pool import Pool

from civdesk.checklist.codes import code_forms
from civdesk.fsnames import readable
from civdesk.models import ChecklistNode, Link, Material, MaterialText, Standard, Unit
from civdesk.progress import NullProgress, Progress
from civdesk.search.engine import IndexDoc, SearchIndex
from civdesk.search.results import SearchResult, results

if TYPE_CHECKING:
    from civdesk.library import Library

BATCH = 500
#: How long a shared library's index trusts its last look at the catalog when this process wrote
#: nothing since: other clerks' changes appear within this time (searches skip a catalog scan).
SHARED_RECHECK_S = 1.0


class _Writes:
    """Counts database writes made by this process (any library), for :meth:`IndexKeeper.catch_up`.

    Bumped when a write statement runs and again when its connection goes back to the pool
    (after the commit), so a stale check that overlaps a write's transaction sees a new count.
    """

    count = 0
    own = threading.local()  # ``quiet`` while this thread writes the index's own marks

    @classmethod
    def watch(cls) -> None:
        """Count on every engine of the process: another library object (a second clerk in one
        process, as in tests) writes the same catalog through its own engine."""
        if not event.contains(Engine, "after_cursor_execute", cls._executed):
            event.listen(Engine, "after_cursor_execute", cls._executed)
            event.listen(Pool, "checkin", cls._checked_in)

    @classmethod
    @contextmanager
    def quiet(cls) -> Iterator[None]:
        """Writes of the index's own marks on this thread: they change nothing a search reads."""
        cls.own.quiet = True
        try:
            yield
        finally:
            cls.own.quiet = False

    @classmethod
    def _executed(cls, conn, _cursor, statement, _params, _context, _many) -> None:  # noqa: ANN001
        if not statement.lstrip()[:6].upper().startswith("SELECT") and not getattr(cls.own, "quiet", False):
            conn.info["civdesk_wrote"] = True
            cls.count += 1

    @classmethod
    def _checked_in(cls, _dbapi_conn, record) -> None:  # noqa: ANN001
        if record.info.pop("civdesk_wrote", False):
            cls.count += 1


class IndexKeeper:
    """Owns the library's :class:`SearchIndex`; one writer, guarded by a lock."""

    def __init__(self, lib: Library):
        self.lib = lib
        self.path: Path = lib.index_dir / "whoosh"
        self._index: SearchIndex | None = None
        self._lock = threading.RLock()
        self.message: str = ""
        self._local = LocalMarks(lib.index_dir / "marks.sqlite") if lib.is_shared else None
        # (writes counted, monotonic time) of the last catch-up that left nothing stale
        self._clean: tuple[int, float] | None = None
        _Writes.watch()

    @property
    def index(self) -> SearchIndex:
        with self._lock:
            if self._index is None:
                self._index = SearchIndex.open(self.path)
                if self._index.status == "needs_rebuild":
                    if self._had_index():  # a first index for a new library is no news
                        self.message = f"搜索索引损坏或缺失，正在从数据库重建：{self._index.problem or ''}"
                    self._reset_marks()
                elif self._index.doc_count() == 0 and self._had_index():
                    # an empty index put in place of a damaged one by a process that ended
                    # before it could clear the marks: the marks are wrong, not the index
                    self._reset_marks()
            return self._index

    @property
    def needs_rebuild(self) -> bool:
        return self.index.status == "needs_rebuild"

    def close(self) -> None:
        with self._lock:
            if self._index is not None:
                self._index.close()
                self._index = None
            if self._local is not None:
                self._local.close()

    def _had_index(self) -> bool:
        if self._local is not None:
            return self._local.any()
        with self.lib.session() as s:
            return bool(s.scalar(select(Material.id).where(Material.indexed_version > 0).limit(1)))

    def _reset_marks(self) -> None:
        self._clean = None
        if self._local is not None:
            self._local.reset()
            return
        with _Writes.quiet(), self.lib.session() as s:
            s.execute(update(Material).values(indexed_version=0))

    # ---------------------------------------------------------------- writes
    def stale_ids(self) -> list[int]:
        if self._local is not None:
            with self.lib.session() as s:
                # versions only grow: count, sum and newest id change with any change (one small row back)
                seen = tuple(s.execute(select(func.count(), func.coalesce(func.sum(Material.version), 0),
                                              func.coalesce(func.max(Material.id), 0))).one())
                if seen == self._local.fingerprint:
                    return []
                current = s.execute(select(Material.id, Material.version)).all()
            stale = self._local.stale(current)
            if not stale:
                self._local.fingerprint = seen
            return stale
        with self.lib.session() as s:
            return list(s.scalars(select(Material.id).where(Material.indexed_version != Material.version)
                                  .order_by(Material.id)))

    def _known_clean(self) -> bool:
        """Nothing can be stale: no write by this process since the last complete catch-up
        (a library folder has no other writer; on a shared library, looked less than
        :data:`SHARED_RECHECK_S` ago)."""
        if self._clean is None or self._clean[0] != _Writes.count:
            return False
        return self._local is None or time.monotonic() - self._clean[1] < SHARED_RECHECK_S

    def catch_up(self, progress: Progress | None = None) -> int:
        """Index every material whose current version is not indexed yet."""
        progress = progress or NullProgress()
        with self._lock:
            seen = (_Writes.count, time.monotonic())
            if self.needs_rebuild:
                done = self.rebuild(progress)
                self._clean = seen
                return done
            if self._known_clean():
                return 0
            ids = self.stale_ids()
            done = 0
            for start in range(0, len(ids), BATCH):
                progress.check_cancelled()
                chunk = ids[start:start + BATCH]
                docs = list(self._docs(chunk))
                self.index.update(docs)
                self._mark(docs)
                done += len(chunk)
                progress.update(done, len(ids), "更新搜索索引")
            self._clean = seen
            return done

    def rebuild(self, progress: Progress | None = None, procs: int | None = None) -> int:
        """Rebuild the whole index from the database (in this process: ``procs`` is ignored,
        kept for older callers; see :meth:`SearchIndex.rebuild`)."""
        progress = progress or NullProgress()
        with self._lock:
            with self.lib.session() as s:
                ids = list(s.scalars(select(Material.id).order_by(Material.id)))
            self._reset_marks()
            indexed: list[IndexDoc] = []

            def docs() -> Iterator[IndexDoc]:
                for start in range(0, len(ids), BATCH):
                    progress.check_cancelled()
                    for d in self._docs(ids[start:start + BATCH]):
                        indexed.append(d)
                        yield d

            self.index.rebuild(docs(), total=len(ids), progress=progress)
            self._mark(indexed)
            return len(indexed)

    def _mark(self, docs: list[IndexDoc]) -> None:
        if self._local is not None:
            self._local.mark([(d.material_id, d.version) for d in docs])
            return
        table = Material.__table__
        stmt = (table.update().where(table.c.id == bindparam("mid"), table.c.version == bindparam("v"))
                .values(indexed_version=bindparam("v")))
        rows = [{"mid": d.material_id, "v": d.version} for d in docs]
        with _Writes.quiet(), self.lib.session() as s:
            for k in range(0, len(rows), 5000):  # one executemany per chunk, not a statement per material
                s.connection().execute(stmt, rows[k:k + 5000])

    def _docs(self, ids: list[int]) -> Iterator[IndexDoc]:
        with self.lib.session() as s:
            mats = s.execute(select(Material, Unit.name).outerjoin(Unit, Unit.id == Material.unit_id)
                             .where(Material.id.in_(ids))).all()
            texts: dict[int, list[tuple[int, str]]] = {}
            for mid, page, text in s.execute(select(MaterialText.material_id, MaterialText.page,
                                                    MaterialText.text)
                                             .where(MaterialText.material_id.in_(ids))):
                texts.setdefault(mid, []).append((page, text))
            codes: dict[int, list[str]] = {}
            for mid, code, number in s.execute(
                    select(Link.material_id, ChecklistNode.code, Standard.number)
                    .join(Standard, Standard.id == Link.standard_id)
                    .join(ChecklistNode, ChecklistNode.id == Standard.node_id)
                    .where(Link.material_id.in_(ids))):
                # every form a clerk types (Ⅲ-9:2, III-9:2, 三-9:2, 3-9:2) finds the material
                codes.setdefault(mid, []).extend(code_forms(f"{code}:{number}"))
        for m, unit in mats:
            pages = [""] * max((p for p, _ in texts.get(m.id, [])), default=0)
            for p, t in texts.get(m.id, []):
                pages[p - 1] = t
            caption = " ".join(x for x in (m.caption_time, m.caption_place, m.caption_people,
                                           m.caption_event, m.caption_background,
                                           m.caption_photographer, m.notes) if x)
            yield IndexDoc(
                material_id=m.id, version=m.version, title=m.title or "", caption=caption,
                doc_number=m.doc_number or "", original_name=m.original_name, pages=tuple(pages),
                unit=unit or "", kind=m.kind, date=m.date, standards=tuple(sorted(set(codes.get(m.id, [])))),
                filed=bool(codes.get(m.id)))

    # ---------------------------------------------------------------- search
    def search(self, query: str, *, standards: str | Iterable[str] | None = None,
               unit: str | None = None, kind: str | None = None, year: int | None = None,
               date_from: dt.date | None = None, date_to: dt.date | None = None,
               filed: bool | None = None, limit: int | None = 20,
               catch_up: bool = True) -> list[SearchResult]:
        if catch_up:
            self.catch_up()
        query = readable(query)  # bytes typed in a GBK terminal arrive as lone surrogates
        if isinstance(standards, str):
            standards = [standards]
        filters = dict(standards=list(standards) if standards else None, unit=unit, kind=kind,
                       year=year, date_from=date_from, date_to=date_to, filed=filed,
                       limit=limit or None)
        try:
            hits = self.index.search(query, **filters)
        except Exception as exc:  # noqa: BLE001 - damage the open-time check did not sample
            with self._lock:
                self.message = f"搜索索引读取出错，已从数据库重建：{type(exc).__name__}"
                self._reset_marks()
                self.rebuild()
            hits = self.index.search(query, **filters)
        return results(hits)


class LocalMarks:
    """Which version of each material this workstation's index holds (shared libraries)."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self._con = sqlite3.connect(path, check_same_thread=False)
        self._con.execute("CREATE TABLE IF NOT EXISTS marks (id INTEGER PRIMARY KEY, version INTEGER NOT NULL)")
        self._con.commit()
        self._held: dict[int, int] | None = None
        self.fingerprint: tuple | None = None  # the catalog's (count, sum of versions, max id) when all was indexed

    def _marks(self) -> dict[int, int]:
        if self._held is None:
            self._held = dict(self._con.execute("SELECT id, version FROM marks"))
        return self._held

    def any(self) -> bool:
        return bool(self._marks())

    def stale(self, current: Iterable[tuple[int, int]]) -> list[int]:
        held = self._marks()
        return sorted(mid for mid, version in current if held.get(mid) != version)

    def mark(self, pairs: list[tuple[int, int]]) -> None:
        with self._con:
            self._con.executemany("INSERT OR REPLACE INTO marks (id, version) VALUES (?, ?)", pairs)
        self._marks().update(pairs)

    def reset(self) -> None:
        with self._con:
            self._con.execute("DELETE FROM marks")
        self._held = {}
        self.fingerprint = None

    def close(self) -> None:
        self._con.close()
