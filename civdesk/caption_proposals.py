"""Proposed photo captions (图片说明) from what the file and the library already know.

- 时间 from the EXIF date taken (``taken_at``), as ``2024年5月3日``;
- 地点 from the EXIF GPS position, when the library's place list (settings key
  ``captions``: ``places`` = named places with coordinates and a radius) has a
  place near it;
- 摄影者 from the EXIF Artist tag;
- 事由 / 背景 / 人物 … from a caption template of the standard the photo is filed
  under, else of its responsible unit (settings ``templates``).

A proposal never overwrites what the clerk wrote: only empty fields are proposed.
Each proposal carries its reason (shown beside it).
"""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from civdesk import library_settings
from civdesk.models import ChecklistNode, Link, Material, Standard, Unit
from civdesk.vocabulary import CAPTION_FIELDS, CAPTION_LABELS, PHOTO_KINDS

if TYPE_CHECKING:
    from civdesk.library import Library

SETTINGS_KEY = "captions"
DEFAULT_RADIUS_M = 500.0


@dataclass(frozen=True)
class Place:
    name: str
    lat: float
    lon: float
    radius_m: float = DEFAULT_RADIUS_M


@dataclass(frozen=True)
class CaptionSettings:
    """The city's place list and caption templates (key = ``standard:Ⅲ-5:1`` or ``unit:市民政局``)."""

    places: tuple[Place, ...] = ()
    templates: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"places": [{"name": p.name, "lat": p.lat, "lon": p.lon, "radius_m": p.radius_m}
                           for p in self.places],
                "templates": {k: dict(v) for k, v in self.templates.items()}}


@dataclass(frozen=True)
class Proposal:
    field: str  # a caption column, e.g. ``caption_time``
    value: str
    reason: str

    @property
    def label(self) -> str:
        return CAPTION_LABELS[self.field]


def get_settings(lib: Library) -> CaptionSettings:
    with lib.session() as s:
        raw = library_settings.read(s, SETTINGS_KEY)
    return settings_from_json(raw)


def settings_from_json(raw: Mapping[str, Any]) -> CaptionSettings:
    places = []
    for p in raw.get("places") or ():
        try:
            places.append(Place(str(p["name"]).strip(), float(p["lat"]), float(p["lon"]),
                                float(p.get("radius_m") or DEFAULT_RADIUS_M)))
        except (KeyError, TypeError, ValueError):
            continue  # a damaged entry is skipped, not fatal
    templates = {str(k): {f: str(v) for f, v in t.items() if f in CAPTION_FIELDS and v}
                 for k, t in (raw.get("templates") or {}).items() if isinstance(t, Mapping)}
    return CaptionSettings(tuple(p for p in places if p.name), templates)


def set_settings(lib: Library, settings: CaptionSettings) -> None:
    with lib.session() as s:
        library_settings.write(s, SETTINGS_KEY, settings.as_json())


def format_time(taken: dt.datetime) -> str:
    return f"{taken.year}年{taken.month}月{taken.day}日"


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    r = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(min(1.0, math.sqrt(a)))


def nearest_place(places: Iterable[Place], lat: float, lon: float) -> tuple[Place, float] | None:
    best: tuple[Place, float] | None = None
    for p in places:
        d = distance_m(lat, lon, p.lat, p.lon)
        if d <= p.radius_m and (best is None or d < best[1]):
            best = (p, d)
    return best


def propose(lib: Library, material_ids: Iterable[int],
            settings: CaptionSettings | None = None) -> dict[int, tuple[Proposal, ...]]:
    """Proposals for the empty caption fields of the given photos (one query per table)."""
    ids = sorted(set(material_ids))
    if not ids:
        return {}
    settings = settings or get_settings(lib)
    cols = [Material.id, Material.kind, Material.taken_at, Material.meta, Unit.name,
            *(getattr(Material, f) for f in CAPTION_FIELDS)]
    with lib.session() as s:
        rows = s.execute(select(*cols).outerjoin(Unit, Unit.id == Material.unit_id)
                         .where(Material.id.in_(ids))).all()
        codes: dict[int, list[str]] = {}
        if settings.templates:
            q = (select(Link.material_id, ChecklistNode.code, Standard.number)
                 .join(Standard, Standard.id == Link.standard_id)
                 .join(ChecklistNode, ChecklistNode.id == Standard.node_id)
                 .where(Link.material_id.in_(ids)).order_by(Link.id))
            for mid, code, number in s.execute(q):
                codes.setdefault(mid, []).append(f"{code}:{number}")
    out: dict[int, tuple[Proposal, ...]] = {}
    for mid, kind, taken, meta, unit, *captions in rows:
        if kind not in PHOTO_KINDS:
            continue
        current = dict(zip(CAPTION_FIELDS, captions, strict=True))
        found = _proposals(taken, meta or {}, unit or "", codes.get(mid, []), settings)
        kept = tuple(p for p in found if not (current.get(p.field) or "").strip())
        if kept:
            out[mid] = kept
    return out


