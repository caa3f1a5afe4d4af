"""Writing a year's transfer carrier: laid out, checked, reproducible, atomic.

:func:`export_archive` needs every 件 of the year numbered.  It writes the carrier into a
temporary folder beside the target (``.<name>.part-<pid>``, the declaration export's
convention, so leftovers of a killed export are removed by the next one), runs the
四性检测 on it, adds the report and the register, then renames it (or zips it into a
temporary and renames that) to the final name.  A kill at any moment leaves nothing under
the final name.  The vault is only read: PDFs are stamped, photos converted and documents
turned into PDF on copies.  Every byte depends only on the library's data (fixed dates in
PDFs, Office files and zip entries), so two exports of the same year are identical.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from civdesk.archive import documents, layout, xmlfiles
from civdesk.archive.arrange import ArchivePlan, ItemView, MemberView, plan
from civdesk.archive.check import CarrierReport, check_carrier
from civdesk.archive.codes import RETENTIONS, CodeParts
from civdesk.archive.stamp import StampError, StampFields, stable_pdf, stamp_pdf
from civdesk.export.package import PART, clean_leftovers
from civdesk.export.stable import compressible, zip_info
from civdesk.progress import NullProgress, Progress

if TYPE_CHECKING:
    import datetime as dt

    from civdesk.library import Library

PHOTO_COPY = {"jpeg": "jpg", "tiff": "tif"}  # long-term picture formats kept as they are
OFFICE = frozenset({"docx", "xlsx", "pptx", "doc", "xls", "ppt", "txt"})
STAMP_RETENTION = {"Y": "永久", "D30": "30年", "D10": "10年"}


class ArchiveExportError(RuntimeError):
    """The carrier cannot be written; the message is for the clerk."""


@dataclass(frozen=True)
class ArchiveExportResult:
    path: Path
    items: int
    files: int
    bytes: int
    not_converted: tuple[str, ...]
    notes: tuple[str, ...]
    report: CarrierReport
    digest: str


def _targets(out: Path, as_zip: bool) -> tuple[Path, Path | None]:
    """(folder, zip) final names; the folder is only a working name with ``as_zip``."""
    if not as_zip:
        return out, None
    folder = out.with_suffix("") if out.suffix.lower() == ".zip" else out
    return folder, out if out.suffix.lower() == ".zip" else out.with_name(out.name + ".zip")


def _part(final: Path) -> Path:
    return final.with_name(f".{final.name}{PART}{os.getpid()}")


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def export_archive(lib: Library, year: int, out: Path | str, *, as_zip: bool = False,
                   overwrite: bool = False, progress: Progress | None = None) -> ArchiveExportResult:
    """Write the transfer carrier of ``year`` to ``out`` (a folder, or a zip with ``as_zip``)."""
    progress = progress or NullProgress()
    p = plan(lib, year)
    _refuse_unready(p)
    folder, zip_path = _targets(Path(out), as_zip)
    final = zip_path or folder
    for name in {folder, final}:
        clean_leftovers(name)
    if (final.exists() or final.is_symlink()) and not overwrite:
        raise ArchiveExportError(f"目标已存在：{final}（请换一个名称，或选择覆盖）")
    final.parent.mkdir(parents=True, exist_ok=True)
    work, zip_part = _part(folder), _part(zip_path) if zip_path else None
    for t in (work, zip_part):
        if t is not None:
            _remove(t)
    try:
        work.mkdir()
        result = _write_carrier(lib, p, work, progress)
        if zip_part is not None:
            progress.update(1, 1, "写入压缩包…")
            _zip_folder(work, zip_part, p.stamp)
            _remove(work)
        built = zip_part or work
        if final.exists() and overwrite:
            old = final.with_name(f".{final.name}.old-{os.getpid()}")
            os.replace(final, old)
            os.replace(built, final)
            _remove(old)
        else:
            os.replace(built, final)
    except BaseException:
        for t in (work, zip_part):
            if t is not None:
                _remove(t)
        raise
    with lib.session() as s:
        lib.audit(s, "archive_export", "year", year, path=str(final), items=result.items,
                  files=result.files, ok=result.report.ok, digest=result.digest)
    return ArchiveExportResult(final, result.items, result.files, result.bytes, result.not_converted,
                               result.notes, result.report, result.digest)


def _refuse_unready(p: ArchivePlan) -> None:
    if not p.items:
        raise ArchiveExportError(f"{p.year} 年度没有可归档的材料（材料日期须在该年度内）")
    if not p.settings.fonds:
        raise ArchiveExportError("未设置全宗号，不能导出移交载体")
    unfixed = [i for i in p.items if not i.fixed]
    if unfixed:
        raise ArchiveExportError(f"有 {len(unfixed)} 件尚未固定档号，请先预览并固定档号"
                                 f"（civdesk archive number --year {p.year}）")
    bad = [x for x in p.problems if not x.startswith("有材料没有日期")]
    if bad:
        raise ArchiveExportError("不能导出：" + "；".join(bad))


# ------------------------------------------------------------------ writing
class _Carrier:
    """Writes new files into the working folder, remembering each file's digest."""

    def __init__(self, root: Path):
        self.root = root
        self.hashes: list[tuple[str, str]] = []

    def put(self, rel: str, data: bytes) -> str:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "xb") as f:
            f.write(data)
        digest = hashlib.sha256(data).hexdigest()
        self.hashes.append((digest, rel))
        return digest

    def copy(self, rel: str, src: Path) -> tuple[str, int]:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        h = hashlib.sha256()
        size = 0
        with open(src, "rb") as fin, open(path, "xb") as fout:
            while chunk := fin.read(1 << 20):
                h.update(chunk)
                fout.write(chunk)
                size += len(chunk)
        digest = h.hexdigest()
        self.hashes.append((digest, rel))
        return digest, size


