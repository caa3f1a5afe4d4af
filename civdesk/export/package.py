"""Writing a declaration package: checked, laid out, reproducible, atomic.

:func:`export_package` runs the checks, makes the plan, then writes every
file once, hashing as it copies, into a folder and/or a zip under a
temporary name (``.<name>.part-<pid>`` beside the target).  Only when all
files and the manifest are written is the temporary renamed to the final
name, so a cancel, a crash or a kill never leaves a half package under the
final name; leftovers of dead processes are removed by the next export.
A full disk stops the export with :class:`DiskFullError` and nothing left
behind.  The vault is only read.
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import shutil
import zipfile
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from civdesk.checks import Finding
from civdesk.export import checkgate, documents
from civdesk.export.captions import Photo, caption_pdf
from civdesk.export.checkgate import CheckOutcome
from civdesk.export.convert import ConvertError, to_jpeg
from civdesk.export.manifest import manifest_bytes
from civdesk.export.options import ExportOptions
from civdesk.export.plan import (
    CATALOG_DOCX,
    CATALOG_XLSX,
    MANIFEST,
    NOTE_TXT,
    REPORT_DOCX,
    CaptionSheet,
    Entry,
    Plan,
    build_plan,
)
from civdesk.export.stable import compressible, stable_ooxml, zip_info
from civdesk.progress import NullProgress, Progress

if TYPE_CHECKING:
    from civdesk.library import Library

CHUNK = 1 << 20
PART = ".part-"


class ExportError(RuntimeError):
    """The package cannot be written; the message is for the clerk."""


class DiskFullError(ExportError):
    """The disk (or the user's quota) filled up while the package was written."""


DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})


class ExportBlocked(ExportError):
    """The checks found errors and no override was given."""

    def __init__(self, outcome: CheckOutcome):
        n = len(outcome.errors)
        super().__init__(f"导出前检查发现 {n} 项错误，已停止导出。请先处理这些错误，"
                         f"或确认后选择“仍然导出”（命令行 --allow-errors），越过记录会写入材料包的检查报告。")
        self.outcome = outcome


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


def _create(path: Path) -> BinaryIO:
    """A new file of the package ("x": a repeated name is an error, not an overwrite);
    every byte of the package is written through the files made here."""
    return open(path, "xb")


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
    """Writes each file once into a folder and/or a zip, hashing as it goes."""

    def __init__(self, folder: Path | None, zip_path: Path | None, plan: Plan):
        self.folder, self.zip_path, self.stamp = folder, zip_path, plan.stamp
        self.hashes: list[tuple[str, str]] = []
        self.bytes = 0
        self.current = ""  # the file being written, for error messages
        self._dirs: set[str] = set()
        if folder:
            folder.mkdir()
        self._zip_file = _create(zip_path) if zip_path else None
        self.zip = zipfile.ZipFile(self._zip_file, "w", allowZip64=True) if self._zip_file else None

    def _dest_path(self, rel: str) -> Path:
        assert self.folder is not None
        parent = rel.rpartition("/")[0]
        if parent and parent not in self._dirs:
            (self.folder / parent).mkdir(parents=True, exist_ok=True)
            self._dirs.add(parent)
        return self.folder / rel

    def _dest(self, rel: str) -> BinaryIO | None:
        if not self.folder:
            return None
        try:
            return _create(self._dest_path(rel))
        except FileExistsError:
            raise ExportError(f"材料包内文件名重复：{rel}") from None

    def put_bytes(self, rel: str, data: bytes, *, record: bool = True) -> None:
        self.current = rel
        dest = self._dest(rel)
        if dest:
            with dest:
                dest.write(data)
        if self.zip:
            self.zip.writestr(zip_info(rel, self.stamp, compress=compressible(rel)), data)
        if record:
            self.hashes.append((hashlib.sha256(data).hexdigest(), rel))
            self.bytes += len(data)

    def put_file(self, rel: str, src: Path) -> str:
        """Copy ``src`` in with one read: each chunk is hashed, written to the folder
        and stored in the zip.  Returns the digest of the bytes written."""
        self.current = rel
        try:
            f = open(src, "rb")  # noqa: SIM115 - closed by the with below; open errors differ
        except FileNotFoundError:
            raise ExportError(f"原件缺失：{src.name} 不在原件库中，请先运行原件完整性校验") from None
        with f:
            size = os.fstat(f.fileno()).st_size
            h = hashlib.sha256()
            dest = self._dest(rel)
            zdest = (self.zip.open(zip_info(rel, self.stamp, compress=compressible(rel)), "w",
                                   force_zip64=size >= 1 << 31) if self.zip else None)
            try:
                while chunk := f.read(CHUNK):
                    h.update(chunk)
                    if dest:
                        dest.write(chunk)
                    if zdest:
                        zdest.write(chunk)
            finally:
                if dest:
                    dest.close()
                if zdest:
                    zdest.close()
        digest = h.hexdigest()
        self.hashes.append((digest, rel))
        self.bytes += size
        return digest

    def finish(self) -> None:
        self.put_bytes(MANIFEST, manifest_bytes(self.hashes), record=False)
        if self.zip and self._zip_file:
            self.zip.close()
            self._zip_file.flush()
            os.fsync(self._zip_file.fileno())
            self._zip_file.close()
            self.zip = self._zip_file = None

    def abort(self) -> None:
        """Close whatever is open (a full disk may fail each step again)."""
        if self.zip:
            with contextlib.suppress(Exception):  # we are throwing it away
                self.zip.close()
            self.zip = None
        if self._zip_file:
            with contextlib.suppress(OSError):
                self._zip_file.close()
            self._zip_file = None


