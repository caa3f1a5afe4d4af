"""Import benchmark: CivDesk's import against the irreducible work on the same files.

Three figures, each measured in the same run as its baseline:

* photos: ``lib.import_paths`` of N phone-size JPEGs (4000×3000) into a fresh
  library, against a ProcessPoolExecutor(2) doing per file only
  read + SHA-256 + copy + Pillow draft-mode thumbnail.  Target ≤ 1.5×.
* pdfs: N digital PDFs of 10 pages, against a loop (2 processes) of
  hash + copy + PyMuPDF text extraction.  Target ≤ 1.5×.
* mixed: N mixed files (make_corpus default mix); peak RSS of the importing
  process plus its workers (VmHWM / ru_maxrss).  Target < 500 MB.

Inputs come from ``bench/make_corpus.py`` and are cached under ``--cache``
(generated on first use).  Usage::

    python bench/bench_import.py --quick
    python bench/bench_import.py --photos 500 --pdfs 200 --mixed 2000
"""
from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import os
import resource
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

CHUNK = 1 << 20


# ------------------------------------------------------------------ inputs
def corpus(cache: Path, name: str, files: int, **kw) -> Path:
    out = cache / name
    done = cache / f"{name}.complete"  # beside the folder: the import takes the whole folder
    if done.exists():
        return out
    if out.exists():
        shutil.rmtree(out)
    from make_corpus import make_corpus

    print(f"generating {name} ({files} files) …", file=sys.stderr, flush=True)
    make_corpus(out, files, seed=0, jobs=2, **kw)
    done.write_text("ok")
    return out


