"""Who has a shared library open: one ``presence`` row per program session.

A library folder on one PC is guarded by its lock file (:mod:`civdesk.lock`).  A shared
library is open on several PCs at once; each program session adds a row naming the clerk
and the workstation, and holds a PostgreSQL advisory lock numbered by that row for as long
as it lives, on a connection of its own.  The server drops the lock with the connection, so
a session that crashed or lost the network is told from a live one without heartbeats:
its row is removed, its import runs are marked interrupted and its staged vault files are
cleaned by the next session that opens the library.
"""
from __future__ import annotations

import os
import uuid
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, delete, insert, select, text

from civdesk.models import Presence, utcnow

LOCK_SPACE = 4242  # first key of the two-key advisory locks: "a CivDesk session"

_LIVE = text("""
    SELECT p.session_key FROM presence p
    WHERE EXISTS (SELECT 1 FROM pg_locks l
                  WHERE l.locktype = 'advisory' AND l.classid = :space AND l.objid = p.id
                    AND l.objsubid = 2 AND l.granted
                    AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()))
""").bindparams(space=LOCK_SPACE)


@dataclass(frozen=True)
class Clerk:
    clerk: str
    workstation: str
    started_at: object
    session_key: str

    def label(self) -> str:
        return f"{self.clerk}（{self.workstation}）"


class SessionPresence:
    """This program's presence in a shared library."""

    def __init__(self, engine: Engine, clerk: str, workstation: str):
        self.engine = engine
        self.key = uuid.uuid4().hex
        self.clerk, self.workstation = clerk, workstation
        self._conn: Connection | None = None

    def join(self) -> None:
        conn = self.engine.connect()
        try:
            with conn.begin():  # the lock is held before the row is seen: never a live row looking dead
                pid = conn.execute(insert(Presence).values(
                    session_key=self.key, clerk=self.clerk, workstation=self.workstation,
                    pid=os.getpid(), started_at=utcnow()).returning(Presence.id)).scalar_one()
                conn.execute(text("SELECT pg_advisory_lock(:space, :id)"), {"space": LOCK_SPACE, "id": pid})
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        self.forget_dead()

    def leave(self) -> None:
        if self._conn is None:
            return
        conn, self._conn = self._conn, None
        try:
            with conn.begin():
                conn.execute(delete(Presence).where(Presence.session_key == self.key))
        except Exception:  # noqa: BLE001 - the server is gone: the lock went with the connection
            pass
        finally:
            conn.invalidate()  # never back to the pool still holding the advisory lock
            conn.close()

    def live_keys(self) -> set[str]:
        with self.engine.connect() as conn:
            return set(conn.execute(_LIVE).scalars())

    def others(self) -> list[Clerk]:
        """The other sessions that have the library open now."""
        live = self.live_keys()
        with self.engine.connect() as conn:
            rows = conn.execute(select(Presence.clerk, Presence.workstation, Presence.started_at,
                                       Presence.session_key).order_by(Presence.started_at)).all()
        return [Clerk(*r) for r in rows if r.session_key in live and r.session_key != self.key]

    def forget_dead(self) -> list[str]:
        """Remove the rows of sessions that ended without leaving; returns their keys."""
        live = self.live_keys()
        with self.engine.begin() as conn:
            keys = [k for k in conn.execute(select(Presence.session_key)).scalars() if k not in live]
            if keys:
                conn.execute(delete(Presence).where(Presence.session_key.in_(keys)))
        return keys