def _proposals(taken: dt.datetime | None, meta: Mapping[str, Any], unit: str, codes: list[str],
               settings: CaptionSettings) -> list[Proposal]:
    out: dict[str, Proposal] = {}
    if taken is not None:
        out["caption_time"] = Proposal("caption_time", format_time(taken),
                                       f"照片 EXIF 拍摄时间 {taken:%Y-%m-%d %H:%M}")
    gps = meta.get("gps")
    if gps and settings.places:
        try:
            lat, lon = float(gps[0]), float(gps[1])
        except (TypeError, ValueError, IndexError):
            lat = lon = None
        hit = nearest_place(settings.places, lat, lon) if lat is not None else None
        if hit is not None:
            out["caption_place"] = Proposal(
                "caption_place", hit[0].name,
                f"照片 GPS 位置（{lat:.5f}, {lon:.5f}）距「{hit[0].name}」约 {hit[1]:.0f} 米")
    artist = str(meta.get("artist") or "").strip()
    if artist:
        out["caption_photographer"] = Proposal("caption_photographer", artist[:100],
                                               "照片 EXIF 作者（Artist）")
    for key, why in [*((f"standard:{c}", f"测评标准 {c} 的说明模板") for c in codes),
                     (f"unit:{unit}", f"责任单位「{unit}」的说明模板")]:
        for f, value in settings.templates.get(key, {}).items():
            out.setdefault(f, Proposal(f, value, why))
    order = {f: i for i, f in enumerate(CAPTION_FIELDS)}
    return sorted(out.values(), key=lambda p: order[p.field])


# ------------------------------------------------------------------ as text (settings dialog)
_LABEL_FIELDS = {label: f for f, label in CAPTION_LABELS.items()}


def places_text(settings: CaptionSettings) -> str:
    return "\n".join(f"{p.name}, {p.lat}, {p.lon}, {p.radius_m:g}" for p in settings.places)


def parse_places(text: str) -> tuple[tuple[Place, ...], list[str]]:
    """``名称, 纬度, 经度[, 半径米]`` per line → places, and a message for each bad line."""
    places, problems = [], []
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = [p.strip() for p in line.replace("，", ",").split(",")]
        try:
            if len(parts) not in (3, 4) or not parts[0]:
                raise ValueError
            lat, lon = float(parts[1]), float(parts[2])
            radius = float(parts[3]) if len(parts) == 4 else DEFAULT_RADIUS_M
            if not (-90 <= lat <= 90 and -180 <= lon <= 180 and radius > 0):
                raise ValueError
        except ValueError:
            problems.append(f"第 {n} 行「{line}」应为：名称, 纬度, 经度[, 半径米]"
                            "（如 人民广场, 30.2741, 120.1551, 300）")
            continue
        places.append(Place(parts[0], lat, lon, radius))
    return tuple(places), problems


def templates_text(settings: CaptionSettings) -> str:
    lines = []
    for key, values in settings.templates.items():
        items = "；".join(f"{CAPTION_LABELS[f]}={v}" for f, v in values.items())
        lines.append(f"{key}：{items}")
    return "\n".join(lines)


def parse_templates(text: str) -> tuple[dict[str, dict[str, str]], list[str]]:
    """``standard:Ⅲ-5:1：事由=…；背景=…`` or ``unit:市民政局：…`` per line."""
    out: dict[str, dict[str, str]] = {}
    problems = []
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, rest = line.partition("：")
        values: dict[str, str] = {}
        bad = not sep or not key.startswith(("standard:", "unit:")) or len(key.split(":", 1)[1]) == 0
        for item in filter(None, (x.strip() for x in rest.split("；"))):
            label, eq, value = item.partition("=")
            if not eq or label.strip() not in _LABEL_FIELDS or not value.strip():
                bad = True
                break
            values[_LABEL_FIELDS[label.strip()]] = value.strip()
        if bad or not values:
            problems.append(f"第 {n} 行「{line}」应为：standard:Ⅲ-5:1：事由=…；背景=…  或  unit:市民政局：摄影者=…")
            continue
        out[key] = values
    return out, problems
