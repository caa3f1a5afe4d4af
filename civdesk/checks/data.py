"""What the checks read from the library, as plain rows (no ORM objects).

One query per table, only the columns the rules need: the quality measures
(blur, dHash, JPEG quality, EXIF date) were computed at import, so a check
never opens a file.  Texts are read only for documents, and only their first
pages (enough for key terms and a content fingerprint).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import PurePath
from typing import Any, NamedTuple

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from civdesk.models import ChecklistNode, Link, Material, MaterialText, Standard, Unit
from civdesk.vocabulary import PHOTO_KINDS

TEXT_PAGES = 3  # pages read per document
TEXT_HEAD = 3000  # characters read per page
TEXT_STATUSES = ("ok", "ocr")

_COLUMNS = (
    Material.id, Material.sha256, Material.size, Material.original_name, Material.kind,
    Material.category, Material.title, Material.date, Material.date_source, Material.unit_id,
    Material.caption_time, Material.caption_place, Material.caption_people,
    Material.caption_event, Material.pages, Material.width, Material.height,
    Material.text_status, Material.encrypted, Material.problem, Material.taken_at,
    Material.blur, Material.phash, Material.jpeg_quality,
    # worked out once here, not in each rule (100,000 materials × 9 rules)
    case((or_(Material.kind.in_(PHOTO_KINDS), Material.category == "图片"), True), else_=False),
)


class MaterialRow(NamedTuple):
    """The columns of one material the rules read (a named tuple: cheap to build)."""

    id: int
    sha256: str
    size: int
    original_name: str
    kind: str
    category: str
    title: str
    date: dt.date | None
    date_source: str
    unit_id: int | None
    caption_time: str
    caption_place: str
    caption_people: str
    caption_event: str
    pages: int | None
    width: int | None
    height: int | None
    text_status: str
    encrypted: bool
    problem: str
    taken_at: dt.datetime | None
    blur: float | None
    phash: str
    jpeg_quality: int | None
    is_photo: bool  # kind in PHOTO_KINDS or category 图片

    @property
    def label(self) -> str:
        return self.title or self.original_name

    @property
    def extension(self) -> str:
        return PurePath(self.original_name).suffix.lower().lstrip(".")


def standard_ids_query(checklist_id: int) -> Any:
    return (select(Standard.id).join(ChecklistNode, ChecklistNode.id == Standard.node_id)
            .where(ChecklistNode.checklist_id == checklist_id))


def load_links(s: Session, checklist_id: int) -> list[tuple[int, int]]:
    """(material_id, standard_id) of every link into the checklist, except material returned
    to its unit (退回) for that standard: it stays in the library but counts for nothing."""
    q = select(Link.material_id, Link.standard_id).where(
        Link.standard_id.in_(standard_ids_query(checklist_id)))
    returned = _returned(s)
    rows = s.connection().execute(q).fetchall()  # fetchall: one call, not one per row
    return [(m, sid) for m, sid in rows if (m, sid) not in returned] if returned else [tuple(r) for r in rows]


def load_material_links(s: Session, checklist_id: int, material_ids: Iterable[int]) -> list[tuple[int, int]]:
    ids = list(material_ids)
    q = select(Link.material_id, Link.standard_id).where(
        Link.material_id.in_(ids), Link.standard_id.in_(standard_ids_query(checklist_id)))
    returned = _returned(s)
    return [(m, sid) for m, sid in s.connection().execute(q) if (m, sid) not in returned]


def _returned(s: Session) -> set[tuple[int, int]]:
    from civdesk.tasks.review import returned_pairs

    return returned_pairs(s)


def load_materials(s: Session, checklist_id: int | None = None,
                   ids: Iterable[int] | None = None) -> dict[int, MaterialRow]:
    """Materials linked into the checklist (or the given ids)."""
    q = select(*_COLUMNS)
    if ids is not None:
        q = q.where(Material.id.in_(list(ids)))
    elif checklist_id is not None:
        linked = select(Link.material_id).where(Link.standard_id.in_(standard_ids_query(checklist_id)))
        q = q.where(Material.id.in_(linked))
    make = MaterialRow._make
    return {r[0]: make(r) for r in s.connection().execute(q).fetchall()}


def load_texts(s: Session, materials: dict[int, MaterialRow], checklist_id: int | None = None) -> dict[int, str]:
    """The head of each document's text (first pages), for relevance and duplicates.

    With ``checklist_id`` (``materials`` being the checklist's) one query reads them all;
    otherwise they are read by id, 900 at a time."""
    wanted = {m.id for m in materials.values() if m.text_status in TEXT_STATUSES and not m.is_photo}
    if not wanted:
        return {}
    cut = func.substr(MaterialText.text, 1, TEXT_HEAD)
    if s.get_bind().dialect.name == "postgresql":
        # substr() on a compressed (TOASTed) text costs more than sending it: a page of at most
        # 4 × TEXT_HEAD bytes comes whole and is cut to TEXT_HEAD characters below
        cut = case((func.octet_length(MaterialText.text) <= 4 * TEXT_HEAD, MaterialText.text), else_=cut)
    head = select(MaterialText.material_id, MaterialText.page, cut).where(MaterialText.page <= TEXT_PAGES)
    if checklist_id is not None:
        linked = select(Link.material_id).where(Link.standard_id.in_(standard_ids_query(checklist_id)))
        queries = [head.join(Material, Material.id == MaterialText.material_id)
                   .where(Material.text_status.in_(TEXT_STATUSES), Material.id.in_(linked))]
    else:
        queries = [head.where(MaterialText.material_id.in_(chunk)) for chunk in _chunks(sorted(wanted), 900)]
    rows = [r for q in queries for r in s.connection().execute(q).fetchall() if r[0] in wanted]
    # sorted here, not by the server: an ORDER BY over a hundred megabytes of text at 100,000
    # materials spills PostgreSQL's sort to disk
    rows.sort(key=lambda r: (r[0], r[1]))
    out: dict[int, list[str]] = {}
    for mid, _page, text in rows:
        out.setdefault(mid, []).append(text[:TEXT_HEAD] if text else "")
    return {mid: "\n".join(parts) for mid, parts in out.items()}


def load_unit_names(s: Session) -> dict[int, str]:
    return dict(s.execute(select(Unit.id, Unit.name)).all())


def _chunks(items: list[int], n: int) -> Iterable[list[int]]:
    for i in range(0, len(items), n):
        yield items[i:i + n]
