"""The one facade over a library folder.

A library is one folder a clerk can copy to another PC::

    library.db      SQLite database (WAL), schema managed by Alembic
    library.lock    held while a process has the library open
    vault/          original files, content-addressed by SHA-256
    thumbs/         thumbnails (can be rebuilt)
    index/          full-text index (can be rebuilt)
    exports/        packages written by exports

A shared library (:mod:`civdesk.shared`) is a small local folder pointing at a
PostgreSQL server and a network share; the same class opens it, with per-session
presence (:mod:`civdesk.presence`) in place of the lock file.

``Library.create`` / ``Library.open`` own the engine, the sessions, the vault
and the index.  Methods speak the user's intent and return frozen dataclasses,
never ORM objects.
"""
from __future__ import annotations

import errno
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from civdesk import DB_NAME, LOCK_NAME, db, shared
from civdesk.errors import DamagedLibraryError, LibraryError, LibraryNotWritableError
from civdesk.lock import LibraryLock
from civdesk.models import (
    AuditEntry,
    Checklist,
    ChecklistNode,
    ImportEntry,
    ImportRun,
    Link,
    Material,
    Standard,
    Unit,
    utcnow,
)
from civdesk.progress import NullProgress, Progress
from civdesk.vault import Vault, hash_file

SUBDIRS = ("vault", "thumbs", "index", "exports")


@dataclass(frozen=True)
class LibraryInfo:
    path: str
    database: str
    vault: str
    schema_revision: str
    checklists: int
    items: int
    standards: int
    materials: int
    links: int
    units: int
    vault_bytes: int


@dataclass(frozen=True)
class VerifyProblem:
    kind: str  # 'altered' | 'missing' | 'unknown' | 'stray'
    path: str
    message: str
    material_id: int | None = None