@dataclass(frozen=True)
class _Written:
    items: int
    files: int
    bytes: int
    not_converted: tuple[str, ...]
    notes: tuple[str, ...]
    report: CarrierReport
    digest: str


def _write_carrier(lib: Library, p: ArchivePlan, root: Path, progress: Progress) -> _Written:
    carrier = _Carrier(root)
    st = p.settings
    not_converted: list[str] = []
    notes: list[str] = []
    entries: list[xmlfiles.CatalogueEntry] = []
    rows: list[documents.CatalogueRow] = []
    content_files = content_bytes = 0
    total = len(p.items) + 3
    with tempfile.TemporaryDirectory(prefix="civdesk-archive-") as tmp:
        for n, item in enumerate(p.items, 1):
            progress.check_cancelled()
            progress.update(n - 1, total, item.code)
            parts = CodeParts(st.fonds, st.category_code, p.year, item.retention, item.org_code,
                              item.number)
            folder = layout.item_folder(parts, item.code)
            records = _write_item(lib, p, item, parts, folder, carrier, Path(tmp), not_converted, notes)
            meta = xmlfiles.ItemMetadata(item.code, parts, item.shown_title, item.responsible,
                                         item.date8, item.doc_number, item.secrecy, item.pages,
                                         item.note, tuple(records))
            carrier.put(f"{folder}/{layout.metadata_name(item.code)}", xmlfiles.item_xml(meta))
            content_files += len(records)
            content_bytes += sum(r.size for r in records)
            entries.append(xmlfiles.CatalogueEntry(n, item.code, item.responsible, item.shown_title,
                                                   item.date8, item.secrecy, folder, item.note))
            rows.append(documents.CatalogueRow(n, item.code, item.doc_number, item.responsible,
                                               item.shown_title, item.date8, item.secrecy, item.pages,
                                               item.note))
    progress.update(len(p.items), total, "编制目录和说明…")
    when = p.stamp
    heading = f"归档文件目录（全宗号 {st.fonds}　{p.year}年度）"
    carrier.put(xmlfiles.CATALOGUE_XML, xmlfiles.catalogue_xml(st.fonds, p.year, st.rule, entries))
    for name in (xmlfiles.CATALOGUE_XSD, xmlfiles.ITEM_XSD):
        carrier.put(f"{layout.OTHER}/{name}", xmlfiles.schema_bytes(name))
    carrier.put(layout.CATALOGUE_XLSX, documents.catalogue_xlsx(rows, heading, when))
    carrier.put(layout.CATALOGUE_DOCX, documents.catalogue_docx(rows, heading, when))
    counts = Counter(i.retention for i in p.items)
    by_ret = tuple((c, counts[c]) for c in RETENTIONS if counts[c])
    facts = documents.TransferFacts(
        p.year, st.fonds, st.transferring_unit, st.receiving_unit, st.maker, st.checker, st.carrier,
        len(p.items), content_files, content_bytes, by_ret, tuple(not_converted))
    carrier.put(layout.BOX_NOTE, documents.box_note_docx(facts, when))
    progress.check_cancelled()
    # the note's volume counts every file listed so far
    total_bytes = sum((root / rel).stat().st_size for _, rel in carrier.hashes)
    note = documents.note_txt(_with_bytes(facts, total_bytes))
    carrier.put(layout.NOTE_TXT, note)
    total_bytes += len(note)
    from civdesk.export.manifest import manifest_bytes

    manifest = manifest_bytes(sorted(carrier.hashes, key=lambda h: h[1]))
    (root / layout.MANIFEST).write_bytes(manifest)
    digest = hashlib.sha256(manifest).hexdigest()
    progress.update(len(p.items) + 1, total, "四性检测…")
    report = check_carrier(root, clamav_db=st.clamav_db or None, register_expected=False)
    facts = _with_bytes(facts, total_bytes, digest)
    carrier_name = f"{st.fonds}-{p.year} 年度移交载体"
    (root / layout.REPORT).write_bytes(documents.report_docx(report, carrier_name, when))
    (root / layout.REGISTER).write_bytes(documents.register_docx(facts, report, when))
    progress.update(len(p.items) + 2, total, "完成")
    return _Written(len(p.items), content_files, total_bytes, tuple(not_converted), tuple(notes),
                    report, digest)


