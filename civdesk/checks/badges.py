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
``重复``        another material has the same content (same picture re-saved)
``无法打开``    encrypted, damaged or unreadable
=============  ==========================================================

:func:`compute_badges` runs on a worker thread; the window receives one
:class:`BadgeSummary` (all badges, problem counts per standard) in one hand-over.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from civdesk.checks import data
from civdesk.checks.model import ERROR, PeriodInfo
from civdesk.checks.rules import (
    Context,
    blur_rule,
    caption_rule,
    period_rule,
    resolution_rule,
    unreadable_rule,
)
from civdesk.checks.settings import CheckSettings, get_check_settings
from civdesk.models import Link, Material

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
_CHUNK = 900


@dataclass(frozen=True)
class Badge:
    code: str
    reason: str

    @property
    def serious(self) -> bool:
        return self.code in SERIOUS


@dataclass(frozen=True)
class BadgeSummary:
    """Badges of the materials looked at, and per standard how many materials have any."""

    badges: Mapping[int, tuple[Badge, ...]] = field(default_factory=dict)
    problems_by_standard: Mapping[int, int] = field(default_factory=dict)
    material_ids: frozenset[int] = frozenset()  # what was looked at (a material without badges too)

    def merged_into(self, older: BadgeSummary) -> BadgeSummary:
        """``older`` with this (partial) summary's materials replaced."""
        badges = {k: v for k, v in older.badges.items() if k not in self.material_ids}
        badges.update(self.badges)
        counts = dict(older.problems_by_standard)
        counts.update(self.problems_by_standard)
        return BadgeSummary(badges, counts, older.material_ids | self.material_ids)


def material_badges(m: data.MaterialRow, ctx: Context, twins: Mapping[int, tuple[int, str]]) -> tuple[Badge, ...]:
    """The badges of one material (its row as the checks read it)."""
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


def compute_badges(lib: Library, material_ids: Iterable[int] | None = None, *,
                   period: PeriodInfo | None = None, settings: CheckSettings | None = None,
                   checklist_id: int | None = None) -> BadgeSummary:
    """Badges for the given materials (default: all), with problem counts per standard.

    A few queries in all, whatever the number of materials; meant for a worker thread.
    With ``checklist_id`` the counts cover that checklist's standards touched by the
    materials looked at.
    """
    settings = settings or get_check_settings(lib)
    ctx = Context(settings=settings, period=period, today=dt.date.today(),
                  texts={}, content_keys={}, key_standards={}, codes={})
    ids = None if material_ids is None else sorted(set(material_ids))
    with lib.session() as s:
        if ids is None:
            rows = data.load_materials(s)
        else:
            rows = {}
            for i in range(0, len(ids), _CHUNK):
                rows.update(data.load_materials(s, ids=ids[i:i + _CHUNK]))
        twins = _twins(s, rows)
        badges = {mid: b for mid, m in rows.items() if (b := material_badges(m, ctx, twins))}
        counts = _problem_counts(s, badges, ids, checklist_id)
    return BadgeSummary(badges, counts, frozenset(rows))


def _twins(s, rows: Mapping[int, data.MaterialRow]) -> dict[int, tuple[int, str]]:  # noqa: ANN001
    """Photos with the same picture as an earlier material: id → (that material, its label).

    Same fingerprint as the duplicate check (dHash, size, blur measure); grouped in SQL.
    """
    groups = (select(Material.phash, Material.width, Material.height, Material.blur)
              .where(Material.phash != "", Material.blur.is_not(None))
              .group_by(Material.phash, Material.width, Material.height, Material.blur)
              .having(func.count() > 1)).subquery()
    q = (select(Material.id, Material.title, Material.original_name, Material.phash, Material.width,
                Material.height, Material.blur)
         .join(groups, (groups.c.phash == Material.phash) & (groups.c.width == Material.width)
               & (groups.c.height == Material.height) & (groups.c.blur == Material.blur))
         .order_by(Material.id))
    first: dict[tuple, tuple[int, str]] = {}
    out: dict[int, tuple[int, str]] = {}
    for mid, title, name, *key in s.execute(q):
        k = tuple(key)
        if k in first:
            if mid in rows:
                out[mid] = first[k]
        else:
            first[k] = (mid, title or name)
    return out


def _problem_counts(s, badges: Mapping[int, tuple[Badge, ...]], ids: list[int] | None,  # noqa: ANN001
                    checklist_id: int | None) -> dict[int, int]:
    """Per standard, how many of its materials have a badge.

    For a partial run (``ids``) only the standards those materials are filed under are
    recounted, and they are recounted in full (their other materials' badges are not
    known here, so the caller merges with :meth:`BadgeSummary.merged_into` only for
    standards whose materials were all looked at — see :func:`recount_standards`).
    """
    q = select(Link.standard_id, Link.material_id)
    if checklist_id is not None:
        q = q.where(Link.standard_id.in_(data.standard_ids_query(checklist_id)))
    counts: dict[int, int] = {}
    if ids is None:
        for sid, mid in s.execute(q):
            if mid in badges:
                counts[sid] = counts.get(sid, 0) + 1
            else:
                counts.setdefault(sid, 0)
        return counts
    for i in range(0, len(ids), _CHUNK):
        for sid, _mid in s.execute(q.where(Link.material_id.in_(ids[i:i + _CHUNK]))):
            counts.setdefault(sid, 0)
    return counts


def recount_standards(lib: Library, summary: BadgeSummary, standard_ids: Iterable[int]) -> dict[int, int]:
    """Problem counts of the given standards from a full set of badges."""
    wanted = sorted(set(standard_ids))
    counts = dict.fromkeys(wanted, 0)
    with lib.session() as s:
        for i in range(0, len(wanted), _CHUNK):
            q = select(Link.standard_id, Link.material_id).where(Link.standard_id.in_(wanted[i:i + _CHUNK]))
            for sid, mid in s.execute(q):
                if mid in summary.badges:
                    counts[sid] += 1
    return counts


def update_badges(lib: Library, older: BadgeSummary, material_ids: Iterable[int], *,
                  period: PeriodInfo | None = None, settings: CheckSettings | None = None,
                  checklist_id: int | None = None) -> BadgeSummary:
    """``older`` brought up to date after edits to some materials (worker thread)."""
    part = compute_badges(lib, material_ids, period=period, settings=settings, checklist_id=checklist_id)
    merged = part.merged_into(BadgeSummary(older.badges, {}, older.material_ids))
    counts = dict(older.problems_by_standard)
    counts.update(recount_standards(lib, merged, part.problems_by_standard))
    return BadgeSummary(merged.badges, counts, merged.material_ids)
