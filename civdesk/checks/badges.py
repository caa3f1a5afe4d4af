"""Badges: a material's own problems, shown where the material is (grid, list, tree).

A badge is a short code with its reason, computed from the same material rules
as the F9 check (:mod:`civdesk.checks.rules`), in bulk and without opening a file:

=============  ==========================================================
badge          when
=============  ==========================================================
``期外``        its date lies outside the chosen 测评周期 (error of the period rule)
``模糊``        a photo below the blur threshold
``分辨率低``    a photo below the platform's minimum resolution
``缺说明``      a photo whose caption lacks 时间、地点、人物 or 事由
``重复``        an earlier material has the same content: the same picture re-saved, or a
               document with the same pages and text (the check's fingerprint, ``content_key``)
``无法打开``    encrypted, damaged or unreadable
=============  ==========================================================

:func:`compute_badges` runs on a worker thread as two SQL queries (the rules' conditions
written in SQL, a test keeps the two in agreement) plus, for documents, the check's own
content fingerprint (stored with each document, :mod:`civdesk.text_keys`); the window receives one
:class:`BadgeSummary` (all badge codes, problem counts per standard) in one hand-over and
asks :func:`explain` for the reasons of the one material under the mouse.
"""
from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import func, select, text

from civdesk.checks import data
from civdesk.checks.model import ERROR, PeriodInfo
from civdesk.checks.rules import (
    MISLABEL_PREFIX,
    ContentKey,
    Context,
    blur_rule,
    caption_rule,
    content_key,
    document_key,
    period_rule,
    resolution_rule,
    unreadable_rule,
)
from civdesk.checks.settings import CheckSettings, get_check_settings
from civdesk.models import Material
from civdesk.progress import Cancelled, Progress
from civdesk.vocabulary import CAPTION_REQUIRED, PHOTO_KINDS

if TYPE_CHECKING:
    from civdesk.library import Library

OUT_OF_PERIOD, BLURRED, LOW_RESOLUTION, NO_CAPTION, DUPLICATE, UNREADABLE = (
    "期外", "模糊", "分辨率低", "缺说明", "重复", "无法打开")
BADGES: tuple[str, ...] = (UNREADABLE, OUT_OF_PERIOD, DUPLICATE, BLURRED, LOW_RESOLUTION, NO_CAPTION)
#: badges that make a material count for nothing in the check (red); the others are warnings
SERIOUS = frozenset({UNREADABLE, OUT_OF_PERIOD, DUPLICATE, LOW_RESOLUTION})

_RULES = ((period_rule, OUT_OF_PERIOD, True), (blur_rule, BLURRED, False),
          (resolution_rule, LOW_RESOLUTION, False), (caption_rule, NO_CAPTION, False),
          (unreadable_rule, UNREADABLE, True))


@dataclass(frozen=True)
class Badge:
    code: str
    reason: str

    @property
    def serious(self) -> bool:
        return self.code in SERIOUS


@dataclass(frozen=True)
class BadgeSummary:
    """Badge codes of every material that has any, and per standard how many such materials.

    The reasons are not computed in bulk: :func:`explain` gives them for one material (a
    tooltip), from the same rules, with the same period and settings.
    """

    badges: Mapping[int, tuple[str, ...]] = field(default_factory=dict)
    problems_by_standard: Mapping[int, int] = field(default_factory=dict)
    period: PeriodInfo | None = None
    settings: CheckSettings | None = None
    #: documents with the same content as an earlier material: id → that material
    document_twins: Mapping[int, int] = field(default_factory=dict)


_BITS = (UNREADABLE, OUT_OF_PERIOD, DUPLICATE, BLURRED, LOW_RESOLUTION, NO_CAPTION)  # bit i = 1 << i


def compute_badges(lib: Library, *, period: PeriodInfo | None = None,
                   settings: CheckSettings | None = None, checklist_id: int | None = None,
                   progress: Progress | None = None) -> BadgeSummary:
    """Badges of the whole library and problem counts per standard, in two SQL queries.

    No row is turned into a Python object unless it has a badge; meant for a worker thread
    (SQLite works with the interpreter lock released).  A cancel through ``progress`` (the
    window closing) raises :class:`Cancelled`; on SQLite it stops the queries midway, which
    take half a second at 100,000 materials.
    """
    settings = settings or get_check_settings(lib)
    dialect = lib.engine.dialect.name
    twins: dict[int, int] = {}
    if settings.enabled("duplicate"):
        with lib.session() as s:
            twins = document_twins(lib, s)
    flagged, params = _flag_sql(settings, period, dialect, twins)
    links = "SELECT standard_id, material_id FROM links"
    if checklist_id is not None:
        links += (" WHERE standard_id IN (SELECT s.id FROM standards s JOIN checklist_nodes n"
                  " ON n.id = s.node_id WHERE n.checklist_id = :checklist_id)")
        params["checklist_id"] = checklist_id
    q_rows = f"WITH {flagged} SELECT id, flags FROM flagged"
    q_counts = (f"WITH {flagged}, l AS ({links}) SELECT l.standard_id, COUNT(f.id) FROM l "
                "LEFT JOIN flagged f ON f.id = l.material_id GROUP BY l.standard_id")
    with lib.session() as s:
        if dialect == "sqlite":
            conn = s.connection().connection.driver_connection  # plain sqlite3: no per-row overhead
            with _interruptible(conn, progress):
                rows = conn.execute(q_rows, params).fetchall()
                counts = conn.execute(q_counts, params).fetchall()
        else:
            if progress is not None:
                progress.check_cancelled()
            rows = s.execute(text(q_rows), params).all()
            counts = s.execute(text(q_counts), params).all()
    codes_of = _codes_of()
    badges = {mid: codes_of(flags) for mid, flags in rows}
    return BadgeSummary(badges, dict(counts), period, settings, twins)


