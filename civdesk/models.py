"""The database schema (SQLAlchemy 2 typed ORM).

ORM objects never leave the core: :mod:`civdesk.library` turns them into
frozen dataclasses.  Every schema change gets an Alembic revision in
``civdesk/migrations/versions``.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Checklist(Base):
    """One edition of a checklist (测评体系), e.g. the city checklist 2024."""

    __tablename__ = "checklists"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    family: Mapped[str] = mapped_column(String(200), index=True)
    edition: Mapped[str] = mapped_column(String(100), default="")
    source_name: Mapped[str] = mapped_column(String(500), default="")
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    nodes: Mapped[list[ChecklistNode]] = relationship(
        back_populates="checklist", cascade="all, delete-orphan"
    )


class ChecklistNode(Base):
    """A checklist item: 测评项目 (1), 指标 (2) or 测评内容 (3)."""

    __tablename__ = "checklist_nodes"
    id: Mapped[int] = mapped_column(primary_key=True)
    checklist_id: Mapped[int] = mapped_column(ForeignKey("checklists.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("checklist_nodes.id", ondelete="CASCADE"), index=True
    )
    level: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(50))
    source_code: Mapped[str] = mapped_column(String(50), default="")
    title: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)

    checklist: Mapped[Checklist] = relationship(back_populates="nodes")
    standards: Mapped[list[Standard]] = relationship(
        back_populates="node", cascade="all, delete-orphan", order_by="Standard.position"
    )


class Standard(Base):
    """A numbered standard (测评标准) under a 测评内容."""

    __tablename__ = "standards"
    id: Mapped[int] = mapped_column(primary_key=True)
    node_id: Mapped[int] = mapped_column(ForeignKey("checklist_nodes.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    methods: Mapped[list[str]] = mapped_column(JSON, default=list)
    requirement_text: Mapped[str] = mapped_column(Text, default="")
    requirements: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    requirement_unparsed: Mapped[str] = mapped_column(Text, default="")
    deadline: Mapped[dt.date | None] = mapped_column(Date)
    points: Mapped[float | None] = mapped_column(Float)
    contact: Mapped[str] = mapped_column(String(200), default="", server_default="")  # 联系人
    note: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    # revision 0008: optimistic concurrency between clerks (a stale write raises StaleDataError)
    edit_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    node: Mapped[ChecklistNode] = relationship(back_populates="standards")
    units: Mapped[list[StandardUnit]] = relationship(cascade="all, delete-orphan")
    __mapper_args__ = {"version_id_col": edit_version}


class Unit(Base):
    """A responsible department (责任单位)."""

    __tablename__ = "units"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    contact: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")


class StandardUnit(Base):
    __tablename__ = "standard_units"
    standard_id: Mapped[int] = mapped_column(ForeignKey("standards.id", ondelete="CASCADE"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(10), default="coop")  # 'lead' 牵头 / 'coop' 配合


class Period(Base):
    """The declaration period (测评周期) of a checklist for one year."""

    __tablename__ = "periods"
    __table_args__ = (UniqueConstraint("checklist_id", "year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    checklist_id: Mapped[int] = mapped_column(ForeignKey("checklists.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(Integer)
    start: Mapped[dt.date] = mapped_column(Date)
    end: Mapped[dt.date] = mapped_column(Date)


class Material(Base):
    """One original file in the vault, with the metadata a clerk edits."""

    __tablename__ = "materials"
    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(Integer)
    original_name: Mapped[str] = mapped_column(String(1000))
    kind: Mapped[str] = mapped_column(String(20), default="unknown", index=True)
    mime: Mapped[str] = mapped_column(String(100), default="")
    category: Mapped[str] = mapped_column(String(20), default="")  # 类别: 正式发文/说明报告/图片…
    title: Mapped[str] = mapped_column(Text, default="")
    date: Mapped[dt.date | None] = mapped_column(Date, index=True)
    date_source: Mapped[str] = mapped_column(String(20), default="")
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"), index=True)
    doc_number: Mapped[str] = mapped_column(String(200), default="")
    secrecy: Mapped[str] = mapped_column(String(20), default="")
    caption_time: Mapped[str] = mapped_column(String(100), default="")
    caption_place: Mapped[str] = mapped_column(String(200), default="")
    caption_people: Mapped[str] = mapped_column(String(500), default="")
    caption_event: Mapped[str] = mapped_column(String(500), default="")
    caption_background: Mapped[str] = mapped_column(Text, default="")
    caption_photographer: Mapped[str] = mapped_column(String(100), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    pages: Mapped[int | None] = mapped_column(Integer)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    text_status: Mapped[str] = mapped_column(String(20), default="pending")
    encrypted: Mapped[bool] = mapped_column(Boolean, default=False)
    problem: Mapped[str] = mapped_column(Text, default="")  # why the file could not be read
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # added in revision 0002 (import pipeline, quality measures, search state)
    taken_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    blur: Mapped[float | None] = mapped_column(Float)
    phash: Mapped[str] = mapped_column(String(32), default="", server_default="")
    jpeg_quality: Mapped[int | None] = mapped_column(Integer)
    thumb: Mapped[str] = mapped_column(String(10), default="pending", server_default="pending")
    indexed_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # added in revision 0003: pages read from a DOCX's saved statistics, not counted
    pages_estimated: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # revision 0008: optimistic concurrency between clerks (a stale write raises StaleDataError);
    # ``version`` above counts changes for the search index and is bumped in bulk, so it cannot be this
    edit_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # revision 0010: fingerprint of the first pages of text, kept by the session (civdesk.text_keys);
    # NULL while not worked out
    text_key: Mapped[str | None] = mapped_column(String(32))

    links: Mapped[list[Link]] = relationship(back_populates="material", cascade="all, delete-orphan")
    __mapper_args__ = {"version_id_col": edit_version}


class MaterialText(Base):
    """Extracted (or OCR) text of a material, one row per page."""

    __tablename__ = "material_texts"
    material_id: Mapped[int] = mapped_column(ForeignKey("materials.id", ondelete="CASCADE"), primary_key=True)
    page: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(10), default="text")  # 'text' | 'ocr'


class Link(Base):
    """A material filed under a standard (many-to-many, with a note)."""

    __tablename__ = "links"
    __table_args__ = (UniqueConstraint("material_id", "standard_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    material_id: Mapped[int] = mapped_column(ForeignKey("materials.id", ondelete="CASCADE"), index=True)
    # indexed with the material (ix_links_standard_id_material_id, below): a node's materials
    # and the tree's counts come from the index alone
    standard_id: Mapped[int] = mapped_column(ForeignKey("standards.id", ondelete="CASCADE"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    source: Mapped[str] = mapped_column(String(20), default="manual", server_default="manual")

    material: Mapped[Material] = relationship(back_populates="links")


class ImportRun(Base):
    """One run of an import, with its report entries."""

    __tablename__ = "import_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    user: Mapped[str] = mapped_column(String(100), default="")
    sources: Mapped[list[str]] = mapped_column(JSON, default=list)
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="running")  # running/done/cancelled/failed/interrupted
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # revision 0008: the program session running it (a shared library closes only dead sessions' runs)
    session_key: Mapped[str] = mapped_column(String(64), default="", server_default="")


class ImportEntry(Base):
    """One input file (or zip entry) of an import run and what became of it."""

    __tablename__ = "import_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("import_runs.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))  # imported / duplicate / refused
    reason: Mapped[str] = mapped_column(Text, default="")
    material_id: Mapped[int | None] = mapped_column(
        ForeignKey("materials.id", ondelete="SET NULL"), index=True)


class Suggestion(Base):
    """A filing suggestion from folder/file names, waiting for the clerk."""

    __tablename__ = "suggestions"
    __table_args__ = (UniqueConstraint("material_id", "standard_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    material_id: Mapped[int] = mapped_column(ForeignKey("materials.id", ondelete="CASCADE"), index=True)
    standard_id: Mapped[int | None] = mapped_column(ForeignKey("standards.id", ondelete="CASCADE"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending/accepted/rejected


class AuditEntry(Base):
    """Who changed what, when."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    user: Mapped[str] = mapped_column(String(100), default="")
    workstation: Mapped[str] = mapped_column(String(200), default="", server_default="")  # revision 0008
    action: Mapped[str] = mapped_column(String(50))
    target: Mapped[str] = mapped_column(String(50), default="")
    target_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Setting(Base):
    """Per-library settings (platform limits, rules…), as JSON values."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)


class ArchiveItem(Base):
    """An archive item (件) of a year: one material, or a main document with its
    attachments, or a photo group (revision 0006).  ``number`` and ``code`` (件号, 档号)
    are empty until the clerk fixes the numbering; once fixed they never change."""

    __tablename__ = "archive_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    retention: Mapped[str] = mapped_column(String(10), default="D30")  # 保管期限 Y / D30 / D10
    org_code: Mapped[str] = mapped_column(String(20), default="")  # 机构(问题)代码
    title: Mapped[str] = mapped_column(Text, default="")
    title_supplied: Mapped[bool] = mapped_column(Boolean, default=False)  # written by the archivist: [ ]
    responsible: Mapped[str] = mapped_column(String(200), default="")  # 责任者
    doc_number: Mapped[str] = mapped_column(String(200), default="")
    date: Mapped[dt.date | None] = mapped_column(Date)
    secrecy: Mapped[str] = mapped_column(String(20), default="")
    pages: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")  # 备注
    number: Mapped[int | None] = mapped_column(Integer)  # 件号, set when fixed
    code: Mapped[str | None] = mapped_column(String(120), unique=True)  # 档号, set when fixed
    fixed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    members: Mapped[list[ArchiveMember]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="ArchiveMember.position")


class ArchiveMember(Base):
    """A material in an archive item; position 0 is the main document."""

    __tablename__ = "archive_members"
    item_id: Mapped[int] = mapped_column(ForeignKey("archive_items.id", ondelete="CASCADE"),
                                         primary_key=True)
    material_id: Mapped[int] = mapped_column(ForeignKey("materials.id", ondelete="CASCADE"),
                                             primary_key=True, unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    item: Mapped[ArchiveItem] = relationship(back_populates="members")


class Presence(Base):
    """Who has the library open (revision 0008): one row per program session.  On a server
    a session also holds an advisory lock numbered by ``id`` for as long as it lives, so a
    crashed session is told from a live one without heartbeats (:mod:`civdesk.presence`)."""

    __tablename__ = "presence"
    id: Mapped[int] = mapped_column(primary_key=True)
    session_key: Mapped[str] = mapped_column(String(64), unique=True)
    clerk: Mapped[str] = mapped_column(String(100), default="")
    workstation: Mapped[str] = mapped_column(String(200), default="")
    pid: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


Index("ix_materials_unit_date", Material.unit_id, Material.date)
Index("ix_links_standard_id_material_id", Link.standard_id, Link.material_id)


# --------------------------------------------- the round trip with departments (revision 0007)
class TaskPackage(Base):
    """A task package (任务包) issued to a unit: what it owes, as exported."""

    __tablename__ = "task_packages"
    id: Mapped[int] = mapped_column(primary_key=True)
    package_id: Mapped[str] = mapped_column(String(40), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    checklist_id: Mapped[int | None] = mapped_column(ForeignKey("checklists.id", ondelete="SET NULL"))
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    standard_ids: Mapped[list[int]] = mapped_column(JSON, default=list)  # every standard listed
    owed_ids: Mapped[list[int]] = mapped_column(JSON, default=list)  # those given a folder


class Submission(Base):
    """A returned task package as received (报送): one zip or folder, once."""

    __tablename__ = "submissions"
    id: Mapped[int] = mapped_column(primary_key=True)
    package_id: Mapped[str] = mapped_column(String(40), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    source_name: Mapped[str] = mapped_column(String(1000), default="")
    sha256: Mapped[str] = mapped_column(String(64), unique=True)  # of the zip (or the folder's files)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    listed: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # misplaced / refused files


class SubmissionItem(Base):
    """A material of a submission under one standard and the clerk's decision on it."""

    __tablename__ = "submission_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    material_id: Mapped[int] = mapped_column(ForeignKey("materials.id", ondelete="CASCADE"), index=True)
    standard_id: Mapped[int | None] = mapped_column(ForeignKey("standards.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(Text, default="")  # where it was in the package
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending/accepted/returned/unfiled
    reason: Mapped[str] = mapped_column(Text, default="")
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    reviewer: Mapped[str] = mapped_column(String(100), default="")


class Notice(Base):
    """A notice issued (补交 / 退回 / 催办), with its 文号, numbered per year."""

    __tablename__ = "notices"
    __table_args__ = (UniqueConstraint("year", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    doc_number: Mapped[str] = mapped_column(String(100))
    issued_on: Mapped[dt.date] = mapped_column(Date)
    deadline: Mapped[dt.date | None] = mapped_column(Date)
    units: Mapped[list[str]] = mapped_column(JSON, default=list)
    standards: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # unit → [standard ids]
    path: Mapped[str] = mapped_column(Text, default="")
