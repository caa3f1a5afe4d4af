"""Writing a declaration package: checked, laid out, reproducible, atomic.

One export writes two packages.  The *上报版* at ``out`` is exactly what goes
to the platform: the materials that passed the checks (or that the clerk
admitted despite errors), named, captioned and converted, their 图文说明
PDFs, the catalog, optionally the 材料汇编 PDF, and a manifest of those files
alone; it holds no internal document and no operator name.  The *内部版*
beside it (``<out>-内部版``, never inside) is the office's copy: the check
report, the export record (operator, override, what was admitted despite
errors, what was held back and why, what was not converted) and its own
manifest.

:func:`export_package` runs the checks, makes the plan, then writes every
file once into a folder and/or a zip under a temporary name
(``.<name>.part-<pid>`` beside the target).  Only when both packages are
complete are the temporaries renamed to the final names, so a cancel, a
crash or a kill never leaves a half package under a final name; leftovers
of dead processes are removed by the next export.  A full disk stops the
export with :class:`DiskFullError` and nothing left behind.  The vault is
only read.

A file copied unchanged is read once: the bytes go to the folder and the
zip (written in one forward pass, :mod:`.zipwriter`) and are hashed in a
background thread to verify them against the vault's SHA-256, which the
manifest then reuses.
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import queue
import shutil
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from civdesk.checks import Finding
from civdesk.export import checkgate, documents, topdf
from civdesk.export.captions import Photo, caption_pdf
from civdesk.export.checkgate import CheckOutcome
from civdesk.export.convert import ConvertError, to_jpeg
from civdesk.export.manifest import manifest_bytes
from civdesk.export.options import ExportOptions
from civdesk.export.photo_meta import NotJpeg, web_jpeg
from civdesk.export.plan import (
    CATALOG_DOCX,
    CATALOG_XLSX,
    COMPILATION_PDF,
    MANIFEST,
    NOTE_TXT,
    REPORT_DOCX,
    CaptionSheet,
    Entry,
    Plan,
    ScopeError,
    lay_out,
    load_scope,
    needs_pdf,
    source_ext,
    target_ext,
)
from civdesk.export.stable import compressible, stable_ooxml
from civdesk.export.zipwriter import ZipStream
from civdesk.gcpause import gc_paused
from civdesk.progress import NullProgress, Progress
from civdesk.tools import ToolError

if TYPE_CHECKING:
    from civdesk.library import Library

CHUNK = 1 << 20
PART = ".part-"
INTERNAL_SUFFIX = "-内部版"
IN_MEMORY_MAX = 8 << 20  # files up to this size are read whole; larger ones are streamed
# Threads creating the folder's files, each in its own sub-folders (a file system creates
# files one at a time per folder: measured on ext4, two threads creating 5,000 files in two
# folders take half the time of one, in one folder as long).  The zip is written meanwhile by
# the calling thread, which reads ahead at most BACKLOG_BYTES / BACKLOG_FILES.
FOLDER_THREADS = 2
BACKLOG_BYTES = 64 << 20
BACKLOG_FILES = 1024


class ExportError(RuntimeError):
    """The package cannot be written; the message is for the clerk."""


class DiskFullError(ExportError):
    """The disk (or the user's quota) filled up while the package was written."""


DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})


class ExportBlocked(ExportError):
    """The checks found errors and no override was given."""

    def __init__(self, outcome: CheckOutcome):
        n = len(outcome.errors)
        super().__init__(f"导出前检查发现 {n} 项错误，范围内的材料都因错误未纳入，没有可上报的文件。"
                         f"请先处理这些错误，或选择要纳入的材料（命令行 --include 材料编号，或 --allow-errors "
                         f"全部纳入），越过记录会写入内部版的导出记录。")
        self.outcome = outcome


