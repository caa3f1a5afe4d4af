"""The import pipeline: scan → hash → de-duplicate → store → extract → commit.

Stages (STYLE.md §8):

1. **scan** (:mod:`.sources`): files, folders, zips become sources; bad
   entries become refusals with a reason.
2. **store and hash** in one read: the file is copied into ``vault/.staging``
   through a temporary file while its SHA-256 is computed, and the copy is
   verified against it; a file modified meanwhile (size or time) is refused.
   The batch is flushed to disk (one sync per batch) before the commit that
   refers to it.
3. **de-duplicate**: content already in the library (or earlier in this run)
   is a *duplicate*: its staged copy is dropped, links and unit still apply.
4. **extract** (worker processes, both cores): kind by content, metadata,
   dates, text, quality measures, thumbnail (:func:`civdesk.extract.extract`).
5. **commit** in batches: material rows, texts, links, suggestions and report
   entries in one transaction; then the staged files move to their place.
   A kill between 3 and 5 is undone (or finished) at the next open, where the
   run still marked ``running`` becomes ``interrupted``.  The extraction
   workers die with the import's process (:mod:`civdesk.extract.worker`).
6. **index**: committed materials carry ``version > indexed_version`` and are
   picked up by the search index's catch-up.
"""
from __future__ import annotations

import concurrent.futures as cf
import errno
import multiprocessing
import os
import threading
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from civdesk.errors import LibraryError
from civdesk.extract import Extracted, extract, warm_up, worker
from civdesk.fsnames import readable
from civdesk.importer.sources import Source, os_reason, scan
from civdesk.importer.suggest import StandardRef, Suggester, SuggestionHit
from civdesk.materials import add_link
from civdesk.models import (
    Checklist,
    ChecklistNode,
    ImportEntry,
    ImportRun,
    Link,
    Material,
    MaterialText,
    Standard,
    Suggestion,
    Unit,
    utcnow,
)
from civdesk.progress import Cancelled, NullProgress, Progress
from civdesk.vault import VaultError
from civdesk.vocabulary import PHOTO_KINDS

if TYPE_CHECKING:
    from civdesk.library import Library

BATCH = 64
IN_FLIGHT = 32  # enough queued work to keep both workers busy through a batch's disk flush
POOL_THRESHOLD = 6  # fewer files than this are extracted in-process


class ImportAborted(LibraryError):
    """The import had to stop (disk full…); what was committed stays."""

    def __init__(self, message: str, report: ImportReport):
        super().__init__(message)
        self.report = report


@dataclass(frozen=True)
class ImportOptions:
    standard_ids: tuple[int, ...] = ()
    unit: str | None = None
    accept_suggestions: bool = False
    workers: int = 2


@dataclass(frozen=True)
class EntryResult:
    path: str
    status: str  # 'imported' | 'duplicate' | 'refused'
    reason: str
    material_id: int | None


@dataclass(frozen=True)
class ImportReport:
    run_id: int
    entries: tuple[EntryResult, ...]
    cancelled: bool = False
    suggestions: int = 0

    def count(self, status: str) -> int:
        return sum(1 for e in self.entries if e.status == status)

    @property
    def counts(self) -> dict[str, int]:
        return {s: self.count(s) for s in ("imported", "duplicate", "refused")}

    def summary(self) -> str:
        c = self.counts
        text = f"导入 {c['imported']} 个，重复 {c['duplicate']} 个，拒绝 {c['refused']} 个"
        flagged = sum(1 for e in self.entries if e.status == "imported" and e.reason)
        if flagged:
            text += f"（其中 {flagged} 个已导入但有问题）"
        if self.suggestions:
            text += f"；归档建议 {self.suggestions} 条待确认"
        return text + ("；已取消" if self.cancelled else "")


@dataclass
class _Pending:
    source: Source
    sha: str
    size: int
    future: cf.Future | None = None
    extracted: Extracted | None = None
    problem: str = ""


@dataclass
class _Batch:
    new: list[_Pending] = field(default_factory=list)
    dups: list[tuple[Source, str]] = field(default_factory=list)
    refused: list[tuple[Source, str]] = field(default_factory=list)
    inserted: list[tuple[_Pending, Material]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.new) + len(self.dups) + len(self.refused)


def _make_pool(workers: int) -> cf.ProcessPoolExecutor:
    """Extraction workers: forked from a single-threaded process (the command
    line: quick to start), spawned from one that runs threads (the window),
    where forking is unsafe."""
    method = "fork" if threading.active_count() == 1 and os.name == "posix" else "spawn"
    pool = cf.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method),
                                  initializer=worker.start, initargs=(os.getpid(),))
    for _ in range(workers):  # workers load their libraries while the first files are stored
        pool.submit(warm_up)
    return pool


