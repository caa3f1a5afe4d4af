"""Benchmark: a library of years of material on both back ends, and two clerks importing at once.

    python bench/bench_shared.py [--materials 100000] [--photos 500] [--queries 100] [--skip-import]
        [--skip-search] [--skip-check] [--skip-window]

Needs PostgreSQL's programs (Debian: ``postgresql``); the server is a throwaway cluster
(:mod:`tests.pgcluster`), the "share" a local folder.  For each back end (a SQLite library
folder, and a shared library on the server) it writes ``--materials`` rows spread over five
years (bench_check's generator: 70 % photos, 30 % documents with a page of text, each filed
under a standard, with a unit), files 5,000 of them under one standard, then measures:

- **open**: opening the library and fetching the first screen of the material list (200 rows,
  the window's first page) — the core's share of "window start to usable";
- **node**: the ids of a standard holding 5,000 materials plus their first 200 rows (goal ≤ 200 ms);
- **check**: a full check against reading the rows it needs (goal ≤ 2×): the materials and links
  tables, and (``check_over_read_with_texts``) also the heads of all the documents' texts (which the
  checks read before the fingerprints were stored; now they read the reports' only);
- **window**: the window started (offscreen, a process of its own) on the library, to its first paint
  and to the material list shown, against the same on an empty library (goal ≤ 1.5 s);
- **search p95** (wall clock, and CPU time) over the ``--queries`` queries of bench_search (1–8 characters
  sampled from the texts), the index built by the library itself, against SQLite FTS5 trigram on the same texts
  (``instr()`` for 1–2 characters, as in bench_search) — both in this run;
- **import**: ``--photos`` generated JPEGs imported by one clerk alone, then two clerks (two
  processes) importing ``--photos`` different ones each at the same time.

Prints one JSON document; every figure stands beside its baseline measured in the same run.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import bindparam, func, insert, select  # noqa: E402

from bench.bench_check import build  # noqa: E402
from bench.bench_search import pct  # noqa: E402
from civdesk import materials as mat  # noqa: E402
from civdesk.checks import run_checks  # noqa: E402
from civdesk.library import Library  # noqa: E402
from civdesk.models import Link, Material, MaterialText  # noqa: E402
from civdesk.search import fold  # noqa: E402
from civdesk.text_keys import TEXT_HEAD, TEXT_PAGES  # noqa: E402

TODAY = dt.date(2024, 5, 1)


def timed(fn):  # noqa: ANN001, ANN201
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def fill(lib: Library, n: int, seed: int) -> int:
    """``n`` materials over five years; 5,000 of them (also) under one standard: its id."""
    ids = build(lib, n, seed)
    rnd = random.Random(seed)
    with lib.session() as s:
        dates = s.execute(select(Material.id, Material.date)).all()
        moved = [{"i": i, "d": d - dt.timedelta(days=365 * (i % 5))} for i, d in dates if d and i % 5]
        table = Material.__table__
        stmt = table.update().where(table.c.id == bindparam("i")).values(date=bindparam("d"))
        for k in range(0, len(moved), 5000):  # spread the dates over five years
            s.connection().execute(stmt, moved[k:k + 5000])
        sid = s.scalar(select(Link.standard_id).limit(1))
        have = set(s.scalars(select(Link.material_id).where(Link.standard_id == sid)))
        more = [i for i in rnd.sample(ids, min(len(ids), 6000)) if i not in have][:max(0, 5000 - len(have))]
        if more:
            s.execute(insert(Link), [dict(material_id=i, standard_id=sid, source="import") for i in more])
    return sid


def first_screen(lib: Library, **kw) -> int:  # noqa: ANN003
    ids = mat.list_ids(lib, **kw)
    mat.get_rows(lib, ids[:200])
    return len(ids)


def measure(folder: Path, sid: int, queries: list[str], search: bool = True, check: bool = True) -> dict:
    t_open, lib = timed(lambda: Library.open(folder))
    try:
        t_first, _ = timed(lambda: first_screen(lib))
        nodes = [timed(lambda: first_screen(lib, standard_ids=[sid]))[0] for _ in range(5)]
        base, with_texts, full = [], [], []
        for _ in range(3 if check else 0):
            def read():  # noqa: ANN202
                with lib.session() as s:
                    return s.execute(select(Material.__table__)).all(), s.execute(select(Link.__table__)).all()

            def read_texts():  # noqa: ANN202 - the rows plus the text heads the checks read
                with lib.session() as s:
                    return read(), s.execute(select(MaterialText.material_id, MaterialText.page, func.substr(
                        MaterialText.text, 1, TEXT_HEAD)).where(MaterialText.page <= TEXT_PAGES)).all()
            base.append(timed(read)[0])
            with_texts.append(timed(read_texts)[0])
            full.append(timed(lambda: run_checks(lib, today=TODAY))[0])
        out = {"open_s": round(t_open, 3), "first_screen_s": round(t_first, 3),
               "start_to_usable_s": round(t_open + t_first, 3),
               "node_5000_ms_median": round(statistics.median(nodes) * 1000, 1)}
        if check:
            b, f = statistics.median(base), statistics.median(full)
            out.update(check_s=round(f, 3), read_rows_s=round(b, 3), check_over_read=round(f / b, 2),
                       check_runs_s=[round(x, 3) for x in full], read_runs_s=[round(x, 3) for x in base],
                       read_with_texts_s=round(statistics.median(with_texts), 3),
                       check_over_read_with_texts=round(f / statistics.median(with_texts), 2))
        if search:
            t_index, _ = timed(lambda: lib.search_index.catch_up())
            lat, cpu = [], []
            for q in queries:
                c = time.process_time()
                lat.append(timed(lambda q=q: lib.search(q, limit=20))[0])
                cpu.append(time.process_time() - c)
            out.update(index_build_s=round(t_index, 1), search_p50_ms=round(pct(lat, 50) * 1000, 1),
                       search_p95_ms=round(pct(lat, 95) * 1000, 1), search_cpu_p95_ms=round(pct(cpu, 95) * 1000, 1))
        return out
    finally:
        lib.close()


def window_start(folder: Path, runs: int = 3) -> dict:
    """Seconds from launching the window (offscreen) on ``folder`` to its first paint and to the
    material list shown (``--quit-when-ready``: a big node is listed on a worker), medians."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen",
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    paint, ready, rows = [], [], 0
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as home:
            t0 = time.time()
            proc = subprocess.run([sys.executable, str(ROOT / "main.py"), "--library", str(folder),
                                   "--quit-when-ready"], capture_output=True, env=dict(env, CIVDESK_HOME=home),
                                  cwd=ROOT, timeout=300)
        err = proc.stderr.decode("utf-8", "replace")
        marks = {line.split()[0]: line.split()[1:] for line in err.splitlines()
                 if line.startswith(("first-paint ", "ready "))}
        if proc.returncode != 0 or "ready" not in marks:
            raise SystemExit(f"the window did not start on {folder} ({proc.returncode}):\n{err}")
        paint.append(float(marks["first-paint"][0]) - t0)
        ready.append(float(marks["ready"][0]) - t0)
        rows = int(marks["ready"][1])
    return {"window_first_paint_s": round(statistics.median(paint), 2),
            "window_ready_s": round(statistics.median(ready), 2), "window_rows_shown": rows}


