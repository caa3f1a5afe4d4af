"""Benchmark: receiving a returned task package, beside a plain import of the same files.

A unit's task package (市委宣传部, sample checklist) is filled with ``--photos`` 1600×1200
JPEGs and ``--pdfs`` one-page PDFs spread over its standard folders, with a caption row
per photo, and zipped with GBK names as Windows does.  In the same run:

- baseline: ``lib.import_paths`` of the filled folder into a fresh library (no filing);
- ``receive`` of the zip into a fresh library that issued the package: scan, copy out of
  the zip, the same import, filing under the folders' standards, captions, the submission;
- ``receive`` of the same zip again (recognised, nothing added);
- ``build_ledger`` and the 台账.xlsx afterwards.

Usage::

    python bench/bench_tasks.py [--photos 300] [--pdfs 100] [--keep]
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

from civdesk.library import Library  # noqa: E402
from civdesk.tasks import export_package, receive  # noqa: E402
from civdesk.tasks.ledger import build_ledger, write_ledger_xlsx  # noqa: E402
from tests.core.tasks_helpers import caption, gbk_zip  # noqa: E402

UNIT = "市委宣传部"


def photo(seed: int) -> bytes:
    rnd = random.Random(seed)
    im = Image.new("RGB", (1600, 1200), tuple(rnd.randrange(256) for _ in range(3)))
    d = ImageDraw.Draw(im)
    for _ in range(40):
        x, y = rnd.randrange(1600), rnd.randrange(1200)
        d.rectangle((x, y, x + rnd.randrange(200), y + rnd.randrange(200)),
                    fill=tuple(rnd.randrange(256) for _ in range(3)))
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=85)
    return buf.getvalue()


def pdf(n: int) -> bytes:
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), f"report {n}")
    return doc.tobytes()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--photos", type=int, default=300)
    ap.add_argument("--pdfs", type=int, default=100)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-tasks-"))
    try:
        issuing = Library.create(tmp / "issuing")
        info = export_package(issuing, UNIT, tmp / "out", today=dt.date(2024, 5, 10))
        folders = [info.path / s.folder for s in info.owed]
        rows = []
        for i in range(args.photos):
            name = f"活动照片{i:04d}.jpg"
            folder = folders[i % len(folders)]
            (folder / name).write_bytes(photo(i))
            rows.append((name, folder.name, "2024年3月1日", "市民广场", "志愿者", "宣讲活动", "", "", ""))
        for i in range(args.pdfs):
            (folders[i % len(folders)] / f"文件{i:04d}.pdf").write_bytes(pdf(i))
        caption(info.path, rows)
        zpath = gbk_zip(info.path, tmp / "报送.zip", wrap="新建文件夹")
        files = args.photos + args.pdfs
        print(f"{files} files ({args.photos} photos, {args.pdfs} PDFs), zip {zpath.stat().st_size / 1e6:.1f} MB")

        with Library.create(tmp / "plain") as plain:
            t = time.perf_counter()
            report = plain.import_paths([info.path])
            base = time.perf_counter() - t
        print(f"baseline  import_paths(folder)        {base:7.2f} s  ({report.count('imported')} imported)")

        t = time.perf_counter()
        result = receive(issuing, zpath)
        first = time.perf_counter() - t
        print(f"receive   (zip, file, captions)       {first:7.2f} s  ×{first / base:.2f} of baseline  "
              f"({len(result.filed)} filed, {result.counts['captions']} captions)")
        t = time.perf_counter()
        again = receive(issuing, zpath)
        second = time.perf_counter() - t
        assert again.already
        print(f"receive   same zip again              {second:7.2f} s  ×{second / base:.2f} of baseline")
        t = time.perf_counter()
        write_ledger_xlsx(build_ledger(issuing), tmp / "台账.xlsx")
        ledger = time.perf_counter() - t
        print(f"ledger    build + 台账.xlsx           {ledger:7.2f} s  ×{ledger / base:.3f} of baseline")
        issuing.close()
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
