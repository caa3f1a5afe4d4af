"""What goes where: the package plan, worked out before any byte is written.

The plan walks the checklist in order (Ⅰ → Ⅱ → Ⅲ → standards), gives each
standard that has materials a folder ``Ⅰ-1 …/Ⅱ-1 …/Ⅲ-1 …/1 <standard>/``
and each material a file name from the pattern, legal on Windows and unique
(see :mod:`.names`).  A photo in HEIC/TIFF, or over the size limit, is
planned as a JPEG conversion.  The plan also holds the catalog rows and the
图文说明 sheets, so the documents can be written before the files.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import PurePath
from typing import TYPE_CHECKING

from sqlalchemy import select

from civdesk.checklist.codes import canonical_code
from civdesk.checklist.store import ChecklistTree, NodeView, StandardView, checklist_tree
from civdesk.export.names import PathPlanner, legal_name
from civdesk.export.options import ExportOptions
from civdesk.models import Link, Material, Unit
from civdesk.vocabulary import CAPTION_LABELS, PHOTO_KINDS

if TYPE_CHECKING:
    from civdesk.library import Library

RASTER_TO_JPEG = frozenset({"heic", "avif", "tiff", "webp", "bmp"})
KIND_EXT = {"jpeg": "jpg", "png": "png", "gif": "gif", "bmp": "bmp", "tiff": "tif", "webp": "webp",
            "heic": "heic", "avif": "avif", "pdf": "pdf", "ofd": "ofd", "docx": "docx",
            "xlsx": "xlsx", "pptx": "pptx", "doc": "doc", "xls": "xls", "ppt": "ppt", "txt": "txt",
            "zip": "zip"}
KIND_ALIASES = {"jpg": "jpeg", "jpeg": "jpeg", "jpe": "jpeg", "tif": "tiff", "tiff": "tiff",
                "heif": "heic", "heic": "heic", "wps": "doc", "et": "xls", "dps": "ppt"}
CAPTIONS_NAME = "图文说明.pdf"
CATALOG_XLSX, CATALOG_DOCX = "目录.xlsx", "目录.docx"
REPORT_DOCX, NOTE_TXT, MANIFEST = "检查报告.docx", "导出说明.txt", "manifest-sha256.txt"
ROOT_DOCUMENTS = (CATALOG_XLSX, CATALOG_DOCX, REPORT_DOCX, NOTE_TXT, MANIFEST)


class ScopeError(LookupError):
    """The checklist, item or unit asked for does not exist."""


@dataclass(frozen=True)
class MaterialFacts:
    id: int
    sha256: str
    size: int
    kind: str
    original_name: str
    title: str
    date: dt.date | None
    unit: str
    category: str
    doc_number: str
    pages: int | None
    problem: str
    captions: tuple[tuple[str, str], ...]  # (label, value) for the 图文说明
    changed: dt.datetime | None

    @property
    def is_photo(self) -> bool:
        return self.kind in PHOTO_KINDS


@dataclass(frozen=True)
class Entry:
    """One file of the package: a copy, a conversion, or a note pointing at a copy."""

    path: str
    action: str  # 'copy' | 'convert' | 'note'
    material_id: int
    standard: str
    target: str = ""  # for a note: the path of the file it points at


@dataclass(frozen=True)
class CatalogRow:
    standard: str
    standard_text: str
    title: str
    path: str
    kind: str
    date: dt.date | None
    unit: str
    pages: int | None
    remark: str


@dataclass(frozen=True)
class CaptionSheet:
    path: str
    standard: str
    standard_text: str
    photos: tuple[tuple[int, str], ...]  # (material id, path of its file in the package)


@dataclass(frozen=True)
class Plan:
    checklist: str
    scope: str
    whole: bool
    standards: tuple[StandardView, ...]
    materials: Mapping[int, MaterialFacts]
    entries: tuple[Entry, ...]
    catalog: tuple[CatalogRow, ...]
    sheets: tuple[CaptionSheet, ...]
    stamp: dt.datetime

    @property
    def standard_codes(self) -> tuple[str, ...]:
        return tuple(s.code for s in self.standards)


def build_plan(lib: Library, options: ExportOptions, *, checklist_id: int | None = None,
               item: str | None = None, unit: str | None = None) -> Plan:
    tree = checklist_tree(lib, checklist_id)
    chain = _scoped_nodes(tree, item)
    unit_id = _unit_id(lib, unit) if unit else None
    standards = tuple(st for path in chain for st in path[-1].standards)
    filed = _links(lib, [s.id for s in standards], unit_id)
    facts = _facts(lib, {m for ids in filed.values() for m in ids})
    planner = PathPlanner(options.path_limit)
    for name in ROOT_DOCUMENTS:
        planner.reserve("", name)
    entries: list[Entry] = []
    rows: list[CatalogRow] = []
    sheets: list[CaptionSheet] = []
    first_home: dict[int, str] = {}
    for path in chain:
        for st in path[-1].standards:
            mids = sorted(filed.get(st.id, ()), key=lambda m: _order(facts[m]))
            if not mids:
                if st.needs_materials:
                    rows.append(CatalogRow(st.code, st.text, "（无材料）", "", "", None, "", None, ""))
                continue
            folder = _standard_folder(planner, options, path, st)
            photos: list[tuple[int, str]] = []
            for pos, mid in enumerate(mids, 1):
                m = facts[mid]
                entry, remark = _entry(planner, options, folder, st, pos, m, first_home.get(mid))
                first_home.setdefault(mid, entry.path)
                entries.append(entry)
                rows.append(CatalogRow(st.code, st.text, m.title, entry.path, m.category or m.kind,
                                       m.date, m.unit, m.pages, remark))
                if m.is_photo:
                    photos.append((mid, entry.target or entry.path))
            if photos and options.captions:
                sheet_path = planner.file(folder, CAPTIONS_NAME)
                sheets.append(CaptionSheet(sheet_path, st.code, st.text, tuple(photos)))
    scope = _scope_label(tree, item, unit)
    return Plan(tree.checklist.label, scope, item is None and unit is None, standards, facts,
                tuple(entries), tuple(rows), tuple(sheets),
                _stamp(options, facts.values()))


# ------------------------------------------------------------------ scope
def _scoped_nodes(tree: ChecklistTree, item: str | None) -> list[tuple[NodeView, ...]]:
    """Every node path (root … node) in checklist order, limited to ``item``'s subtree."""
    out: list[tuple[NodeView, ...]] = []
    code = canonical_code(item) if item else None

    def walk(node: NodeView, above: tuple[NodeView, ...], inside: bool) -> None:
        path = above + (node,)
        inside = inside or node.code == code
        if inside:
            out.append(path)
        for child in node.children:
            walk(child, path, inside)

    for root in tree.roots:
        walk(root, (), code is None)
    if code and not out:
        raise ScopeError(f"测评体系「{tree.checklist.label}」中没有条目 {code}")
    return out