class Importer:
    def __init__(self, lib: Library, options: ImportOptions, progress: Progress):
        self.lib, self.options, self.progress = lib, options, progress
        self.entries: list[EntryResult] = []
        self.known: dict[str, int] = {}
        self.in_run: set[str] = set()
        self.waiting: list[tuple[Source, str]] = []  # duplicates of files still being extracted
        self.suggestions = 0
        self.pool: cf.ProcessPoolExecutor | None = None
        self.unit_id: int | None = None
        self.suggester: Suggester | None = None

    # ------------------------------------------------------------------ run
    def run(self, paths: list[Path]) -> ImportReport:
        tmp = self.lib.vault.tmp
        sources = list(scan([Path(p) for p in paths], tmp))
        with self.lib.session() as s:
            run = ImportRun(user=self.lib.user, session_key=self.lib.session_key,
                            sources=[readable(str(p)) for p in paths],
                            options={"standards": list(self.options.standard_ids),
                                     "unit": self.options.unit,
                                     "accept_suggestions": self.options.accept_suggestions})
            s.add(run)
            s.flush()
            self.run_id = run.id
            self.unit_id = self._ensure_unit(s)
            self.suggester = self._make_suggester(s)
        try:
            self._process(sources)
        except BaseException as exc:
            if self.pool is not None:
                self.pool.shutdown(wait=True, cancel_futures=True)
            try:
                self._finish_run("cancelled" if isinstance(exc, Cancelled) else "failed")
            except Exception:  # noqa: BLE001 - (a full disk) the next open marks it interrupted
                pass
            raise
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
        self._finish_run("done")
        return self.report(False)

    def report(self, cancelled: bool) -> ImportReport:
        return ImportReport(self.run_id, tuple(self.entries), cancelled, self.suggestions)

    def _finish_run(self, status: str) -> None:
        with self.lib.session() as s:
            run = s.get(ImportRun, self.run_id)
            run.status = status
            run.finished_at = utcnow()
            run.counts = self.report(status == "cancelled").counts
            self.lib.audit(s, "import", "import_run", self.run_id, status=status, **run.counts)

    def _process(self, sources: list[Source]) -> None:
        total = len(sources)
        new_count = sum(1 for s in sources if s.refused is None)
        if new_count >= POOL_THRESHOLD and self.options.workers > 1:
            self.pool = _make_pool(self.options.workers)
        with self.lib.session() as s:
            self.known = dict(s.execute(select(Material.sha256, Material.id)).all())
        batch = _Batch()
        flight: deque[_Pending] = deque()
        done = 0
        try:
            for src in sources:
                self.progress.check_cancelled()
                self._take(src, batch, flight)
                while len(flight) > IN_FLIGHT or (flight and flight[0].future is None):
                    batch.new.append(self._finish(flight.popleft()))
                    done += 1
                if len(batch) >= BATCH:
                    self._commit(batch)
                    batch = _Batch()
                self.progress.update(min(len(self.entries) + len(batch) + len(flight), total),
                                     total, src.name)
            while flight:
                batch.new.append(self._finish(flight.popleft()))
            self._commit(batch)
        except BaseException as exc:
            # keep what is finished (no use trying on a full disk); drop the other staged copies
            for p in flight:
                if p.future is not None:
                    p.future.cancel()
            full = _disk_full(exc)
            if not full:
                batch.new += [self._finish(p) for p in flight if p.future is not None
                              and p.future.done() and not p.future.cancelled()]
                try:
                    self._commit(batch)
                except Exception:  # noqa: BLE001 - the original error matters more
                    pass
            for p in [*batch.new, *flight]:
                if p.sha not in self.known:
                    self.lib.vault.discard_staged(p.sha)
            if full and not isinstance(exc, ImportAborted):
                raise self._disk_full_error() from exc
            raise
        self.progress.update(total, total, "完成")

    # ------------------------------------------------------------ the stages
    def _take(self, src: Source, batch: _Batch, flight: deque[_Pending]) -> None:
        """Hash while copying into staging (one read), then de-duplicate."""
        if src.refused:
            batch.refused.append((src, src.refused))
            return
        vault = self.lib.vault
        try:
            with src.open() as f:
                stored = vault.store_stream(f, staged=True)
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                self._abort_disk_full(batch, flight, src)
            if self.lib.is_shared and not _reachable(vault.root):
                self._abort_share_gone(batch, flight, src)
            batch.refused.append((src, _reason(exc)))
            return
        sha = stored.sha256
        ours = stored.new and sha not in self.in_run  # a staged copy nobody else waits for
        if src.changed():
            if ours:
                vault.discard_staged(sha)
            batch.refused.append((src, "文件在导入过程中被修改（前后大小或修改时间不一致），请稍后重新导入"))
            return
        if stored.size == 0:
            if ours:
                vault.discard_staged(sha)
            batch.refused.append((src, "文件为空（0 字节），没有可保存的内容"))
            return
        if sha in self.known or sha in self.in_run:
            if ours:
                vault.discard_staged(sha)
            batch.dups.append((src, sha))
            return
        self.in_run.add(sha)
        pending = _Pending(src, sha, stored.size)
        staged = vault.staged_path(sha)
        thumb = self.lib.thumb_path(sha)
        thumb.parent.mkdir(parents=not self.lib.is_shared, exist_ok=True)  # a gone share is not remade
        if self.pool is not None:
            pending.future = self._submit(staged, src.name, thumb)
        else:
            pending.extracted = self._extract_here(staged, src.name, thumb)
        flight.append(pending)

    def _submit(self, staged: Path, name: str, thumb: Path) -> cf.Future:
        # workers import only civdesk.extract (not the database layer)
        try:
            return self.pool.submit(extract, staged, name, thumb)
        except cf.BrokenExecutor:
            self.pool = _make_pool(self.options.workers)
            return self.pool.submit(extract, staged, name, thumb)

    def _extract_here(self, staged: Path, name: str, thumb: Path) -> Extracted | None:
        try:
            return extract(staged, name, thumb)
        except Exception:  # noqa: BLE001 - recorded as a problem below
            return None

    def _finish(self, p: _Pending) -> _Pending:
        if p.future is not None:
            try:
                p.extracted = p.future.result()
            except Exception as exc:  # noqa: BLE001 - worker crashed on this file
                p.extracted = None
                p.problem = f"解析文件时出错（{type(exc).__name__}），原件已保存"
            p.future = None
        elif p.extracted is None and not p.problem:
            p.problem = "解析文件时出错，原件已保存"
        return p

    def _abort_disk_full(self, batch: _Batch, flight: deque[_Pending], src: Source) -> None:
        # files already stored are finished and committed, so the report (and
        # the count in the message) covers everything that is in the library
        while flight:
            batch.new.append(self._finish(flight.popleft()))
        batch.refused.append((src, "磁盘空间不足，无法保存原件"))
        self._commit(batch)
        batch.new.clear(), batch.dups.clear(), batch.refused.clear()
        raise self._disk_full_error()

    def _abort_share_gone(self, batch: _Batch, flight: deque[_Pending], src: Source) -> None:
        """The network share went away: stop; what is committed stays, staged copies are dropped
        (each is a whole file or nothing: a file enters the vault only by a rename)."""
        for p in flight:
            if p.future is not None:
                p.future.cancel()
        flight.clear()
        done = self.report(False).counts
        raise ImportAborted(
            f"原件库的共享文件夹无法访问（网络断开或共享已关闭）：{self.lib.vault.root}\n"
            f"导入已停止：此前已导入 {done['imported']} 个文件，资料库保持完整，没有写入不完整的文件。"
            "请恢复网络连接后重新导入，已导入的文件会识别为重复。", self.report(False))

    def _disk_full_error(self) -> ImportAborted:
        done = self.report(False).counts
        return ImportAborted(
            f"磁盘空间不足，导入已停止：已导入 {done['imported']} 个文件，"
            "资料库保持完整。请清理磁盘后重新导入，已导入的文件会识别为重复。", self.report(False))

    # ---------------------------------------------------------------- commit
    def _commit(self, batch: _Batch) -> None:
        """One transaction for the batch; duplicates of files still being
        extracted wait for the batch that commits their original."""
        dups = self.waiting + batch.dups
        if not (batch.new or dups or batch.refused):
            return
        lib = self.lib
        results: list[EntryResult] = []
        ids: dict[str, int] = {}
        waiting: list[tuple[Source, str]] = []
        lib.vault.make_durable([p.sha for p in batch.new])  # on disk before any row refers to it
        with lib.session() as s:
            raced = self._insert_new(s, batch)
            for p, m in batch.inserted:
                ids[p.sha] = m.id
                ex = p.extracted
                if ex is not None:
                    for i, page in enumerate(ex.text_pages, 1):
                        if page:
                            s.add(MaterialText(material_id=m.id, page=i, text=page))
                self._file(s, m.id, p.source, new=True)
                results.append(EntryResult(p.source.display, "imported", m.problem, m.id))
            for src, sha in self.waiting + batch.dups:  # batch.dups now holds the raced files too
                mid = ids.get(sha) or self.known.get(sha)
                if mid is None:
                    waiting.append((src, sha))  # its original is still being extracted
                    continue
                m = self._file(s, mid, src, new=False)
                results.append(EntryResult(src.display, "duplicate",
                                           f"与资料库中的材料 #{mid}「{m.original_name}」内容相同，未重复保存",
                                           mid))
            for src, reason in batch.refused:
                results.append(EntryResult(src.display, "refused", reason, None))
            for r in results:
                s.add(ImportEntry(run_id=self.run_id, path=r.path, status=r.status,
                                  reason=r.reason, material_id=r.material_id))
        self.known.update(ids)
        self.waiting = waiting
        self.entries.extend(results)
        for p, _ in batch.inserted:
            lib.vault.promote(p.sha)
        for sha in raced:  # another clerk's copy is in the vault: ours is not needed
            lib.vault.discard_staged(sha)

    def _insert_new(self, s, batch: _Batch) -> set[str]:  # noqa: ANN001
        """Insert the batch's new materials (one multi-row INSERT … RETURNING).  A file another
        clerk committed meanwhile (a shared library) breaks the unique hash: the savepoint is
        rolled back and those files become duplicates of the other clerk's rows."""
        from sqlalchemy.exc import IntegrityError

        raced: set[str] = set()
        pending = list(batch.new)
        if not self.lib.is_shared:  # one process at a time: no race
            rows = [self._material(p) for p in pending]
            s.add_all(rows)
            s.flush()
            batch.inserted = list(zip(pending, rows))
            return raced
        for _ in range(5):
            if pending:
                found = dict(s.execute(select(Material.sha256, Material.id)
                                       .where(Material.sha256.in_([p.sha for p in pending]))).all())
                if found:
                    self.known.update(found)
                    raced.update(found)
                    batch.dups.extend((p.source, p.sha) for p in pending if p.sha in found)
                    pending = [p for p in pending if p.sha not in found]
            rows = [self._material(p) for p in pending]
            try:
                with s.begin_nested():
                    s.add_all(rows)
                    s.flush()
            except IntegrityError:
                continue  # the other clerk's transaction committed first: look again
            batch.inserted = list(zip(pending, rows))
            return raced
        raise LibraryError("另一位同事正在导入相同的文件，多次重试仍未完成，请稍后重新导入。")

    def _material(self, p: _Pending) -> Material:
        ex = p.extracted
        name = p.source.name
        thumb_ok = bool(ex and ex.thumbnail)
        source_meta = {"source_path": p.source.display}
        if p.source.raw_name:
            source_meta["raw_name"] = p.source.raw_name  # the name's bytes as they were on disk
        if ex is None:
            return Material(sha256=p.sha, size=p.size, original_name=name,
                            title=PurePath(name).stem, problem=p.problem, text_status="error",
                            thumb="none", unit_id=self.unit_id, meta=source_meta)
        problem = ex.error or ""
        if ex.mislabelled:
            problem = "；".join(x for x in (problem, f"扩展名与内容不符（实际是 {ex.kind} 文件）") if x)
        meta: dict[str, Any] = dict(ex.extra)
        if ex.camera:
            meta["camera"] = ex.camera
        if ex.gps:
            meta["gps"] = list(ex.gps)
        if ex.orientation:
            meta["orientation"] = ex.orientation
        if ex.author:
            meta["author"] = ex.author
        if ex.has_text_layer is not None:
            meta["has_text_layer"] = ex.has_text_layer
        if ex.bomb:
            meta["bomb"] = True
        meta.update(source_meta)
        return Material(
            sha256=p.sha, size=p.size, original_name=name, kind=ex.kind, mime=ex.mime,
            category=_category(ex), title=_title(ex, name), date=ex.date,
            date_source=ex.date_source or "", unit_id=self.unit_id,
            doc_number=ex.doc_number or "", pages=ex.pages,
            pages_estimated=ex.pages_estimated, width=ex.width, height=ex.height,
            text_status=ex.text_status, encrypted=ex.encrypted, problem=problem, meta=meta,
            taken_at=ex.taken_at, blur=ex.blur, phash=ex.phash or "",
            jpeg_quality=ex.jpeg_quality, thumb="ok" if thumb_ok else "none")

    def _file(self, s, material_id: int, src: Source, new: bool) -> Material:  # noqa: ANN001
        """Links, unit and suggestions for one material (returned)."""
        for sid in self.options.standard_ids:
            add_link(s, material_id, sid, "import")
        m = s.get(Material, material_id)
        if self.unit_id is not None and m.unit_id is None:
            m.unit_id = self.unit_id
        hit: SuggestionHit | None = self.suggester.suggest(src.folders, src.name) if self.suggester else None
        if hit is None or self.options.standard_ids and not hit.unit_id:
            return m
        if self.options.accept_suggestions:
            if not self.options.standard_ids:
                for sid in hit.standard_ids:
                    add_link(s, material_id, sid, "suggestion")
            if hit.unit_id and m.unit_id is None:
                m.unit_id = hit.unit_id
            return m
        targets = [] if self.options.standard_ids else list(hit.standard_ids)
        unit_id = hit.unit_id if m.unit_id is None else None
        if not targets and unit_id is None:
            return m
        for sid in targets or [None]:
            exists = s.scalar(select(Suggestion.id).where(Suggestion.material_id == material_id,
                                                          Suggestion.standard_id.is_(sid)
                                                          if sid is None else
                                                          Suggestion.standard_id == sid))
            linked = sid is not None and s.scalar(select(Link.id).where(
                Link.material_id == material_id, Link.standard_id == sid))
            if exists or linked:
                continue
            s.add(Suggestion(material_id=material_id, standard_id=sid, unit_id=unit_id,
                             reason=hit.reason))
            self.suggestions += 1
        return m

    # ----------------------------------------------------------------- setup
    def _ensure_unit(self, s) -> int | None:  # noqa: ANN001
        name = (self.options.unit or "").strip()
        if not name:
            return None
        uid = s.scalar(select(Unit.id).where(Unit.name == name))
        if uid is None:
            u = Unit(name=name)
            s.add(u)
            s.flush()
            uid = u.id
        return uid

    def _make_suggester(self, s) -> Suggester:  # noqa: ANN001
        rows = s.execute(
            select(Standard.id, ChecklistNode.code, ChecklistNode.source_code, ChecklistNode.title,
                   Standard.number, Standard.text, Standard.methods)
            .join(ChecklistNode, ChecklistNode.id == Standard.node_id)
            .join(Checklist, Checklist.id == ChecklistNode.checklist_id)
            .where(Checklist.active.is_(True))
            .order_by(Checklist.position.desc(), ChecklistNode.position, Standard.position)).all()
        seen: set[tuple[str, int]] = set()
        refs = []
        for sid, code, source_code, title, number, text, methods in rows:
            if (code, number) in seen:  # the newest active checklist wins a shared code
                continue
            seen.add((code, number))
            refs.append(StandardRef(sid, code, source_code or "", title, number, text,
                                    any(m in ("材料审核", "网上申报") for m in methods or ())))
        units = dict(s.execute(select(Unit.name, Unit.id)).all())
        return Suggester(refs, units)


