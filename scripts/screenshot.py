"""Screenshots of the main views, offscreen: python scripts/screenshot.py [OUT.png]

Builds a fresh library (sample checklist + the shared corpus when present) in a
temporary folder, opens the window and saves what it shows.
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "docs" / "screenshot.png")
    out.parent.mkdir(parents=True, exist_ok=True)
    from PySide6.QtWidgets import QApplication

    from civdesk.library import Library
    from civdesk_ui.app import setup_app

    app = QApplication.instance() or QApplication([])
    setup_app(app)
    from civdesk_ui.main_window import MainWindow

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CIVDESK_HOME"] = tmp
        lib = Library.create(Path(tmp) / "示例资料库")
        from bench.make_corpus import make_corpus
        from civdesk.importer import ImportOptions

        made = Path(tmp) / "各单位报送材料"
        make_corpus(made, 60, seed=7, photo_size=(1600, 1200))
        sources = [made]
        corpus = ROOT / "tests" / "fixtures" / "corpus"
        if corpus.is_dir():
            sources.append(corpus)
        lib.import_paths(sources, ImportOptions(accept_suggestions=True))
        lib.search_index.catch_up()
        win = MainWindow(lib)
        win.resize(1360, 820)
        win.show()
        for _ in range(20):
            app.processEvents()
        views = getattr(win, "screenshot_views", lambda: {"main": lambda: None})()
        for name, prepare in views.items():
            prepare()
            for _ in range(30):
                app.processEvents()
            target = out if name == "main" else out.with_name(f"{out.stem}-{name}{out.suffix}")
            shown = win.check_dashboard if name == "checks" and win.check_dashboard else win
            shown.grab().save(str(target))
            print(target)
        win.close()
        lib.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
