"""帮助: 使用说明 (the README's Chinese section with its screenshots), 快捷键, 关于.

The README and ``docs/*.png`` ship with the program (``build.spec`` datas), so the help
is the same text as the project page and works offline.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
)

HELP_HEADING = "## 使用说明（中文）"
IMAGE_WIDTH = 720
# Extra keys that are not menu actions
EXTRA_KEYS = (
    ("Enter（在图片说明的输入框中）", "保存并转到下一张照片"),
    ("Ctrl+S", "保存右侧「信息」页的修改"),
    ("Ctrl+Shift+A", "采用建议的图片说明（时间、地点、摄影者……）"),
    ("Ctrl+V（在批量编辑图片说明中）", "粘贴从 Excel 复制的单元格"),
    ("拖放", "把文件拖到窗口上导入；把材料拖到左侧测评标准上归档"),
    ("双击材料", "打开预览"),
)
LICENCES = (
    ("Qt 6 / PySide6", "LGPL-3.0"),
    ("PyMuPDF / MuPDF", "AGPL-3.0"),
    ("SQLAlchemy, Alembic", "MIT"),
    ("Pillow", "MIT-CMU (HPND)"),
    ("pillow-heif / libheif", "BSD-3-Clause / LGPL-3.0"),
    ("python-docx, openpyxl, lxml, platformdirs", "MIT / MIT / BSD-3-Clause / MIT"),
    ("Whoosh (whoosh-reloaded)", "BSD-2-Clause"),
    ("归档章字体（Droid Sans Fallback 子集，随 PyMuPDF 提供）", "Apache-2.0"),
    ("界面中文字体", "使用系统字体（Windows 微软雅黑 / Linux Noto Sans CJK，SIL OFL-1.1）"),
)


def resource_root() -> Path:
    """Where README.md and docs/ are: the bundle's folder, else the source checkout."""
    base = getattr(sys, "_MEIPASS", None)
    return Path(base) if base else Path(__file__).resolve().parents[1]


def usage_markdown(readme: Path) -> str:
    """The README's Chinese section (up to the next ``## `` heading)."""
    try:
        text = readme.read_text(encoding="utf-8")
    except OSError:
        return "（找不到使用说明 README.md）"
    start = text.find(HELP_HEADING)
    if start < 0:
        return text
    rest = text[start:]
    nxt = re.search(r"^## ", rest[len(HELP_HEADING):], flags=re.M)
    return rest[: len(HELP_HEADING) + nxt.start()] if nxt else rest


def _dialog(parent, title: str, name: str, widget) -> QDialog:  # noqa: ANN001
    dialog = QDialog(parent)
    dialog.setObjectName(name)
    dialog.setWindowTitle(title)
    buttons = QDialogButtonBox(QDialogButtonBox.Close)
    buttons.button(QDialogButtonBox.Close).setText("关闭")
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addWidget(widget)
    layout.addWidget(buttons)
    dialog.setAttribute(Qt.WA_DeleteOnClose)
    return dialog


def usage_dialog(parent) -> QDialog:  # noqa: ANN001
    root = resource_root()
    browser = QTextBrowser()
    browser.setObjectName("usageText")
    browser.setOpenExternalLinks(True)
    browser.setSearchPaths([str(root)])
    browser.document().setBaseUrl(root.as_uri() + "/")
    browser.setMarkdown(usage_markdown(root / "README.md"))
    # screenshots at most as wide as the text (they are made at 1600 px)
    html = re.sub(r'<img src="([^"]+)"', r'<br><img width="%d" src="\1"' % IMAGE_WIDTH, browser.toHtml())
    browser.setHtml(html)
    dialog = _dialog(parent, "使用说明", "usageDialog", browser)
    dialog.browser = browser
    dialog.resize(980, 720)
    return dialog


def shortcuts_dialog(window) -> QDialog:  # noqa: ANN001
    rows = []
    for act in window.actions():
        keys = act.shortcut().toString()
        if keys:
            rows.append((keys, act.text().replace("&", "").rstrip("…")))
    rows.extend(EXTRA_KEYS)
    table = QTableWidget(len(rows), 2)
    table.setObjectName("shortcutTable")
    table.setHorizontalHeaderLabels(["按键", "作用"])
    table.verticalHeader().hide()
    table.setEditTriggers(QTableWidget.NoEditTriggers)
    for r, (keys, what) in enumerate(rows):
        table.setItem(r, 0, QTableWidgetItem(keys))
        table.setItem(r, 1, QTableWidgetItem(what))
    table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    dialog = _dialog(window, "快捷键", "shortcutDialog", table)
    dialog.table = table
    dialog.resize(620, 560)
    return dialog


def about_html(version: str, library: Path) -> str:
    rows = "".join(f"<tr><td style='padding:2px 12px 2px 0'>{name}</td><td>{lic}</td></tr>"
                   for name, lic in LICENCES)
    return (f"<h3>CivDesk {version}</h3><p>文明城市创建申报材料管理（离线版）</p>"
            f"<p>资料库：{library}</p><p><b>所用的开源软件与字体及其许可</b></p><table>{rows}</table>"
            "<p style='color:#666'>各许可证全文见随程序提供的各软件包；MuPDF 以 AGPL-3.0 提供，"
            "本程序的源代码随程序一并提供。</p>")


def about_dialog(parent, version: str, library: Path) -> QDialog:  # noqa: ANN001
    browser = QTextBrowser()
    browser.setObjectName("aboutText")
    browser.setHtml(about_html(version, library))
    dialog = _dialog(parent, "关于 CivDesk", "aboutDialog", browser)
    dialog.browser = browser
    dialog.resize(620, 520)
    return dialog
