"""Receive a returned task package (报送): file each material under its folder's standard.

The package may come back renamed, re-zipped by Windows (GBK names, read by
:mod:`civdesk.importer.sources`), inside extra folders, or unzipped as a
folder: its ``task.json`` marks the root.  Each file in a standard's folder
(matched by the folder name, or by the code it starts with when the tail was
renamed) is imported with the unit set and filed under that standard; files
elsewhere are imported too and listed (``unfiled``), never lost.  Captions come
from the filled 图片说明.xlsx.

Receiving the same package twice changes nothing; a package of another
library, one this library never issued, or one whose unit does not match the
issue record is refused with the reason (:class:`SubmissionRefused`).
"""
from __future__ import annotations

import hashlib
import io
import json
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from civdesk.errors import LibraryError
from civdesk.fsnames import readable
from civdesk.importer import ImportOptions
from civdesk.importer.sources import Source, decode_zip_name, scan
from civdesk.materials import add_link
from civdesk.models import Material, Standard, Submission, SubmissionItem, TaskPackage, Unit
from civdesk.progress import NullProgress, Progress
from civdesk.tasks.package import CAPTION_HEADERS, CAPTIONS, FORMAT, PACKAGE_FILES, TASK_JSON
from civdesk.tasks.settings import library_id
from civdesk.vault import hash_file
from civdesk.vocabulary import CAPTION_FIELDS

if TYPE_CHECKING:
    from civdesk.library import Library

PENDING, ACCEPTED, RETURNED, UNFILED = "pending", "accepted", "returned", "unfiled"
STATUS_NAMES = {PENDING: "待审核", ACCEPTED: "已采用", RETURNED: "已退回", UNFILED: "未归位"}


class SubmissionRefused(LibraryError):
    """Not received; the message says why (another library, a unit not in the task …)."""


@dataclass(frozen=True)
class ListedFile:
    path: str
    reason: str
    material_id: int | None = None


@dataclass(frozen=True)
class ReceiveResult:
    submission_id: int
    unit: str
    package_id: str
    already: bool                                  # nothing new: received before
    filed: tuple[tuple[int, str, str], ...]        # (material id, standard code, path) newly filed
    listed: tuple[ListedFile, ...]                 # wrong place, not in the task, refused, returned before
    counts: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        if self.already:
            return (f"{self.unit} 的这份报送此前已接收（第 {self.submission_id} 号报送），"
                    "没有新材料，未重复登记。")
        c = self.counts
        text = (f"已接收 {self.unit} 的报送（第 {self.submission_id} 号）：归入测评标准 {len(self.filed)} 件"
                f"（新文件 {c.get('new', 0)} 个，已有文件 {c.get('duplicate', 0)} 个），"
                f"图片说明 {c.get('captions', 0)} 条")
        if self.listed:
            text += f"；另有 {len(self.listed)} 个文件需要处理（见清单）"
        return text + "。"


# ------------------------------------------------------------------ detect
def read_task_json(path: Path) -> dict[str, Any] | None:
    """The ``task.json`` of a task package (zip or folder), or None when it is not one."""
    path = Path(path)
    try:
        if path.is_dir():
            for p in sorted(path.rglob(TASK_JSON), key=lambda p: len(p.parts))[:1]:
                return _task(p.read_bytes())
        elif zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                for info in zf.infolist():
                    name = decode_zip_name(info).replace("\\", "/").rsplit("/", 1)[-1]
                    if name == TASK_JSON and info.file_size < 1_000_000:
                        return _task(zf.read(info))
    except (OSError, zipfile.BadZipFile, ValueError):
        return None
    return None


def is_task_package(path: Path | str) -> bool:
    return read_task_json(Path(path)) is not None


def _task(data: bytes) -> dict[str, Any] | None:
    try:
        task = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        return None
    return task if isinstance(task, dict) and task.get("format") == FORMAT else None


