"""UI benchmark: start-up, showing a big node, and the longest stall of the UI thread.

    QT_QPA_PLATFORM=offscreen python bench/bench_ui.py [--materials 20000] [--node 2000] [--import 500]

Prints, beside the same figure for an empty library measured in the same run:
- time from start to a usable window (window built, shown, first paint done);
- time to show a tree node with N materials (selected → first screen painted);
- the longest stall of the UI thread, measured by a 10 ms timer that records how
  late it fires, while scrolling the whole grid, switching nodes, captioning photos
  (their badges and the tree's problem counts follow) and running an import of 500
  files in the background.  Goal: under 100 ms.  Beside each: the idle window's own
  worst stall (what the machine's load costs) or the same action on the empty library.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


class StallMeter:
    """A 10 ms timer; the longest gap beyond its interval is the worst stall."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)
        self.last = 0.0
        self.worst = 0.0

    def _tick(self) -> None:
        now = time.perf_counter()
        if self.last:
            self.worst = max(self.worst, now - self.last - 0.010)
        self.last = now

    def start(self) -> None:
        self.last, self.worst = 0.0, 0.0
        self.timer.start()

    def stop(self) -> float:
        self.timer.stop()
        return self.worst


def build_library(path: Path, materials: int, node: int):
    """A library with ``materials`` rows (fake content), ``node`` of them under one standard."""
    from PIL import Image

    from civdesk.checklist import store as cl
    from civdesk.library import Library
    from civdesk.models import Link, Material

    lib = Library.create(path)
    if not materials:
        return lib, None
    standards = [s for s in cl.checklist_tree(lib).all_standards() if s.needs_materials]
    big = standards[0]
    thumb = path / "thumb.jpg"
    Image.new("RGB", (256, 192), (120, 160, 200)).save(thumb, quality=80)
    rows, links = [], []
    for i in range(materials):
        sha = hashlib.sha256(f"m{i}".encode()).hexdigest()
        dest = lib.thumb_path(sha)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(thumb, dest)
        rows.append(dict(id=i + 1, sha256=sha, size=1000, original_name=f"IMG_{i:05d}.jpg",
                         kind="jpeg", category="图片", title=f"活动照片{i}", thumb="ok",
                         width=4000, height=3000, text_status="ok"))
        sid = big.id if i < node else standards[1 + i % (len(standards) - 1)].id
        links.append(dict(material_id=i + 1, standard_id=sid, note="", source="bench"))
    with lib.session() as s:
        s.execute(Material.__table__.insert(), rows)
        s.execute(Link.__table__.insert(), links)
    lib.search_index.rebuild()
    return lib, big.id


def pump(app, seconds: float = 0.0) -> None:
    end = time.perf_counter() + seconds
    app.processEvents()
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.002)


def time_start(app, lib) -> tuple[float, object]:
    from civdesk_ui.main_window import MainWindow

    start = time.perf_counter()
    win = MainWindow(lib)
    win.show()
    win.grab()  # the first paint
    app.processEvents()
    return time.perf_counter() - start, win


def time_show_node(app, win, standard_id: int) -> float:
    start = time.perf_counter()
    win.select_standard(standard_id)
    while win._listing is not None:  # a big node is listed on a worker thread
        app.processEvents()
        time.sleep(0.001)
    win.current_view().viewport().grab()
    app.processEvents()
    return time.perf_counter() - start


def stall_scroll(app, win, meter: StallMeter) -> float:
    view = win.grid
    win.view_toggle.setCurrentIndex(0)
    bar = view.verticalScrollBar()
    meter.start()
    step = max(bar.pageStep(), 1)
    for value in range(0, bar.maximum() + step, step):
        bar.setValue(value)
        pump(app, 0.005)
    pump(app, 0.3)  # thumbnails arriving
    return meter.stop()


def stall_idle(app, win, meter: StallMeter, seconds: float = 2.0) -> float:
    """The same meter on a window doing nothing: what the machine's load alone costs."""
    while any(r.jobs for r in (win.jobs, win.background, win.badge_runner)):
        pump(app, 0.05)  # its own background work done first
    meter.start()
    pump(app, seconds)
    return meter.stop()


def stall_edit(app, win, meter: StallMeter, edits: int = 5) -> float:
    """Caption a photo as the detail panel does, and wait for its badge and the tree's
    problem count to follow (the check re-run on a worker, the views updated)."""
    view = win.current_view()
    meter.start()
    for r in range(edits):
        mid = win.model.material_id(r)
        view.selectionModel().clearSelection()
        view.setCurrentIndex(win.model.index(r, 0))
        pump(app, 0.05)
        win.edit_materials([mid], {"caption_time": "2024年5月1日", "caption_place": "人民广场",
                                   "caption_people": "志愿者", "caption_event": f"文明劝导{r}"})
        deadline = time.perf_counter() + 30
        while mid in win.badge_summary.badges and time.perf_counter() < deadline:
            pump(app, 0.005)
        pump(app, 0.05)
    return meter.stop()