# ------------------------------------------------------------------- export
def export_package(lib: Library, out: Path, *, checklist_id: int | None = None,
                   item: str | None = None, unit: str | None = None, as_zip: bool = False,
                   allow_errors: bool = False, options: ExportOptions | None = None,
                   progress: Progress | None = None) -> ExportResult:
    """Check, plan and write a declaration package to ``out`` (a folder, or a zip with ``as_zip``)."""
    progress = progress or NullProgress()
    options = options or ExportOptions.from_library(lib)
    targets = Targets.of(Path(out), as_zip, options.keep_folder)
    for final in targets.finals():
        clean_leftovers(final)
        if (final.exists() or final.is_symlink()) and not options.overwrite:
            raise ExportError(f"目标已存在：{final}（请换一个名称，或选择覆盖）")
        if not final.parent.is_dir():
            final.parent.mkdir(parents=True, exist_ok=True)
    progress.update(0, 1, "导出前检查…")
    plan = build_plan(lib, options, checklist_id=checklist_id, item=item, unit=unit)
    outcome = checkgate.in_scope(checkgate.run_export_checks(lib, checklist_id, unit),
                                 plan.standard_codes, plan.materials.keys(), plan.whole)
    outcome, fixed = checkgate.drop_fixed(
        outcome, {e.material_id for e in plan.entries if e.action == "convert"})
    if outcome.errors and not allow_errors:
        raise ExportBlocked(outcome)
    overridden = bool(outcome.errors) and allow_errors
    check_lines = checkgate.override_lines(outcome, allow_errors, lib.user, fixed)
    parts = Targets(_part(targets.folder) if targets.folder else None,
                    _part(targets.zip_path) if targets.zip_path else None)
    for p in parts.finals():
        _remove(p)
    writer: PackageWriter | None = None
    try:
        writer = PackageWriter(parts.folder, parts.zip_path, plan)
        notes = _write_all(lib, plan, outcome, check_lines, writer, options, progress)
        writer.finish()
    except BaseException as exc:
        if writer:
            writer.abort()
        for p in parts.finals():
            _remove(p)
        if isinstance(exc, OSError) and exc.errno in DISK_FULL:
            raise _disk_full(targets, writer) from exc
        raise
    _commit(parts, targets, options.overwrite)
    result = ExportResult(
        targets.folder, targets.zip_path, len(writer.hashes), writer.bytes,
        len({e.standard for e in plan.entries}), len(plan.materials), len(plan.sheets),
        outcome.errors, outcome.warnings, overridden, tuple(notes))
    with lib.session() as s:
        lib.audit(s, "export", "package", None, path=str(result.path), scope=plan.scope,
                  files=result.files, overridden=overridden, errors=len(outcome.errors),
                  warnings=len(outcome.warnings))
    return result


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


