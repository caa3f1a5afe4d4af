"""The main window: checklist tree on the left, the selected item in the centre."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QAction, QBrush, QColor, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from civdesk import checklists as cl
from civdesk.library import Library, LibraryError
from civdesk.lock import LibraryLockedError
from civdesk.settings import AppSettings
from ui.jobs import JobRunner

LEVEL_COLOURS = {1: "#1f3a5f", 2: "#2c5d8a", 3: "#333333"}
ROLE_ID = Qt.UserRole
ROLE_KIND = Qt.UserRole + 1


class ChecklistPanel(QWidget):
    """The checklist switcher and tree (Ⅰ → Ⅱ → Ⅲ → standards)."""

    def __init__(self, window: MainWindow):
        super().__init__()
        self.window = window
        self.switcher = QComboBox()
        self.switcher.setObjectName("checklistSwitcher")
        self.switcher.currentIndexChanged.connect(self._switched)
        self.tree = QTreeWidget()
        self.tree.setObjectName("checklistTree")
        self.tree.setHeaderLabels(["测评体系", "方法", "材料"])
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeToContents)
        header.setStretchLastSection(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.switcher)
        layout.addWidget(self.tree)
        self.checklist_id: int | None = None

    def reload(self, select_id: int | None = None) -> None:
        infos = cl.list_checklists(self.window.lib)
        self.switcher.blockSignals(True)
        self.switcher.clear()
        for info in infos:
            self.switcher.addItem(info.label, info.id)
        self.switcher.blockSignals(False)
        if not infos:
            self.tree.clear()
            self.checklist_id = None
            return
        target = select_id or self.checklist_id or infos[0].id
        idx = max(self.switcher.findData(target), 0)
        self.switcher.setCurrentIndex(idx)
        self._switched(idx)

    def _switched(self, index: int) -> None:
        if index < 0:
            return
        self.checklist_id = self.switcher.itemData(index)
        self.show_tree(cl.checklist_tree(self.window.lib, self.checklist_id))

    def show_tree(self, tree: cl.ChecklistTree) -> None:
        self.tree.clear()
        for root in tree.roots:
            self.tree.addTopLevelItem(self._node_item(root))
        self.tree.expandToDepth(1)
        if self.tree.topLevelItemCount():
            self.tree.setCurrentItem(self.tree.topLevelItem(0))

    def _node_item(self, node: cl.NodeView) -> QTreeWidgetItem:
        item = QTreeWidgetItem([f"{node.code}  {node.title}"])
        item.setData(0, ROLE_ID, node.id)
        item.setData(0, ROLE_KIND, "node")
        item.setForeground(0, QBrush(QColor(LEVEL_COLOURS.get(node.level, "#333"))))
        font = item.font(0)
        font.setBold(node.level < 3)
        item.setFont(0, font)
        total = 0
        for child in node.children:
            child_item = self._node_item(child)
            total += int(child_item.text(2) or 0)
            item.addChild(child_item)
        for st in node.standards:
            s_item = QTreeWidgetItem([f"{st.number}）{st.text}", "、".join(st.methods),
                                      str(st.material_count)])
            s_item.setData(0, ROLE_ID, st.id)
            s_item.setData(0, ROLE_KIND, "standard")
            s_item.setToolTip(0, st.text)
            if not st.needs_materials:
                s_item.setForeground(0, QBrush(QColor("#888888")))
            total += st.material_count
            item.addChild(s_item)
        item.setText(2, str(total))
        return item


class DetailPanel(QTextBrowser):
    """What the clerk needs to know about the selected item or standard."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("detailPanel")
        self.setOpenExternalLinks(False)

    def show_standard(self, st: cl.StandardView) -> None:
        req = "；".join(f"{r.kind}≥{r.min_count}" for r in st.requirements) or "—"
        rows = [
            ("编号", st.code),
            ("测评方法", "、".join(st.methods) or "—"),
            ("需上传材料", "是" if st.needs_materials else "否（实地考察/问卷等）"),
            ("牵头单位", "、".join(st.lead_units) or "—"),
            ("配合单位", "、".join(st.units) or "—"),
            ("完成时限", st.deadline.isoformat() if st.deadline else "—"),
            ("材料要求", f"{req}<br><span style='color:#777'>原文：{st.requirement_text or '—'}</span>"),
            ("已归档材料", f"{st.material_count} 件"),
        ]
        if st.requirement_unparsed:
            rows.append(("未识别的要求", f"<span style='color:#b00'>{st.requirement_unparsed}</span>"))
        self._render(f"测评标准 {st.code}", st.text, rows)

    def show_node(self, node: cl.NodeView) -> None:
        level = {1: "测评项目", 2: "指标", 3: "测评内容"}[node.level]
        standards = [s for n in node.walk() for s in n.standards]
        rows = [("层级", level), ("测评标准", f"{len(standards)} 条"),
                ("需上传材料的标准", f"{sum(1 for s in standards if s.needs_materials)} 条"),
                ("已归档材料", f"{sum(s.material_count for s in standards)} 件")]
        self._render(f"{node.code} {node.title}", "", rows)

    def _render(self, title: str, body: str, rows: list[tuple[str, str]]) -> None:
        cells = "".join(f"<tr><td style='color:#555;padding:3px 12px 3px 0;white-space:nowrap'>{k}</td>"
                        f"<td style='padding:3px 0'>{v}</td></tr>" for k, v in rows)
        self.setHtml(f"<h3 style='color:#1f3a5f'>{title}</h3>"
                     f"<p style='font-size:11pt'>{body}</p><table>{cells}</table>")


