"""What goes where: the package plan, worked out before any byte is written.

The plan walks the checklist in order (Ⅰ → Ⅱ → Ⅲ → standards), gives each
standard that has materials a folder ``Ⅰ-1 …/Ⅱ-1 …/Ⅲ-1 …/1 <standard>/``
and each material a file name from the pattern, legal on Windows and unique
(see :mod:`.names`).  A photo in HEIC/TIFF, or over the size limit, is
planned as a JPEG conversion.  The plan also holds the catalog rows and the
图文说明 sheets, so the documents can be written before the files.

Materials the checks found faulty are *held back* (``held``: material id →
reasons): they get no file, no catalog row and no photo on a sheet; the
internal copy lists them.  Inside a standard the files follow the category
order of the options (正式发文, 说明报告, 数据表格, 台账, then photos by date).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import select

from civdesk.checklist.codes import canonical_code
from civdesk.checklist.store import ChecklistTree, NodeView, StandardView, checklist_tree
from civdesk.export import topdf
from civdesk.export.names import PathPlanner, clean_title, legal_name
from civdesk.export.options import ExportOptions
from civdesk.export.topdf import CONVERTIBLE
from civdesk.models import Link, Material, Unit
from civdesk.vocabulary import CAPTION_LABELS, CONVERTED_TO_JPEG, PHOTO_KINDS

if TYPE_CHECKING:
    from civdesk.library import Library

RASTER_TO_JPEG = CONVERTED_TO_JPEG
KIND_EXT = {"jpeg": "jpg", "png": "png", "gif": "gif", "bmp": "bmp", "tiff": "tif", "webp": "webp",
            "heic": "heic", "avif": "avif", "pdf": "pdf", "ofd": "ofd", "docx": "docx",
            "xlsx": "xlsx", "pptx": "pptx", "doc": "doc", "xls": "xls", "ppt": "ppt", "txt": "txt",
            "zip": "zip"}
KIND_ALIASES = {"jpg": "jpeg", "jpeg": "jpeg", "jpe": "jpeg", "tif": "tiff", "tiff": "tiff",
                "heif": "heic", "heic": "heic", "wps": "doc", "et": "xls", "dps": "ppt"}
CAPTIONS_NAME = "图文说明.pdf"
CATALOG_XLSX, CATALOG_DOCX = "目录.xlsx", "目录.docx"
COMPILATION_PDF = "材料汇编.pdf"
REPORT_DOCX, NOTE_TXT, MANIFEST = "检查报告.docx", "导出记录.txt", "manifest-sha256.txt"
ROOT_DOCUMENTS = (CATALOG_XLSX, CATALOG_DOCX, COMPILATION_PDF, MANIFEST)


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

    def caption_fields(self) -> tuple[tuple[str, str], ...]:
        """The six caption elements then 提供单位; an empty 时间 falls back to the
        material's date (the photo's EXIF time when the import found one)."""
        out = []
        for label, value in self.captions:
            if label == "时间" and not value and self.date:
                value = f"{self.date.year}年{self.date.month}月{self.date.day}日"
            out.append((label, value))
        out.append(("提供单位", self.unit))
        return tuple(out)

    def caption_line(self) -> str:
        """The caption in one line (catalog column 图片说明, photo metadata); "" for a non-photo."""
        if not self.is_photo:
            return ""
        return "；".join(f"{label}：{value}" for label, value in self.caption_fields() if value)


@dataclass(frozen=True)
class Entry:
    """One file of the package: a copy, a conversion, or a note pointing at a copy."""

    path: str
    action: str  # 'copy' | 'convert' | 'topdf' | 'note'
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
    doc_number: str = ""
    caption: str = ""  # the photo's caption in one line


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
    held: Mapping[int, tuple[str, ...]] = field(default_factory=dict)  # material id → reasons

    @property
    def standard_codes(self) -> tuple[str, ...]:
        return tuple(s.code for s in self.standards)


@dataclass(frozen=True)
class Scope:
    """What an export covers, read from the library in a few bulk queries."""

    tree: ChecklistTree
    chain: list[tuple[NodeView, ...]]
    standards: tuple[StandardView, ...]
    filed: dict[int, list[int]]  # standard id → material ids
    facts: dict[int, MaterialFacts]
    item: str | None
    unit: str | None

    @property
    def whole(self) -> bool:
        return self.item is None and self.unit is None


def load_scope(lib: Library, *, checklist_id: int | None = None, item: str | None = None,
               unit: str | None = None) -> Scope:
    tree = checklist_tree(lib, checklist_id)
    chain = _scoped_nodes(tree, item)
    unit_id = _unit_id(lib, unit) if unit else None
    standards = tuple(st for path in chain for st in path[-1].standards)
    filed = _links(lib, [s.id for s in standards], unit_id)
    facts = _facts(lib, {m for ids in filed.values() for m in ids})
    return Scope(tree, chain, standards, filed, facts, item, unit)


def build_plan(lib: Library, options: ExportOptions, *, checklist_id: int | None = None,
               item: str | None = None, unit: str | None = None,
               held: Mapping[int, tuple[str, ...]] | None = None) -> Plan:
    return lay_out(load_scope(lib, checklist_id=checklist_id, item=item, unit=unit), options, held)


def lay_out(scope: Scope, options: ExportOptions,
            held: Mapping[int, tuple[str, ...]] | None = None, no_pdf: Iterable[int] = ()) -> Plan:
    """Paths, catalog rows and sheets for the materials of ``scope`` not ``held`` back;
    documents in ``no_pdf`` (their conversion failed) keep their format."""
    no_pdf = set(no_pdf)
    held = dict(held or {})
    tree, chain, standards, filed, facts = (scope.tree, scope.chain, scope.standards, scope.filed,
                                            scope.facts)
    soffice = options.documents_to_pdf and _soffice()
    planner = PathPlanner(options.path_limit)
    for name in ROOT_DOCUMENTS:
        planner.reserve("", name)
    entries: list[Entry] = []
    rows: list[CatalogRow] = []
    sheets: list[CaptionSheet] = []
    first_home: dict[int, str] = {}
    for path in chain:
        for st in path[-1].standards:
            mids = sorted((m for m in filed.get(st.id, ()) if m not in held),
                          key=lambda m: _order(facts[m], options.category_order))
            if not mids:
                if st.needs_materials:
                    rows.append(CatalogRow(st.code, st.text, "（无材料）", "", "", None, "", None, ""))
                continue
            folder = _standard_folder(planner, options, path, st)
            photos: list[tuple[int, str]] = []
            for pos, mid in enumerate(mids, 1):
                m = facts[mid]
                entry, remark = _entry(planner, options, folder, st, pos, m, first_home.get(mid),
                                       soffice and mid not in no_pdf)
                first_home.setdefault(mid, entry.path)
                entries.append(entry)
                rows.append(CatalogRow(st.code, st.text, m.title, entry.path, m.category or m.kind,
                                       m.date, m.unit, m.pages, remark, m.doc_number, m.caption_line()))
                if m.is_photo:
                    photos.append((mid, entry.target or entry.path))
            if photos and options.captions:
                sheet_path = planner.file(folder, CAPTIONS_NAME)
                sheets.append(CaptionSheet(sheet_path, st.code, st.text, tuple(photos)))
    label = _scope_label(tree, scope.item, scope.unit)
    return Plan(tree.checklist.label, label, scope.whole, standards, facts,
                tuple(entries), tuple(rows), tuple(sheets),
                _stamp(options, facts.values()), held)


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
    """The materials' columns the export reads, in bulk (plain rows, not ORM objects)."""
    out: dict[int, MaterialFacts] = {}
    caption_cols = [getattr(Material, attr) for attr in CAPTION_LABELS]
    labels = tuple(CAPTION_LABELS.values())
    cols = [Material.id, Material.sha256, Material.size, Material.kind, Material.original_name,
            Material.title, Material.date, Material.unit_id, Material.category, Material.doc_number,
            Material.pages, Material.problem, Material.updated_at, *caption_cols]
    with lib.session() as s:
        units = dict(s.execute(select(Unit.id, Unit.name)).all())
        for chunk in _chunks(sorted(ids), 900):
            for row in s.execute(select(*cols).where(Material.id.in_(chunk))):
                (mid, sha, size, kind, name, title, date, unit_id, category, doc_number, pages, problem,
                 updated, *caps) = row
                out[mid] = MaterialFacts(
                    mid, sha, size, kind, name, _title(title, name), date,
                    units.get(unit_id, "") if unit_id else "", category or "", doc_number or "",
                    pages, problem or "", tuple(zip(labels, ((c or "").strip() for c in caps))), updated)
    return out