def stall_switch(app, win, meter: StallMeter) -> float:
    tree = win.checklist_panel.tree
    items = [it for it in win.checklist_panel._items()]
    meter.start()
    for it in items[:40]:
        tree.setCurrentItem(it)
        pump(app, 0.01)
    return meter.stop()


def stall_import(app, win, meter: StallMeter, files: int, tmp: Path) -> tuple[float, float]:
    from bench.make_corpus import make_corpus
    from civdesk.importer import ImportOptions

    src = tmp / "import-src"
    make_corpus(src, files, seed=3, photo_size=(1600, 1200))
    meter.start()
    start = time.perf_counter()
    job = win.start_import([src], ImportOptions(), ask=False)
    while not job.finished:
        pump(app, 0.05)
    elapsed = time.perf_counter() - start
    if getattr(win, "report_dialog", None):
        win.report_dialog.close()
    return meter.stop(), elapsed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="CivDesk UI benchmark")
    ap.add_argument("--materials", type=int, default=20000)
    ap.add_argument("--node", type=int, default=2000)
    ap.add_argument("--import", dest="imports", type=int, default=500)
    args = ap.parse_args(argv)
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp_s:
        tmp = Path(tmp_s)
        os.environ["CIVDESK_HOME"] = str(tmp / "home")
        t0 = time.perf_counter()
        big_lib, big_standard = build_library(tmp / "big", args.materials, args.node)
        print(f"built a library of {args.materials} materials in {time.perf_counter() - t0:.1f} s")
        empty_lib, _ = build_library(tmp / "empty", 0, 0)
        empty_start, empty_win = time_start(app, empty_lib)
        meter = StallMeter()
        pump(app, 0.5)
        base_idle = stall_idle(app, empty_win, meter)
        base_switch = stall_switch(app, empty_win, meter)
        base_imp, base_imp_s = stall_import(app, empty_win, meter, args.imports, tmp / "empty-import")
        empty_win.close()
        big_start, win = time_start(app, big_lib)
        pump(app, 0.5)
        show = time_show_node(app, win, big_standard)
        first_std = next(iter(win.checklist_panel.standards.values())).id
        show_small = time_show_node(app, win, first_std)
        time_show_node(app, win, big_standard)
        scroll = stall_scroll(app, win, meter)
        switch = stall_switch(app, win, meter)
        time_show_node(app, win, big_standard)
        edit = stall_edit(app, win, meter)
        idle = stall_idle(app, win, meter)
        imp, imp_s = stall_import(app, win, meter, args.imports, tmp)
        win.close()
        big_lib.close()
        empty_lib.close()
    print()
    print(f"{'figure':<52}{'value':>10}{'baseline':>12}")
    print(f"{'start to usable window, ' + str(args.materials) + ' materials':<52}{big_start * 1000:>8.0f}ms"
          f"{empty_start * 1000:>10.0f}ms  (empty library)")
    print(f"{'show a node with ' + str(args.node) + ' materials':<52}{show * 1000:>8.0f}ms"
          f"{show_small * 1000:>10.0f}ms  (a node with few materials)")
    print(f"{'longest UI stall: idle window (machine load)':<52}{idle * 1000:>8.0f}ms"
          f"{base_idle * 1000:>10.0f}ms  (idle, empty library)")
    print(f"{'longest UI stall: scrolling the whole grid':<52}{scroll * 1000:>8.0f}ms"
          f"{base_idle * 1000:>10.0f}ms  (idle, empty library)")
    print(f"{'longest UI stall: switching 40 tree nodes':<52}{switch * 1000:>8.0f}ms"
          f"{base_switch * 1000:>10.0f}ms  (same, empty library)")
    print(f"{'longest UI stall: captioning 5 photos (badges follow)':<52}{edit * 1000:>8.0f}ms"
          f"{base_idle * 1000:>10.0f}ms  (idle, empty library)")
    print(f"{'longest UI stall: importing ' + str(args.imports) + ' files in background':<52}"
          f"{imp * 1000:>8.0f}ms{base_imp * 1000:>10.0f}ms  (same, empty library; "
          f"import took {imp_s:.1f} s / {base_imp_s:.1f} s)")
    print("goal: every stall under 100 ms")
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    os._exit(code)  # skip interpreter teardown of Qt objects (not what is measured)
