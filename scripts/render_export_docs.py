"""Render the printed output of an export to PNG for the README (docs/export-*.png).

Builds a small library from the test corpus (photos with captions, PDF documents, a text
file), exports it with the 材料汇编, then renders: the 图文说明 PDF, 目录.docx and 目录.xlsx
(through LibreOffice → PDF, as they print) and the 材料汇编's cover, contents and a photo
page.  Needs LibreOffice (soffice) and poppler's pdftoppm::

    python scripts/render_export_docs.py [--out docs]
"""
from __future__ import annotations

import argparse
import datetime as dt
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402
from sqlalchemy import select  # noqa: E402

from civdesk.checklist.store import find_standard  # noqa: E402
from civdesk.checks import RULES, set_check_settings  # noqa: E402
from civdesk.export import ExportOptions, export_package  # noqa: E402
from civdesk.importer import ImportOptions  # noqa: E402
from civdesk.library import Library  # noqa: E402
from civdesk.models import Material  # noqa: E402
from civdesk.tools import convert_to_pdf  # noqa: E402

CORPUS = ROOT / "tests" / "fixtures" / "corpus"
CAPTIONS = [
    ("2024年5月18日上午", "市民中心广场", "市文明办工作人员、道德模范代表", "道德模范事迹报告会", "", "李明"),
    ("2024年5月20日", "市文化馆", "获奖代表", "身边好人颁奖仪式", "第十届道德模范评选", ""),
]


def build(work: Path) -> Library:
    lib = Library.create(work / "lib")
    set_check_settings(lib, disabled=list(RULES))
    photos, docs = find_standard(lib, "Ⅲ-5:1"), find_standard(lib, "Ⅲ-1:1")
    picked = [CORPUS / "photos" / n for n in ("jpg__orientation__landscape_6.jpg", "jpg__gps__DSCN0010.jpg",
                                              "jpg__mobile__jolla.jpg", "heic__IMG_5195.HEIC")]
    lib.import_paths(picked, ImportOptions(standard_ids=(photos.id,), unit="市委宣传部", workers=1))
    lib.import_paths([CORPUS / "pdf" / "pdflatex-4-pages.pdf", CORPUS / "pdf" / "minimal-document.pdf"],
                     ImportOptions(standard_ids=(docs.id,), unit="市委宣传部", workers=1))
    with lib.session() as s:
        for n, m in enumerate(s.scalars(select(Material).order_by(Material.id))):
            if m.kind in ("jpeg", "heic"):
                t, place, people, event, back, who = CAPTIONS[n % 2]
                m.caption_time, m.caption_place, m.caption_people = t, place, people
                m.caption_event, m.caption_background, m.caption_photographer = event, back, who
                m.title = ["道德模范事迹报告会现场", "颁奖仪式", "志愿者合影", "身边好人代表发言"][n % 4]
                m.date = dt.date(2024, 5, 18 + n)
            else:
                m.title = ["市委理论学习中心组2024年度学习计划", "理论学习情况说明"][n % 2]
                m.category = ["正式发文", "说明报告"][n % 2]
                m.doc_number = "文明办〔2024〕3号" if n % 2 == 0 else ""
    return lib


def png(pdf: Path, page: int, out: Path, dpi: int = 60) -> Path:
    stem = out.with_suffix("")
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page),
                    "-singlefile", str(pdf), str(stem)], check=True)
    return out


def side_by_side(paths: list[Path], out: Path) -> None:
    images = [Image.open(p).convert("RGB") for p in paths]
    h = max(i.height for i in images)
    canvas = Image.new("RGB", (sum(i.width for i in images) + 12 * (len(images) - 1), h), (200, 200, 200))
    x = 0
    for im in images:
        canvas.paste(im, (x, 0))
        x += im.width + 12
    canvas.save(out, optimize=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="civdesk-render-"))
    try:
        lib = build(work)
        r = export_package(lib, work / "申报材料", options=ExportOptions.from_library(
            lib, compilation=True, city="某某市", timestamp="2024-06-01T09:00:00"))
        lib.close()
        sheet = next(r.folder.rglob("图文说明.pdf"))
        png(sheet, 1, args.out / "export-caption-sheet.png")
        for name, target in (("目录.docx", "export-catalog-docx.png"), ("目录.xlsx", "export-catalog-xlsx.png")):
            pdf = convert_to_pdf(r.folder / name, work / "lo" / name.replace(".", "-"))
            png(pdf, 1, args.out / target)
        comp = r.folder / "材料汇编.pdf"
        parts = [png(comp, n, work / f"comp-{n}.png", 45) for n in (1, 2, 9)]
        side_by_side(parts, args.out / "export-compilation.png")
        print("rendered:", *sorted(p.name for p in args.out.glob("export-*.png")))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