@contextmanager
def _interruptible(conn: sqlite3.Connection, progress: Progress | None) -> Iterator[None]:
    """SQLite asks ``progress`` every few thousand steps of a statement whether to go on: a
    cancel ends the statement at once, as :class:`Cancelled`."""
    if progress is None:
        yield
        return
    stopped: list[Cancelled] = []

    def ask() -> int:
        try:
            progress.check_cancelled()
        except Cancelled as exc:
            stopped.append(exc)
            return 1  # non-zero: SQLite interrupts the statement
        return 0

    progress.check_cancelled()
    conn.set_progress_handler(ask, 20_000)
    try:
        yield
    except sqlite3.OperationalError:
        if stopped:
            raise stopped[0] from None
        raise
    finally:
        conn.set_progress_handler(None, 0)


def _codes_of():  # noqa: ANN202
    cache: dict[int, tuple[str, ...]] = {}

    def codes(flags: int) -> tuple[str, ...]:
        out = cache.get(flags)
        if out is None:
            out = cache[flags] = tuple(c for i, c in enumerate(_BITS) if flags & (1 << i))
        return out
    return codes


NEVER = "1 = 0"  # a rule switched off (a boolean on both back ends)


def _flag_sql(settings: CheckSettings, period: PeriodInfo | None,
              dialect: str = "sqlite", documents: Iterable[int] = ()) -> tuple[str, dict]:
    """The ``flagged(id, flags)`` CTE: the same conditions as the rules (tested to agree);
    ``documents`` are the duplicate documents (their fingerprint is worked out in Python)."""
    photo = "(kind IN ({}) OR category = '图片')".format(", ".join(f"'{k}'" for k in sorted(PHOTO_KINDS)))
    lim = settings.platform
    params: dict = {"blur_min": settings.blur_min, "long": max(lim.min_width, lim.min_height),
                    "short": min(lim.min_width, lim.min_height)}
    on = settings.enabled
    yes = "1" if dialect == "sqlite" else "true"
    parts = {
        UNREADABLE: f"(encrypted = {yes} OR text_status IN ('encrypted', 'error') OR (COALESCE(problem, '') != ''"
                    f" AND NOT (problem LIKE '{MISLABEL_PREFIX}%' AND problem NOT LIKE '%；%')))"
                    if on("unreadable") else NEVER,
        OUT_OF_PERIOD: NEVER,
        DUPLICATE: "(id IN (SELECT id FROM dups){})".format(
            f" OR id IN ({', '.join(str(int(i)) for i in sorted(documents))})" if documents else "")
        if on("duplicate") else NEVER,
        BLURRED: f"({photo} AND blur IS NOT NULL AND blur < :blur_min)" if on("blur") else NEVER,
        # max(w, h) < long or min(w, h) < short, written without SQLite's two-argument max/min
        LOW_RESOLUTION: f"({photo} AND width > 0 AND height > 0 AND ((width < :long AND height < :long)"
                        " OR width < :short OR height < :short))" if on("resolution") else NEVER,
        NO_CAPTION: f"({photo} AND (" + " OR ".join(f"trim(COALESCE({c}, '')) = ''" for c in CAPTION_REQUIRED)
                    + "))" if on("caption") else NEVER,
    }
    if period is not None and on("period"):
        params.update(start=period.start.isoformat(), end=period.end.isoformat())
        taken_day = "substr(taken_at, 1, 10)" if dialect == "sqlite" else "CAST(taken_at AS DATE)"
        day = f"COALESCE(date, {taken_day})"
        if dialect != "sqlite":
            params.update(start=period.start, end=period.end)
        parts[OUT_OF_PERIOD] = f"({day} IS NOT NULL AND ({day} < :start OR {day} > :end))"
    flags = " | ".join(f"(CASE WHEN {parts[c]} THEN {1 << i} ELSE 0 END)" for i, c in enumerate(_BITS))
    dups = ("dups AS (SELECT m.id FROM materials m JOIN (SELECT phash, width, height, blur, MIN(id) AS first"
            " FROM materials WHERE phash != '' AND blur IS NOT NULL GROUP BY phash, width, height, blur"
            " HAVING COUNT(*) > 1) g ON m.phash = g.phash AND m.width = g.width AND m.height = g.height"
            " AND m.blur = g.blur AND m.id != g.first)")
    # MATERIALIZED: the conditions are worked out once per material, not again for each use
    flagged = (f"{dups}, flagged AS MATERIALIZED (SELECT id, flags FROM (SELECT id, {flags} AS flags "
               "FROM materials) AS f WHERE flags != 0)")
    return flagged, params