def _chunks(items: list[int], n: int) -> Iterable[list[int]]:
    for i in range(0, len(items), n):
        yield items[i:i + n]


def _title(title: str | None, original_name: str) -> str:
    """The material's title; one the import took from the file name is cleaned of camera and
    extension prefixes, hashes and underscores."""
    title = (title or "").strip()
    stem = _stem(original_name)
    if not title or title in (stem, original_name):
        return clean_title(original_name)
    return title


def _stem(name: str) -> str:
    """``PurePath(name).stem`` without building a path (thousands per export)."""
    base = name.replace("\\", "/").rpartition("/")[2]
    dot = base.rfind(".")
    return base[:dot] if dot > 0 else base


def _suffix(name: str) -> str:
    base = name.replace("\\", "/").rpartition("/")[2]
    dot = base.rfind(".")
    return base[dot:] if 0 < dot < len(base) - 1 else ""


def _order(m: MaterialFacts, categories: tuple[str, ...]) -> tuple:
    category = "图片" if m.is_photo else m.category
    if category in categories:
        rank = categories.index(category) * 2
    else:  # other categories after the listed documents, before the photos
        rank = categories.index("图片") * 2 - 1 if "图片" in categories else len(categories) * 2
    return (rank, m.date is None, m.date or dt.date.min, m.title, m.id)


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


