"""One search for the command line, without the ORM.

``civdesk search`` is a process of its own: importing SQLAlchemy and mapping the models takes
longer here than the search itself (about 0.6 s of 1 s on a 2-core office PC).  When the
library is already in the state the full path would bring it to — schema current, every
material indexed at its current version, the index healthy — a search needs only the index
and a look at the schema version and the index marks, done here with :mod:`sqlite3` on a
read-only connection, under the library's lock like any other command.

Anything else (an older schema, materials not yet indexed, a damaged index, a standard given
with its number, any error at all) returns ``None``, and the caller opens the library the
usual way, which upgrades, catches up or rebuilds before it searches.  Both paths return the
same results (tested).
"""
from __future__ import annotations

import datetime as dt
import sqlite3
from contextlib import closing
from pathlib import Path

from civdesk import DB_NAME, LOCK_NAME
from civdesk.fsnames import readable
from civdesk.lock import LibraryLock, LibraryLockedError
from civdesk.migrations import head_from_files
from civdesk.search.engine import SearchIndex
from civdesk.search.results import SearchResult, results


def quick_search(library: Path, query: str, *, standards: str | None = None,
                 unit: str | None = None, kind: str | None = None, year: int | None = None,
                 date_from: dt.date | None = None, date_to: dt.date | None = None,
                 filed: bool | None = None, limit: int | None = 20) -> list[SearchResult] | None:
    """The results of :meth:`Library.search` for these arguments, or ``None`` when only the
    full path can answer (see the module's docstring)."""
    library = Path(library).absolute()  # a file: URI needs an absolute path
    db = library / DB_NAME
    if standards and (":" in standards or "：" in standards):
        return None  # a standard by its number is resolved through the checklist
    try:
        if db.stat().st_size == 0:
            return None
        lock = LibraryLock(library / LOCK_NAME)
        lock.acquire()
    except (OSError, LibraryLockedError):
        return None  # the full path says what is wrong
    try:
        with closing(sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True, timeout=5)) as con:
            if not _ready(con):
                return None
            index = SearchIndex.open(library / "index" / "whoosh", repair=False)
            try:
                if index.status != "ok" or index.doc_count() == 0:
                    return None  # damaged, missing or empty: the full path rebuilds if need be
                hits = index.search(readable(query), standards=[standards] if standards else None,
                                    unit=unit, kind=kind, year=year, date_from=date_from,
                                    date_to=date_to, filed=filed, limit=limit or None)
            finally:
                index.close()
            return results(hits)
    except Exception:  # noqa: BLE001 - whatever went wrong, the full path handles it properly
        return None
    finally:
        lock.release()


def _ready(con: sqlite3.Connection) -> bool:
    """The schema is the one this program writes and every material is indexed as it is."""
    head = head_from_files()
    stored = [r[0] for r in con.execute("SELECT version_num FROM alembic_version")]
    if head is None or stored != [head]:
        return False
    stale = con.execute("SELECT 1 FROM materials WHERE indexed_version != version LIMIT 1").fetchone()
    return stale is None
