"""Benchmark: the year-end archive carrier and its 四性检测, beside the declaration package.

A library of ``--pdfs`` one-page PDFs and ``--photos`` 1600×1200 JPEGs, all dated in one
year and filed under the sample checklist, is numbered; then, in the same run:

- baseline: ``export_package`` (the declaration package, folder, no 图文说明) of the same files;
- ``export_archive`` (folder): every PDF's first page stamped on a copy, metadata XML per 件,
  catalogue, documents, the 四性检测 of the written carrier;
- ``check_carrier`` alone on the written carrier (what the receiving archive reruns).

No DOCX, so LibreOffice is not involved.  Usage::

    python bench/bench_archive.py [--pdfs 1000] [--photos 500] [--keep]
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pymupdf  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

from civdesk.archive.arrange import number  # noqa: E402
from civdesk.archive.check import check_carrier  # noqa: E402
from civdesk.archive.export import export_archive  # noqa: E402
from civdesk.archive.settings import save_archive_settings  # noqa: E402
from civdesk.checklist.store import checklist_tree  # noqa: E402
from civdesk.export import ExportOptions, export_package  # noqa: E402
from civdesk.library import Library  # noqa: E402
from civdesk.models import Link, Material, Unit  # noqa: E402


def _pdf(i: int) -> bytes:
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 100), f"Document {i}: " + "text " * 60, fontsize=11)
    return doc.tobytes()


def _photo(rng: random.Random, i: int) -> bytes:
    im = Image.linear_gradient("L").resize((1600, 1200)).convert("RGB")
    d = ImageDraw.Draw(im)
    for _ in range(8):
        x, y = rng.randrange(1500), rng.randrange(1100)
        d.ellipse([x, y, x + rng.randint(40, 300), y + rng.randint(40, 200)],
                  fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    d.text((40, 40), f"#{i}", fill=(255, 255, 255))
    out = io.BytesIO()
    im.save(out, "JPEG", quality=85)
    return out.getvalue()


def build(root: Path, pdfs: int, photos: int) -> Library:
    lib = Library.create(root / "lib")
    standards = [s.id for s in checklist_tree(lib).all_standards()]
    rng = random.Random(7)
    with lib.session() as s:  # the sample checklist already names the unit
        unit = s.query(Unit).filter_by(name="市文明办").one_or_none() or Unit(name="市文明办")
        s.add(unit)
        s.flush()
        unit_id = unit.id
    blobs = [(_pdf(i), f"文件{i:05d}.pdf", "pdf") for i in range(pdfs)]
    blobs += [(_photo(rng, i), f"照片{i:05d}.jpg", "jpeg") for i in range(photos)]
    with lib.session() as s:
        for n, (data, name, kind) in enumerate(blobs):
            stored = lib.vault.store_stream(io.BytesIO(data))
            m = Material(sha256=stored.sha256, size=stored.size, original_name=name, kind=kind,
                         title=Path(name).stem, date=dt.date(2024, 1, 1) + dt.timedelta(days=n % 360),
                         unit_id=unit_id, pages=1, caption_event="志愿服务" if kind == "jpeg" else "",
                         updated_at=dt.datetime(2024, 6, 1))
            s.add(m)
            s.flush()
            s.add(Link(material_id=m.id, standard_id=standards[n % len(standards)]))
    save_archive_settings(lib, fonds="Z109", org_codes={"市文明办": "BGS"})
    return lib


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pdfs", type=int, default=1000)
    ap.add_argument("--photos", type=int, default=500)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="civdesk-bench-archive-"))
    try:
        t = time.perf_counter()
        lib = build(work, args.pdfs, args.photos)
        print(f"library: {args.pdfs} PDFs + {args.photos} photos in {time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        fixed = number(lib, 2024)
        print(f"arrange + number {fixed} 件      : {time.perf_counter() - t:6.2f} s")
        t = time.perf_counter()
        export_package(lib, work / "pkg", allow_errors=True,
                       options=ExportOptions.from_library(lib, captions=False))
        base = time.perf_counter() - t
        print(f"baseline export_package (folder): {base:6.2f} s")
        t = time.perf_counter()
        result = export_archive(lib, 2024, work / "carrier")
        exp = time.perf_counter() - t
        print(f"export_archive (folder, checked): {exp:6.2f} s  ({exp / base:.2f}× the baseline; "
              f"{result.files} files, {result.bytes / 1e6:.0f} MB, check ok={result.report.ok})")
        t = time.perf_counter()
        report = check_carrier(work / "carrier")
        print(f"check_carrier alone             : {time.perf_counter() - t:6.2f} s  (ok={report.ok})")
        lib.close()
    finally:
        if args.keep:
            print(f"kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