def _unit_id(lib: Library, name: str) -> int:
    with lib.session() as s:
        uid = s.scalar(select(Unit.id).where(Unit.name == name.strip()))
    if uid is None:
        raise ScopeError(f"没有名为「{name}」的责任单位")
    return uid


def _scope_label(tree: ChecklistTree, item: str | None, unit: str | None) -> str:
    parts = [f"测评体系「{tree.checklist.label}」"]
    if item:
        parts.append(f"条目 {canonical_code(item)}")
    if unit:
        parts.append(f"责任单位「{unit}」")
    return "，".join(parts) if len(parts) > 1 else parts[0] + " 全部条目"


def _links(lib: Library, standard_ids: list[int], unit_id: int | None) -> dict[int, list[int]]:
    from civdesk.tasks.review import returned_pairs

    out: dict[int, list[int]] = {}
    with lib.session() as s:
        returned = returned_pairs(s)  # returned to its unit (退回): not declared
        for chunk in _chunks(standard_ids, 500):
            q = select(Link.standard_id, Link.material_id).where(Link.standard_id.in_(chunk))
            if unit_id is not None:
                q = q.join(Material, Material.id == Link.material_id).where(Material.unit_id == unit_id)
            for sid, mid in s.execute(q):
                if (mid, sid) not in returned:
                    out.setdefault(sid, []).append(mid)
    return out