def _with_bytes(facts: documents.TransferFacts, size: int, digest: str = "") -> documents.TransferFacts:
    from dataclasses import replace

    return replace(facts, bytes=size, digest=digest, digest_of=layout.MANIFEST if digest else "")


def _write_item(lib: Library, p: ArchivePlan, item: ItemView, parts: CodeParts, folder: str,
                carrier: _Carrier, tmp: Path, not_converted: list[str], notes: list[str]
                ) -> list[xmlfiles.FileRecord]:
    records: list[xmlfiles.FileRecord] = []
    stamped = False
    fields = StampFields(parts.fonds, str(parts.year), f"{parts.number:0{p.settings.number_width}d}",
                         parts.org or " ", STAMP_RETENTION[parts.retention], str(item.pages))
    for pos, m in enumerate(item.members):
        src = lib.vault.path_for(m.sha256)
        if not src.is_file():
            raise ArchiveExportError(f"原件缺失：材料 #{m.material_id}「{m.original_name}」不在原件库中，"
                                     "请先运行原件完整性校验")
        role = "照片" if m.is_photo else ("正本" if pos == 0 else "附件")
        seq = len(records) + 1
        if m.is_photo:
            records.append(_photo(m, folder, item.code, seq, src, carrier, role, p))
            continue
        if m.kind == "pdf":
            data = src.read_bytes()
            treatment = "复制"
            if not stamped and pos == 0:
                try:
                    data, treatment = stamp_pdf(data, fields, p.stamp), "副本加盖归档章"
                    stamped = True
                except StampError as exc:
                    notes.append(f"{item.code}：{exc}")
            records.append(_record(carrier, folder, item.code, seq, "pdf", data, role,
                                   m.original_name, treatment))
            continue
        ext = m.original_name.rsplit(".", 1)[-1].lower() if "." in m.original_name else m.kind
        if m.kind in OFFICE:
            name = layout.file_name(item.code, seq, ext)
            digest, size = carrier.copy(f"{folder}/{name}", src)
            pdf = _to_pdf(src, ext, tmp, p.stamp)
            if pdf is None:
                not_converted.append(f"{folder}/{name}")
                records.append(xmlfiles.FileRecord(seq, name, _fmt(ext), size, digest, role,
                                                   m.original_name, "复制（未转换为 PDF）"))
                continue
            records.append(xmlfiles.FileRecord(seq, name, _fmt(ext), size, digest, f"{role}原件",
                                               m.original_name, "复制（原件，已转换）"))
            treatment = "由原件转换为 PDF"
            if not stamped and pos == 0:
                with contextlib.suppress(StampError):
                    pdf, treatment = stamp_pdf(pdf, fields, p.stamp), "由原件转换为 PDF 并加盖归档章"
                    stamped = True
            records.append(_record(carrier, folder, item.code, seq, "pdf", pdf, f"{role}转换件",
                                   m.original_name, treatment))
            continue
        name = layout.file_name(item.code, seq, ext)
        digest, size = carrier.copy(f"{folder}/{name}", src)
        records.append(xmlfiles.FileRecord(seq, name, _fmt(ext), size, digest, role, m.original_name,
                                           "复制"))
        if ext not in layout.LONG_TERM:
            notes.append(f"{folder}/{name}：{ext.upper()} 不是长期保存格式")
    return records