# ----------------------------------------------------------------- receive
def receive(lib: Library, path: Path | str, progress: Progress | None = None) -> ReceiveResult:
    """Receive one returned task package (a zip or a folder)."""
    path = Path(path)
    progress = progress or NullProgress()
    if not path.exists():
        raise SubmissionRefused(f"文件或文件夹不存在：{path}")
    digest = _digest(path)
    with tempfile.TemporaryDirectory(dir=lib.vault.tmp) as tmp:
        tmp_dir = Path(tmp)
        sources = list(scan([path], tmp_dir))
        task_src, task = _find_task(sources, path)
        unit, uid, package = _validate(lib, task)
        with lib.session() as s:
            earlier = s.scalar(select(Submission.id).where(Submission.sha256 == digest))
        if earlier is not None:
            return _already(earlier, unit, package.package_id)
        folders = {e["folder"]: int(e["id"]) for e in task.get("standards", []) if e.get("folder")}
        owed_ids = set(package.owed_ids) | set(folders.values())
        by_code = {f.split(" ", 1)[0]: sid for f, sid in folders.items()}
        codes = _standard_codes(lib, owed_ids)
        root = task_src.folders
        placed: list[tuple[Source, int | None, str]] = []   # (source, standard id, reason when unfiled)
        listed: list[ListedFile] = []
        captions_src: Source | None = None
        for src in sources:
            if src is task_src:
                continue
            rel = src.folders[len(root):] if src.folders[:len(root)] == root else None
            shown = "/".join((*rel, src.name)) if rel is not None else src.display
            if src.refused:
                listed.append(ListedFile(shown, src.refused))
                continue
            if rel == () and src.name in PACKAGE_FILES:
                if src.name == CAPTIONS:
                    captions_src = src
                continue
            if rel is None:
                placed.append((src, None, "不在任务包文件夹内，未归入任何测评标准"))
            elif not rel:
                placed.append((src, None, "放在任务包的最外层，未放入任何测评标准的文件夹"))
            else:
                sid = folders.get(rel[0]) or _by_code(by_code, rel[0])
                if sid is not None and sid in owed_ids:
                    placed.append((src, sid, ""))
                else:
                    placed.append((src, None, f"文件夹「{rel[0]}」不是本单位任务中的测评标准，未归入"))
        staged: list[Path] = []
        for n, (src, _, _) in enumerate(placed):
            progress.check_cancelled()
            target = tmp_dir / "files" / str(n) / src.name
            target.parent.mkdir(parents=True)
            with src.open() as fin, open(target, "wb") as fout:
                shutil.copyfileobj(fin, fout)
            staged.append(target)
        report = lib.import_paths(staged, ImportOptions(unit=unit), progress) if staged else None
        by_display = {e.path: e for e in report.entries} if report else {}
        captions = _read_captions(captions_src) if captions_src is not None else []
    results = [by_display.get(readable(str(p))) for p in staged]
    return _record(lib, path, digest, unit, uid, package.package_id, placed, results, listed,
                   captions, codes, root)


def _by_code(by_code: dict[str, int], folder: str) -> int | None:
    """The standard of a folder renamed after its code: ``Ⅲ-3：2居民公约（修改）`` → Ⅲ-3：2
    (but not ``Ⅲ-3：21``)."""
    for code in sorted(by_code, key=len, reverse=True):
        if folder.startswith(code) and not folder[len(code):len(code) + 1].isdigit():
            return by_code[code]
    return None


def _digest(path: Path) -> str:
    if path.is_file():
        return hash_file(path)[0]
    h = hashlib.sha256()
    for p in sorted(path.rglob("*")):
        if p.is_file() and not p.is_symlink():
            h.update(str(p.relative_to(path)).encode("utf-8", "surrogateescape") + b"\0")
            h.update(hash_file(p)[0].encode())
    return h.hexdigest()


