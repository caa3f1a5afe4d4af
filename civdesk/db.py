"""The library database through SQLAlchemy and Alembic: SQLite (WAL, foreign keys) in a
library folder, or PostgreSQL 15+ on an office server for a shared library
(:mod:`civdesk.shared`).  The same models and migrations run on both.

Opening a SQLite database made by an older CivDesk upgrades it in place after copying
it to a dated backup beside it (``library.db.bak-YYYYmmdd-HHMMSS``); a server's
database is upgraded under an advisory lock (two clerks starting a new version at once
upgrade it once), its backups are the server's business.

Alembic is imported only when a schema has to be created or upgraded: opening
a library that is already current compares its stored revision with the head
revision read from the migration files (importing Alembic costs 0.2 s).
"""
from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from civdesk import conflicts, material_versions, text_keys
from civdesk.errors import LibraryError
from civdesk.migrations import MIGRATIONS, head_from_files

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

_SQLITE_MAGIC = b"SQLite format 3\x00"


class SchemaTooNewError(LibraryError):
    """The database was written by a newer CivDesk than this one."""


def is_server_url(target: object) -> bool:
    return isinstance(target, str) and target.split(":", 1)[0].split("+", 1)[0] in ("postgresql", "postgres")


def server_url(url: str) -> str:
    """``postgresql://…`` (or ``postgres://…``) with the psycopg 3 driver named."""
    scheme, rest = url.split("://", 1)
    return f"postgresql+psycopg://{rest}" if "+" not in scheme else url


def make_engine(target: Path | str) -> Engine:
    """An engine on a SQLite file (a path) or on a PostgreSQL server (a URL)."""
    if is_server_url(target):
        return _server_engine(str(target))
    db_path = target
    engine = create_engine(
        f"sqlite:///{db_path}",
        connect_args={"check_same_thread": False, "timeout": 30},
    )

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001 - DB-API connection
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    return engine


def _server_engine(url: str) -> Engine:
    try:
        import psycopg  # noqa: F401 - the driver of the ``postgres`` extra
    except ImportError as exc:
        raise LibraryError("连接数据库服务器需要 psycopg 驱动：请安装 CivDesk 的 postgres 组件"
                           "（pip install civdesk[postgres]）。") from exc
    # small pools: a clerk's program holds a few connections, a test run many libraries
    engine = create_engine(server_url(url), pool_size=2, max_overflow=6, pool_pre_ping=True,
                           hide_parameters=True, connect_args={"connect_timeout": 10})
    event.listen(engine, "before_cursor_execute", _without_nul, retval=True)
    return engine


def _without_nul(_conn, _cursor, statement, parameters, _context, _executemany):  # noqa: ANN001, ANN202
    """PostgreSQL's text cannot hold NUL (SQLite's can): a title from a zip entry or PDF
    metadata with ``\x00`` in it is stored without it (it is never visible text)."""
    def clean(params):  # noqa: ANN001, ANN202
        if isinstance(params, dict):
            if any(isinstance(v, str) and "\x00" in v for v in params.values()):
                return {k: v.replace("\x00", "") if isinstance(v, str) else v for k, v in params.items()}
            return params
        if isinstance(params, (list, tuple)):
            if params and isinstance(params[0], (dict, list, tuple)):
                return type(params)(clean(p) for p in params)
            if any(isinstance(v, str) and "\x00" in v for v in params):
                return type(params)(v.replace("\x00", "") if isinstance(v, str) else v for v in params)
        return params

    return statement, clean(parameters)