def explain(lib: Library, material_id: int, summary: BadgeSummary) -> tuple[Badge, ...]:
    """The badges of one material with their reasons, from the rules themselves."""
    settings = summary.settings or get_check_settings(lib)
    ctx = Context(settings=settings, period=summary.period, today=dt.date.today(),
                  texts={}, content_keys={}, key_standards={}, codes={})
    with lib.session() as s:
        rows = data.load_materials(s, ids=[material_id])
        twins: dict[int, tuple[int, str]] = {}
        if DUPLICATE in summary.badges.get(material_id, ()):
            first = summary.document_twins.get(material_id)
            twins = _twins(s, rows) if first is None else _labelled(s, {material_id: first})
    m = rows.get(material_id)
    return material_badges(m, ctx, twins) if m is not None else ()


def material_badges(m: data.MaterialRow, ctx: Context, twins: Mapping[int, tuple[int, str]]) -> tuple[Badge, ...]:
    """The badges of one material (its row as the checks read it), with reasons."""
    out: list[Badge] = []
    for fn, code, errors_only in _RULES:
        if code in (BLURRED, LOW_RESOLUTION, NO_CAPTION) and not m.is_photo:
            continue
        if not ctx.settings.enabled(fn.__name__.removesuffix("_rule")):
            continue
        for issue in fn(m, ctx):
            if errors_only and issue.severity != ERROR:
                continue
            out.append(Badge(code, f"{issue.message}——{issue.fix}"))
            break
    twin = twins.get(m.id)
    if twin is not None:
        out.append(Badge(DUPLICATE, f"与「{twin[1]}」（#{twin[0]}）内容相同——只保留一份"))
    order = {c: i for i, c in enumerate(BADGES)}
    return tuple(sorted(out, key=lambda b: order[b.code]))


def _twins(s, rows: Mapping[int, data.MaterialRow]) -> dict[int, tuple[int, str]]:  # noqa: ANN001
    """Photos with the same picture as an earlier material: id → (that material, its label).

    Same fingerprint as the duplicate check (dHash, size, blur measure).
    """
    out: dict[int, tuple[int, str]] = {}
    for mid, m in rows.items():
        if not m.phash or m.blur is None:
            continue
        first = s.execute(select(Material.id, Material.title, Material.original_name)
                          .where(Material.phash == m.phash, Material.width == m.width,
                                 Material.height == m.height, Material.blur == m.blur, Material.id < mid)
                          .order_by(Material.id).limit(1)).first()
        if first is not None:
            out[mid] = (first[0], first[1] or first[2])
    return out


def _labelled(s, firsts: Mapping[int, int]) -> dict[int, tuple[int, str]]:  # noqa: ANN001
    """id → (the earlier material, its label)."""
    labels = dict(s.execute(select(Material.id, func.coalesce(func.nullif(Material.title, ""),
                                                              Material.original_name))
                            .where(Material.id.in_(sorted(set(firsts.values()))))).all())
    return {mid: (first, labels.get(first, "")) for mid, first in firsts.items()}


def document_twins(lib: Library, s) -> dict[int, int]:  # noqa: ANN001
    """Documents with the same content as an earlier material: id → the earliest such material.

    "The same content" is the duplicate check's fingerprint (:func:`~civdesk.checks.rules.content_key`:
    the same number of pages and the same text on the first pages, whose fingerprint is stored
    with each document), so the badge and the check call the same documents duplicates.
    """
    photo = "(kind IN ({}) OR category = '图片')".format(", ".join(f"'{k}'" for k in sorted(PHOTO_KINDS)))
    statuses = ", ".join(f"'{t}'" for t in data.TEXT_STATUSES)
    rows = s.execute(text(f"SELECT id, pages, text_key FROM materials WHERE text_status IN ({statuses})"
                          f" AND NOT {photo} AND (text_key IS NULL OR text_key != '') ORDER BY id")).all()
    unknown = [mid for mid, _pages, key in rows if key is None]
    # keys not stored yet (rows written around the session): worked out from the texts this once
    worked_out: dict[int, data.MaterialRow] = {}
    for i in range(0, len(unknown), 500):
        worked_out.update(data.load_materials(s, ids=unknown[i:i + 500]))
    first: dict[ContentKey, int] = {}
    twins: dict[int, int] = {}
    for mid, pages, key in rows:
        k = content_key(worked_out[mid]) if key is None else document_key(pages, key)
        if k is None:
            continue
        if k in first:
            twins[mid] = first[k]
        else:
            first[k] = mid
    return twins