def fts5_baseline(folder: Path, queries: list[str]) -> dict:
    """SQLite FTS5 trigram over the same texts and titles (built from the SQLite library)."""
    con = sqlite3.connect(folder / "library.db")
    rows = con.execute("SELECT m.id, m.title || ' ' || coalesce(group_concat(t.text, ' '), '') FROM materials m "
                       "LEFT JOIN material_texts t ON t.material_id = m.id GROUP BY m.id").fetchall()
    con.close()
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE f USING fts5(body, tokenize='trigram')")
    db.execute("CREATE TABLE plain (id INTEGER PRIMARY KEY, body TEXT)")
    folded = [(i, fold(b)) for i, b in rows]
    db.executemany("INSERT INTO f (rowid, body) VALUES (?, ?)", folded)
    db.executemany("INSERT INTO plain VALUES (?, ?)", folded)
    lat, cpu = [], []
    for q in queries:
        fq = fold(q)
        c = time.process_time()
        t = time.perf_counter()
        if len(fq) >= 3:
            db.execute("SELECT rowid FROM f WHERE f MATCH ? ORDER BY bm25(f) LIMIT 20",
                       ['"' + fq.replace('"', '""') + '"']).fetchall()
        else:
            db.execute("SELECT id FROM plain WHERE instr(body, ?) > 0 LIMIT 20", [fq]).fetchall()
        lat.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return {"search_p50_ms": round(pct(lat, 50) * 1000, 1), "search_p95_ms": round(pct(lat, 95) * 1000, 1),
            "search_cpu_p95_ms": round(pct(cpu, 95) * 1000, 1)}


def make_queries(folder: Path, count: int, seed: int) -> list[str]:
    con = sqlite3.connect(folder / "library.db")
    texts = [r[0] for r in con.execute("SELECT text FROM material_texts LIMIT 2000")]
    con.close()
    rnd = random.Random(seed)
    out = []
    while len(out) < count:
        t = fold(rnd.choice(texts))
        n = rnd.choice([2, 2, 3, 4, 4, 6, 8])
        a = rnd.randrange(0, max(1, len(t) - n))
        q = t[a:a + n].strip()
        if len(q) == n and all("\u4e00" <= c <= "\u9fff" for c in q):
            out.append(q)
    return out


def photos(folder: Path, n: int, offset: int) -> list[Path]:
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(offset, offset + n):
        rnd = random.Random(i)
        img = Image.new("RGB", (800, 600), (rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)))
        for _ in range(20):
            x, y = rnd.randrange(780), rnd.randrange(580)
            img.paste((rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)), (x, y, x + 20, y + 20))
        p = folder / f"活动{i:05d}.jpg"
        img.save(p, quality=85)
        out.append(p)
    return out


