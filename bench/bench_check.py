"""Benchmark: a full check of a 20,000-material library, and a re-check after one edit.

    python bench/bench_check.py [--materials 20000] [--repeat 3] [--seed 1]

Makes a library with the sample checklist and writes ``--materials`` rows
straight into the database (fake SHA-256, no files): 70 % photos (random
dHash, a few near-duplicates, some blurry, out-of-period or uncaptioned),
30 % documents with one page of text from fixtures/seeds; each filed under one
standard needing materials (10 % under two), with a unit.

Reports, as medians of ``--repeat`` runs in the same process:

- baseline: ``select * from materials`` plus the links read into Python
  (what just reading those rows costs; the goal is a full check ≤ 2× that);
- a full :func:`run_checks`;
- :func:`recheck` after editing one material (goal < 200 ms).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select  # noqa: E402

from civdesk.checklist.store import checklist_tree  # noqa: E402
from civdesk.checks import recheck, run_checks  # noqa: E402
from civdesk.library import Library  # noqa: E402
from civdesk.models import Link, Material, MaterialText, Unit  # noqa: E402

SEEDS_DIR = ROOT / "tests" / "fixtures" / "seeds"
TODAY = dt.date(2024, 5, 1)


def build(lib: Library, n: int, seed: int) -> list[int]:
    rnd = random.Random(seed)
    seeds = [p.read_text(encoding="utf-8") for p in sorted(SEEDS_DIR.glob("*.txt"))]
    standards = [s for s in checklist_tree(lib).all_standards() if s.needs_materials]
    with lib.session() as s:
        units = list(s.scalars(select(Unit.id)))
    mats, links, texts = [], [], []
    hashes: list[int] = []
    for i in range(1, n + 1):
        photo = rnd.random() < 0.7
        day = dt.date(2023, 8, 1) + dt.timedelta(days=rnd.randrange(366 if rnd.random() > 0.03 else 900))
        row = dict(id=i, sha256=f"{i:064x}", size=rnd.randrange(50_000, 6_000_000),
                   original_name=f"材料{i}.{'jpg' if photo else 'docx'}", date=day,
                   date_source="exif" if photo else "metadata", unit_id=rnd.choice(units),
                   meta={"source_path": f"/导入/{i}"}, version=1, width=None, height=None,
                   taken_at=None, blur=None, phash="", jpeg_quality=None, caption_time="",
                   caption_place="", caption_people="", caption_event="", pages=None)
        if photo:
            h = rnd.choice(hashes) ^ 1 if hashes and rnd.random() < 0.02 else rnd.getrandbits(64)
            hashes.append(h)
            caption = rnd.random() > 0.1
            row.update(kind="jpeg", category="图片", title=f"活动照片{i}", width=4000, height=3000,
                       taken_at=dt.datetime.combine(day, dt.time(10)), text_status="none",
                       blur=rnd.choice([rnd.uniform(5, 30), rnd.uniform(60, 3000)] + [rnd.uniform(60, 3000)] * 8),
                       phash=f"{h:016x}", jpeg_quality=rnd.randrange(30, 96),
                       caption_time="2024年3月1日" if caption else "", caption_place="市民广场",
                       caption_people="志愿者", caption_event="志愿服务")
        else:
            row.update(kind="docx", category=rnd.choice(["说明报告", "正式发文", "数据表格", "台账"]),
                       title=f"工作材料{i}", pages=rnd.randrange(1, 8), text_status="ok")
            seed_text = rnd.choice(seeds)
            start = rnd.randrange(max(1, len(seed_text) - 1500))
            texts.append(dict(material_id=i, page=1, text=f"第{i}号 " + seed_text[start:start + 1500],
                              source="text"))
        mats.append(row)
        for st in rnd.sample(standards, 2 if rnd.random() < 0.1 else 1):
            links.append(dict(material_id=i, standard_id=st.id, source="import"))
    with lib.session() as s:
        for table, rows in ((Material.__table__, mats), (Link.__table__, links),
                            (MaterialText.__table__, texts)):
            for k in range(0, len(rows), 2000):
                s.execute(insert(table), rows[k:k + 2000])
    return [m["id"] for m in mats]


def baseline(lib: Library) -> float:
    t = time.perf_counter()
    with lib.session() as s:
        rows = s.execute(select(Material.__table__)).all()
        links = s.execute(select(Link.__table__)).all()
    assert rows and links
    return time.perf_counter() - t


def timed(fn) -> tuple[float, object]:  # noqa: ANN001
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--materials", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp, Library.create(Path(tmp) / "lib") as lib:
        t_build, ids = timed(lambda: build(lib, args.materials, args.seed))
        base, full, re_one = [], [], []
        result = None
        for _ in range(args.repeat):
            base.append(baseline(lib))
            t, result = timed(lambda: run_checks(lib, today=TODAY))
            full.append(t)
        rnd = random.Random(args.seed)
        for _ in range(max(5, args.repeat)):
            mid = rnd.choice(ids)
            with lib.session() as s:
                m = s.get(Material, mid)
                m.caption_place = "" if m.caption_place else "市民广场"
                m.date = m.date + dt.timedelta(days=1) if m.date else None
            t, result2 = timed(lambda result=result, mid=mid: recheck(lib, result, [mid]))
            re_one.append(t)
            result = result2
        check = run_checks(lib, today=TODAY)
        same = [(s.code, s.status, len(s.findings)) for s in check.standards] == \
            [(s.code, s.status, len(s.findings)) for s in result.standards]
        b, f = statistics.median(base), statistics.median(full)
        report = {
            "materials": args.materials, "links": sum(len(s.material_ids) for s in check.standards),
            "findings": len(check.findings), "build_s": round(t_build, 2),
            "baseline_read_s": round(b, 3), "full_check_s": round(f, 3),
            "ratio": round(f / b, 2), "recheck_one_ms_median": round(statistics.median(re_one) * 1000, 1),
            "recheck_one_ms_max": round(max(re_one) * 1000, 1), "recheck_equals_full": same,
        }
        print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