def target_ext(m: MaterialFacts, options: ExportOptions, soffice: bool = False) -> tuple[str, str]:
    """(extension, action) of a material's file in the package: ``copy``, ``convert`` (a photo
    to JPEG) or ``topdf`` (a document the platform refuses, by LibreOffice when ``soffice``)."""
    limits = options.limits
    if m.is_photo and not m.problem and (
            m.kind in options.convert_kinds
            or (m.kind in RASTER_TO_JPEG and not limits.allows(KIND_EXT[m.kind]))
            or (m.kind in ("jpeg", "png") and m.size > limits.max_bytes)):
        return "jpg", "convert"
    ext = source_ext(m)
    if needs_pdf(m, ext, options) and soffice:
        return "pdf", "topdf"
    return ext or "bin", "copy"


def source_ext(m: MaterialFacts) -> str:
    """The extension of the original as it is (by content when missing or mislabelled)."""
    ext = _suffix(m.original_name).lower().lstrip(".")
    if m.kind in KIND_EXT and KIND_ALIASES.get(ext, ext) != m.kind:
        ext = KIND_EXT[m.kind]
    return ext


def needs_pdf(m: MaterialFacts, ext: str, options: ExportOptions) -> bool:
    """A document in a format the platform refuses that LibreOffice can turn into a PDF it takes."""
    return (not m.is_photo and not m.problem and options.documents_to_pdf and ext in CONVERTIBLE
            and not options.limits.allows(ext) and options.limits.allows("pdf"))


def _soffice() -> bool:
    return topdf.available()


def _entry(planner: PathPlanner, options: ExportOptions, folder: str, st: StandardView, pos: int,
           m: MaterialFacts, first: str | None, soffice: bool) -> tuple[Entry, str]:
    ext, action = target_ext(m, options, soffice)
    fields = {
        "序号": f"{pos:02d}", "题名": m.title, "日期": m.date.strftime("%Y%m%d") if m.date else "",
        "单位": m.unit, "类别": m.category or m.kind, "文号": m.doc_number,
        "原名": _stem(m.original_name), "标准": st.code, "标准编号": st.code, "ext": ext,
    }
    name = options.name_pattern.format_map(fields).replace("/", "／").replace("\\", "＼")
    if first is not None and options.shared == "note":
        path = planner.file(folder, name + ".txt")
        return Entry(path, "note", m.id, st.code, first), f"同一材料，文件见 {first}"
    path = planner.file(folder, name)
    remarks = []
    if action == "convert":
        remarks.append("已转换为 JPEG" if m.kind != "jpeg" else "已按大小上限缩小")
    if action == "topdf":
        remarks.append("已转换为 PDF")
    if first is not None:
        remarks.append(f"同一材料另见 {first}")
    return Entry(path, action, m.id, st.code), "；".join(remarks)