def clerk_import(folder: Path, files_dir: Path, name: str) -> subprocess.Popen:
    env = dict(os.environ, CIVDESK_CLERK=name, CIVDESK_WORKSTATION=f"PC-{name}",
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    # the JSON report goes to a file: a pipe nobody reads fills at 64 KB and stalls the import
    with open(files_dir.with_name(files_dir.name + "-report.json"), "wb") as out:
        return subprocess.Popen([sys.executable, "-m", "civdesk", "import", "--library", str(folder),
                                 str(files_dir), "--json"], env=env, cwd=ROOT, stdout=out, stderr=subprocess.DEVNULL)


def import_bench(cluster, tmp: Path, n: int) -> dict:  # noqa: ANN001
    url = cluster.new_database("civdesk_tmpl").replace(f":{cluster.password}@", "@")
    tmp.mkdir(parents=True, exist_ok=True)
    for who in ("a", "b"):
        Library.create(tmp / f"clerk-{who}", database=url, vault=tmp / "share", sample=False).close()
    alone_dir, a_dir, b_dir = tmp / "p0", tmp / "p1", tmp / "p2"
    photos(alone_dir, n, 0), photos(a_dir, n, n), photos(b_dir, n, 2 * n)
    t = time.perf_counter()
    p = clerk_import(tmp / "clerk-a", alone_dir, "甲")
    p.wait()
    alone = time.perf_counter() - t
    t = time.perf_counter()
    pa, pb = clerk_import(tmp / "clerk-a", a_dir, "甲"), clerk_import(tmp / "clerk-b", b_dir, "乙")
    ends = {}
    while len(ends) < 2:
        for key, proc in (("a", pa), ("b", pb)):
            if key not in ends and proc.poll() is not None:
                ends[key] = time.perf_counter() - t
        time.sleep(0.05)
    with Library.open(tmp / "clerk-a") as lib, lib.session() as s:
        total = s.scalar(select(func.count()).select_from(Material))
    return {"photos_each": n, "one_clerk_alone_s": round(alone, 1), "clerk_a_while_b_s": round(ends["a"], 1),
            "clerk_b_while_a_s": round(ends["b"], 1), "materials_after": total, "expected": 3 * n}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--materials", type=int, default=100_000)
    ap.add_argument("--photos", type=int, default=500)
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--skip-import", action="store_true")
    ap.add_argument("--skip-search", action="store_true",
                    help="no search index or search figures (the check and node figures only)")
    ap.add_argument("--skip-check", action="store_true", help="no full-check figures (they take long at 100,000)")
    ap.add_argument("--skip-window", action="store_true", help="no window start figures")
    args = ap.parse_args()
    from tests.pgcluster import Cluster, find_bindir

    report: dict = {"materials": args.materials}
    cluster = Cluster(find_bindir()).start()
    try:
        cluster.make_template(sample=False)
        os.environ["PGPASSFILE"] = str(cluster.pgpass(cluster.root))
        with tempfile.TemporaryDirectory() as tmp_s:
            tmp = Path(tmp_s)
            with Library.create(tmp / "sqlite") as lib:
                t_fill, sid = timed(lambda: fill(lib, args.materials, args.seed))
            report["fill_s"] = round(t_fill, 1)
            queries = make_queries(tmp / "sqlite", args.queries, args.seed)
            url = cluster.new_database("civdesk_tmpl").replace(f":{cluster.password}@", "@")
            with Library.create(tmp / "server-library", database=url, vault=tmp / "vault-share") as lib:
                fill(lib, args.materials, args.seed)
            search, check = not args.skip_search, not args.skip_check
            report["sqlite"] = measure(tmp / "sqlite", sid, queries, search, check)
            report["postgresql"] = measure(tmp / "server-library", sid, queries, search, check)
            if not args.skip_window:
                Library.create(tmp / "empty").close()  # the baseline: the same window on an empty library
                report["window_empty_library"] = window_start(tmp / "empty")
                base = report["window_empty_library"]["window_ready_s"]
                for key, folder in (("sqlite", tmp / "sqlite"), ("postgresql", tmp / "server-library")):
                    report[key].update(window_start(folder))
                    report[key]["window_ready_over_empty"] = round(report[key]["window_ready_s"] / base, 2)
            if search:
                report["fts5_trigram_baseline"] = fts5_baseline(tmp / "sqlite", queries)
                for key in ("sqlite", "postgresql"):
                    report[key]["search_p95_over_fts5"] = round(
                        report[key]["search_p95_ms"] / max(0.1, report["fts5_trigram_baseline"]["search_p95_ms"]), 2)
                    fts5_cpu = report["fts5_trigram_baseline"]["search_cpu_p95_ms"]  # CPU: fairer on a busy machine
                    cpu = report[key]["search_cpu_p95_ms"]
                    report[key]["search_cpu_p95_over_fts5"] = round(cpu / max(0.1, fts5_cpu), 2)
            print(json.dumps(report, ensure_ascii=False), file=sys.stderr, flush=True)  # kept if the import stalls
            if not args.skip_import:
                report["import"] = import_bench(cluster, tmp / "imp", args.photos)
    finally:
        cluster.stop()
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