def _write_all(lib: Library, plan: Plan, outcome: CheckOutcome, check_lines: list[str],
               writer: PackageWriter, options: ExportOptions, progress: Progress) -> list[str]:
    """Copy the files in checklist order, each standard's 图文说明 after its files, then the
    documents.  The documents are built in a thread and the PDFs in worker processes
    while the files are copied (copying waits on the disk, building on the CPU)."""
    notes: list[str] = []
    total = len(plan.entries) + len(plan.sheets) + 4
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
    # A thread, not a process, for the documents: measured under load on 2 cores, a
    # process (spawn + imports) made the 5,000-file export slower, not faster.
    with ThreadPoolExecutor(1) as docs_pool, _pdf_pool(photos) as pdf_pool:
        try:
            docs = docs_pool.submit(_documents, plan, outcome.without_state(), check_lines)
            pdfs = {code: pdf_pool.submit(caption_pdf, *job) if pdf_pool else None
                    for code, job in jobs.items()}
            entries = list(plan.entries)
            for i, entry in enumerate(entries):
                _write_entry(lib, plan, entry, writer, options, notes)
                step(entry.path)
                last_of_standard = i + 1 == len(entries) or entries[i + 1].standard != entry.standard
                if last_of_standard and entry.standard in sheets:
                    sheet, future = sheets[entry.standard], pdfs[entry.standard]
                    data = future.result() if future else caption_pdf(
                        *jobs[entry.standard], check=progress.check_cancelled)
                    writer.put_bytes(sheet.path, data)
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
    notes += _format_notes(plan, options)
    # The export note goes last among the documents so it can list what happened.
    writer.put_bytes(NOTE_TXT, documents.export_note(plan, check_lines, notes, len(writer.hashes)))
    step(NOTE_TXT)
    return notes


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


def _documents(plan: Plan, outcome: CheckOutcome, check_lines: list[str]) -> list[tuple[str, bytes]]:
    return [(CATALOG_XLSX, documents.catalog_xlsx(plan)),
            (CATALOG_DOCX, documents.catalog_docx(plan, check_lines)),
            (REPORT_DOCX, _report(plan, outcome, check_lines))]


def _report(plan: Plan, outcome: CheckOutcome, check_lines: list[str]) -> bytes:
    return stable_ooxml(checkgate.prepend_paragraphs(checkgate.report_docx(outcome), check_lines),
                        plan.stamp)


def _write_entry(lib: Library, plan: Plan, entry: Entry, writer: PackageWriter,
                 options: ExportOptions, notes: list[str]) -> None:
    m = plan.materials[entry.material_id]
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
            raise ExportError(f"原件缺失：材料 #{m.id}「{m.original_name}」不在原件库中，"
                              "请先运行原件完整性校验") from None
        except ConvertError as exc:
            raise ExportError(f"材料 #{m.id}「{m.original_name}」{exc}") from None
        writer.put_bytes(entry.path, converted.data)
        if not converted.fits:
            notes.append(f"{entry.path}：缩小到最低分辨率后仍超过大小上限")
        return
    try:
        digest = writer.put_file(entry.path, src)
    except ExportError as exc:
        if str(exc).startswith("原件缺失"):
            raise ExportError(f"原件缺失：材料 #{m.id}「{m.original_name}」不在原件库中，"
                              "请先运行原件完整性校验") from None
        raise
    if digest != m.sha256:
        raise ExportError(f"原件校验失败：材料 #{m.id}「{m.original_name}」与登记的校验值不符，"
                          f"请运行原件完整性校验")
    if m.size > options.limits.max_bytes:
        notes.append(f"{entry.path}：{m.size / 1048576:.1f} MB，超过平台大小上限")


def _sheet_job(lib: Library, plan: Plan, sheet: CaptionSheet, options: ExportOptions,
               stamp: str) -> tuple:
    """The arguments of :func:`caption_pdf` for one sheet (picklable, for a worker)."""
    folder = sheet.path.rpartition("/")[0]
    photos = []
    for n, (mid, path) in enumerate(sheet.photos, 1):
        m = plan.materials[mid]
        shown = path[len(folder) + 1:] if path.startswith(folder + "/") else path
        photos.append(Photo(n, m.title, lib.vault.path_for(m.sha256), m.kind, shown,
                            _captions(m), m.problem))
    return sheet.standard, sheet.standard_text, photos, options.photos_per_page, stamp


def _captions(m) -> tuple[tuple[str, str], ...]:  # noqa: ANN001
    """Caption fields; an empty 时间 falls back to the material's date."""
    out = []
    for label, value in m.captions:
        if label == "时间" and not value and m.date:
            value = f"{m.date.year}年{m.date.month}月{m.date.day}日"
        out.append((label, value))
    return tuple(out)


def _format_notes(plan: Plan, options: ExportOptions) -> list[str]:
    bad = sorted({e.path.rsplit(".", 1)[-1].lower() for e in plan.entries if e.action == "copy"
                  and not options.limits.allows(e.path.rsplit(".", 1)[-1])})
    if not bad:
        return []
    n = sum(1 for e in plan.entries if e.action == "copy" and e.path.rsplit(".", 1)[-1].lower() in bad)
    return [f"{n} 个文件的格式（{'、'.join(bad)}）不在平台允许的格式中，请转换后再上传"]
