"""What the checks read from the library, as plain rows (no ORM objects).

One query per table, only the columns the rules need: the quality measures
(blur, dHash, JPEG quality, EXIF date) were computed at import, so a check
never opens a file.  A document's content fingerprint is stored with it
(:mod:`civdesk.text_keys`), so texts are read only for the reports whose key
terms the relevance rule counts, and only their first pages.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import PurePath
from typing import Any, NamedTuple

from sqlalchemy import Integer, any_, bindparam, case, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from civdesk import text_keys
from civdesk.models import ChecklistNode, Link, Material, Standard, Unit
from civdesk.vocabulary import PHOTO_KINDS

TEXT_STATUSES = ("ok", "ocr")
REPORT = "说明报告"  # the category whose text the relevance rule reads

_COLUMNS = (
    Material.id, Material.sha256, Material.size, Material.original_name, Material.kind,
    Material.category, Material.title, Material.date, Material.date_source, Material.unit_id,
    Material.caption_time, Material.caption_place, Material.caption_people,
    Material.caption_event, Material.pages, Material.width, Material.height,
    Material.text_status, Material.encrypted, Material.problem, Material.taken_at,
    Material.blur, Material.phash, Material.jpeg_quality, Material.text_key,
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
    text_key: str | None  # fingerprint of the text head ("" too short to compare)
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
    """Materials linked into the checklist (or the given ids).

    ``text_key`` is the stored fingerprint of the text (see :mod:`civdesk.text_keys`); a
    document with text whose key is not stored yet has it worked out here."""
    q = select(*_COLUMNS)
    if ids is not None:
        ids = list(ids)
        if s.get_bind().dialect.name == "postgresql":  # one array parameter, however many ids
            q = q.where(Material.id == any_(bindparam("ids", ids, type_=ARRAY(Integer))))
        else:
            q = q.where(Material.id.in_(ids))
    elif checklist_id is not None:
        linked = select(Link.material_id).where(Link.standard_id.in_(standard_ids_query(checklist_id)))
        q = q.where(Material.id.in_(linked))
    make = MaterialRow._make
    rows = {r[0]: make(r) for r in s.connection().execute(q).fetchall()}
    unknown = [mid for mid, m in rows.items() if m.text_key is None and _has_text(m)]
    if unknown:  # written around the session: read the texts this once
        for mid, key in text_keys.keys_of(s.connection(), unknown).items():
            rows[mid] = rows[mid]._replace(text_key=key)
    return rows


def load_linked_materials(s: Session, checklist_id: int, links: Iterable[tuple[int, int]]) -> dict[int, MaterialRow]:
    """The materials of the checklist's links (as :func:`load_links` read them)."""
    linked = {mid for mid, _sid in links}
    if s.get_bind().dialect.name == "postgresql":
        # by id: joined to the links, PostgreSQL plans 100,000 index look-ups while its statistics
        # lag behind a large import (a third of a second more at 100,000 materials)
        return load_materials(s, ids=linked)
    rows = load_materials(s, checklist_id)
    return rows if len(rows) == len(linked) else {mid: m for mid, m in rows.items() if mid in linked}


def load_texts(s: Session, materials: Mapping[int, MaterialRow]) -> dict[int, str]:
    """The head of each report's text (first pages), for the relevance rule.

    Read by id, 900 at a time: on PostgreSQL half the time of one query joined to the
    checklist's links, which walks every linked material to find the reports."""
    wanted = [m.id for m in materials.values() if m.category == REPORT and _has_text(m)]
    return text_keys.read_heads(s.connection(), wanted) if wanted else {}


def _has_text(m: MaterialRow) -> bool:
    return m.text_status in TEXT_STATUSES and not m.is_photo


def load_unit_names(s: Session) -> dict[int, str]:
    return dict(s.execute(select(Unit.id, Unit.name)).all())