def _reachable(root: Path) -> bool:
    try:
        return root.is_dir()
    except OSError:
        return False


def _disk_full(exc: BaseException) -> bool:
    """The disk (or the database on it) is full."""
    if isinstance(exc, ImportAborted):
        return True
    if isinstance(exc, OSError):
        return exc.errno == errno.ENOSPC
    return (isinstance(exc, OperationalError)
            and getattr(exc.orig, "sqlite_errorname", "") == "SQLITE_FULL")


def _reason(exc: OSError) -> str:
    if isinstance(exc, VaultError):
        return str(exc)
    if exc.errno == errno.ENOSPC:
        return "磁盘空间不足，无法保存原件"
    return os_reason(exc)


def _title(ex: Extracted, name: str) -> str:
    title = (ex.title or "").strip()
    if title and len(title) >= 4 and not title.lower().startswith(("microsoft", "untitled")):
        return title
    return PurePath(name).stem


_CATEGORY = {**dict.fromkeys(PHOTO_KINDS, "图片"), "video": "视频", "xlsx": "数据表格",
             "xls": "数据表格", "docx": "说明报告", "doc": "说明报告"}


def _category(ex: Extracted) -> str:
    if ex.doc_number and ex.kind in ("pdf", "ofd", "docx", "doc"):
        return "正式发文"
    if ex.kind == "pdf":
        return "正式发文" if ex.text_status == "none" else "说明报告"
    return _CATEGORY.get(ex.kind, "其他")


def import_paths(lib: Library, paths: list[Path], options: ImportOptions | None = None,
                 progress: Progress | None = None) -> ImportReport:
    """Import files, folders and zips; returns the report (also saved in the library)."""
    importer = Importer(lib, options or ImportOptions(), progress or NullProgress())
    return importer.run(paths)