@dataclass(frozen=True)
class HeldBack:
    """A material left out of the upload package because the checks found errors in it."""

    material_id: int
    name: str  # original file name
    title: str
    standards: tuple[str, ...]
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class ExportResult:
    folder: Path | None
    zip_path: Path | None
    files: int  # files in the package, manifest excluded
    bytes: int
    standards: int  # standards with at least one file
    materials: int
    captions: int  # 图文说明 PDFs
    errors: tuple[Finding, ...]
    warnings: tuple[Finding, ...]
    overridden: bool
    notes: tuple[str, ...]
    internal: Path | None = None  # the 内部版 (its zip when zipped)
    held: tuple[HeldBack, ...] = ()
    admitted: tuple[int, ...] = ()  # faulty materials included by the clerk's override

    @property
    def path(self) -> Path:
        return self.zip_path or self.folder  # type: ignore[return-value]


# ------------------------------------------------------------------ targets
@dataclass(frozen=True)
class Targets:
    folder: Path | None
    zip_path: Path | None

    @classmethod
    def of(cls, out: Path, as_zip: bool, keep_folder: bool) -> Targets:
        out = Path(out)
        if not as_zip:
            return cls(out, None)
        base = out.with_suffix("") if out.suffix.lower() == ".zip" else out
        zip_path = out if out.suffix.lower() == ".zip" else out.with_name(out.name + ".zip")
        return cls(base if keep_folder else None, zip_path)

    def finals(self) -> list[Path]:
        return [p for p in (self.folder, self.zip_path) if p is not None]

    @property
    def path(self) -> Path:
        return self.zip_path or self.folder  # type: ignore[return-value]


def internal_path(out: Path, as_zip: bool) -> Path:
    """Where the 内部版 of a package at ``out`` goes: beside it, ``<name>-内部版[.zip]``."""
    out = Path(out)
    if as_zip and out.suffix.lower() == ".zip":
        return out.with_name(out.stem + INTERNAL_SUFFIX + ".zip")
    return out.with_name(out.name + INTERNAL_SUFFIX)


def _create(path: Path) -> BinaryIO:
    """A new file of the package ("x": a repeated name is an error, not an overwrite)."""
    return open(path, "xb")


_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)


