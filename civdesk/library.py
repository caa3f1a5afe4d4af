"""The one facade over a library folder.

A library is one folder a clerk can copy to another PC::

    library.db      SQLite database (WAL), schema managed by Alembic
    library.lock    held while a process has the library open
    vault/          original files, content-addressed by SHA-256
    thumbs/         thumbnails (can be rebuilt)
    index/          full-text index (can be rebuilt)
    exports/        packages written by exports

``Library.create`` / ``Library.open`` own the engine, the sessions, the vault
and the index.  Methods speak the user's intent and return frozen dataclasses,
never ORM objects.
"""
from __future__ import annotations

import getpass
import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from civdesk import DB_NAME, LOCK_NAME, db
from civdesk.errors import LibraryError
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

    def __init__(self, path: Path):
        self.path = Path(path)
        self.db_path = self.path / DB_NAME
        self.vault = Vault(self.path / "vault")
        self.thumbs_dir = self.path / "thumbs"
        self.index_dir = self.path / "index"
        self.exports_dir = self.path / "exports"
        self._lock = LibraryLock(self.path / LOCK_NAME)
        self.engine = None
        self._sessions = None
        self.backup_made: str | None = None
        self.user = _current_user()
        self._search = None

    # ----------------------------------------------------------------- opening
    @classmethod
    def create(cls, path: Path | str, *, sample: bool = True) -> Library:
        """Make a new library in ``path`` (which must not hold one already)."""
        path = Path(path)
        if (path / DB_NAME).exists():
            raise LibraryError(f"此文件夹中已有资料库：{path}")
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LibraryError(f"无法创建资料库文件夹 {path}：{exc.strerror or exc}") from exc
        lib = cls(path)
        lib._start()
        if sample:
            lib.load_sample_checklist()
        return lib

    @classmethod
    def open(cls, path: Path | str, *, create: bool = False) -> Library:
        """Open an existing library; with ``create=True`` make it when missing."""
        path = Path(path)
        if not (path / DB_NAME).exists():
            if create:
                return cls.create(path)
            raise LibraryError(f"这里没有 CivDesk 资料库：{path}")
        lib = cls(path)
        lib._start()
        return lib

    def _start(self) -> None:
        for sub in SUBDIRS:
            (self.path / sub).mkdir(exist_ok=True)
        self._lock.acquire()
        try:
            self.vault.ensure()
            self.vault.clean_temp()
            self.engine = db.make_engine(self.db_path)
            self.backup_made = db.upgrade(self.engine, self.db_path)
            self._sessions = db.make_sessionmaker(self.engine)
            self._recover_vault()
            self._close_interrupted_runs()
        except BaseException:
            if self.engine is not None:
                self.engine.dispose()
            self._lock.release()
            raise

    def _recover_vault(self) -> None:
        """Finish or undo imports interrupted by a crash (see :mod:`civdesk.vault`)."""
        staged = [p.name for p in self.vault.staging.iterdir()] if self.vault.staging.is_dir() else []
        if not staged:
            return
        with self.session() as s:
            known = set(s.scalars(select(Material.sha256).where(Material.sha256.in_(staged))))
        self.vault.recover(known)

    def _close_interrupted_runs(self) -> None:
        """Imports still ``running`` belong to a process that died: we hold the
        lock, so no other process can be running them."""
        with self.session() as s:
            runs = s.scalars(select(ImportRun).where(ImportRun.status == "running")).all()
            for run in runs:
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
            except BaseException:
                s.rollback()
                raise

    def audit(self, s: Session, action: str, target: str = "", target_id: int | None = None,
              **detail: Any) -> None:
        s.add(AuditEntry(user=self.user, action=action, target=target, target_id=target_id,
                         detail=detail))

    # -------------------------------------------------------------------- info
    def info(self) -> LibraryInfo:
        with self.session() as s:
            def count(model: Any, *where: Any) -> int:
                return s.scalar(select(func.count()).select_from(model).where(*where)) or 0

            vault_bytes = s.scalar(select(func.coalesce(func.sum(Material.size), 0))) or 0
            return LibraryInfo(
                path=str(self.path.resolve()),
                database=str(self.db_path.resolve()),
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
                    "unknown", str(p), f"原件库中有未登记的文件：{p.relative_to(self.path)}"))
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


def _current_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - getuser raises various errors on odd systems
        return os.environ.get("USERNAME", "")
