"""Benchmark: CivDesk's search engine against SQLite FTS5 (trigram) on the same corpus.

    python bench/bench_search.py [--docs 20000] [--queries 300] [--seed 1]

Generates ``--docs`` documents of about 5 KB of Chinese each, assembled
deterministically from fixtures/seeds (with PDF-style line breaks), then, each
engine in its own child process (so peak memory is its own):

- builds the index from scratch (throughput in MB/s of UTF-8 input text);
- runs ``--queries`` queries of 1–8 characters sampled from the corpus: recall
  and precision of *all* matches against brute-force substring truth on the
  folded text, and latency of a ranked top-20 query with snippets (p50/p95);
- measures the time from adding one new document to finding it.

FTS5 gets the same folded text (folding time counted in its build), a
``tokenize='trigram'`` table and ``bm25`` ranking; for 1–2 character queries,
where SQLite 3.40's trigram tokenizer returns nothing, it falls back to an
``instr()`` scan of a plain table (as MEASUREMENTS.md did).
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from civdesk.search import IndexDoc, SearchIndex, fold  # noqa: E402

SEEDS_DIR = ROOT / "tests" / "fixtures" / "seeds"


def make_corpus(n: int, seed: int = 1) -> list[IndexDoc]:
    """``n`` documents of ~5 KB (UTF-8) of seed text, 1–3 pages, random line breaks."""
    seeds = [p.read_text(encoding="utf-8") for p in sorted(SEEDS_DIR.glob("*.txt"))]
    rng = random.Random(seed)
    docs = []
    for i in range(n):
        parts, size = [], 0
        while size < 1700:  # ~1700 CJK characters ≈ 5 KB
            src = rng.choice(seeds)
            a = rng.randrange(0, len(src) - 400)
            chunk = src[a:a + rng.randrange(100, 400)]
            parts.append(chunk)
            size += len(chunk)
        body = list("".join(parts))
        for _ in range(len(body) // 60):  # wrap lines anywhere, like PDF text
            body.insert(rng.randrange(len(body)), "\n")
        text = "".join(body)
        npages = rng.randint(1, 3)
        cuts = sorted(rng.sample(range(1, len(text)), npages - 1))
        pages = tuple(text[a:b] for a, b in zip([0] + cuts, cuts + [len(text)]))
        src = rng.choice(seeds)
        t = rng.randrange(0, len(src) - 30)
        title = src[t:t + rng.randrange(8, 24)].replace("\n", " ")
        docs.append(IndexDoc(material_id=i + 1, version=1, title=title, pages=pages))
    return docs


def doc_bytes(d: IndexDoc) -> int:
    return len(d.title.encode()) + sum(len(p.encode()) for p in d.pages)


def sample_queries(folded: list[tuple[str, str]], count: int, seed: int) -> list[str]:
    rng = random.Random(seed + 1000)
    out: list[str] = []
    while len(out) < count:
        body = rng.choice(folded)[1]
        n = rng.randint(1, 8)
        a = rng.randrange(0, max(1, len(body) - n))
        q = body[a:a + n].strip()
        if q and " " not in q and '"' not in q:
            out.append(q)
    return out


def truth_sets(folded: list[tuple[str, str]], queries: list[str]) -> list[bytes]:
    """Per query, a bitmap over material ids (1 = contains the query); small in memory."""
    out = []
    for q in queries:
        bits = bytearray(len(folded) + 2)
        for i, (t, b) in enumerate(folded):
            if q in t or q in b:
                bits[i + 1] = 1
        out.append(bytes(bits))
    return out


def peak_mb() -> tuple[float, float]:
    self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return self_kb / 1024, child_kb / 1024


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def tally(found: set[int], bits: bytes) -> tuple[int, int, int]:
    """(true positives, returned, relevant) of one query."""
    tp = sum(bits[i] for i in found if i < len(bits))
    return tp, len(found), bits.count(1)


def accuracy(tallies: list[tuple[int, int, int]]) -> tuple[float, float]:
    tp = sum(t[0] for t in tallies)
    return tp / max(1, sum(t[2] for t in tallies)), tp / max(1, sum(t[1] for t in tallies))


# ------------------------------------------------------------------ engines


def run_civdesk(docs: list[IndexDoc], queries: list[str], truth: list[bytes],
                workdir: Path, procs: int) -> dict:
    size = sum(map(doc_bytes, docs))
    ix = SearchIndex.open(workdir / "civdesk")
    t0 = time.perf_counter()
    ix.rebuild(docs, len(docs), procs=procs)
    build = time.perf_counter() - t0
    ix.close()
    t0 = time.perf_counter()
    ix = SearchIndex.open(workdir / "civdesk")
    ix.warm()
    reopen = time.perf_counter() - t0
    found = [tally({h.material_id for h in ix.search('"%s"' % q, limit=None, snippets=False)},
                   bits) for q, bits in zip(queries, truth)]
    lat = []
    for q in queries:
        t = time.perf_counter()
        ix.search('"%s"' % q, limit=20)
        lat.append((time.perf_counter() - t) * 1000)
    t0 = time.perf_counter()
    ix.update([IndexDoc(len(docs) + 1, 1, title="新增材料", pages=("刚刚导入的独一无二测试文字",))])
    ok = [h.material_id for h in ix.search("独一无二测试")] == [len(docs) + 1]
    fresh = time.perf_counter() - t0
    ix.close()
    disk = sum(p.stat().st_size for p in (workdir / "civdesk").rglob("*") if p.is_file())
    recall, precision = accuracy(found)
    return dict(engine=f"civdesk (Whoosh bigrams, procs={procs})", mb_s=size / 1e6 / build,
                build_s=build, reopen_s=reopen, recall=recall, precision=precision,
                p50=pct(lat, 50), p95=pct(lat, 95), fresh_s=fresh if ok else float("nan"),
                disk_mb=disk / 1e6, peak=peak_mb())


def run_fts5(docs: list[IndexDoc], queries: list[str], truth: list[bytes],
             workdir: Path) -> dict:
    size = sum(map(doc_bytes, docs))
    db = sqlite3.connect(workdir / "fts5.sqlite")
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE docs(id INTEGER PRIMARY KEY, title TEXT, body TEXT)")
    db.execute("CREATE VIRTUAL TABLE fts USING fts5(title, body, content='docs', "
               "content_rowid='id', tokenize='trigram')")
    t0 = time.perf_counter()
    with db:
        for d in docs:
            title, body = fold(d.title), fold("\n".join(d.pages))
            db.execute("INSERT INTO docs VALUES (?,?,?)", (d.material_id, title, body))
            db.execute("INSERT INTO fts(rowid, title, body) VALUES (?,?,?)",
                       (d.material_id, title, body))
    build = time.perf_counter() - t0

    def all_matches(q: str) -> set[int]:
        if len(q) < 3:
            rows = db.execute("SELECT id FROM docs WHERE instr(title, ?) OR instr(body, ?)", (q, q))
        else:
            rows = db.execute("SELECT rowid FROM fts WHERE fts MATCH ?", ('"%s"' % q,))
        return {r[0] for r in rows}

    def top20(q: str) -> list:
        if len(q) < 3:
            return db.execute(
                "SELECT id, substr(body, max(1, instr(body, ?) - 20), 60) FROM docs "
                "WHERE instr(title, ?) OR instr(body, ?) "
                "ORDER BY instr(title, ?) > 0 DESC, id DESC LIMIT 20", (q, q, q, q)).fetchall()
        return db.execute(
            "SELECT rowid, snippet(fts, 1, '【', '】', '…', 16) FROM fts WHERE fts MATCH ? "
            "ORDER BY bm25(fts, 10.0, 1.0) LIMIT 20", ('"%s"' % q,)).fetchall()

    found = [tally(all_matches(q), bits) for q, bits in zip(queries, truth)]
    lat = []
    for q in queries:
        t = time.perf_counter()
        top20(q)
        lat.append((time.perf_counter() - t) * 1000)
    t0 = time.perf_counter()
    with db:
        new_id = len(docs) + 1
        db.execute("INSERT INTO docs VALUES (?,?,?)", (new_id, "新增材料", "刚刚导入的独一无二测试文字"))
        db.execute("INSERT INTO fts(rowid, title, body) VALUES (?,?,?)",
                   (new_id, "新增材料", "刚刚导入的独一无二测试文字"))
    ok = [r[0] for r in top20("独一无二测试")] == [new_id]
    fresh = time.perf_counter() - t0
    db.close()
    disk = sum(p.stat().st_size for p in workdir.glob("fts5.sqlite*"))
    recall, precision = accuracy(found)
    return dict(engine="SQLite FTS5 trigram (+instr)", mb_s=size / 1e6 / build, build_s=build,
                reopen_s=0.0, recall=recall, precision=precision, p50=pct(lat, 50),
                p95=pct(lat, 95), fresh_s=fresh if ok else float("nan"), disk_mb=disk / 1e6,
                peak=peak_mb())


# ------------------------------------------------------------------ driver


def child(args: argparse.Namespace) -> None:
    docs = make_corpus(args.docs, args.seed)
    folded = [(fold(d.title), fold("\n".join(d.pages))) for d in docs]
    queries = sample_queries(folded, args.queries, args.seed)
    truth = truth_sets(folded, queries)
    del folded
    workdir = Path(tempfile.mkdtemp(prefix="bench_search_"))
    try:
        if args.only == "civdesk":
            result = run_civdesk(docs, queries, truth, workdir, args.procs)
        else:
            result = run_fts5(docs, queries, truth, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    result["corpus_mb"] = sum(map(doc_bytes, docs)) / 1e6
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=20000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--procs", type=int, default=2, help="Whoosh writer processes")
    parser.add_argument("--only", choices=["civdesk", "fts5"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.only:
        child(args)
        return
    results = []
    for engine in ("civdesk", "fts5"):
        cmd = [sys.executable, __file__, "--only", engine, "--docs", str(args.docs),
               "--queries", str(args.queries), "--seed", str(args.seed), "--procs", str(args.procs)]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        results.append(json.loads(out.strip().splitlines()[-1]))
    print(f"corpus: {args.docs} docs, {results[0]['corpus_mb']:.1f} MB, {args.queries} queries "
          f"of 1–8 characters")
    rows = [
        ("build throughput (MB/s)", "mb_s", "{:.2f}"),
        ("build time (s)", "build_s", "{:.1f}"),
        ("reopen + load catalog (s)", "reopen_s", "{:.2f}"),
        ("recall", "recall", "{:.4f}"),
        ("precision", "precision", "{:.4f}"),
        ("top-20 p50 (ms)", "p50", "{:.1f}"),
        ("top-20 p95 (ms)", "p95", "{:.1f}"),
        ("new doc searchable (s)", "fresh_s", "{:.3f}"),
        ("index on disk (MB)", "disk_mb", "{:.0f}"),
    ]
    width = 34
    print(f"{'':28}" + "".join(f"{r['engine']:>{width}}" for r in results))
    for label, key, fmt in rows:
        print(f"{label:28}" + "".join(f"{fmt.format(r[key]):>{width}}" for r in results))
    print(f"{'peak RSS MB (self/children)':28}" + "".join(
        f"{'%.0f / %.0f' % tuple(r['peak']):>{width}}" for r in results))
    a, b = results
    print("goals: p95 <= 2x FTS5: %s; build >= 1/10 FTS5: %s; peak < 1 GB: %s; new doc < 1 s: %s" % (
        a["p95"] <= 2 * b["p95"], a["mb_s"] >= b["mb_s"] / 10,
        max(a["peak"]) < 1024, a["fresh_s"] < 1.0))


if __name__ == "__main__":
    main()
