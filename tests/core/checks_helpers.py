"""Helpers for the check tests: made materials written straight into the library."""
from __future__ import annotations

import datetime as dt
import itertools
import random
from pathlib import Path
from typing import Any

from sqlalchemy import select

from civdesk.checklist.store import find_standard
from civdesk.importer import ImportOptions
from civdesk.models import Link, Material, MaterialText, Unit

_seq = itertools.count(1)
GOOD_DAY = dt.date(2024, 3, 1)
PHOTOS = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "corpus" / "photos"


def photo_fields(**over: Any) -> dict[str, Any]:
    n = next(_seq)
    rnd = random.Random(n)
    base = dict(kind="jpeg", category="图片", original_name=f"活动{n}.jpg", title=f"活动照片{n}",
                date=GOOD_DAY, date_source="exif", taken_at=dt.datetime(2024, 3, 1, 9, 30),
                width=1600, height=1200, blur=800.0 + n, phash=f"{rnd.getrandbits(64):016x}",
                jpeg_quality=90, text_status="none", caption_time="2024年3月1日",
                caption_place="市民广场", caption_people="志愿者", caption_event="学雷锋志愿服务")
    base.update(over)
    return base


def doc_fields(category: str = "说明报告", **over: Any) -> dict[str, Any]:
    n = next(_seq)
    base = dict(kind="docx", category=category, original_name=f"材料{n}.docx",
                title=f"{category}{n}", date=GOOD_DAY, date_source="metadata", pages=2,
                text_status="ok")
    base.update(over)
    return base


def add_material(lib, codes: tuple[str, ...] | str, unit: str | None = None,
                 text: str | None = None, **fields: Any) -> int:
    """A material row (fake hash, no file) linked to the standards ``codes``."""
    if isinstance(codes, str):
        codes = (codes,)
    n = next(_seq)
    fields.setdefault("size", 200_000)
    fields.setdefault("original_name", f"file{n}.bin")
    sids = [find_standard(lib, c).id for c in codes]
    with lib.session() as s:
        unit_id = s.scalar(select(Unit.id).where(Unit.name == unit)) if unit else None
        m = Material(sha256=f"{n:064x}", unit_id=unit_id, **fields)
        s.add(m)
        s.flush()
        for sid in sids:
            s.add(Link(material_id=m.id, standard_id=sid))
        if text is not None:
            s.add(MaterialText(material_id=m.id, page=1, text=text))
        return m.id


def add_photo(lib, codes, unit: str | None = None, **over: Any) -> int:
    return add_material(lib, codes, unit, **photo_fields(**over))


def add_doc(lib, codes, unit: str | None = None, category: str = "说明报告",
            text: str | None = None, **over: Any) -> int:
    return add_material(lib, codes, unit, text=text, **doc_fields(category, **over))


def update_material(lib, material_id: int, **fields: Any) -> None:
    with lib.session() as s:
        m = s.get(Material, material_id)
        for k, v in fields.items():
            setattr(m, k, v)


def import_real(lib, paths: list[Path], code: str, unit: str = "市民政局") -> list[int]:
    """Import real files (extraction computes blur, dHash, EXIF date) into ``code``."""
    sid = find_standard(lib, code).id
    report = lib.import_paths(paths, ImportOptions(standard_ids=(sid,), unit=unit))
    return [e.material_id for e in report.entries]


def fill_requirement(lib, code: str, unit: str | None = None) -> list[int]:
    """Good materials meeting exactly a standard's requirement."""
    st = find_standard(lib, code)
    ids = []
    for req in st.requirements:
        for i in range(req.min_count):
            if req.kind == "图片":
                ids.append(add_photo(lib, code, unit))
            else:
                ids.append(add_doc(lib, code, unit, category=req.kind,
                                   text=f"{req.kind}第{i + 1}份：{st.text}。本单位认真落实{st.text}。"))
    return ids
