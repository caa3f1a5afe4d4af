"""Benchmark: writing a declaration package, against copying the same files.

Two measurements, each beside a baseline taken in the same run:

1. A package of ``--files`` files (default 5,000) without conversions or
   图文说明 PDFs, written as a folder **and** a zip (``keep_folder``), against
   ``cp -r`` of the same files plus ``zip -0 -r`` of the copy (Python's
   ``zipfile`` with ``ZIP_STORED`` when ``zip`` is missing).  The target is at
   most 1.5× the baseline.  The export includes everything it does for a
   clerk: the checks, the plan, the catalog, verifying every file against the
   vault's SHA-256 (the manifest reuses it), the manifest, and the 内部版
   beside the package (check report, export record, its own manifest).
2. The same export for ``--photos`` photos (default 1,000) with their
   图文说明 PDFs, beside the same export without the PDFs.

The library is built quickly: generated files go straight into the vault
and their Material/Link rows are inserted through the ORM (no import
pipeline).  Files are incompressible random bytes (like photos and PDFs),
sizes 20–120 KB.  Usage::

    python bench/bench_export.py [--files 5000] [--photos 1000] [--keep]
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image, ImageDraw  # noqa: E402

from civdesk.checklist.store import checklist_tree  # noqa: E402
from civdesk.export import ExportOptions, export_package  # noqa: E402
from civdesk.library import Library  # noqa: E402
from civdesk.models import Link, Material  # noqa: E402


def build_library(root: Path, files: int, photos: int, seed: int = 7) -> Library:
    lib = Library.create(root / "lib")
    standards = [s.id for s in checklist_tree(lib).all_standards()]
    rng = random.Random(seed)
    rows: list[tuple[str, int, str, str, int]] = []
    for i in range(files):
        data = rng.randbytes(rng.randint(20_000, 120_000))
        kind = ("pdf", "docx", "xlsx")[i % 3]
        rows.append((_store(lib, data), len(data), f"材料{i:05d}.{kind}", kind, standards[i % len(standards)]))
    for i in range(photos):
        data = _photo(rng, i)
        rows.append((_store(lib, data), len(data), f"照片{i:05d}.jpg", "jpeg",
                     standards[i % 20]))
    with lib.session() as s:
        for n, (sha, size, name, kind, sid) in enumerate(rows):
            m = Material(sha256=sha, size=size, original_name=name, kind=kind, title=Path(name).stem,
                         date=dt.date(2024, 1, 1) + dt.timedelta(days=n % 200), pages=1,
                         caption_place="市民中心广场" if kind == "jpeg" else "",
                         caption_event="志愿服务活动" if kind == "jpeg" else "",
                         updated_at=dt.datetime(2024, 6, 1))
            s.add(m)
            s.flush()
            s.add(Link(material_id=m.id, standard_id=sid))
    return lib


def _store(lib: Library, data: bytes) -> str:
    import hashlib

    sha = hashlib.sha256(data).hexdigest()
    path = lib.vault.path_for(sha)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return sha


def _photo(rng: random.Random, i: int) -> bytes:
    """A 2000×1500 camera-like JPEG (smooth gradient, shapes, some noise)."""
    im = Image.linear_gradient("L").resize((2000, 1500)).convert("RGB")
    d = ImageDraw.Draw(im)
    for _ in range(12):
        x, y = rng.randrange(1900), rng.randrange(1400)
        d.ellipse([x, y, x + rng.randint(40, 400), y + rng.randint(40, 300)],
                  fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    d.text((40, 40), f"#{i}", fill=(255, 255, 255))
    out = io.BytesIO()
    im.save(out, "JPEG", quality=85)
    return out.getvalue()


def baseline(src: Path, work: Path) -> float:
    """``cp -r`` of the files, then store the copy in a zip."""
    dest, zpath = work / "copy", work / "copy.zip"
    t = time.perf_counter()
    subprocess.run(["cp", "-r", str(src), str(dest)], check=True)
    if shutil.which("zip"):
        subprocess.run(["zip", "-0", "-r", "-q", str(zpath), "."], cwd=dest, check=True)
    else:
        with zipfile.ZipFile(zpath, "w", zipfile.ZIP_STORED) as zf:
            for p in sorted(dest.rglob("*")):
                if p.is_file():
                    zf.write(p, p.relative_to(dest).as_posix())
    elapsed = time.perf_counter() - t
    shutil.rmtree(dest)
    zpath.unlink()
    return elapsed


def _clear(out: Path) -> None:
    shutil.rmtree(out, ignore_errors=True)
    out.with_name(out.name + ".zip").unlink(missing_ok=True)


def copy_set(lib: Library, dest: Path, kinds: tuple[str, ...]) -> Path:
    """The files of the given kinds in a plain folder (what a clerk would copy by hand)."""
    from sqlalchemy import select

    dest.mkdir()
    with lib.session() as s:
        rows = s.execute(select(Material.sha256, Material.original_name)
                         .where(Material.kind.in_(kinds))).all()
    for sha, name in rows:
        shutil.copyfile(lib.vault.path_for(sha), dest / name)
    return dest


def timed_export(lib: Library, out: Path, **opts) -> tuple[float, object]:
    options = ExportOptions.from_library(lib, **opts)
    t = time.perf_counter()
    result = export_package(lib, out, as_zip=True, allow_errors=True, options=options)
    return time.perf_counter() - t, result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--files", type=int, default=5000)
    ap.add_argument("--photos", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="civdesk-bench-export-"))
    try:
        t = time.perf_counter()
        lib = build_library(work, args.files, args.photos)
        print(f"library: {args.files} files + {args.photos} photos built in {time.perf_counter() - t:.1f} s")
        docs = copy_set(lib, work / "docs", ("pdf", "docx", "xlsx"))
        size = sum(p.stat().st_size for p in docs.iterdir())
        # 1. a 5,000-file package without conversions, against cp -r + zip -0
        from civdesk.export import checkgate

        t = time.perf_counter()
        checkgate.run_export_checks(lib, None, None)
        checks = time.perf_counter() - t
        only_docs = _docs_only(lib, work)
        timed_export(only_docs, work / "warm", keep_folder=True, captions=False)  # warm caches
        _clear(work / "warm")
        bases, exps = [], []
        for k in range(args.rounds):  # alternate, each run from a synced disk, output removed after
            os.sync()
            bases.append(baseline(docs, work))
            os.sync()
            exp, result = timed_export(only_docs, work / f"pkg1-{k}", keep_folder=True, captions=False)
            exps.append(exp)
            _clear(work / f"pkg1-{k}")
        base, exp = statistics.median(bases), statistics.median(exps)
        print(f"\n1. {args.files} files, {size / 1e6:.0f} MB, folder + zip, no conversions "
              f"(median of {args.rounds}):")
        print(f"   baseline cp -r + zip -0 : {base:6.2f} s  (runs {' / '.join(f'{x:.2f}' for x in bases)})")
        print(f"   export_package          : {exp:6.2f} s  (runs {' / '.join(f'{x:.2f}' for x in exps)})")
        print(f"   ratio                   : {exp / base:6.2f}×  (target ≤ 1.5×)")
        print(f"   checks alone            : {checks:6.2f} s (full library, included in the export)")
        print(f"   package: {result.files} files, {result.bytes / 1e6:.0f} MB")
        only_docs.close()
        # 2. 1,000 photos with 图文说明 PDFs
        if args.photos:
            photos_lib = _photos_only(lib, work)
            os.sync()
            plain, _ = timed_export(photos_lib, work / "pkg2", captions=False)
            os.sync()
            with_pdf, r2 = timed_export(photos_lib, work / "pkg3", captions=True)
            print(f"\n2. {args.photos} photos (2000×1500 JPEG, {r2.bytes / 1e6:.0f} MB package) "
                  f"with 图文说明 PDFs, zip:")
            print(f"   export without PDFs     : {plain:6.2f} s")
            print(f"   export with PDFs        : {with_pdf:6.2f} s  ({r2.captions} PDFs, "
                  f"{(with_pdf - plain) / args.photos * 1000:.0f} ms per photo for the PDFs)")
            photos_lib.close()
        lib.close()
    finally:
        if args.keep:
            print(f"kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


def _subset(lib: Library, work: Path, name: str, keep: tuple[str, ...]) -> Library:
    """A copy of the library holding only materials of the given kinds (vault shared by hard links)."""
    from sqlalchemy import delete, select

    dest = work / name
    lib_path = lib.path
    lib.close()
    vault = str(lib_path / "vault") + os.sep

    def link_vault(src: str, dst: str) -> None:  # the database is copied, the vault linked
        if src.startswith(vault):
            os.link(src, dst)
        else:
            shutil.copy2(src, dst)

    shutil.copytree(lib_path, dest, copy_function=link_vault,
                    ignore=shutil.ignore_patterns("library.lock"))
    lib._lock.acquire()
    sub = Library.open(dest)
    with sub.session() as s:
        drop = s.scalars(select(Material.id).where(Material.kind.not_in(keep))).all()
        s.execute(delete(Link).where(Link.material_id.in_(drop)))
        s.execute(delete(Material).where(Material.id.in_(drop)))
    return sub


def _docs_only(lib: Library, work: Path) -> Library:
    return _subset(lib, work, "lib-docs", ("pdf", "docx", "xlsx"))


def _photos_only(lib: Library, work: Path) -> Library:
    return _subset(lib, work, "lib-photos", ("jpeg",))


if __name__ == "__main__":
    sys.exit(main())