def _find_task(sources: list[Source], path: Path) -> tuple[Source, dict[str, Any]]:
    found = []
    for src in sources:
        if src.name == TASK_JSON and not src.refused and src.size < 1_000_000:
            with src.open() as f:
                task = _task(f.read())
            if task is not None:
                found.append((src, task))
    if not found:
        raise SubmissionRefused(f"「{path.name}」不是 CivDesk 任务包（其中没有 task.json），未接收；"
                                "普通文件请用“导入”。")
    if len({t["package_id"] for _, t in found}) > 1:
        raise SubmissionRefused(f"「{path.name}」中有 {len(found)} 个不同的任务包，请每次报送一个任务包。")
    return min(found, key=lambda f: len(f[0].folders))


def _validate(lib: Library, task: dict[str, Any]) -> tuple[str, int, TaskPackage]:
    unit = str(task.get("unit") or "")
    if task.get("library_id") != library_id(lib):
        raise SubmissionRefused(
            f"这是另一个资料库发出的任务包（单位「{unit}」，资料库编号 {task.get('library_id') or '无'}），"
            "不是本资料库发出的，未接收。请在发出任务包的电脑上接收。")
    with lib.session() as s:
        package = s.scalar(select(TaskPackage).where(TaskPackage.package_id == task.get("package_id")))
        if package is None:
            raise SubmissionRefused(f"本资料库没有发出过编号为 {task.get('package_id')} 的任务包"
                                    f"（单位「{unit}」），未接收。")
        issued_to = s.get(Unit, package.unit_id)
        if issued_to is None or issued_to.name != unit:
            owner = issued_to.name if issued_to else "已删除的单位"
            raise SubmissionRefused(
                f"任务包中的单位「{unit}」不在本任务中：此任务包发给的是「{owner}」，"
                "未接收。请让报送单位使用发给它的任务包。")
        s.expunge(package)
        return unit, issued_to.id, package


def _standard_codes(lib: Library, ids: set[int]) -> dict[int, str]:
    from civdesk.models import ChecklistNode

    with lib.session() as s:
        rows = s.execute(select(Standard.id, ChecklistNode.code, Standard.number)
                         .join(ChecklistNode, ChecklistNode.id == Standard.node_id)
                         .where(Standard.id.in_(ids))).all()
    return {sid: f"{code}:{number}" for sid, code, number in rows}


def _already(submission_id: int, unit: str, package_id: str) -> ReceiveResult:
    return ReceiveResult(submission_id, unit, package_id, True, (), ())