def _write_new(path: str, data: bytes) -> None:
    """``data`` into a new file at ``path`` (a repeated name raises FileExistsError)."""
    fd = os.open(path, _NEW_FILE, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


_READ = os.O_RDONLY | getattr(os, "O_BINARY", 0)


def _read_to_end(fd: int, size: int) -> bytes:
    """The bytes of the open file ``fd`` from where it stands to its end (``size``: as
    ``fstat`` gave it; one read when it has not changed)."""
    data = os.read(fd, size + 1)  # (+1: a file that grew is read to its end)
    if len(data) == size:
        return data
    parts = [data]
    while data:
        data = os.read(fd, CHUNK)
        parts.append(data)
    return b"".join(parts)


def _part(final: Path) -> Path:
    return final.with_name(f".{final.name}{PART}{os.getpid()}")


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists() or path.is_symlink():
        path.unlink(missing_ok=True)


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def clean_leftovers(final: Path) -> int:
    """Remove temporary packages of ``final`` left by processes that died; how many."""
    removed = 0
    if not final.parent.is_dir():
        return 0
    for p in final.parent.glob(f".{final.name}{PART}*"):
        pid = p.name.rsplit(PART, 1)[-1]
        if pid.isdigit() and not _pid_alive(int(pid)):
            _remove(p)
            removed += 1
    return removed


# ------------------------------------------------------------------- writer
class PackageWriter:
    """Writes each file once into a folder and/or a zip and keeps the manifest's digests.

    The zip is written by the calling thread; the folder's files are created, and the bytes
    copied from the vault hashed against the vault's digest, by background threads
    (:data:`FOLDER_THREADS`), so the writes overlap (creating thousands of small files waits
    on the file system, not on Python).  An error there (a repeated name, a full disk, an
    altered original) is raised by the next call here.
    """

    def __init__(self, folder: Path | None, zip_path: Path | None, stamp: object):
        self.folder = str(folder) if folder else None
        self.stamp = stamp
        self.hashes: list[tuple[str, str]] = []
        self.bytes = 0
        self.current = ""  # the file being written, for error messages
        self._dirs: set[str] = set()
        self._lanes: list[queue.SimpleQueue] = []  # one per thread
        self._lane_of: dict[str, int] = {}  # folder → lane: files of one folder in one thread
        self._space = threading.Condition()
        self._backlog = [0, 0]  # bytes, files handed to the threads and not yet written
        self._error: BaseException | None = None
        self._threads: list[threading.Thread] = []
        if folder:
            folder.mkdir()
        self._zip_file = _create(zip_path) if zip_path else None
        self.zip = ZipStream(self._zip_file, stamp) if self._zip_file else None

    # -- the background threads
    def _background(self, jobs: queue.SimpleQueue) -> None:
        while (job := jobs.get()) is not None:
            rel, data, expected, what = job
            if self._error is None:
                try:
                    if self.folder:
                        self._to_folder(rel, data)
                    if expected and hashlib.sha256(data).hexdigest() != expected:
                        raise _altered(what)
                except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread
                    self._error = self._error or exc
            with self._space:
                self._backlog[0] -= len(data)
                self._backlog[1] -= 1
                self._space.notify()

    def _submit(self, rel: str, data: bytes, expected: str = "", what: str = "") -> None:
        self._raise_pending()
        if not self.folder and not expected:
            return
        if not self._threads:
            self._lanes = [queue.SimpleQueue() for _ in range(FOLDER_THREADS)]
            self._threads = [threading.Thread(target=self._background, args=(lane,), daemon=True,
                                              name=f"civdesk-package-{n}")
                             for n, lane in enumerate(self._lanes)]
            for thread in self._threads:
                thread.start()
        parent = rel.rpartition("/")[0]
        lane = self._lane_of.get(parent)
        if lane is None:
            lane = self._lane_of[parent] = len(self._lane_of) % len(self._lanes)
        with self._space:
            backlog = self._backlog
            while backlog[1] and (backlog[0] + len(data) > BACKLOG_BYTES or backlog[1] >= BACKLOG_FILES):
                self._space.wait()
            backlog[0] += len(data)
            backlog[1] += 1
        self._lanes[lane].put((rel, data, expected, what))

    def _raise_pending(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def _stop_threads(self) -> None:
        for lane in self._lanes:
            lane.put(None)
        for thread in self._threads:
            thread.join()
        self._threads = []
        self._lanes = []

    def _drain(self) -> None:
        """Wait until the background threads have done everything asked of them, and stop them."""
        self._stop_threads()
        self._raise_pending()

    def _dest_path(self, rel: str) -> str:
        assert self.folder is not None
        parent = rel.rpartition("/")[0]
        if parent and parent not in self._dirs:  # (two threads may both make it: exist_ok)
            os.makedirs(os.path.join(self.folder, parent), exist_ok=True)
            self._dirs.add(parent)
        return os.path.join(self.folder, rel)

    def _to_folder(self, rel: str, data: bytes) -> None:
        try:
            _write_new(self._dest_path(rel), data)
        except FileExistsError:
            raise ExportError(f"材料包内文件名重复：{rel}") from None

    # -- what the export calls
    def put_bytes(self, rel: str, data: bytes, *, record: bool = True) -> str:
        """Write ``data`` as ``rel``; returns its digest."""
        self.current = rel
        self._submit(rel, data)
        if self.zip:
            self.zip.add(rel, data, compress=compressible(rel))
        digest = hashlib.sha256(data).hexdigest() if record else ""
        if record:
            self.hashes.append((digest, rel))
            self.bytes += len(data)
        return digest

    def put_file(self, rel: str, src: Path | str, expected: str, what: str) -> None:
        """Copy the vault file ``src`` in unchanged, reading it once.  The manifest takes the
        vault's digest ``expected``; the bytes read are hashed against it in the background
        (a mismatch stops the export, ``what`` names the material)."""
        self.current = rel
        try:  # (os.open/os.read: a third of the system calls of open().read())
            fd = os.open(src, _READ)
        except FileNotFoundError:
            raise ExportError(f"原件缺失：{what} 不在原件库中，请先运行原件完整性校验") from None
        try:
            size = os.fstat(fd).st_size
            if size <= IN_MEMORY_MAX:
                data = _read_to_end(fd, size)
                self._submit(rel, data, expected, what)
                if self.zip:
                    self.zip.add(rel, data, compress=compressible(rel))
                size = len(data)
            else:
                self._raise_pending()
                with open(fd, "rb", closefd=False) as f:
                    digest = self._stream(rel, f, size)
                if digest != expected:
                    raise _altered(what)
        finally:
            os.close(fd)
        self.hashes.append((expected, rel))
        self.bytes += size

    def _stream(self, rel: str, f: BinaryIO, size: int) -> str:
        h = hashlib.sha256()
        dest = None
        if self.folder:
            try:
                dest = _create(Path(self._dest_path(rel)))
            except FileExistsError:
                raise ExportError(f"材料包内文件名重复：{rel}") from None
        try:
            if self.zip:
                def both(chunk: bytes) -> None:
                    h.update(chunk)
                    if dest:
                        dest.write(chunk)
                self.zip.add_stream(rel, f, size, both)
            else:
                while chunk := f.read(CHUNK):
                    h.update(chunk)
                    if dest:
                        dest.write(chunk)
        finally:
            if dest:
                dest.close()
        return h.hexdigest()

    def manifest(self) -> bytes:
        return manifest_bytes(self.hashes)

    def finish(self) -> str:
        """Wait for the background work, write the manifest, close; returns the manifest's digest."""
        self._drain()
        data = self.manifest()
        self.current = MANIFEST
        if self.folder:
            self._to_folder(MANIFEST, data)
        if self.zip and self._zip_file:
            self.zip.add(MANIFEST, data, compress=compressible(MANIFEST))
            self.zip.close()
            self._zip_file.flush()
            os.fsync(self._zip_file.fileno())
            self._zip_file.close()
            self.zip = self._zip_file = None
        return hashlib.sha256(data).hexdigest()

    def abort(self) -> None:
        """Stop the background threads and close whatever is open (a full disk may fail each
        step again)."""
        if self._threads:
            self._error = self._error or ExportError("已停止")  # the threads skip what is left
            self._stop_threads()
        self._error = None
        self.zip = None
        if self._zip_file:
            with contextlib.suppress(OSError):
                self._zip_file.close()
            self._zip_file = None


def _altered(what: str) -> ExportError:
    return ExportError(f"原件校验失败：{what}与登记的校验值不符，请运行原件完整性校验")


# ------------------------------------------------------------------- export
def export_package(lib: Library, out: Path, *, checklist_id: int | None = None,
                   item: str | None = None, unit: str | None = None, as_zip: bool = False,
                   allow_errors: bool = False, include: Iterable[int] = (),
                   options: ExportOptions | None = None,
                   progress: Progress | None = None) -> ExportResult:
    """Check, plan and write the 上报版 to ``out`` (a folder, or a zip with ``as_zip``) and the
    内部版 beside it.  Materials with errors are held back unless ``allow_errors`` (all of
    them) or their ids are in ``include``."""
    with gc_paused():
        return _export(lib, out, checklist_id=checklist_id, item=item, unit=unit, as_zip=as_zip,
                       allow_errors=allow_errors, include=include, options=options, progress=progress)


def _export(lib: Library, out: Path, *, checklist_id: int | None, item: str | None,
            unit: str | None, as_zip: bool, allow_errors: bool, include: Iterable[int],
            options: ExportOptions | None, progress: Progress | None) -> ExportResult:
    progress = progress or NullProgress()
    options = options or ExportOptions.from_library(lib)
    targets = Targets.of(Path(out), as_zip, options.keep_folder)
    internal = Targets.of(internal_path(Path(out), as_zip), as_zip, options.keep_folder)
    finals = targets.finals() + internal.finals()
    for final in finals:
        clean_leftovers(final)
        if (final.exists() or final.is_symlink()) and not options.overwrite:
            raise ExportError(f"目标已存在：{final}（请换一个名称，或选择覆盖）")
        if not final.parent.is_dir():
            final.parent.mkdir(parents=True, exist_ok=True)
    progress.update(0, 1, "导出前检查…")
    scope = load_scope(lib, checklist_id=checklist_id, item=item, unit=unit)
    include = set(include)
    outside = sorted(include - scope.facts.keys())
    if outside:
        raise ScopeError(f"要纳入的材料不在导出范围内：{'、'.join(f'#{m}' for m in outside)}")
    outcome = checkgate.in_scope(checkgate.run_export_checks(lib, checklist_id, unit),
                                 [s.code for s in scope.standards], scope.facts.keys(), scope.whole)
    converted = {mid for mid, m in scope.facts.items() if target_ext(m, options)[1] == "convert"}
    outcome, fixed = checkgate.drop_fixed(outcome, converted)
    faulty = checkgate.faulty_materials(outcome)
    admitted = set(faulty) if allow_errors else include & faulty.keys()
    held_reasons = {m: r for m, r in faulty.items() if m not in admitted}
    pdf_failed = _convert_documents(lib, scope, options, held_reasons, progress)
    plan = lay_out(scope, options, held_reasons, pdf_failed)
    if plan.held and not plan.entries:
        raise ExportBlocked(outcome)
    held = _held(scope, plan)
    overridden = bool(admitted)
    check_lines = checkgate.override_lines(outcome, bool(admitted), lib.user, fixed)
    parts = [Targets(_part(t.folder) if t.folder else None, _part(t.zip_path) if t.zip_path else None)
             for t in (targets, internal)]
    for p in parts[0].finals() + parts[1].finals():
        _remove(p)
    writer: PackageWriter | None = None
    try:
        writer = PackageWriter(parts[0].folder, parts[0].zip_path, plan.stamp)
        notes = [f"{plan.materials[mid].original_name}：未能转换为 PDF（{why}），已保留原格式"
                 for mid, why in pdf_failed.items()]
        more, report = _write_all(lib, plan, writer, options, progress, outcome, check_lines)
        notes += more
        upload_digest = writer.finish()
        upload = writer
        writer = PackageWriter(parts[1].folder, parts[1].zip_path, plan.stamp)
        _write_internal(plan, outcome, check_lines, report, writer, held, sorted(admitted), notes,
                        lib.user, upload, upload_digest, allow_errors)
        writer.finish()
    except BaseException as exc:
        if writer:
            writer.abort()
        for p in parts[0].finals() + parts[1].finals():
            _remove(p)
        if isinstance(exc, OSError) and exc.errno in DISK_FULL:
            raise _disk_full(targets, writer) from exc
        raise
    _commit(parts[0], targets, options.overwrite)
    _commit(parts[1], internal, options.overwrite)
    result = ExportResult(
        targets.folder, targets.zip_path, len(upload.hashes), upload.bytes,
        len({e.standard for e in plan.entries}), len(plan.materials) - len(plan.held), len(plan.sheets),
        outcome.errors, outcome.warnings, overridden, tuple(notes), internal.path, held,
        tuple(sorted(admitted)))
    with lib.session() as s:
        lib.audit(s, "export", "package", None, path=str(result.path), internal=str(internal.path),
                  scope=plan.scope, files=result.files, overridden=overridden,
                  admitted=list(result.admitted), held=[h.material_id for h in held],
                  errors=len(outcome.errors), warnings=len(outcome.warnings))
    return result


def _convert_documents(lib: Library, scope, options: ExportOptions,  # noqa: ANN001
                       held: dict, progress: Progress) -> dict[int, str]:
    """Convert (or find in the cache) the documents the platform takes only as PDF; the ids
    whose conversion failed, with why."""
    if not options.documents_to_pdf or not topdf.available():
        return {}
    todo = [m for mid, m in sorted(scope.facts.items())
            if mid not in held and needs_pdf(m, source_ext(m), options)]
    failed = {}
    for n, m in enumerate(todo, 1):
        progress.update(n, len(todo), f"转换为 PDF：{m.original_name}")
        progress.check_cancelled()
        try:
            topdf.cached_pdf(lib, m.sha256, source_ext(m))
        except ToolError as exc:
            failed[m.id] = str(exc)
    return failed


def _held(scope, plan: Plan) -> tuple[HeldBack, ...]:  # noqa: ANN001
    standards: dict[int, list[str]] = {}
    for st in scope.standards:
        for mid in scope.filed.get(st.id, ()):
            standards.setdefault(mid, []).append(st.code)
    out = []
    for mid in sorted(plan.held):
        m = plan.materials[mid]
        out.append(HeldBack(mid, m.original_name, m.title, tuple(standards.get(mid, ())),
                            tuple(plan.held[mid])))
    return tuple(out)


def _disk_full(targets: Targets, writer: PackageWriter | None) -> DiskFullError:
    final = targets.finals()[0]
    where = f"（写到 {writer.current} 时）" if writer and writer.current else ""
    try:
        free = f"，目前剩余 {shutil.disk_usage(final.parent).free / 1048576:.1f} MB"
    except OSError:
        free = ""
    return DiskFullError(f"磁盘空间不足：{final.parent} 所在的磁盘已满{free}，材料包 {final.name} "
                         f"没有写完{where}。写了一半的临时文件已删除，原件库未受影响。"
                         f"请腾出空间或换一个位置后重新导出。")


def _commit(parts: Targets, targets: Targets, overwrite: bool) -> None:
    """Rename the finished temporaries to their final names."""
    for part, final in ((parts.folder, targets.folder), (parts.zip_path, targets.zip_path)):
        if part is None or final is None:
            continue
        if final.exists() and overwrite:
            old = final.with_name(f".{final.name}.old-{os.getpid()}")
            os.replace(final, old)
            os.replace(part, final)
            _remove(old)
        else:
            os.replace(part, final)


def _write_all(lib: Library, plan: Plan, writer: PackageWriter, options: ExportOptions,
               progress: Progress, outcome: CheckOutcome, check_lines: list[str]) -> tuple[list[str], bytes]:
    """The 上报版: the files in checklist order, each standard's 图文说明 after its files,
    then the catalog (and the 材料汇编).  The catalog is built in a thread and the PDFs in
    worker processes while the files are copied (copying waits on the disk, building on the
    CPU); the 内部版's check report is built in the same thread.  Returns the notes for the
    export record and the check report."""
    notes: list[str] = []
    total = len(plan.entries) + len(plan.sheets) + 3 + options.compilation
    done = 0

    def step(message: str) -> None:
        nonlocal done
        done += 1
        progress.update(done, total, message)
        progress.check_cancelled()

    progress.check_cancelled()
    sheets = {s.standard: s for s in plan.sheets}
    stamp = plan.stamp.strftime("D:%Y%m%d%H%M%S")
    jobs = {s.standard: _sheet_job(lib, plan, s, options, stamp) for s in plan.sheets}
    photos = sum(len(s.photos) for s in plan.sheets)
    pdfs_written: dict[str, bytes] = {}  # converted documents and sheets, for the 材料汇编
    # A thread, not a process, for the documents: measured under load on 2 cores, a
    # process (spawn + imports) made the 5,000-file export slower, not faster.
    with ThreadPoolExecutor(1) as docs_pool, _pdf_pool(photos) as pdf_pool:
        try:
            docs = docs_pool.submit(_documents, plan)
            report = docs_pool.submit(_report, plan, outcome.without_state(), check_lines)
            pdfs = {code: pdf_pool.submit(caption_pdf, *job) if pdf_pool else None
                    for code, job in jobs.items()}
            entries = list(plan.entries)
            vault_root = os.fspath(lib.vault.root)
            for i, entry in enumerate(entries):
                _write_entry(lib, plan, entry, writer, options, notes, pdfs_written, vault_root)
                step(entry.path)
                last_of_standard = i + 1 == len(entries) or entries[i + 1].standard != entry.standard
                if last_of_standard and entry.standard in sheets:
                    sheet, future = sheets[entry.standard], pdfs[entry.standard]
                    data = future.result() if future else caption_pdf(
                        *jobs[entry.standard], check=progress.check_cancelled)
                    writer.put_bytes(sheet.path, data)
                    if options.compilation:
                        pdfs_written[sheet.path] = data
                    if len(data) > options.limits.max_bytes:
                        notes.append(f"{sheet.path}：{len(data) / 1048576:.1f} MB，超过平台大小上限")
                    step(sheet.path)
            for name, data in docs.result():
                writer.put_bytes(name, data)
                step(name)
        except BaseException:
            docs_pool.shutdown(wait=False, cancel_futures=True)
            if pdf_pool:
                pdf_pool.shutdown(wait=False, cancel_futures=True)
            raise
    if options.compilation:
        from civdesk.export.compilation import compilation_pdf

        data = compilation_pdf(lib, plan, options, pdfs_written, check=progress.check_cancelled)
        writer.put_bytes(COMPILATION_PDF, data)
        step(COMPILATION_PDF)
    notes += _format_notes(plan, options)
    return notes, report.result()


PDF_POOL_MIN = 40  # photos; fewer are cheaper in-process than starting workers


def _spawn(workers: int) -> ProcessPoolExecutor:
    """Caption-PDF workers; like the import's, they die with the export's process."""
    import multiprocessing

    from civdesk.extract import worker

    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=worker.start, initargs=(os.getpid(),))


@contextmanager
def _pdf_pool(photos: int) -> Iterator[ProcessPoolExecutor | None]:
    if photos < PDF_POOL_MIN or (os.cpu_count() or 1) < 2:
        yield None
        return
    pool = _spawn(min(2, os.cpu_count() or 1))
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _write_internal(plan: Plan, outcome: CheckOutcome, check_lines: list[str], report: bytes,
                    writer: PackageWriter,
                    held: tuple[HeldBack, ...], admitted: list[int], notes: list[str], user: str,
                    upload: PackageWriter, upload_digest: str, allow_errors: bool) -> None:
    """The 内部版: the check report and the export record."""
    writer.put_bytes(REPORT_DOCX, report)
    admitted_lines = []
    errors: dict[int, list[str]] = {}
    for f in outcome.errors:
        if f.material_id is not None:
            errors.setdefault(f.material_id, []).append(checkgate.describe(f))
    for mid in admitted:
        m = plan.materials[mid]
        reasons = errors.get(mid, [])
        admitted_lines.append(f"材料 #{mid}「{m.original_name}」（{m.title}）：{'；'.join(reasons)}")
    how = "--allow-errors，全部纳入" if allow_errors else "逐件选择纳入"
    record = documents.export_record(
        plan, check_lines, notes, user=user, files=len(upload.hashes), size=upload.bytes,
        manifest_digest=upload_digest,
        held=[(h.material_id, h.name, h.title, h.standards, h.reasons) for h in held],
        admitted=admitted_lines, how=how)
    writer.put_bytes(NOTE_TXT, record)


def _documents(plan: Plan) -> list[tuple[str, bytes]]:
    return [(CATALOG_XLSX, documents.catalog_xlsx(plan)),
            (CATALOG_DOCX, documents.catalog_docx(plan))]


def _report(plan: Plan, outcome: CheckOutcome, check_lines: list[str]) -> bytes:
    return stable_ooxml(checkgate.prepend_paragraphs(checkgate.report_docx(outcome), check_lines),
                        plan.stamp)


def _write_entry(lib: Library, plan: Plan, entry: Entry, writer: PackageWriter,
                 options: ExportOptions, notes: list[str], pdfs: dict[str, bytes],
                 vault_root: str) -> None:
    m = plan.materials[entry.material_id]
    what = f"材料 #{m.id}「{m.original_name}」"
    if entry.action == "copy" and not (m.kind == "jpeg" and m.is_photo and not m.problem):
        # the common case first: a file copied unchanged (a path string; pathlib costs more
        # than the copy's Python work for thousands of small files)
        writer.put_file(entry.path, os.path.join(vault_root, m.sha256[:2], m.sha256), m.sha256, what)
        if m.size > options.limits.max_bytes:
            notes.append(f"{entry.path}：{m.size / 1048576:.1f} MB，超过平台大小上限")
        return
    src = lib.vault.path_for(m.sha256)
    if entry.action == "note":
        text = (f"本材料「{m.title}」同时用于测评标准 {entry.standard}，\r\n"
                f"文件只放一份，见：{entry.target}\r\n")
        writer.put_bytes(entry.path, text.encode("utf-8-sig"))
        return
    if entry.action == "convert":
        try:
            converted = to_jpeg(src, m.kind, options.limits, options.jpeg_quality)
        except FileNotFoundError:
            raise ExportError(f"原件缺失：{what} 不在原件库中，请先运行原件完整性校验") from None
        except ConvertError as exc:
            raise ExportError(f"{what}{exc}") from None
        writer.put_bytes(entry.path, _captioned(converted.data, m, notes, entry.path))
        if not converted.fits:
            notes.append(f"{entry.path}：缩小到最低分辨率后仍超过大小上限")
        return
    if entry.action == "topdf":
        try:  # converted before the plan was made: from the cache
            data = topdf.cached_pdf(lib, m.sha256, source_ext(m))
        except ToolError as exc:
            raise ExportError(f"{what}：{exc}") from None
        writer.put_bytes(entry.path, data)
        if options.compilation:
            pdfs[entry.path] = data
        return
    # a JPEG photo copied: upright, its caption in its metadata
    data = _read_verified(src, m.sha256, what)
    writer.put_bytes(entry.path, _captioned(data, m, notes, entry.path))


def _read_verified(src: Path, sha256: str, what: str) -> bytes:
    try:
        data = src.read_bytes()
    except FileNotFoundError:
        raise ExportError(f"原件缺失：{what} 不在原件库中，请先运行原件完整性校验") from None
    if hashlib.sha256(data).hexdigest() != sha256:
        raise _altered(what)
    return data


def _captioned(data: bytes, m, notes: list[str], path: str) -> bytes:  # noqa: ANN001
    """The JPEG upright, with its caption (or its title) in XMP and EXIF."""
    try:
        out, _turned = web_jpeg(data, m.caption_line() or m.title)
    except (NotJpeg, OSError, SyntaxError, ValueError):
        notes.append(f"{path}：无法写入图片说明元数据，按原样导出")
        return data
    return out


def _sheet_job(lib: Library, plan: Plan, sheet: CaptionSheet, options: ExportOptions,
               stamp: str) -> tuple:
    """The arguments of :func:`caption_pdf` for one sheet (picklable, for a worker)."""
    folder = sheet.path.rpartition("/")[0]
    photos = []
    for n, (mid, path) in enumerate(sheet.photos, 1):
        m = plan.materials[mid]
        shown = path[len(folder) + 1:] if path.startswith(folder + "/") else path
        photos.append(Photo(n, m.title, lib.vault.path_for(m.sha256), m.kind, shown,
                            m.caption_fields(), m.problem))
    return sheet.standard, sheet.standard_text, photos, options.photos_per_page, stamp


def _format_notes(plan: Plan, options: ExportOptions) -> list[str]:
    notes = []
    unconverted = [e.path for e in plan.entries if e.action == "copy"
                   and needs_pdf(plan.materials[e.material_id], e.path.rsplit(".", 1)[-1].lower(), options)]
    if unconverted:
        notes.append(f"{len(unconverted)} 个文档未转换为 PDF（{topdf.SOFFICE_HINT}）："
                     + "、".join(unconverted[:20]) + ("…" if len(unconverted) > 20 else ""))
    bad = sorted({e.path.rsplit(".", 1)[-1].lower() for e in plan.entries if e.action == "copy"
                  and not options.limits.allows(e.path.rsplit(".", 1)[-1])})
    if bad:
        n = sum(1 for e in plan.entries if e.action == "copy" and e.path.rsplit(".", 1)[-1].lower() in bad)
        notes.append(f"{n} 个文件的格式（{'、'.join(bad)}）不在平台允许的格式中，请转换后再上传")
    return notes