def is_server(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions that bump ``Material.version`` themselves (:mod:`civdesk.material_versions`),
    keep the materials' text keys current (:mod:`civdesk.text_keys`) and note what they edit
    for a conflict message (:mod:`civdesk.conflicts`)."""
    sessions = sessionmaker(engine, expire_on_commit=False)
    material_versions.install(sessions)
    text_keys.install(sessions)
    conflicts.install(sessions)
    return sessions


def alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head() or ""


def current_revision(engine: Engine) -> str | None:
    """The revision stored in the database (Alembic's ``alembic_version`` table)."""
    from sqlalchemy import inspect

    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        rows = conn.exec_driver_sql("SELECT version_num FROM alembic_version").fetchall()
    if len(rows) > 1:
        raise LibraryError(f"无法打开 {engine.url.database}：数据库版本记录有 {len(rows)} 条"
                           f"（{'、'.join(r[0] for r in rows)}），应只有 1 条。")
    return rows[0][0] if rows else None


def upgrade(engine: Engine, db_path: Path | None, revision: str = "head") -> str | None:
    """Bring the schema to ``revision``; back up an existing older SQLite database first.

    Returns the path of the backup made, or None when nothing was upgraded.
    """
    if is_server(engine):
        return _upgrade_server(engine, revision)
    current = current_revision(engine)
    if revision == "head" and current is not None and current == head_from_files():
        return None
    from alembic import command
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    target = script.get_current_head() if revision == "head" else revision
    if current == target:
        return None
    if current is not None and not _known(script, current):
        raise SchemaTooNewError(
            f"资料库由更新版本的 CivDesk 创建（数据库版本 {current}），请升级本程序后再打开。"
        )
    backup = None
    if current is not None:
        backup = _backup(db_path, current)
    cfg = alembic_config()
    with engine.connect() as conn:
        # Batch migrations recreate tables: with foreign keys on, dropping the
        # old table would cascade-delete rows that refer to it.
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        conn.commit()
        with conn.begin():
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
            broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"升级后数据库外键检查失败：{broken[:5]}")
        conn.exec_driver_sql("PRAGMA foreign_keys=ON")
        conn.commit()
    return str(backup) if backup else None


def _upgrade_server(engine: Engine, revision: str) -> None:
    if revision == "head" and current_revision(engine) == head_from_files():
        return None  # current: Alembic is not even imported (0.1 s of every window start)
    from alembic import command
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    cfg = alembic_config()
    with engine.connect() as conn, conn.begin():
        # one upgrade at a time: the second clerk waits here and then finds nothing to do
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(4242001)")
        current = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() \
            if conn.exec_driver_sql("SELECT to_regclass('alembic_version')").scalar() else None
        if current is not None and not _known(script, current):
            raise SchemaTooNewError(
                f"资料库由更新版本的 CivDesk 创建（数据库版本 {current}），请升级本程序后再打开。")
        target = script.get_current_head() if revision == "head" else revision
        if current != target:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    return None


def damage(db_path: Path) -> str | None:
    """Why ``db_path`` cannot be a sound SQLite database, or None.

    Judged from the file's size and 100-byte header only, so nothing is
    written: SQLite itself would create ``-wal``/``-shm`` files or fail with a
    bare "file is not a database".  The length check is skipped while a
    ``-wal`` file holds pages a checkpoint may still have to write.
    """
    size = db_path.stat().st_size
    if size == 0:
        return "是空的（0 字节）"
    with db_path.open("rb") as fh:
        head = fh.read(100)
    if len(head) < 100 or not head.startswith(_SQLITE_MAGIC):
        return "不是 SQLite 数据库（文件开头的数据库标志不对），内容已被破坏或覆盖"
    page_size = int.from_bytes(head[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    if page_size < 512 or page_size & (page_size - 1):
        return "的文件头已损坏（页大小无效）"
    wal = db_path.with_name(db_path.name + "-wal")
    if wal.exists() and wal.stat().st_size:
        return None
    pages = int.from_bytes(head[28:32], "big")
    header_valid = head[24:28] == head[92:96]
    expected = pages * page_size if pages and header_valid else None
    if size % page_size or expected is not None and size < expected:
        whole = f"应有 {expected:,} 字节，" if expected else ""
        return f"不完整：{whole}实际只有 {size:,} 字节（可能在复制或保存时被中断）"
    return None


def newest_backup(db_path: Path) -> Path | None:
    """The newest non-empty dated backup ``library.db.bak-…`` beside ``db_path``."""
    found = [p for p in db_path.parent.glob(f"{db_path.name}.bak-*")
             if p.is_file() and p.stat().st_size > 0]
    return max(found, key=lambda p: p.name, default=None)


def _known(script: ScriptDirectory, rev: str) -> bool:
    try:
        return script.get_revision(rev) is not None
    except Exception:  # noqa: BLE001 - alembic raises several kinds for unknown ids
        return False


def _backup(db_path: Path, revision: str) -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    dest = db_path.with_name(f"{db_path.name}.bak-{stamp}-{revision}")
    src = sqlite3.connect(db_path)
    try:
        out = sqlite3.connect(dest)
        with out:
            src.backup(out)
        out.close()
    finally:
        src.close()
    return dest