def _read_captions(src: Source) -> list[dict[str, str]]:
    """Rows of the filled 图片说明.xlsx: file name, folder, caption fields, 提供单位."""
    from openpyxl import load_workbook

    try:
        with src.open() as f:
            wb = load_workbook(io.BytesIO(f.read()), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - a damaged sheet loses the captions, not the submission
        return []
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = [str(v or "").strip() for v in next(rows, ())]
    if "文件名" not in header:
        return []
    keys = dict(zip(CAPTION_HEADERS, ("name", "folder", *CAPTION_FIELDS, "unit")))
    cols = {keys[h]: i for i, h in enumerate(header) if h in keys}
    out = []
    for row in rows:
        values = {k: str(row[i]).strip() if i < len(row) and row[i] is not None else ""
                  for k, i in cols.items()}
        if values.get("name"):
            out.append(values)
    wb.close()
    return out


def _record(lib: Library, path: Path, digest: str, unit: str, uid: int, package_id: str,
            placed: list[tuple[Source, int | None, str]], results: list[Any], listed: list[ListedFile],
            captions: list[dict[str, str]], codes: dict[int, str], root: tuple[str, ...]) -> ReceiveResult:
    filed: list[tuple[int, str, str]] = []
    counts = {"new": 0, "duplicate": 0, "captions": 0, "known": 0}
    with lib.session() as s:
        sub = Submission(package_id=package_id, unit_id=uid, source_name=readable(path.name),
                         sha256=digest)
        s.add(sub)
        s.flush()
        items: list[SubmissionItem] = []
        names: dict[tuple[str, str], int] = {}
        for (src, sid, why), entry in zip(placed, results):
            rel = src.folders[len(root):] if src.folders[:len(root)] == root else ()
            shown = "/".join((*rel, src.name))
            if entry is None or entry.material_id is None:
                listed.append(ListedFile(shown, entry.reason if entry else "未能导入"))
                continue
            mid = entry.material_id
            counts["new" if entry.status == "imported" else "duplicate"] += 1
            names[(rel[0] if rel else "", src.name)] = mid
            names.setdefault(("", src.name), mid)
            earlier = s.scalars(select(SubmissionItem).join(Submission)
                                .where(Submission.unit_id == uid, SubmissionItem.material_id == mid,
                                       SubmissionItem.standard_id.is_(sid) if sid is None
                                       else SubmissionItem.standard_id == sid)
                                .order_by(SubmissionItem.id.desc())).first()
            if sid is None:
                listed.append(ListedFile(shown, why, mid))
                if earlier is None:
                    items.append(SubmissionItem(submission_id=sub.id, material_id=mid, path=shown,
                                                status=UNFILED, reason=why))
                continue
            if earlier is not None and earlier.status == RETURNED:
                listed.append(ListedFile(shown, f"此文件此前已被退回（{earlier.reason}），内容未改动，"
                                                "未重复登记；请更换材料后重新报送", mid))
                continue
            if earlier is not None:
                counts["known"] += 1
                continue
            add_link(s, mid, sid, "submission", note=f"{unit}报送")
            items.append(SubmissionItem(submission_id=sub.id, material_id=mid, standard_id=sid,
                                        path=shown, status=PENDING))
            filed.append((mid, codes.get(sid, ""), shown))
        counts["captions"] = _apply_captions(s, captions, names, uid)
        if not items and not counts["captions"]:
            s.rollback()
            with lib.session() as s2:
                last = s2.scalar(select(Submission.id).where(Submission.package_id == package_id)
                                 .order_by(Submission.id.desc()))
            if last is not None:
                return _already(last, unit, package_id)
            raise SubmissionRefused(f"「{path.name}」中没有任何材料文件，未登记报送。")
        s.add_all(items)
        sub.counts = {**counts, "filed": len(filed), "listed": len(listed)}
        sub.listed = [{"path": f.path, "reason": f.reason, "material_id": f.material_id} for f in listed]
        lib.audit(s, "task_receive", "submission", sub.id, unit=unit, package_id=package_id,
                  filed=len(filed), listed=len(listed))
        sid_out = sub.id
    return ReceiveResult(sid_out, unit, package_id, False, tuple(filed), tuple(listed),
                         {**counts, "filed": len(filed), "listed": len(listed)})


def _apply_captions(s: Any, captions: list[dict[str, str]], names: dict[tuple[str, str], int],
                    uid: int) -> int:
    applied = 0
    for row in captions:
        mid = names.get((row.get("folder", ""), row["name"])) or names.get(("", row["name"]))
        if mid is None:
            continue
        m = s.get(Material, mid)
        changed = False
        for f in CAPTION_FIELDS:
            value = row.get(f, "")
            if value and getattr(m, f) != value:
                setattr(m, f, value)
                changed = True
        supplier = row.get("unit", "")
        if supplier:
            other = s.scalar(select(Unit.id).where(Unit.name == supplier))
            if other is None:
                u = Unit(name=supplier)
                s.add(u)
                s.flush()
                other = u.id
            if m.unit_id != other:
                m.unit_id = other
                changed = True
        if changed:
            from civdesk.models import utcnow

            m.updated_at = utcnow()
            m.version = (m.version or 1) + 1
            applied += 1
    return applied