def _fmt(ext: str) -> str:
    return layout.LONG_TERM.get(ext) or layout.CONVERTIBLE.get(ext) or ext.upper()


def _record(carrier: _Carrier, folder: str, code: str, seq: int, ext: str, data: bytes, role: str,
            original: str, treatment: str) -> xmlfiles.FileRecord:
    name = layout.file_name(code, seq, ext)
    digest = carrier.put(f"{folder}/{name}", data)
    return xmlfiles.FileRecord(seq, name, _fmt(ext), len(data), digest, role, original, treatment)


def _photo(m: MemberView, folder: str, code: str, seq: int, src: Path, carrier: _Carrier, role: str,
           p: ArchivePlan) -> xmlfiles.FileRecord:
    from civdesk.checks import PlatformLimits
    from civdesk.export.convert import ConvertError, to_jpeg
    from civdesk.extract.images import read_picture

    ext = PHOTO_COPY.get(m.kind)
    if ext:
        name = layout.file_name(code, seq, ext)
        digest, size = carrier.copy(f"{folder}/{name}", src)
        treatment = "复制"
    else:
        try:  # no size limit: the archive keeps the full picture
            converted = to_jpeg(src, m.kind, PlatformLimits(max_mb=1024 ** 2), 95)
        except ConvertError as exc:
            raise ArchiveExportError(f"材料 #{m.material_id}「{m.original_name}」{exc}") from None
        ext = "jpg"
        name = layout.file_name(code, seq, ext)
        digest = carrier.put(f"{folder}/{name}", converted.data)
        size = len(converted.data)
        treatment = f"{m.kind.upper()} 转 JPEG（保留 EXIF）"
    info, _ = read_picture(carrier.root / folder / name, "jpeg" if ext == "jpg" else "tiff", None)
    taken = m.taken_at or info.taken_at
    exif = (("拍摄时间", taken.strftime("%Y%m%d%H%M%S") if taken else ""), ("设备", info.camera or ""),
            ("图像宽度", str(info.width or 0)), ("图像高度", str(info.height or 0)),
            ("纬度", f"{info.gps[0]:.6f}" if info.gps else ""),
            ("经度", f"{info.gps[1]:.6f}" if info.gps else ""))
    labels = dict(zip(("caption_time", "caption_place", "caption_people", "caption_event",
                       "caption_background", "caption_photographer"),
                      ("时间", "地点", "人物", "事由", "背景", "摄影者")))
    captions = tuple((labels[k], v) for k, v in m.captions)
    return xmlfiles.FileRecord(seq, name, _fmt(ext), size, digest, role, m.original_name, treatment,
                               captions, exif)


def _to_pdf(src: Path, ext: str, tmp: Path, when: dt.datetime) -> bytes | None:
    """The document as a PDF with stable bytes, or None when LibreOffice is missing or fails."""
    from civdesk.tools import ToolError, convert_to_pdf, find_soffice

    if find_soffice() is None:
        return None
    work = tmp / hashlib.sha256(str(src).encode()).hexdigest()[:16]
    work.mkdir(exist_ok=True)
    named = work / f"document.{ext}"  # LibreOffice picks the filter by the extension
    shutil.copyfile(src, named)
    try:
        pdf = convert_to_pdf(named, work / "out")
    except ToolError:
        return None
    return stable_pdf(pdf.read_bytes(), when)


def _zip_folder(folder: Path, target: Path, when: dt.datetime) -> None:
    names = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    with open(target, "xb") as raw:
        with zipfile.ZipFile(raw, "w", allowZip64=True) as zf:
            for rel in names:
                with open(folder / rel, "rb") as src, \
                        zf.open(zip_info(rel, when, compress=compressible(rel)), "w",
                                force_zip64=(folder / rel).stat().st_size >= 1 << 31) as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
        raw.flush()
        os.fsync(raw.fileno())