@dataclass(frozen=True)
class VerifyReport:
    checked_files: int
    problems: tuple[VerifyProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


class Library:
    """An open library.  Use as a context manager or call :meth:`close`."""

    def __init__(self, path: Path, config: shared.SharedConfig | None = None):
        self.path = Path(path)
        self.shared = config
        self.presence = None
        self.user = shared.clerk_name()
        self.workstation = shared.workstation_name()
        if config is None:
            self.db_path: Path | None = self.path / DB_NAME
            self.vault = Vault(self.path / "vault")
            self.thumbs_dir = self.path / "thumbs"
        else:
            self.db_path = None
            self.vault = None  # made when the session key is known (_start_shared)
            self.thumbs_dir = config.thumbs_dir
        self.index_dir = self.path / "index"  # on a shared library: this workstation's own
        self.exports_dir = self.path / "exports"
        self._lock = LibraryLock(self.path / LOCK_NAME)
        self.engine = None
        self._sessions = None
        self.backup_made: str | None = None
        self._search = None
        self._search_lock = threading.Lock()  # the keeper is first asked for on a worker thread

    @property
    def is_shared(self) -> bool:
        return self.shared is not None

    # ----------------------------------------------------------------- opening
    @classmethod
    def create(cls, path: Path | str, *, sample: bool = True, database: str | None = None,
               vault: Path | str | None = None) -> Library:
        """Make a new library in ``path`` (which must not hold one already).

        With ``database`` (a ``postgresql://`` URL) and ``vault`` (a shared folder) ``path``
        becomes a shared library's local pointer folder; a server database that already holds
        the office's library is joined, not filled again.
        """
        path = Path(path)
        if (path / DB_NAME).exists() or shared.is_shared(path):
            raise LibraryError(f"此文件夹中已有资料库：{path}")
        if database is not None:
            return cls._create_shared(path, database, vault, sample=sample)
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LibraryError(f"无法创建资料库文件夹 {path}：{exc.strerror or exc}") from exc
        lib = cls(path)
        lib._start(new=True)
        if sample:
            lib.load_sample_checklist()
        return lib

    @classmethod
    def _create_shared(cls, path: Path, database: str, vault: Path | str | None, *,
                       sample: bool) -> Library:
        if vault is None:
            raise LibraryError("共享资料库还需要原件库的共享文件夹（--vault）")
        shared.check_url(database)
        share = Path(vault)
        try:
            share.mkdir(exist_ok=True)  # its parent must exist: a share is never made on the local disk
            (share / "vault").mkdir(exist_ok=True)
            (share / "thumbs").mkdir(exist_ok=True)
        except OSError as exc:
            raise LibraryError(f"无法访问原件库的共享文件夹 {share}：{exc.strerror or exc}") from exc
        config = shared.write_pointer(path, database, share)
        lib = cls(path, config)
        try:
            lib._start(new=True)
        except BaseException:
            (path / shared.POINTER_NAME).unlink(missing_ok=True)
            raise
        if sample and lib.info().checklists == 0:
            lib.load_sample_checklist()
        return lib

    @classmethod
    def open(cls, path: Path | str, *, create: bool = False) -> Library:
        """Open an existing library; with ``create=True`` make it when missing."""
        path = Path(path)
        if shared.is_shared(path):
            lib = cls(path, shared.read_pointer(path))
            lib._start(new=False)
            return lib
        moved = (path / "MOVED.json").is_file()
        if moved:
            from civdesk.move import moved_to

            info = moved_to(path) or {}
            raise LibraryError(f"此资料库已迁移到服务器（{info.get('database', '?')}），不再在这里使用：{path}\n"
                               f"请打开新的资料库文件夹：{info.get('new_library', '?')}\n"
                               "（旧文件夹原样保留，可作备份；在这里做的修改别人看不到。）")
        if not (path / DB_NAME).exists():
            if create:
                return cls.create(path)
            raise LibraryError(f"这里没有 CivDesk 资料库：{path}")
        lib = cls(path)
        lib._start(new=False)
        return lib

    def _start_shared(self) -> None:
        """Connect to the server, upgrade, join the presence list, then clean up after
        sessions that died (their import runs, their staged files)."""
        from sqlalchemy.exc import OperationalError

        from civdesk.presence import SessionPresence

        cfg = self.shared
        if not cfg.share.is_dir():
            raise LibraryError(f"无法访问原件库的共享文件夹：{cfg.share}\n"
                               "请确认网络共享已连接（映射的网络驱动器或 \\\\服务器\\共享），再重试。")
        try:
            for sub in SUBDIRS:
                if sub in ("index", "exports"):
                    (self.path / sub).mkdir(exist_ok=True)
            cfg.vault_root.mkdir(exist_ok=True)
            cfg.thumbs_dir.mkdir(exist_ok=True)
            self.engine = db.make_engine(shared.connect_url(cfg.database))
            self.backup_made = db.upgrade(self.engine, None)
            self._sessions = db.make_sessionmaker(self.engine)
            self.presence = SessionPresence(self.engine, self.user, self.workstation)
            self.presence.join()
        except OperationalError as exc:
            raise shared.server_error(exc, cfg.database) from exc
        self.vault = Vault(cfg.vault_root, session=self.presence.key)
        self.vault.ensure()
        live = self.presence.live_keys()
        staged = [p.name for d in (cfg.vault_root / ".staging").iterdir() if d.is_dir() and d.name not in live
                  for p in d.iterdir()]
        known: set[str] = set()
        if staged:
            with self.session() as s:
                known = set(s.scalars(select(Material.sha256).where(Material.sha256.in_(staged))))
        self.vault.recover_sessions(live, known)
        self._close_interrupted_runs(live)

    def _start(self, *, new: bool) -> None:
        """Lock, check and open the folder.  A damaged database is refused
        before SQLite touches it; a folder that cannot be written, a damaged
        database and SQLite failures end in a :class:`LibraryError`."""
        if self.is_shared:
            try:
                # the local folder (this workstation's index) has one program at a time, as ever
                self._lock.acquire()
                self._start_shared()
            except BaseException:
                self.close()
                raise
            return
        try:
            self._lock.acquire()
        except OSError as exc:
            raise self._os_error(exc) from exc
        try:
            if not new:
                cause = db.damage(self.db_path)
                if cause:
                    raise self._damaged(cause)
            for sub in SUBDIRS:
                (self.path / sub).mkdir(exist_ok=True)
            self.vault.ensure()
            self.vault.clean_temp()
            self.engine = db.make_engine(self.db_path)
            if not new and db.current_revision(self.engine) is None:
                raise self._damaged("中没有 CivDesk 的版本记录（不是 CivDesk 资料库，或内容已丢失）")
            self.backup_made = db.upgrade(self.engine, self.db_path)
            self._sessions = db.make_sessionmaker(self.engine)
            self._recover_vault()
            self._close_interrupted_runs()
        except BaseException as exc:
            if self.engine is not None:
                self.engine.dispose()
                self.engine = None
            self._lock.release()
            if isinstance(exc, OSError):
                raise self._os_error(exc) from exc
            if isinstance(exc, DBAPIError) and isinstance(exc.orig, sqlite3.Error):
                raise self._sqlite_error(exc.orig) from exc
            raise

    def _damaged(self, cause: str) -> DamagedLibraryError:
        """The clerk's message for a damaged database: the cause, and the newest backup to restore."""
        has_originals = next(self.vault.iter_files(), None) is not None
        if self.db_path.stat().st_size == 0 and has_originals:
            cause += "，而原件库 vault 中已有原件：这不是新资料库，登记信息丢失了"
        backup = db.newest_backup(self.db_path)
        if backup is not None:
            todo = (f"处理办法：关闭 CivDesk，把损坏的 {DB_NAME} 改名留存（例如 {DB_NAME}.损坏），"
                    f"再把最新的备份 {backup.name} 复制一份、改名为 {DB_NAME}，然后重新打开；"
                    "备份之后登记的材料需要重新导入或核对。")
        elif has_originals:
            todo = (f"此文件夹中没有数据库备份（{DB_NAME}.bak-…）。处理办法：用其他电脑、U 盘或光盘上的"
                    "资料库副本替换整个文件夹；原件库 vault 中的文件没有被改动，可交技术人员恢复登记信息。")
        else:
            todo = (f"此文件夹中没有数据库备份（{DB_NAME}.bak-…），原件库也是空的。处理办法：用其他电脑、"
                    "U 盘或光盘上的资料库副本替换整个文件夹；如果这是一个刚才没能建好的新资料库，"
                    "也可以删除此文件夹后重新创建。")
        return DamagedLibraryError(
            f"资料库已损坏，无法打开：{self.path}\n原因：数据库文件 {DB_NAME} {cause}。\n"
            f"为免进一步损坏，CivDesk 没有改动此资料库中的任何文件。\n{todo}")

    def _os_error(self, exc: OSError) -> LibraryError:
        """A read-only folder, one of another user, a full disk: said plainly."""
        where = Path(exc.filename).name if exc.filename else self.path.name
        copy = "把整个资料库文件夹复制到本机可写的位置（例如 D:\\资料库 或“文档”文件夹），再打开那份副本。"
        if exc.errno == errno.EROFS:
            return LibraryNotWritableError(
                f"资料库文件夹是只读的，CivDesk 无法在其中写入：{self.path}\n"
                f"（无法写入 {where}：只读的磁盘、光盘或网络共享）\n处理办法：{copy}")
        if exc.errno in (errno.EACCES, errno.EPERM):
            return LibraryNotWritableError(
                f"没有写入资料库文件夹的权限：{self.path}\n"
                f"（无法读写 {where}：拒绝访问，文件夹可能属于其他用户或被设为只读）\n"
                f"处理办法：请管理员为当前用户（{self.user}）开放此文件夹的写入权限；"
                f"或者{copy}")
        if exc.errno == errno.ENOSPC:
            return LibraryError(f"磁盘已满，无法打开资料库：{self.path}\n请先腾出磁盘空间再重试。")
        return LibraryError(f"无法打开资料库：{self.path}\n（{where}：{exc.strerror or exc}）")

    def _sqlite_error(self, exc: sqlite3.Error) -> LibraryError:
        code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
        if code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
            return self._damaged(f"的内容已损坏（SQLite：{exc}）")
        if code in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM):
            return self._os_error(PermissionError(errno.EACCES, str(exc), str(self.db_path)))
        if code == sqlite3.SQLITE_FULL:
            return self._os_error(OSError(errno.ENOSPC, str(exc), str(self.db_path)))
        if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            return LibraryError(f"资料库数据库正被其他程序占用（例如数据库查看工具）：{self.db_path}\n"
                                "请关闭那个程序后重试。")
        return LibraryError(f"读写资料库数据库时出错：{self.db_path}\n（SQLite：{exc}）")

    def _recover_vault(self) -> None:
        """Finish or undo imports interrupted by a crash (see :mod:`civdesk.vault`)."""
        staged = [p.name for p in self.vault.staging.iterdir()] if self.vault.staging.is_dir() else []
        if not staged:
            return
        with self.session() as s:
            known = set(s.scalars(select(Material.sha256).where(Material.sha256.in_(staged))))
        self.vault.recover(known)

    def _close_interrupted_runs(self, live: set[str] | None = None) -> None:
        """Imports still ``running`` belong to a process that died: we hold the
        lock, so no other process can be running them.  On a shared library only
        the runs of sessions no longer alive (``live`` holds the others)."""
        with self.session() as s:
            runs = s.scalars(select(ImportRun).where(ImportRun.status == "running")).all()
            for run in runs:
                if live is not None and run.session_key in live:
                    continue
                counts = dict(s.execute(select(ImportEntry.status, func.count())
                                        .where(ImportEntry.run_id == run.id)
                                        .group_by(ImportEntry.status)).all())
                run.status = "interrupted"
                run.finished_at = run.finished_at or utcnow()
                run.counts = {k: counts.get(k, 0) for k in ("imported", "duplicate", "refused")}
                self.audit(s, "import", "import_run", run.id, status="interrupted", **run.counts)

    def close(self) -> None:
        if self._search is not None:
            self._search.close()
            self._search = None
        if self.presence is not None:
            self.presence.leave()
            self.presence = None
            if self.vault is not None:
                self.vault.remove_session_dirs()
        if self.engine is not None:
            self.engine.dispose()
            self.engine = None
        self._lock.release()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # ---------------------------------------------------------------- sessions
    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session committed on success and rolled back on error."""
        if self._sessions is None:
            raise LibraryError("资料库已关闭")
        with self._sessions() as s:
            try:
                yield s
                s.commit()
            except StaleDataError as exc:
                s.rollback()
                from civdesk.conflicts import conflict_error

                raise conflict_error(self, s, exc) from exc
            except BaseException:
                s.rollback()
                raise

    @property
    def session_key(self) -> str:
        """This program session on a shared library ('' for a library folder)."""
        return self.presence.key if self.presence is not None else ""

    def others(self) -> list[Any]:
        """The other clerks who have this shared library open now (empty for a folder)."""
        return self.presence.others() if self.presence is not None else []

    def audit(self, s: Session, action: str, target: str = "", target_id: int | None = None,
              **detail: Any) -> None:
        s.add(AuditEntry(user=self.user, workstation=self.workstation, action=action, target=target,
                         target_id=target_id, detail=detail))

    # -------------------------------------------------------------------- info
    def info(self) -> LibraryInfo:
        with self.session() as s:
            def count(model: Any, *where: Any) -> int:
                return s.scalar(select(func.count()).select_from(model).where(*where)) or 0

            vault_bytes = s.scalar(select(func.coalesce(func.sum(Material.size), 0))) or 0
            return LibraryInfo(
                path=str(self.path.resolve()),
                database=self.shared.database if self.shared else str(self.db_path.resolve()),
                vault=str(self.vault.root.resolve()),
                schema_revision=db.current_revision(self.engine) or "",
                checklists=count(Checklist),
                items=count(ChecklistNode),
                standards=count(Standard),
                materials=count(Material),
                links=count(Link),
                units=count(Unit),
                vault_bytes=int(vault_bytes),
            )

    # ------------------------------------------------------------------ verify
    def verify(self, progress: Progress | None = None) -> VerifyReport:
        """Fixity audit: every vault file matches its hash, nothing missing or unknown."""
        progress = progress or NullProgress()
        with self.session() as s:
            rows = s.execute(select(Material.id, Material.sha256, Material.original_name)).all()
        known = {sha for _, sha, _ in rows}
        files = list(self.vault.iter_files())
        late = [p.name for p in files if p.name not in known]
        if late and self.is_shared:  # committed by a colleague after the rows were read
            with self.session() as s:
                known |= set(s.scalars(select(Material.sha256).where(Material.sha256.in_(late))))
        total = len(rows) + len(files)
        problems: list[VerifyProblem] = []
        done = 0
        for mid, sha, name in rows:
            progress.check_cancelled()
            p = self.vault.path_for(sha)
            if not p.is_file():
                problems.append(VerifyProblem(
                    "missing", str(p), f"原件缺失：材料 #{mid}「{name}」的文件不在原件库中", mid))
            elif hash_file(p)[0] != sha:
                problems.append(VerifyProblem(
                    "altered", str(p), f"原件被改动：材料 #{mid}「{name}」的校验值与登记不符", mid))
            done += 1
            progress.update(done, total, name)
        for p in files:
            progress.check_cancelled()
            if p.parent == self.vault.root or p.name not in known or p.parent.name != p.name[:2]:
                problems.append(VerifyProblem(
                    "unknown", str(p), f"原件库中有未登记的文件：{p.relative_to(self.vault.root.parent)}"))
            done += 1
            progress.update(done, total, p.name)
        return VerifyReport(checked_files=len(rows), problems=tuple(problems))

    def thumb_path(self, sha256: str) -> Path:
        return self.thumbs_dir / sha256[:2] / f"{sha256}.jpg"

    # ---------------------------------------------------------------- import
    def import_paths(self, paths: list[Path], options: Any = None,
                     progress: Progress | None = None) -> Any:
        """Import files, folders and zips (see :mod:`civdesk.importer`)."""
        from civdesk.importer import import_paths

        return import_paths(self, [Path(p) for p in paths], options, progress)

    # ---------------------------------------------------------------- search
    @property
    def search_index(self) -> Any:
        """The :class:`civdesk.search.indexing.IndexKeeper` (opened on first use)."""
        with self._search_lock:
            if self._search is None:
                from civdesk.search.indexing import IndexKeeper

                self._search = IndexKeeper(self)
            return self._search

    def search(self, query: str, **filters: Any) -> list[Any]:
        """Materials containing ``query`` (see :meth:`IndexKeeper.search`)."""
        return self.search_index.search(query, **filters)

    # --------------------------------------------------------------- checklist
    def load_sample_checklist(self) -> None:
        """Load the built-in sample checklist (civdesk/resources/checklists/sample.xlsx)."""
        from civdesk.checklist.store import load_sample

        load_sample(self)