class MainWindow(QMainWindow):
    def __init__(self, lib: Library):
        super().__init__()
        self.lib = lib
        self.jobs = JobRunner(self)
        self.setObjectName("mainWindow")
        self.resize(1280, 800)
        self.checklist_panel = ChecklistPanel(self)
        self.detail = DetailPanel()
        self.centre_title = QLabel()
        self.centre_title.setObjectName("centreTitle")
        centre = QWidget()
        cl_layout = QVBoxLayout(centre)
        cl_layout.setContentsMargins(6, 0, 0, 0)
        cl_layout.addWidget(self.centre_title)
        cl_layout.addWidget(self.detail)
        splitter = QSplitter()
        splitter.setObjectName("mainSplitter")
        splitter.addWidget(self.checklist_panel)
        splitter.addWidget(centre)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([520, 760])
        holder = QWidget()
        h = QHBoxLayout(holder)
        h.setContentsMargins(6, 6, 6, 6)
        h.addWidget(splitter)
        self.setCentralWidget(holder)
        self.splitter = splitter
        self._make_menus()
        self.path_label = QLabel()
        self.statusBar().addPermanentWidget(self.path_label)
        self.jobs.status.connect(lambda m: self.statusBar().showMessage(m, 5000))
        self.checklist_panel.tree.currentItemChanged.connect(self._selected)
        self._restore_layout()
        self.set_library(lib)

    # ------------------------------------------------------------------ menus
    def _make_menus(self) -> None:
        m = self.menuBar().addMenu("文件(&F)")
        self._action(m, "新建资料库…", self.new_library, QKeySequence.New)
        self._action(m, "打开资料库…", self.open_library, QKeySequence.Open)
        self.recent_menu = m.addMenu("最近打开")
        m.addSeparator()
        self._action(m, "退出", self.close, QKeySequence.Quit)
        m = self.menuBar().addMenu("测评体系(&C)")
        self._action(m, "导入测评体系…", self.import_checklist, "Ctrl+Shift+I")
        self._action(m, "设置测评周期…", self.edit_period)
        self._action(m, "责任单位…", self.edit_units)
        m = self.menuBar().addMenu("帮助(&H)")
        self._action(m, "关于 CivDesk", self.about)

    def _action(self, menu, text, slot, shortcut=None) -> QAction:
        act = QAction(text, self)
        if shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
        act.triggered.connect(slot)
        menu.addAction(act)
        return act

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for p in AppSettings.load().recent_libraries:
            act = self.recent_menu.addAction(p)
            act.triggered.connect(lambda _=False, p=p: self.switch_library(Path(p)))

    # ---------------------------------------------------------------- library
    def set_library(self, lib: Library) -> None:
        self.lib = lib
        self.setWindowTitle(f"CivDesk 文明创建材料管理 — {lib.path.name}")
        self.path_label.setText(f"资料库：{lib.path.resolve()}")
        if lib.backup_made:
            self.statusBar().showMessage(f"资料库已升级，原数据库备份为 {lib.backup_made}", 10000)
        self._fill_recent()
        self.checklist_panel.reload()

    def switch_library(self, path: Path, create: bool = False) -> None:
        try:
            new = Library.open(path, create=create)
        except (LibraryError, LibraryLockedError, OSError) as exc:
            QMessageBox.warning(self, "无法打开资料库", str(exc))
            return
        self.lib.close()
        AppSettings.load().remember(path)
        self.set_library(new)

    def new_library(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "选择一个空文件夹作为新资料库")
        if chosen:
            self.switch_library(Path(chosen), create=True)

    def open_library(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "打开资料库文件夹")
        if chosen:
            self.switch_library(Path(chosen))

    # -------------------------------------------------------------- checklist
    def import_checklist(self) -> None:
        from ui.checklist_dialogs import ChecklistImportWizard

        wizard = ChecklistImportWizard(self)
        wizard.open()

    def edit_period(self) -> None:
        from ui.checklist_dialogs import PeriodDialog

        if self.checklist_panel.checklist_id is not None:
            PeriodDialog(self, self.checklist_panel.checklist_id).open()

    def edit_units(self) -> None:
        from ui.checklist_dialogs import UnitsDialog

        UnitsDialog(self).open()

    def _selected(self, current: QTreeWidgetItem | None, _prev=None) -> None:
        if current is None:
            return
        kind = current.data(0, ROLE_KIND)
        ident = current.data(0, ROLE_ID)
        tree = cl.checklist_tree(self.lib, self.checklist_panel.checklist_id)
        if kind == "standard":
            st = next(s for s in tree.all_standards() if s.id == ident)
            self.centre_title.setText(f"<b>{st.code}</b>")
            self.detail.show_standard(st)
        else:
            node = next(n for r in tree.roots for n in r.walk() if n.id == ident)
            self.centre_title.setText(f"<b>{node.code} {node.title}</b>")
            self.detail.show_node(node)

    def select_standard(self, standard_id: int) -> bool:
        """Show a standard in the tree (expanding its parents) and its details."""
        tree = self.checklist_panel.tree
        stack = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
        while stack:
            item = stack.pop()
            if item.data(0, ROLE_KIND) == "standard" and item.data(0, ROLE_ID) == standard_id:
                parent = item.parent()
                while parent is not None:
                    parent.setExpanded(True)
                    parent = parent.parent()
                tree.setCurrentItem(item)
                tree.scrollToItem(item)
                return True
            stack.extend(item.child(i) for i in range(item.childCount()))
        return False

    def screenshot_views(self) -> dict:
        """Views for scripts/screenshot.py: name -> function preparing it."""
        def main() -> None:
            first = next((s for s in cl.checklist_tree(self.lib, self.checklist_panel.checklist_id)
                          .all_standards() if s.item_code == "Ⅲ-5"), None)
            if first is not None:
                self.select_standard(first.id)

        return {"main": main}

    # ----------------------------------------------------------------- layout
    def _restore_layout(self) -> None:
        saved = AppSettings.load().window
        if saved.get("geometry"):
            self.restoreGeometry(QByteArray.fromBase64(saved["geometry"].encode()))
        if saved.get("splitter"):
            self.splitter.restoreState(QByteArray.fromBase64(saved["splitter"].encode()))

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt name
        settings = AppSettings.load()
        settings.window = {
            "geometry": bytes(self.saveGeometry().toBase64()).decode(),
            "splitter": bytes(self.splitter.saveState().toBase64()).decode(),
        }
        try:
            settings.save()
        except OSError:
            pass
        self.jobs.wait(5000)
        super().closeEvent(event)

    def about(self) -> None:
        from civdesk import __version__

        QMessageBox.about(self, "关于 CivDesk",
                          f"CivDesk {__version__}\n文明城市创建申报材料管理（离线版）\n"
                          f"资料库：{self.lib.path.resolve()}")