def _facts(lib: Library, ids: set[int]) -> dict[int, MaterialFacts]:
    out: dict[int, MaterialFacts] = {}
    with lib.session() as s:
        units = dict(s.execute(select(Unit.id, Unit.name)).all())
        for chunk in _chunks(sorted(ids), 500):
            for m in s.scalars(select(Material).where(Material.id.in_(chunk))):
                out[m.id] = MaterialFacts(
                    m.id, m.sha256, m.size, m.kind, m.original_name,
                    (m.title or PurePath(m.original_name).stem).strip(), m.date,
                    units.get(m.unit_id, "") if m.unit_id else "", m.category or "",
                    m.doc_number or "", m.pages, m.problem or "",
                    tuple((label, (getattr(m, attr) or "").strip()) for attr, label in CAPTION_LABELS.items()),
                    m.updated_at)
    return out


def _chunks(items: list[int], n: int) -> Iterable[list[int]]:
    for i in range(0, len(items), n):
        yield items[i:i + n]


def _order(m: MaterialFacts) -> tuple:
    return (m.date is None, m.date or dt.date.min, m.title, m.id)


def _stamp(options: ExportOptions, facts: Iterable[MaterialFacts]) -> dt.datetime:
    """The package's fixed time: the setting, else the latest change to its materials."""
    if options.timestamp:
        return dt.datetime.fromisoformat(options.timestamp).replace(tzinfo=None, microsecond=0)
    times = [m.changed for m in facts if m.changed]
    return max(times).replace(microsecond=0) if times else dt.datetime(2000, 1, 1)


# ------------------------------------------------------------------ names
def _standard_folder(planner: PathPlanner, options: ExportOptions, path: tuple[NodeView, ...],
                     st: StandardView) -> str:
    folder = ""
    for node in path:
        folder = planner.folder(folder, f"n{node.id}",
                                f"{node.code} {legal_name(node.title, options.title_chars)}")
    return planner.folder(folder, f"s{st.id}",
                          f"{st.number} {legal_name(st.text, options.standard_chars)}")


def target_ext(m: MaterialFacts, options: ExportOptions) -> tuple[str, str]:
    """(extension, action) of a material's file in the package."""
    limits = options.limits
    if m.is_photo and not m.problem and (
            m.kind in options.convert_kinds
            or (m.kind in RASTER_TO_JPEG and not limits.allows(KIND_EXT[m.kind]))
            or (m.kind in ("jpeg", "png") and m.size > limits.max_bytes)):
        return "jpg", "convert"
    ext = PurePath(m.original_name).suffix.lower().lstrip(".")
    if m.kind in KIND_EXT and KIND_ALIASES.get(ext, ext) != m.kind:
        ext = KIND_EXT[m.kind]  # missing or mislabelled extension: name it by its content
    return ext or "bin", "copy"


def _entry(planner: PathPlanner, options: ExportOptions, folder: str, st: StandardView, pos: int,
           m: MaterialFacts, first: str | None) -> tuple[Entry, str]:
    ext, action = target_ext(m, options)
    fields = {
        "序号": f"{pos:02d}", "题名": m.title, "日期": m.date.strftime("%Y%m%d") if m.date else "",
        "单位": m.unit, "类别": m.category or m.kind, "文号": m.doc_number,
        "原名": PurePath(m.original_name).stem, "标准": st.code, "ext": ext,
    }
    name = options.name_pattern.format_map(fields).replace("/", "／").replace("\\", "＼")
    if first is not None and options.shared == "note":
        path = planner.file(folder, name + ".txt")
        return Entry(path, "note", m.id, st.code, first), f"同一材料，文件见 {first}"
    path = planner.file(folder, name)
    remarks = []
    if action == "convert":
        remarks.append("已转换为 JPEG" if m.kind != "jpeg" else "已按大小上限缩小")
    if first is not None:
        remarks.append(f"同一材料另见 {first}")
    return Entry(path, action, m.id, st.code), "；".join(remarks)
