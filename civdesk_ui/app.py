"""GUI entry point: opens the main window on the default (or last) library.

``python main.py [--library PATH] [--screenshot FILE] [--quit-after MS] [--quit-when-shown]
[--quit-when-ready]``
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from PySide6.QtCore import QEvent, QLibraryInfo, QObject, QTimer, QTranslator
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication, QMessageBox

from civdesk.library import Library, LibraryError
from civdesk.lock import LibraryLockedError
from civdesk.settings import AppSettings, resolve_library
from civdesk_ui.file_dialogs import existing_directory
from civdesk_ui.messages import ask


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="civdesk-gui", description="CivDesk 图形界面")
    p.add_argument("--library", "-L", help="资料库文件夹")
    p.add_argument("--screenshot", help="（测试用）启动后截图保存到此文件并退出")
    p.add_argument("--quit-after", type=int, default=0, help="（测试用）若干毫秒后自动退出")
    p.add_argument("--quit-when-shown", action="store_true",
                   help="（测试用）窗口首次绘制后在标准错误输出时刻（first-paint 秒）并退出")
    p.add_argument("--quit-when-ready", action="store_true",
                   help="（测试用）同上，并等材料列表显示出来后再输出时刻（ready 秒 行数）并退出")
    return p.parse_args(argv)


def choose_font(app: QApplication) -> None:
    """Prefer a CJK UI font when one is installed."""
    families = set(QFontDatabase.families())
    for name in ("Microsoft YaHei UI", "Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC",
                 "Source Han Sans SC", "WenQuanYi Micro Hei"):
        if name in families:
            font = QFont(name)
            font.setPointSize(10)
            app.setFont(font)
            return


def install_translations(app: QApplication) -> bool:
    """Qt's own Chinese texts (file dialog labels, 显示详情…), from the PySide6 wheel."""
    translator = QTranslator(app)
    if not translator.load("qtbase_zh_CN", QLibraryInfo.path(QLibraryInfo.TranslationsPath)):
        return False
    return app.installTranslator(translator)


def setup_app(app: QApplication) -> None:
    app.setApplicationName("CivDesk")
    app.setApplicationDisplayName("CivDesk 文明创建材料管理")
    app.setOrganizationName("CivDesk")
    if not install_translations(app):
        print("未找到 Qt 的中文翻译 qtbase_zh_CN.qm：文件对话框将显示英文", file=sys.stderr)
    choose_font(app)


def open_library_interactively(path: Path) -> Library | None:
    """Open (or create) the library; on failure let the clerk pick another."""
    while True:
        try:
            return Library.open(path, create=True)
        except (LibraryError, LibraryLockedError, OSError) as exc:
            if not ask(None, "无法打开资料库", f"{exc}\n\n是否选择另一个资料库文件夹？",
                       default_yes=True, icon=QMessageBox.Warning):
                return None
            chosen = existing_directory(None, "选择或新建资料库文件夹")
            if not chosen:
                return None
            path = Path(chosen)


class _QuitWhenShown(QObject):
    """Prints the wall-clock time of the window's first paint, then closes the window; with
    ``ready``, first waits until the material list is shown (a big node is listed on a worker)
    and prints that time and the number of rows too: the window is then usable."""

    def __init__(self, window, ready: bool = False) -> None:  # noqa: ANN001
        super().__init__(window)
        self.window, self.ready = window, ready

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Paint:
            print(f"first-paint {time.time():.3f}", file=sys.stderr, flush=True)
            obj.removeEventFilter(self)
            QTimer.singleShot(0, self._when_listed if self.ready else obj.close)
        return False

    def _when_listed(self) -> None:
        if self.window.listing_pending():
            QTimer.singleShot(5, self._when_listed)
            return
        self.window.repaint()  # the list as the clerk sees it
        print(f"ready {time.time():.3f} {self.window.model.rowCount()}", file=sys.stderr, flush=True)
        self.window.close()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    setup_app(app)

    from civdesk_ui.main_window import MainWindow

    path = resolve_library(args.library)
    lib = open_library_interactively(path)
    if lib is None:
        return 1
    try:
        AppSettings.load().remember(lib.path)
    except OSError:
        pass
    window = MainWindow(lib)
    if args.quit_when_shown or args.quit_when_ready:
        window.installEventFilter(_QuitWhenShown(window, ready=args.quit_when_ready))
    window.show()
    if args.screenshot:
        def shoot() -> None:
            window.grab().save(args.screenshot)
            window.close()
        QTimer.singleShot(max(args.quit_after, 800), shoot)
    elif args.quit_after:
        QTimer.singleShot(args.quit_after, window.close)
    code = app.exec()
    lib.close()
    return code


if __name__ == "__main__":
    os.environ.setdefault("QT_ENABLE_HIGHDPI_SCALING", "1")
    sys.exit(main())
