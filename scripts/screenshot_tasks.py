"""Images of the task round trip for the README, offscreen:
python scripts/screenshot_tasks.py [DOCS_DIR]

Runs the loop on the sample checklist (two units fill their packages, one file
lands in a wrong folder, one report is returned), then renders through
LibreOffice (→ PDF → ``pdftoppm -r 70``) the 退回通知, the 催办通知 (second
reminder), the 补交通知 with its annex, the check report's 呈阅 first page,
the 任务清单 and the 台账, and grabs the review dialog.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TODAY = dt.date(2024, 5, 10)


def render(doc: Path, out: Path, pages: dict[int, str], dpi: int = 70, crop: bool = False) -> None:
    """Pages (1-based, -1 the last) of ``doc`` as PNGs named by ``pages``."""
    from civdesk.tools import convert_to_pdf

    pdf = convert_to_pdf(doc, doc.parent)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    last = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    for page, name in pages.items():
        page = last if page == -1 else page
        stem = doc.parent / f"{doc.stem}-p{page}"
        subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page),
                        "-singlefile", str(pdf), str(stem)], check=True)
        shutil.copyfile(stem.with_suffix(".png"), out / name)
        if crop:  # a worksheet: the printed area only, with a margin
            from PIL import Image, ImageOps

            im = Image.open(out / name).convert("RGB")
            box = ImageOps.invert(im).getbbox()
            if box:
                im.crop((max(box[0] - 16, 0), max(box[1] - 16, 0), box[2] + 16, box[3] + 16)).save(out / name)
        print(out / name)


def main() -> int:
    docs = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "docs")
    docs.mkdir(parents=True, exist_ok=True)
    from civdesk.checks import run_checks
    from civdesk.library import Library
    from civdesk.reports import write_check_docx
    from civdesk.tasks import export_package, list_submissions, receive, review
    from civdesk.tasks.ledger import build_ledger, write_ledger_xlsx
    from civdesk.tasks.notices import issue_notice
    from civdesk.tasks.settings import get_task_settings, save_task_settings
    from tests.core.tasks_helpers import PDFS, PHOTOS, caption, docx_file, gbk_zip, put

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CIVDESK_HOME"] = tmp
        t = Path(tmp)
        lib = Library.create(t / "示例资料库")
        save_task_settings(lib, get_task_settings(lib).with_values(
            issuer="某某市精神文明建设指导委员会办公室", doc_prefix="文明办", contact="李娜",
            phone="0871-68881234"))
        mz = export_package(lib, "市民政局", t / "out", today=TODAY)
        tw = export_package(lib, "团市委", t / "out", today=TODAY)
        put(mz.path, "Ⅲ-3：2", PHOTOS / "jpg__Canon_40D.jpg", "幸福社区居民公约宣传栏.jpg")
        put(mz.path, "Ⅲ-3：2", docx_file(t, "a.docx", "2023年度居民公约修订工作总结"), "居民公约修订工作总结.docx")
        put(mz.path, "其他材料", docx_file(t, "b.docx", "本局年度工作总结"), "年度工作总结.docx")
        caption(mz.path, [("幸福社区居民公约宣传栏.jpg", "", "2024年3月1日", "幸福社区", "社区居民",
                           "居民公约宣传", "新时代文明实践", "李四", "")])
        put(tw.path, "Ⅲ-7：2", PDFS / "minimal-document.pdf", "志愿服务激励回馈办法.pdf")
        put(tw.path, "Ⅲ-8：1", PHOTOS / "jpg__Nikon_D70.jpg", "火车站学雷锋志愿服务站.jpg")
        r1 = receive(lib, gbk_zip(mz.path, t / "民政局材料（终稿）.zip", wrap="新建文件夹"))
        r2 = receive(lib, gbk_zip(tw.path, t / "团市委.zip"))
        report = next(m for m, _, p in r1.filed if p.endswith(".docx"))
        photo = next(m for m, _, p in r1.filed if p.endswith(".jpg"))
        review(lib, r1.submission_id, accept=[report], returned=[photo],
               reason="照片分辨率过低（100×68），拍摄日期不在测评周期内；请提供测评周期内拍摄的原始照片")
        review(lib, r2.submission_id, accept=[m for m, _, _ in r2.filed])
        back = issue_notice(lib, "退回", t / "退回通知.docx", unit="市民政局", deadline=dt.date(2024, 5, 20),
                            today=TODAY)
        issue_notice(lib, "催办", t / "催办通知1.docx", deadline=dt.date(2024, 5, 20), today=TODAY)
        remind = issue_notice(lib, "催办", t / "催办通知.docx", deadline=dt.date(2024, 6, 5),
                              today=dt.date(2024, 5, 25))
        owed = issue_notice(lib, "补交", t / "补交通知.docx", unit="市民政局", deadline=dt.date(2024, 6, 5),
                            today=dt.date(2024, 5, 25))
        result = run_checks(lib, today=dt.date(2024, 5, 25))
        check = write_check_docx(result, t / "检查报告.docx", issuer="某某市精神文明建设指导委员会办公室")
        ledger = write_ledger_xlsx(build_ledger(lib, dt.date(2024, 5, 25)), t / "台账.xlsx")
        render(back.path, docs, {1: "tasks-notice-return.png"})
        render(remind.path, docs, {1: "tasks-notice-remind.png"})
        render(owed.path, docs, {1: "tasks-notice-owed.png", -1: "tasks-notice-owed-annex.png"})
        render(check, docs, {1: "check-report-summary.png"})
        render(mz.path / "任务清单.xlsx", docs, {1: "tasks-package-list.png"}, dpi=130, crop=True)
        render(ledger, docs, {1: "tasks-ledger.png"}, dpi=110, crop=True)
        _grab_review(lib, list_submissions(lib)[-1].id, docs / "tasks-review.png")
        lib.close()
    return 0


def _grab_review(lib, submission_id: int, out: Path) -> None:  # noqa: ANN001
    from PySide6.QtWidgets import QApplication

    from civdesk_ui.app import setup_app

    app = QApplication.instance() or QApplication([])
    setup_app(app)
    from civdesk_ui.main_window import MainWindow
    from civdesk_ui.review_dialog import ReviewDialog

    win = MainWindow(lib)
    win.resize(1200, 760)
    win.show()
    dialog = ReviewDialog(win, submission_id)
    dialog.show()
    while dialog.detail is None or win.jobs.jobs:
        app.processEvents()
    dialog.table.selectRow(1)
    app.processEvents()
    dialog.grab().save(str(out))
    print(out)
    dialog.close()
    win.close()


if __name__ == "__main__":
    sys.exit(main())
