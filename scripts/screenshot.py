"""Screenshots of the window, offscreen: python scripts/screenshot.py [--size WxH] [--scale F] [--out DIR]

Builds a fresh library (sample checklist + generated materials + the fixture corpus) in a
temporary folder, opens the window and saves each view.  Without options it makes the three
sets the README needs, each in its own process (the scale factor is fixed per process):

- 1600×1000 → ``docs/`` (``screenshot.png``, ``screenshot-<view>.png``, ``window-<view>.png``)
- 1280×720  → ``docs/1280x720/``
- 1280×720 at ``QT_SCALE_FACTOR=1.5`` (a Windows laptop at 150 %) → ``docs/scale150/``
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SETS = (("1600x1000", None, ROOT / "docs"), ("1280x720", None, ROOT / "docs" / "1280x720"),
        ("1280x720", "1.5", ROOT / "docs" / "scale150"))
PHRASE = "道德模范礼遇帮扶"


def _pump(app, n: int = 30) -> None:
    for _ in range(n):
        app.processEvents()


def _pdf_with_phrase(path: Path) -> None:
    import pymupdf

    doc = pymupdf.open()
    for n in range(1, 4):
        text = f"第{n}页 文明城市创建工作情况" + (f"，建立{PHRASE}制度并落实。" if n == 2 else "。")
        doc.new_page().insert_text((72, 100), text, fontname="china-s", fontsize=14)
    doc.save(path)


def shoot(size: tuple[int, int], out: Path) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(ROOT))
    from PySide6.QtWidgets import QApplication

    from civdesk.library import Library
    from civdesk_ui.app import setup_app

    app = QApplication.instance() or QApplication([])
    setup_app(app)
    from civdesk_ui.main_window import MainWindow

    out.mkdir(parents=True, exist_ok=True)
    big = size[0] >= 1600  # the README's set keeps the older names too

    def save(widget, name: str) -> None:  # noqa: ANN001
        _pump(app)
        target = out / f"{name}.png"
        widget.grab().save(str(target))
        print(target)

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CIVDESK_HOME"] = tmp
        lib = Library.create(Path(tmp) / "示例资料库")
        win = MainWindow(lib)
        win.resize(*size)
        win.show()
        _pump(app)
        save(win, "window-start")  # the first-run page
        win.close()
        lib.close()
        lib = Library.open(Path(tmp) / "示例资料库")

        from bench.make_corpus import make_corpus
        from civdesk.importer import ImportOptions

        made = Path(tmp) / "各单位报送材料"
        make_corpus(made, 60, seed=7, photo_size=(1600, 1200))
        _pdf_with_phrase(made / "道德模范礼遇帮扶情况说明.pdf")
        sources = [made]
        corpus = ROOT / "tests" / "fixtures" / "corpus"
        if corpus.is_dir():
            sources.append(corpus)
        lib.import_paths(sources, ImportOptions(accept_suggestions=True))
        lib.search_index.catch_up()
        win = MainWindow(lib)
        win.resize(*size)
        win.show()
        win.badge_runner.wait(30000)
        _pump(app, 60)
        views = win.screenshot_views()
        for name, prepare in views.items():
            prepare()
            win.badge_runner.wait(30000)
            _pump(app)
            shown = win.check_dashboard if name == "checks" and win.check_dashboard else win
            if big:
                save(shown, "screenshot" if name == "main" else f"screenshot-{name}")
            else:
                save(shown, f"window-{name}")
        if win.check_dashboard is not None:
            win.check_dashboard.close()

        # problems where the material is: badges, 只看有问题的, the tree's 问题 column
        win.search_box.clear()
        win.view_toggle.setCurrentIndex(0)
        win.show_unfiled()
        win.problems_only.setChecked(True)
        _pump(app)
        if win.model.ids:
            win.select_material(win.model.ids[0])
        save(win, "window-problems")
        win.problems_only.setChecked(False)

        # a search hit marked in a PDF
        win.search_box.setText(PHRASE)
        win.run_search()
        win.jobs.wait(20000)
        _pump(app)
        win.detail.setCurrentWidget(win.detail.preview)
        _pump(app)
        save(win, "window-pdf-hit")
        win.search_box.clear()
        win.run_search()

        # the caption grid over the photos of the unfiled list
        win.view_toggle.setCurrentIndex(1)
        win.show_unfiled()
        win.detail.setCurrentIndex(0)
        _pump(app)
        grid = win.open_caption_grid()
        if grid is not None:
            grid.resize(min(size[0] - 80, 1180), min(size[1] - 80, 560))
            save(grid, "window-caption-grid")
            grid.close()

        # the import report of a second import: duplicates name the material already there
        job = win.start_import([corpus / "photos"], ImportOptions(), ask=False)
        while not job.finished:
            _pump(app, 5)
            win.jobs.wait(100)
        _pump(app)
        dialog = win.report_dialog
        dialog.resize(min(size[0] - 80, 1000), min(size[1] - 120, 520))
        save(dialog, "window-import-report")
        dialog.close()

        usage = win.show_usage()
        usage.resize(min(size[0] - 80, 980), min(size[1] - 80, 720))
        save(usage, "window-usage")
        usage.close()
        win.close()
        lib.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", help="window size WxH (default: all three sets)")
    ap.add_argument("--scale", help="QT_SCALE_FACTOR for this run, e.g. 1.5")
    ap.add_argument("--out", type=Path, help="folder for the PNG files")
    args = ap.parse_args(argv)
    if args.size is None:
        for size, scale, out in SETS:
            env = dict(os.environ)
            env.pop("QT_SCALE_FACTOR", None)
            if scale:
                env["QT_SCALE_FACTOR"] = scale
            cmd = [sys.executable, __file__, "--size", size, "--out", str(out)]
            subprocess.run(cmd, check=True, env=env)
        return 0
    if args.scale:
        os.environ["QT_SCALE_FACTOR"] = args.scale
    w, h = (int(x) for x in args.size.lower().split("x"))
    shoot((w, h), args.out or ROOT / "docs")
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    os._exit(code)  # skip the interpreter's teardown of Qt objects