def files_of(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


# --------------------------------------------------------------- baselines
def _hash_copy(src: Path, dest_dir: Path) -> tuple[str, Path]:
    h = hashlib.sha256()
    dest = dest_dir / f"{os.getpid()}-{time.monotonic_ns()}"
    with open(src, "rb") as f, open(dest, "wb") as out:
        while chunk := f.read(CHUNK):
            h.update(chunk)
            out.write(chunk)
    return h.hexdigest(), dest


def _photo_job(src: str, dest_dir: str) -> str:
    from PIL import Image

    digest, copy = _hash_copy(Path(src), Path(dest_dir))
    with Image.open(copy) as im:
        im.draft("RGB", (512, 512))
        im.thumbnail((256, 256))
        im.convert("RGB").save(Path(dest_dir) / f"{digest}.jpg", "JPEG", quality=82)
    return digest


def _pdf_job(src: str, dest_dir: str) -> int:
    import pymupdf

    digest, copy = _hash_copy(Path(src), Path(dest_dir))
    with pymupdf.open(copy) as doc:
        return sum(len(page.get_text()) for page in doc)


def baseline_loop(files: list[Path], job) -> float:  # noqa: ANN001
    """The same work as a plain loop in one process (the issue's wording for PDFs)."""
    with tempfile.TemporaryDirectory(dir=BENCH_TMP) as tmp:
        start = time.perf_counter()
        for f in files:
            job(str(f), tmp)
        return time.perf_counter() - start


def baseline(files: list[Path], job) -> float:  # noqa: ANN001
    with tempfile.TemporaryDirectory(dir=BENCH_TMP) as tmp:
        ctx = multiprocessing.get_context("spawn")
        start = time.perf_counter()
        with ProcessPoolExecutor(2, mp_context=ctx) as pool:
            list(pool.map(job, [str(f) for f in files], [tmp] * len(files), chunksize=4))
        return time.perf_counter() - start


# ----------------------------------------------------------------- civdesk
def civdesk_import(folder: Path) -> tuple[float, dict]:
    from civdesk.library import Library

    with tempfile.TemporaryDirectory(dir=BENCH_TMP) as tmp:
        lib = Library.create(Path(tmp) / "lib", sample=False)
        start = time.perf_counter()
        report = lib.import_paths([folder])
        elapsed = time.perf_counter() - start
        lib.close()
    return elapsed, report.counts


def _vm_hwm_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _mixed_child(folder: str, conn) -> None:  # noqa: ANN001
    """Runs in a fresh process so its peak and its children's are this import's."""
    elapsed, counts = civdesk_import(Path(folder))
    self_kb = _vm_hwm_kb(os.getpid()) or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # largest worker
    conn.send((elapsed, counts, self_kb, child_kb))


def _tree_rss_kb(root: int) -> int:
    """Summed resident memory of a process and all its descendants, now."""
    parents: dict[int, int] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
                parents[int(d.name)] = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        kids = [c for c, pp in parents.items() if pp == pid and c not in tree]
        tree.update(kids)
        frontier.extend(kids)
    total = 0
    for pid in tree:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def mixed_import(folder: Path) -> tuple[float, dict, float, float, float]:
    import threading

    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    p = ctx.Process(target=_mixed_child, args=(str(folder), child))
    p.start()
    peak = [0]
    stop = threading.Event()

    def sample() -> None:  # the whole tree at once, every 50 ms
        while not stop.wait(0.05):
            peak[0] = max(peak[0], _tree_rss_kb(p.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    elapsed, counts, self_kb, child_kb = parent.recv()
    stop.set()
    sampler.join()
    p.join()
    return elapsed, counts, self_kb / 1024, child_kb / 1024, peak[0] / 1024


# -------------------------------------------------------------------- main
BENCH_TMP: str | None = None


def main(argv: list[str] | None = None) -> int:
    global BENCH_TMP
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--photos", type=int, default=60)
    ap.add_argument("--pdfs", type=int, default=40)
    ap.add_argument("--mixed", type=int, default=200)
    ap.add_argument("--quick", action="store_true", help="20 photos, 10 PDFs, 100 mixed")
    ap.add_argument("--full", action="store_true", help="500 photos, 200 PDFs, 2000 mixed")
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "civbench")
    ap.add_argument("--skip", action="append", default=[], choices=["photos", "pdfs", "mixed"])
    args = ap.parse_args(argv)
    if args.quick:
        args.photos, args.pdfs, args.mixed = 20, 10, 100
    if args.full:
        args.photos, args.pdfs, args.mixed = 500, 200, 2000
    args.cache.mkdir(parents=True, exist_ok=True)
    BENCH_TMP = str(args.cache)
    rows = []
    if "photos" not in args.skip:
        folder = corpus(args.cache, f"photos-{args.photos}", args.photos, mix={"photo": 1},
                        fixed_size=True)
        files = files_of(folder)
        base = baseline(files, _photo_job)
        ours, counts = civdesk_import(folder)
        rows.append((f"{len(files)} JPEG 4000×3000", ours, base, counts, None))
    if "pdfs" not in args.skip:
        folder = corpus(args.cache, f"pdfs-{args.pdfs}-p10", args.pdfs, mix={"pdf": 1}, pages=10)
        files = files_of(folder)
        base = baseline(files, _pdf_job)
        loop = baseline_loop(files, _pdf_job)
        ours, counts = civdesk_import(folder)
        rows.append((f"{len(files)} PDF × 10 pages", ours, base, counts, None))
        rows.append(("  (vs one-process loop)", ours, loop, counts, None))
    if "mixed" not in args.skip:
        folder = corpus(args.cache, f"mixed-{args.mixed}", args.mixed)
        elapsed, counts, self_mb, child_mb, tree_mb = mixed_import(folder)
        rows.append((f"{len(files_of(folder))} mixed files", elapsed, None, counts,
                     (self_mb, child_mb, tree_mb)))

    print(f"\n{'input':<24}{'civdesk s':>10}{'baseline s':>12}{'ratio':>8}  {'memory peak':<28} counts")
    for label, ours, base, counts, mem in rows:
        ratio = f"{ours / base:.2f}×" if base else "—"
        base_s = f"{base:.1f}" if base else "—"
        mem_s = (f"{mem[2]:.0f} MB (sampled tree; main peak {mem[0]:.0f}, worker peak {mem[1]:.0f})"
                 if mem else "")
        print(f"{label:<24}{ours:>10.1f}{base_s:>12}{ratio:>8}  {mem_s:<28} {counts}")
    print("\ntargets: ratio ≤ 1.5×; memory of the importing process tree, sampled every 50 ms, < 500 MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
