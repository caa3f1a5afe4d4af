"""The main window: checklist tree | materials grid or table | detail panel.

The window talks only to the ``civdesk`` facade.  Anything that can take more
than ~100 ms (import, search, indexing, OCR) runs as a job; writes go through
the undo stack and refresh only what they changed.
"""
from __future__ import annotations

import gc
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QByteArray, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QBrush, QColor, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidgetItem,
    QMainWindow,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from civdesk import caption_proposals
from civdesk import materials as mat
from civdesk.checklist import store as cl
from civdesk.checks.badges import BadgeSummary, compute_badges
from civdesk.checks.model import PeriodInfo
from civdesk.library import Library, LibraryError
from civdesk.lock import LibraryLockedError
from civdesk.settings import AppSettings
from civdesk.years import default_year, material_years, year_span
from civdesk_ui.detail_panel import DetailPanel
from civdesk_ui.file_dialogs import existing_directory, open_files
from civdesk_ui.jobs import JobRunner
from civdesk_ui.material_views import (
    MaterialGrid,
    MaterialModel,
    MaterialTable,
    ThumbnailCache,
    ids_from_mime,
)
from civdesk_ui.messages import inform, warn
from civdesk_ui.period_chooser import (
    PeriodChooser,
    effective_period,
    period_label,
)
from civdesk_ui.start_page import HintList, StartPage
from civdesk_ui.undo import EditCommand, LinkCommand, UnlinkCommand

LEVEL_COLOURS = {1: "#1f3a5f", 2: "#2c5d8a", 3: "#333333"}
STATUS_COLOURS = {"none": "#9aa3ad", "some": "#d98a00", "met": "#2e7d32"}
ROLE_ID = Qt.UserRole
ROLE_KIND = Qt.UserRole + 1
UNFILED = "unfiled"
SEARCH_DELAY_MS = 300
BADGES_AFTER_MS = 300
BIG_NODE = 300  # a node with more materials is listed on a worker thread (~1 ms per 100 ids in SQL)
READING_HINT_MS = 300  # "正在读取……" only when a listing takes this long (no flash on each click)
CLOSE_WAIT_MS = 30_000  # how long closing waits for running jobs to notice their cancellation


class FilingTree(QTreeWidget):
    """The checklist tree; materials dropped on a standard are filed under it."""

    dropped = Signal(int, list)  # standard id, material ids

    def __init__(self) -> None:
        super().__init__()
        self.setAcceptDrops(True)
        self.viewport().setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DropOnly)
        self.setDropIndicatorShown(True)

    def standard_at(self, pos) -> int | None:  # noqa: ANN001
        item = self.itemAt(pos)
        if item is not None and item.data(0, ROLE_KIND) == "standard":
            return item.data(0, ROLE_ID)
        return None

    def dragEnterEvent(self, event) -> None:  # noqa: N802, ANN001
        event.setAccepted(bool(ids_from_mime(event.mimeData())))

    def dragMoveEvent(self, event) -> None:  # noqa: N802, ANN001
        ok = bool(ids_from_mime(event.mimeData())) and \
            self.standard_at(event.position().toPoint()) is not None
        event.setAccepted(ok)
        if ok:
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802, ANN001
        sid = self.standard_at(event.position().toPoint())
        ids = ids_from_mime(event.mimeData())
        if sid is None or not ids:
            event.ignore()
            return
        event.acceptProposedAction()
        self.dropped.emit(sid, ids)


class ChecklistPanel(QWidget):
    """The checklist switcher and tree (Ⅰ → Ⅱ → Ⅲ → standards) plus 未归类."""

    def __init__(self, window: MainWindow):
        super().__init__()
        self.window = window
        self.switcher = QComboBox()
        self.switcher.setObjectName("checklistSwitcher")
        self.switcher.currentIndexChanged.connect(self._switched)
        self.tree = FilingTree()
        self.tree.setObjectName("checklistTree")
        self.tree.setHeaderLabels(["测评体系", "方法", "材料", "问题"])
        self.tree.headerItem().setToolTip(3, "有问题的材料件数（期外、模糊、缺说明……），随修改即时更新")
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.Stretch)
        header.setSectionResizeMode(1, QHeaderView.Interactive)
        header.resizeSection(1, 64)  # 方法: the tooltip and 测评标准 tab have it in full
        header.setSectionResizeMode(2, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeToContents)
        header.setStretchLastSection(False)
        self.tree.setTextElideMode(Qt.ElideRight)  # the code and the first words stay readable
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.switcher)
        layout.addWidget(self.tree)
        self.checklist_id: int | None = None
        self.tree_view: cl.ChecklistTree | None = None
        self.standards: dict[int, cl.StandardView] = {}
        self.nodes: dict[int, cl.NodeView] = {}
        self.problems: dict[int, int] = {}  # standard id → materials with a badge
        self._shape: tuple | None = None  # what the items were built for
        self._load_job = None

    def reload(self, select_id: int | None = None) -> None:
        infos = cl.list_checklists(self.window.lib)
        self.switcher.blockSignals(True)
        self.switcher.clear()
        for info in infos:
            self.switcher.addItem(info.label, info.id)
        self.switcher.blockSignals(False)
        if not infos:
            self.tree.clear()
            self._shape = None
            self.checklist_id = None
            return
        target = select_id or self.checklist_id or infos[0].id
        idx = max(self.switcher.findData(target), 0)
        self.switcher.setCurrentIndex(idx)
        self._switched(idx)

    def _switched(self, index: int) -> None:
        if index < 0:
            return
        changed = self.switcher.itemData(index) != self.checklist_id
        self.checklist_id = self.switcher.itemData(index)
        self.refresh()
        if changed and self.window.centralWidget() is not None:  # not while the window is built
            self.window.fill_periods()
            self.window.update_badges()

    def refresh(self) -> None:
        """Re-read counts and statuses, keeping expansion and the selection."""
        if self.checklist_id is None:
            return
        self.apply(load_tree_data(self.window.lib, self.checklist_id))

    def refresh_later(self) -> None:
        """The same, read on a worker thread (after an import or an edit): the UI thread only
        sets the counts of the items already there.  The newest request wins."""
        if self.checklist_id is None:
            return
        lib, cid = self.window.lib, self.checklist_id

        def shown(data: TreeData) -> None:
            if job is self._load_job and data.checklist_id == self.checklist_id:
                self.apply(data)

        job = self.window.jobs.run("更新测评体系计数", lambda _p: load_tree_data(lib, cid),
                                   on_done=shown, dialog=False, show_errors=False)
        self._load_job = job

    def apply(self, data: TreeData) -> None:
        tree = data.tree
        self.tree_view = tree
        self.standards = {s.id: s for s in tree.all_standards()}
        self.nodes = {n.id: n for r in tree.roots for n in r.walk()}
        shape = (data.checklist_id, tuple(self.nodes), tuple(self.standards))
        if shape == self._shape:
            self._update_items(data)
            return
        current = self.tree.currentItem()
        keep = (current.data(0, ROLE_KIND), current.data(0, ROLE_ID)) if current else None
        expanded = {(it.data(0, ROLE_KIND), it.data(0, ROLE_ID)) for it in self._items() if it.isExpanded()}
        self.tree.blockSignals(True)
        self.tree.clear()
        for root in tree.roots:
            self.tree.addTopLevelItem(self._node_item(root, data.counts))
        unfiled = QTreeWidgetItem(["未归类材料", "", str(data.unfiled)])
        unfiled.setData(0, ROLE_KIND, UNFILED)
        unfiled.setData(0, ROLE_ID, 0)
        unfiled.setForeground(0, QBrush(QColor("#8a4b00")))
        unfiled.setToolTip(0, "导入后尚未归档到任何测评标准的材料。把它们拖到上面的测评标准上即可归档。")
        self.tree.addTopLevelItem(unfiled)
        if expanded:
            for it in self._items():
                it.setExpanded((it.data(0, ROLE_KIND), it.data(0, ROLE_ID)) in expanded)
        else:
            self.tree.expandToDepth(1)
        self.tree.blockSignals(False)
        self._shape = shape
        self.set_problems(self.problems)
        target = next((it for it in self._items()
                       if keep and (it.data(0, ROLE_KIND), it.data(0, ROLE_ID)) == keep), None)
        self.tree.setCurrentItem(target or self.tree.topLevelItem(0))

    def _update_items(self, data: TreeData) -> None:
        """Counts, status colours and texts of the items in place (no rebuild, no reselection)."""
        def visit(item: QTreeWidgetItem) -> int:
            kind, ident = item.data(0, ROLE_KIND), item.data(0, ROLE_ID)
            if kind == "standard":
                st = self.standards[ident]
                n = self._set_standard(item, st, data.counts.get(st.id, {}))
                return n
            if kind == UNFILED:
                item.setText(2, str(data.unfiled))
                return 0
            node = self.nodes.get(ident)
            if node is not None:
                item.setText(0, f"{node.code}  {node.title}")
            total = sum(visit(item.child(i)) for i in range(item.childCount()))
            item.setText(2, str(total))
            return total

        for i in range(self.tree.topLevelItemCount()):
            visit(self.tree.topLevelItem(i))

    def set_problems(self, problems: dict[int, int]) -> None:
        """The 问题 column: materials with a badge, per standard and summed per node.  Only the
        counts that changed are set (each set repaints the tree: after an edit, one or two)."""
        self.problems = dict(problems)
        red = QBrush(QColor("#b00020"))

        def visit(item: QTreeWidgetItem) -> int:
            kind, ident = item.data(0, ROLE_KIND), item.data(0, ROLE_ID)
            if kind == "standard":
                n = self.problems.get(ident, 0)
            elif kind == UNFILED:
                return 0
            else:
                n = sum(visit(item.child(i)) for i in range(item.childCount()))
            text = str(n) if n else ""
            if item.text(3) != text:
                if not item.text(3):
                    item.setForeground(3, red)
                item.setText(3, text)
            return n

        for i in range(self.tree.topLevelItemCount()):
            visit(self.tree.topLevelItem(i))

    def _items(self):
        stack = [self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount())]
        while stack:
            it = stack.pop()
            yield it
            stack.extend(it.child(i) for i in range(it.childCount()))

    def _node_item(self, node: cl.NodeView, counts: dict[int, dict[str, int]]) -> QTreeWidgetItem:
        item = QTreeWidgetItem([f"{node.code}  {node.title}"])
        item.setData(0, ROLE_ID, node.id)
        item.setData(0, ROLE_KIND, "node")
        item.setForeground(0, QBrush(QColor(LEVEL_COLOURS.get(node.level, "#333"))))
        font = item.font(0)
        font.setBold(node.level < 3)
        item.setFont(0, font)
        total = 0
        for child in node.children:
            child_item = self._node_item(child, counts)
            total += int(child_item.text(2) or 0)
            item.addChild(child_item)
        for st in node.standards:
            s_item = QTreeWidgetItem()
            s_item.setData(0, ROLE_ID, st.id)
            s_item.setData(0, ROLE_KIND, "standard")
            total += self._set_standard(s_item, st, counts.get(st.id, {}))
            item.addChild(s_item)
        item.setText(2, str(total))
        return item

    @staticmethod
    def _set_standard(s_item: QTreeWidgetItem, st: cl.StandardView, by_cat: dict[str, int]) -> int:
        n = sum(by_cat.values())
        score = f"［{st.points:g}分］" if st.points is not None else ""
        s_item.setText(0, f"{st.number}）{st.text}{score}")
        s_item.setText(1, "、".join(st.methods))
        s_item.setText(2, str(n))
        state = standard_state(st, by_cat)
        s_item.setData(0, Qt.UserRole + 2, state)
        if st.needs_materials:
            s_item.setForeground(2, QBrush(QColor(STATUS_COLOURS[state])))
            s_item.setToolTip(0, f"{st.text}\n状态：{STATE_LABELS[state]}")
        else:
            s_item.setForeground(0, QBrush(QColor("#888888")))
            s_item.setToolTip(0, f"{st.text}\n（{'、'.join(st.methods)}，无需上传材料）")
        return n

    def item_for_standard(self, standard_id: int) -> QTreeWidgetItem | None:
        return next((it for it in self._items() if it.data(0, ROLE_KIND) == "standard"
                     and it.data(0, ROLE_ID) == standard_id), None)

    def standard_ids_under(self, item: QTreeWidgetItem) -> list[int]:
        kind, ident = item.data(0, ROLE_KIND), item.data(0, ROLE_ID)
        if kind == "standard":
            return [ident]
        node = self.nodes.get(ident)
        return [s.id for n in node.walk() for s in n.standards] if node else []


@dataclass(frozen=True)
class TreeData:
    """What the tree shows, read in one go (on a worker thread when it can wait)."""

    checklist_id: int
    tree: cl.ChecklistTree
    counts: dict[int, dict[str, int]]
    unfiled: int


def load_tree_data(lib: Library, checklist_id: int) -> TreeData:
    return TreeData(checklist_id, cl.checklist_tree(lib, checklist_id),
                    mat.counts_by_standard(lib, checklist_id), mat.unfiled_count(lib))


EMPTY = {
    "standard": "这条测评标准下还没有材料。\n把「未归类材料」里的材料拖到左侧这条标准上即可归档；"
                "也可以选中这条标准后导入（导入时选「归档到当前测评标准」）。",
    "node": "这一条目下还没有材料。\n展开它，把材料拖到其下的测评标准上即可归档。",
    UNFILED: "没有未归类的材料。\n把文件、文件夹或各单位的 zip 压缩包拖到这个窗口上即可导入（或 文件 → 导入）。",
    "unit": "这个单位还没有材料。\n导入时在「责任单位」中选择它，或在右侧「信息」页修改材料的责任单位。",
    "no_unit": "在左侧选择一个责任单位，这里显示它报送的材料。\n单位名单在 测评体系 → 责任单位 中维护。",
    "no_problems": "这里的材料都没有问题标记（期外、模糊、分辨率低、缺说明、重复、无法打开）。",
    "search": "没有找到包含「{query}」的材料。\n试试更短的词、文号或编号（如 Ⅲ-5），或取消「仅当前条目」。",
}
STATE_LABELS = {"none": "尚无材料", "some": "已有部分材料", "met": "材料要求已满足"}


def standard_state(st: cl.StandardView, by_category: dict[str, int]) -> str:
    """nothing yet / some / requirement met, from materials counted by 类别."""
    total = sum(by_category.values())
    if total == 0:
        return "none"
    if not st.requirements:
        return "met"
    met = all(by_category.get(r.kind, 0) >= r.min_count for r in st.requirements)
    return "met" if met else "some"


class UnitPanel(HintList):
    """The by-unit view: each responsible unit with its materials."""

    def __init__(self) -> None:
        super().__init__("还没有责任单位。导入测评体系或任务分解表后，这里列出各责任单位；"
                         "也可在 测评体系 → 责任单位 中添加。")
        self.setObjectName("unitList")

    def fill(self, lib: Library) -> None:
        current = self.currentItem().data(Qt.UserRole) if self.currentItem() else None
        self.blockSignals(True)
        self.clear()
        counts = mat.counts_by_unit(lib)
        for u in cl.list_units(lib):
            n = counts.get(u.id, 0)
            item = QListWidgetItem(f"{u.name}（{n} 件，牵头 {u.lead} / 配合 {u.coop} 条标准）")
            item.setData(Qt.UserRole, u.id)
            self.addItem(item)
            if u.id == current:
                self.setCurrentItem(item)
        self.blockSignals(False)


class MainWindow(QMainWindow):
    def __init__(self, lib: Library):
        super().__init__()
        self.lib = lib
        self.setObjectName("mainWindow")
        self.setAcceptDrops(True)
        screen = self.screen().availableGeometry() if self.screen() else None
        # a 1280×720 screen (or 150 % on a laptop) gets a window that fits it
        self.resize(min(1360, int(screen.width() * 0.96)) if screen else 1360,
                    min(820, int(screen.height() * 0.92)) if screen else 820)
        self.jobs = JobRunner(self)
        self.background = JobRunner(self, max_threads=1)
        self.badge_runner = JobRunner(self, max_threads=1)  # one at a time: each builds on the last
        self.badge_summary = BadgeSummary()
        self._badge_job = None
        self._badge_again = False
        self._listing = None
        self.closing = False
        self._panes_restored = False
        self._frozen = False  # start-up objects out of the garbage collector's sight (showEvent)
        self.period_year: int | None = None  # the checks' 测评周期 (None: the current one)
        self.view_year: int | None = None  # the year the material list shows (None: all years)
        self.default_view_year: int | None = None
        self._view_periods: tuple = ()
        self.undo_stack = QUndoStack(self)
        self.thumbs = ThumbnailCache(lib, self)
        self.model = MaterialModel(lib, self.thumbs, self)
        self.search_pages: dict[int, int | None] = {}
        self.search_query = ""
        self._ocr_job = None
        self.check_dashboard = None

        self.checklist_panel = ChecklistPanel(self)
        self.unit_panel = UnitPanel()
        self.left_tabs = QTabWidget()
        self.left_tabs.addTab(self.checklist_panel, "测评体系")
        self.left_tabs.addTab(self.unit_panel, "按单位")

        self.grid = MaterialGrid(self.model)
        self.table = MaterialTable(self.model)
        self.views = QStackedWidget()
        self.views.addWidget(self.grid)
        self.views.addWidget(self.table)
        self.start_page = StartPage()
        self.start_page.step.connect(self._start_step)
        self.views.addWidget(self.start_page)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._material_selected())
        self.grid.selectionModel().selectionChanged.connect(lambda *_: self._material_selected())
        self.table.doubleClicked.connect(lambda _: self.detail.setCurrentWidget(self.detail.preview))
        self.grid.doubleClicked.connect(lambda _: self.detail.setCurrentWidget(self.detail.preview))

        self.search_box = QLineEdit()
        self.search_box.setObjectName("searchBox")
        self.search_box.setPlaceholderText("搜索材料：题名、说明、文件名、正文……（Ctrl+F）")
        self.search_box.setClearButtonEnabled(True)
        self.search_scope = QCheckBox("仅当前条目")
        self.search_kind = QComboBox()
        self.search_kind.addItem("全部类型", None)
        for kind, label in (("jpeg", "照片"), ("pdf", "PDF"), ("docx", "Word"), ("xlsx", "Excel")):
            self.search_kind.addItem(label, kind)
        self.sort_box = QComboBox()
        for key, label in (("date", "按日期"), ("name", "按文件名"), ("kind", "按类型"),
                           ("unit", "按单位"), ("imported", "按导入顺序")):
            self.sort_box.addItem(label, key)
        self.sort_box.currentIndexChanged.connect(lambda _: self.show_selection())
        self.view_toggle = QComboBox()
        self.view_toggle.addItems(["缩略图", "列表"])
        self.view_toggle.currentIndexChanged.connect(self.views.setCurrentIndex)
        self.centre_title = QLabel()
        self.centre_title.setObjectName("centreTitle")
        self.centre_title.setTextFormat(Qt.RichText)
        self.problems_only = QCheckBox("只看有问题的")
        self.problems_only.setObjectName("problemsOnly")
        self.problems_only.setToolTip("只显示带有 期外、模糊、分辨率低、缺说明、重复、无法打开 标记的材料")
        self.problems_only.toggled.connect(lambda _: self.show_selection())
        # years of material: the list shows one year (the current one by default), and says so
        self.year_filter = QComboBox()
        self.year_filter.setObjectName("yearFilter")
        self.year_filter.setToolTip("材料列表按年度显示：有测评周期的年度按测评周期的起止日期，其他年度按自然年；"
                                    "未标注形成日期的材料在每个年度都列出")
        self.year_filter.activated.connect(lambda i: self.choose_view_year(self.year_filter.itemData(i)))
        self.year_note = QLabel()
        self.year_note.setObjectName("yearNote")
        self.year_note.setTextFormat(Qt.RichText)
        self.year_note.setToolTip("只列出这一年度形成的材料；未标注形成日期的材料在每个年度都列出")
        self.year_note.linkActivated.connect(
            lambda href: self.choose_view_year(None if href == "all" else self.default_view_year))
        self.year_bar = QWidget()
        self.year_bar.setObjectName("yearBar")
        y_layout = QHBoxLayout(self.year_bar)
        y_layout.setContentsMargins(0, 0, 0, 0)
        y_layout.addWidget(QLabel("年度："))
        y_layout.addWidget(self.year_filter)
        y_layout.addWidget(self.year_note, 1)
        self.search_box.setMinimumWidth(220)
        bar = QHBoxLayout()
        bar.addWidget(self.search_box, 3)
        bar.addWidget(self.problems_only)
        bar.addWidget(self.search_scope)
        bar.addWidget(self.search_kind)
        bar.addWidget(self.sort_box)
        bar.addWidget(self.view_toggle)
        centre = QWidget()
        c_layout = QVBoxLayout(centre)
        c_layout.setContentsMargins(4, 0, 4, 0)
        c_layout.addLayout(bar)
        c_layout.addWidget(self.year_bar)
        c_layout.addWidget(self.centre_title)
        c_layout.addWidget(self.views)

        self.detail = DetailPanel(lib)
        self.detail.editor.save_requested.connect(self.edit_materials)
        self.detail.editor.proposals_requested.connect(self.apply_proposals)
        self.detail.editor.next_requested.connect(self.select_next)
        self.detail.filing.unlink_requested.connect(
            lambda ids, sid: self.unlink_materials(ids, sid))
        self.detail.filing.accept_requested.connect(self.accept_suggestions)
        self.detail.filing.reject_requested.connect(self.reject_suggestions)

        splitter = QSplitter()
        splitter.setObjectName("mainSplitter")
        splitter.addWidget(self.left_tabs)
        splitter.addWidget(centre)
        splitter.addWidget(self.detail)
        width = max(self.width(), 1280)
        splitter.setSizes([int(width * 0.27), int(width * 0.45), int(width * 0.28)])
        for i, stretch in enumerate((27, 45, 28)):  # a bigger window widens all three panes
            splitter.setStretchFactor(i, stretch)
        splitter.setChildrenCollapsible(False)
        self.left_tabs.setMinimumWidth(260)
        self.detail.setMinimumWidth(280)
        self.setCentralWidget(splitter)
        self.splitter = splitter

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.run_search)
        self.search_box.textChanged.connect(lambda _: self._search_timer.start())
        self.search_scope.toggled.connect(lambda _: self._search_timer.start())
        self.search_kind.currentIndexChanged.connect(lambda _: self._search_timer.start())
        self._index_timer = QTimer(self)
        self._index_timer.setSingleShot(True)
        self._index_timer.setInterval(800)
        self._index_timer.timeout.connect(self.update_index)

        self._make_menus()
        self.path_label = QLabel()
        self.period_chooser = PeriodChooser()
        self.period_chooser.chosen.connect(self.choose_period)
        self.statusBar().addPermanentWidget(QLabel("检查按："))
        self.statusBar().addPermanentWidget(self.period_chooser)
        self.statusBar().addPermanentWidget(self.path_label)
        self.presence_label = QLabel()  # a shared library: who else has it open
        self.statusBar().addPermanentWidget(self.presence_label)
        self.watcher = None
        self.jobs.status.connect(lambda m: self.statusBar().showMessage(m, 5000))
        self.background.status.connect(lambda m: self.statusBar().showMessage(m, 3000))
        self.checklist_panel.tree.currentItemChanged.connect(lambda *_: self._tree_selected())
        self.checklist_panel.tree.dropped.connect(self.file_materials)
        self.unit_panel.currentItemChanged.connect(lambda *_: self._unit_selected())
        self.left_tabs.currentChanged.connect(lambda _: self.show_selection())
        self._restore_layout()
        self.set_library(lib)

    # ------------------------------------------------------------------ menus
    def _make_menus(self) -> None:
        m = self.menuBar().addMenu("文件(&F)")
        self._action(m, "导入文件…", self.import_files, "Ctrl+I")
        self._action(m, "导入文件夹…", self.import_folder, "Ctrl+Shift+O")
        m.addSeparator()
        self._action(m, "新建资料库…", self.new_library, QKeySequence.New)
        self._action(m, "打开资料库…", self.open_library, QKeySequence.Open)
        self.recent_menu = m.addMenu("最近打开")
        m.addSeparator()
        self._action(m, "退出", self.close, QKeySequence.Quit)
        m = self.menuBar().addMenu("编辑(&E)")
        undo = self.undo_stack.createUndoAction(self, "撤销")
        undo.setShortcut(QKeySequence.Undo)
        redo = self.undo_stack.createRedoAction(self, "重做")
        redo.setShortcut(QKeySequence.Redo)
        m.addAction(undo)
        m.addAction(redo)
        m.addSeparator()
        self._action(m, "搜索", self.focus_search, QKeySequence.Find)
        self._action(m, "全选", lambda: self.current_view().selectAll(), QKeySequence.SelectAll)
        self._action(m, "从当前标准移除所选材料", self.unlink_selected, QKeySequence.Delete)
        m.addSeparator()
        self._action(m, "批量编辑图片说明…", self.open_caption_grid, "Ctrl+Shift+E")
        self._action(m, "修改历史…", self.show_history, "Ctrl+H")
        m = self.menuBar().addMenu("视图(&V)")
        self._action(m, "缩略图", lambda: self.view_toggle.setCurrentIndex(0), "Ctrl+1")
        self._action(m, "列表", lambda: self.view_toggle.setCurrentIndex(1), "Ctrl+2")
        self._action(m, "刷新", self.refresh_all, QKeySequence.Refresh)
        m = self.menuBar().addMenu("测评体系(&C)")
        self._action(m, "导入测评体系…", self.import_checklist, "Ctrl+Shift+I")
        self._action(m, "导入任务分解表到现有测评体系…", self.merge_task_table)
        self._action(m, "设置测评周期…", self.edit_period)
        self._action(m, "责任单位…", self.edit_units)
        m = self.menuBar().addMenu("检查与导出(&K)")
        self._action(m, "申报前检查…", self.open_checks, "F9")
        self._action(m, "导出申报材料包…", self.open_export, "Ctrl+E")
        self._action(m, "校验材料包…", self.verify_package)
        self._action(m, "年度归档（移交档案馆）…", self.open_archive_wizard)
        from civdesk_ui import tasks_ui

        tasks_ui.add_actions(self, self.menuBar().addMenu("任务与报送(&R)"))
        m = self.menuBar().addMenu("工具(&T)")
        self._action(m, "资料库设置（平台限制、检查规则）…", self.open_settings, "Ctrl+,")
        self._action(m, "图片说明：地点表与说明模板…", self.open_caption_settings)
        self._action(m, "重建搜索索引", self.rebuild_index)
        self._action(m, "原件完整性校验", self.verify_library)
        m = self.menuBar().addMenu("帮助(&H)")
        self._action(m, "使用说明", self.show_usage, QKeySequence.HelpContents)
        self._action(m, "快捷键", self.show_shortcuts)
        self._action(m, "关于 CivDesk", self.about)

    def _action(self, menu, text, slot, shortcut=None) -> QAction:  # noqa: ANN001
        act = QAction(text, self)
        if shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
        act.triggered.connect(slot)
        menu.addAction(act)
        self.addAction(act)
        return act

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for p in AppSettings.load().recent_libraries:
            act = self.recent_menu.addAction(p)
            act.triggered.connect(lambda _=False, p=p: self.switch_library(Path(p)))

    # ---------------------------------------------------------------- library
    def set_library(self, lib: Library) -> None:
        self.lib = lib
        self.model.lib = lib
        self.thumbs.lib = lib
        self.detail.preview.lib = lib
        self.detail.preview.jobs = self.jobs
        self.badge_summary = BadgeSummary()
        self.model.set_badges(self.badge_summary)
        self.undo_stack.clear()
        self.setWindowTitle(f"CivDesk 文明创建材料管理 — {lib.path.name}")
        self.path_label.setText(f"资料库：{lib.path.resolve()}")
        if lib.backup_made:
            self.statusBar().showMessage(f"资料库已升级，原数据库备份为 {lib.backup_made}", 10000)
        self._fill_recent()
        self.detail.editor.set_units(mat.units(lib))
        self.unit_panel.fill(lib)
        self.checklist_panel.reload()
        self.period_year = None  # the current 测评周期 and year, until the clerk picks another
        self.view_year = None
        self.fill_periods(reset_year=True)
        self.update_start_page()
        # the badges' queries start once the window has painted (not competing with the first paint)
        QTimer.singleShot(BADGES_AFTER_MS, self, lambda lib=lib: self.update_badges()
                          if lib is self.lib and not self.closing else None)
        self.update_index()
        self._watch_shared(lib)
        self.start_ocr()

    def _watch_shared(self, lib: Library) -> None:
        """A shared library: colleagues in the status bar, their changes within seconds."""
        from civdesk_ui.shared_ui import SharedWatcher, presence_text

        self.presence_label.setVisible(lib.is_shared)
        if not lib.is_shared:
            return
        self.presence_label.setText(presence_text([]))
        self.watcher = SharedWatcher(lib, self)
        self.watcher.present.connect(lambda others: self.presence_label.setText(presence_text(others)))
        self.watcher.lost.connect(lambda m: self.presence_label.setText("与服务器的连接中断，正在重试…"))
        self.watcher.changed.connect(lambda n: (self.model.refresh(), self.checklist_panel.refresh()))
        self.watcher.start()

    def show_history(self) -> None:
        from civdesk_ui.shared_ui import HistoryDialog

        ids = self.selected_ids()
        if ids:
            HistoryDialog(self.lib, ids[0], self).exec()

    def switch_library(self, path: Path, create: bool = False) -> None:
        try:
            new = Library.open(path, create=create)
        except (LibraryError, LibraryLockedError, OSError) as exc:
            warn(self, "无法打开资料库", str(exc))
            return
        self._stop_background()
        self.lib.close()
        AppSettings.load().remember(path)
        self.set_library(new)

    def new_library(self) -> None:
        chosen = existing_directory(self, "选择一个空文件夹作为新资料库")
        if chosen:
            self.switch_library(Path(chosen), create=True)

    def open_library(self) -> None:
        chosen = existing_directory(self, "打开资料库文件夹")
        if chosen:
            self.switch_library(Path(chosen))

    # ------------------------------------------------------------- selection
    def current_view(self):  # noqa: ANN201
        return self.table if self.view_toggle.currentIndex() == 1 else self.grid

    def update_start_page(self) -> None:
        """The first-run page while the library has no materials, else the chosen view."""
        count = mat.material_count(self.lib)
        if count:
            if self.views.currentWidget() is self.start_page:
                self.views.setCurrentIndex(self.view_toggle.currentIndex())
            return
        cid = self.checklist_panel.checklist_id
        info = cl.get_checklist(self.lib, cid) if cid is not None else None
        period = effective_period(info.periods, self.period_year) if info else None
        self.start_page.show_state(f"{info.label}（{info.standards} 条测评标准）" if info else "",
                                   count, period_label(period) if period else "")
        self.views.setCurrentWidget(self.start_page)

    def _start_step(self, name: str) -> None:
        {"checklist": self.import_checklist, "materials": self.import_files,
         "period": self.edit_period}[name]()

    def selected_ids(self) -> list[int]:
        rows = sorted({i.row() for i in self.current_view().selectionModel().selectedIndexes()})
        return [self.model.material_id(r) for r in rows]

    def _tree_selected(self) -> None:
        if self.search_box.text().strip() and self.search_scope.isChecked():
            self._search_timer.start()
            return
        self.search_box.blockSignals(True)
        self.search_box.clear()
        self.search_box.blockSignals(False)
        self.show_selection()

    def _unit_selected(self) -> None:
        self.show_selection()

    def show_selection(self) -> None:
        """Fill the centre with the materials of the selected tree node or unit."""
        if self.search_query:
            self.run_search()
            return
        sort = self.sort_box.currentData()
        descending = sort == "date"
        if self.left_tabs.currentWidget() is self.unit_panel:
            item = self.unit_panel.currentItem()
            if item is None:
                self._set_empty(EMPTY["no_unit"])
                self.model.set_ids([])
                self.centre_title.setText("请选择责任单位")
                return
            ids = mat.list_ids(self.lib, unit_id=item.data(Qt.UserRole), sort=sort,
                               descending=descending, dated=self.view_dates())
            self.centre_title.setText(f"<b>{item.text()}</b>")
            self._set_empty(EMPTY["unit"])
        else:
            item = self.checklist_panel.tree.currentItem()
            if item is None:
                return
            kind = item.data(0, ROLE_KIND)
            self._set_empty(EMPTY[kind])
            if kind == UNFILED:
                self.centre_title.setText("<b>未归类材料</b>")
                self.detail.standard.setHtml("<p>这些材料还没有归档到任何测评标准。"
                                             "把它们拖到左侧的测评标准上，或在「归档」页接受建议。</p>")
                query = {"unfiled": True}
            else:
                self._show_standard_info(item)
                query = {"standard_ids": self.checklist_panel.standard_ids_under(item)}
            query["dated"] = self.view_dates()
            if int(item.text(2) or 0) > BIG_NODE:
                self._list_later(query, sort, descending, EMPTY[kind])
                return
            ids = mat.list_ids(self.lib, sort=sort, descending=descending, **query)
            if kind == UNFILED:
                self.centre_title.setText(f"<b>未归类材料</b>（{len(ids)} 件）")
        self._listing = None
        self._show_ids(ids)

    def _list_later(self, query: dict, sort: str, descending: bool, empty: str) -> None:
        """A node with hundreds of materials: its ids are read on a worker thread (the newest
        request wins); the centre says it is reading if that takes a while."""
        lib = self.lib
        self._set_empty("")
        self.model.set_ids([])

        def shown(ids: list[int]) -> None:
            if job is self._listing:
                self._listing = None
                self._set_empty(empty)
                if query.get("unfiled"):
                    self.centre_title.setText(f"<b>未归类材料</b>（{len(ids)} 件）")
                self._show_ids(ids)

        def reading() -> None:
            if job is self._listing:
                self._set_empty("正在读取……")

        job = self.jobs.run("读取材料列表", lambda _p: mat.list_ids(
            lib, sort=sort, descending=descending, **query), on_done=shown, dialog=False)
        self._listing = job
        QTimer.singleShot(READING_HINT_MS, self, reading)

    def listing_pending(self) -> bool:
        """A node's materials are still being read on a worker thread."""
        return self._listing is not None

    def _show_ids(self, ids: list[int]) -> None:
        self.year_note.setText(self._year_text(len(ids)))
        if self.problems_only.isChecked():
            flagged = self.badge_summary.badges
            ids = [i for i in ids if i in flagged]
            self.centre_title.setText(self.centre_title.text() + f" · 有问题的 {len(ids)} 件")
            if not ids:
                self._set_empty(EMPTY["no_problems"])
        self.model.set_ids(ids)
        self._material_selected()

    def _set_empty(self, text: str) -> None:
        """What the centre says while it has no materials to show."""
        for view in (self.grid, self.table):
            view.empty_text = text
            view.viewport().update()

    def _show_standard_info(self, item: QTreeWidgetItem) -> None:
        kind, ident = item.data(0, ROLE_KIND), item.data(0, ROLE_ID)
        if kind == "standard":
            st = self.checklist_panel.standards[ident]
            self.centre_title.setText(f"<b>{st.code}</b> {st.text}（{st.material_count} 件）")
            self.detail.standard.setHtml(standard_html(st, item.data(0, Qt.UserRole + 2)))
        else:
            node = self.checklist_panel.nodes[ident]
            self.centre_title.setText(f"<b>{node.code} {node.title}</b>")
            standards = [s for n in node.walk() for s in n.standards]
            self.detail.standard.setHtml(
                f"<h3>{node.code} {node.title}</h3><p>测评标准 {len(standards)} 条，"
                f"其中需上传材料 {sum(s.needs_materials for s in standards)} 条；"
                f"已归档材料 {sum(s.material_count for s in standards)} 件次。</p>")

    def _material_selected(self) -> None:
        ids = self.selected_ids()
        fetched = mat.get_rows(self.lib, ids) if ids else {}
        rows = [fetched[i] for i in ids if i in fetched]  # in view order
        self.detail.editor.show_rows(rows)
        photos = [r.id for r in rows if r.is_photo]
        if photos:
            self.detail.editor.show_proposals(caption_proposals.propose(self.lib, photos[:200]))
        labels = {sid: f"{st.code} {st.text}" for sid, st in self.checklist_panel.standards.items()}
        self.detail.filing.show_rows(rows, labels, mat.pending_suggestions(self.lib, ids) if ids else [])
        first = rows[0] if len(rows) == 1 else None
        self.detail.preview.show_material(first, self.search_pages.get(first.id) if first else None,
                                          self.search_query if first and first.id in self.search_pages else "")

    def select_material(self, material_id: int) -> bool:
        row = self.model.row_of.get(material_id)
        if row is None and self._outside_year([material_id]):
            self.choose_view_year(None)  # another year's material (a 期外 finding): all years
            row = self.model.row_of.get(material_id)
        if row is None:
            return False
        view = self.current_view()
        view.selectionModel().clearSelection()
        idx = self.model.index(row, 0)
        view.setCurrentIndex(idx)
        view.scrollTo(idx)
        return True

    def reveal_material(self, material_id: int) -> bool:
        """Show a material where it is filed (its first standard, else 未归类) and select it."""
        rows = mat.get_rows(self.lib, [material_id])
        if material_id not in rows:
            return False
        self.search_box.clear()
        self.problems_only.setChecked(False)
        if self._outside_year([material_id]):
            self.choose_view_year(None)  # another year's material: shown among all years
        standards = [s for s in rows[material_id].standards if s in self.checklist_panel.standards]
        if not (standards and self.select_standard(standards[0])):
            self.show_unfiled()
        self.raise_()
        return self.select_material(material_id)

    def show_unfiled(self) -> None:
        tree = self.checklist_panel.tree
        self.left_tabs.setCurrentWidget(self.checklist_panel)
        tree.setCurrentItem(tree.topLevelItem(tree.topLevelItemCount() - 1))

    def select_standard(self, standard_id: int) -> bool:
        item = self.checklist_panel.item_for_standard(standard_id)
        if item is None:
            return False
        parent = item.parent()
        while parent is not None:
            parent.setExpanded(True)
            parent = parent.parent()
        self.left_tabs.setCurrentWidget(self.checklist_panel)
        self.checklist_panel.tree.setCurrentItem(item)
        self.checklist_panel.tree.scrollToItem(item)
        return True

    # ---------------------------------------------------------------- changes
    def changed(self, changes: mat.Changes) -> None:
        """One place where writes come back: refresh what they touched.

        The tree's counts and the badges are read on worker threads and set in place."""
        self.model.refresh(list(changes.material_ids))
        if changes.links_added or changes.links_removed:
            self.checklist_panel.refresh_later()
            self.show_selection()
        else:
            self._material_selected()
        if changes.material_ids:
            self.update_badges(changes.material_ids,
                               [sid for _, sid in changes.links_removed + changes.links_added])
        self._index_timer.start()
        if self.check_dashboard is not None and changes.material_ids:
            self.check_dashboard.recheck(list(changes.material_ids))

    def edit_materials(self, ids: list[int], values: dict) -> None:
        # the versions shown: a colleague's change since is not saved over (civdesk.conflicts)
        expected = {i: self.model.rows[i].edit_version for i in ids if i in self.model.rows}
        try:
            first = mat.update(self.lib, ids, expected=expected, **values)
        except LibraryError as exc:
            self.model.refresh(ids)
            self._material_selected()
            warn(self, "没有保存：别人已修改", str(exc))
            return
        self.undo_stack.push(EditCommand(self.lib, ids, values, self.changed, done=first))
        self.statusBar().showMessage(f"已保存 {len(ids)} 件材料的修改（Ctrl+Z 撤销）", 4000)

    def apply_proposals(self, ids: list[int]) -> None:
        """Fill the empty caption fields of these photos with their proposals (one undo step)."""
        found = caption_proposals.propose(self.lib, ids)
        if not found:
            return
        self.undo_stack.beginMacro(f"采用图片说明建议（{len(found)} 件）")
        for mid, props in found.items():
            self.undo_stack.push(EditCommand(self.lib, [mid], {p.field: p.value for p in props},
                                             self.changed))
        self.undo_stack.endMacro()
        self.statusBar().showMessage(f"已为 {len(found)} 件照片填入建议的图片说明（Ctrl+Z 撤销）", 4000)

    def select_next(self) -> None:
        """Enter in a caption field: on to the next material of the view."""
        view = self.current_view()
        row = view.currentIndex().row()
        if 0 <= row < self.model.rowCount() - 1:
            idx = self.model.index(row + 1, 0)
            view.selectionModel().clearSelection()
            view.setCurrentIndex(idx)
            view.scrollTo(idx)
            first = self.detail.editor.fields["caption_time"]
            first.setFocus()

    def open_caption_grid(self):  # noqa: ANN201
        """The caption grid for the selected photos (or every photo in the view)."""
        from civdesk_ui.caption_grid import CaptionGridDialog

        ids = self.selected_ids() or list(self.model.ids)
        rows = mat.get_rows(self.lib, ids)
        photos = [i for i in ids if i in rows and rows[i].is_photo]
        if not photos:
            inform(self, "批量编辑图片说明", "当前没有照片。先在左侧选择有照片的测评标准，或选中几张照片。")
            return None
        dialog = CaptionGridDialog(self, photos)
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        dialog.open()
        self.caption_grid = dialog
        return dialog

    def file_materials(self, standard_id: int, ids: list[int]) -> None:
        st = self.checklist_panel.standards.get(standard_id)
        label = st.code if st else f"#{standard_id}"
        self.undo_stack.push(LinkCommand(self.lib, ids, standard_id, label, self.changed))
        self.statusBar().showMessage(f"已把 {len(ids)} 件材料归档到 {label}", 4000)

    def unlink_materials(self, ids: list[int], standard_id: int) -> None:
        st = self.checklist_panel.standards.get(standard_id)
        label = st.code if st else f"#{standard_id}"
        self.undo_stack.push(UnlinkCommand(self.lib, ids, standard_id, label, self.changed))

    def unlink_selected(self) -> None:
        item = self.checklist_panel.tree.currentItem()
        ids = self.selected_ids()
        if item is not None and item.data(0, ROLE_KIND) == "standard" and ids:
            self.unlink_materials(ids, item.data(0, ROLE_ID))

    def accept_suggestions(self, suggestion_ids: list[int]) -> None:
        if suggestion_ids:
            self.changed(mat.accept_suggestions(self.lib, suggestion_ids))

    def reject_suggestions(self, suggestion_ids: list[int]) -> None:
        if suggestion_ids:
            self.changed(mat.reject_suggestions(self.lib, suggestion_ids))

    def refresh_all(self) -> None:
        self.thumbs.pixmaps.clear()
        self.detail.editor.set_units(mat.units(self.lib))
        self.unit_panel.fill(self.lib)
        self.checklist_panel.refresh_later()
        self.show_selection()
        self.update_badges()

    def _after_import(self, new_ids: list[int] | None = None) -> None:
        if self.closing:
            return
        self.detail.editor.set_units(mat.units(self.lib))
        self.unit_panel.fill(self.lib)
        self.fill_years()  # the import may have brought another year's material
        outside = self._outside_year(new_ids or [])
        if outside:  # what was just imported is never hidden by the year shown
            label = year_span(self.view_year, self._view_periods).label
            self.choose_view_year(None)
            self.statusBar().showMessage(f"导入的材料中有 {len(outside)} 件不属于{label}，已改为显示全部年份", 10000)
        QTimer.singleShot(0, self, lambda: None if self.closing else self.show_selection())

    # ---------------------------------------------------------------- badges
    def update_badges(self, material_ids=None, standard_ids=()) -> None:  # noqa: ANN001, ARG002
        """Badges and the tree's problem counts: two SQL queries on a worker thread over the
        whole library (tens of milliseconds for 20,000 materials), handed over in one piece.
        A request while one runs is queued once (the newest state wins)."""
        if self._badge_job is not None and not self._badge_job.finished:
            self._badge_again = True
            return
        self._badge_again = False
        lib = self.lib
        checklist_id = self.checklist_panel.checklist_id
        year = self.period_year

        def work(progress):  # noqa: ANN001, ANN202
            period = None
            if checklist_id is not None:
                p = effective_period(cl.get_checklist(lib, checklist_id).periods, year)
                period = PeriodInfo(p.year, p.start, p.end) if p else None
            # cancellable midway: closing the window does not wait for the queries
            return compute_badges(lib, period=period, checklist_id=checklist_id, progress=progress)

        def done(summary: BadgeSummary) -> None:
            older, self.badge_summary = self.badge_summary, summary
            self.model.set_badges(summary)
            self.checklist_panel.set_problems(summary.problems_by_standard)
            if self.problems_only.isChecked() and summary.badges.keys() != older.badges.keys():
                self.show_selection()

        def ended() -> None:
            if self._badge_again:
                self.update_badges()

        self._badge_job = self.badge_runner.run("检查材料问题", work, on_done=done, dialog=False,
                                                show_errors=False)
        self._badge_job.ended.connect(ended)

    def fill_periods(self, reset_year: bool = False) -> None:
        """The status bar's chooser and the list's year chooser (after a checklist switch or a
        period edit); ``reset_year``: back to the current year."""
        cid = self.checklist_panel.checklist_id
        periods = cl.get_checklist(self.lib, cid).periods if cid is not None else ()
        self.period_chooser.fill(periods, self.period_year)
        self._view_periods = periods
        self.fill_years(reset_year)

    def choose_period(self, year: int | None) -> None:
        """The checks' 测评周期; the list follows to that year (unless it shows all years)."""
        self.period_year = year
        self.fill_periods()
        self.update_badges()
        if year is not None and self.view_year is not None and year != self.view_year:
            self.choose_view_year(year)
        if self.check_dashboard is not None and self.check_dashboard.isVisible():
            self.check_dashboard.run()

    # ------------------------------------------------------------------ years
    def fill_years(self, reset: bool = False) -> None:
        """The year chooser above the list: shown while the library has material of more than
        one year (or the chosen year hides some)."""
        periods = self._view_periods
        years = material_years(self.lib)
        self.default_view_year = default_year(periods, years)
        if reset:
            self.view_year = self.default_view_year
        shown = set(years) | {p.year for p in periods}
        if self.view_year is not None:
            shown.add(self.view_year)
        self.year_filter.blockSignals(True)
        self.year_filter.clear()
        for y in sorted(shown, reverse=True):
            self.year_filter.addItem(f"{y}年" + ("（当前）" if y == self.default_view_year else ""), y)
        self.year_filter.addItem("全部年份", None)
        self.year_filter.setCurrentIndex(max(self.year_filter.findData(self.view_year), 0)
                                         if self.view_year is not None else self.year_filter.count() - 1)
        self.year_filter.blockSignals(False)
        self.year_bar.setVisible(bool(years) and not (len(years) == 1 and self.view_year in (None, years[0])))

    def choose_view_year(self, year: int | None) -> None:
        """Show one year's material in the list (None: all years); the checks follow to that
        year's 测评周期 when the checklist has one."""
        self.view_year = year
        if year is not None and year != self.period_year and any(p.year == year for p in self._view_periods):
            self.choose_period(year)  # fills the choosers too
        else:
            self.fill_years()
        self.show_selection()

    def _outside_year(self, ids: list[int]) -> list[int]:
        """Those of ``ids`` the list's year hides (formed in another year)."""
        dated = self.view_dates()
        if dated is None or not ids:
            return []
        rows = mat.get_rows(self.lib, ids)
        return [i for i in ids if i in rows and rows[i].date is not None and not dated[0] <= rows[i].date <= dated[1]]

    def view_dates(self) -> tuple | None:
        """(first, last day) of the year the list shows, None for all years."""
        return year_span(self.view_year, self._view_periods).dates if self.view_year is not None else None

    def _year_text(self, n: int) -> str:
        if self.view_year is None:
            back = self.default_view_year
            link = f"；<a href='current'>只看 {back}年</a>" if back is not None else ""
            return f"全部年份 · 共 {n} 件{link}"
        span = year_span(self.view_year, self._view_periods)
        dates = f"（{span.start:%Y-%m-%d}～{span.end:%Y-%m-%d}）" if span.is_period else ""
        return f"<b>{span.label}</b>{dates} · 共 {n} 件；<a href='all'>显示全部年份</a>"

    # ----------------------------------------------------------------- import
    def import_files(self) -> None:
        files = open_files(self, "选择要导入的文件（可多选，含 zip 压缩包）")
        if files:
            self.start_import([Path(f) for f in files])

    def import_folder(self) -> None:
        folder = existing_directory(self, "选择要导入的文件夹")
        if folder:
            self.start_import([Path(folder)])

    def dragEnterEvent(self, event) -> None:  # noqa: N802, ANN001
        if event.mimeData().hasUrls() and all(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802, ANN001
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.start_import(paths)

    def start_import(self, paths: list[Path], options=None, ask: bool = True):  # noqa: ANN001, ANN201
        """Import on the thread pool with a delayed progress dialog; report at the end."""
        from civdesk_ui.import_dialogs import ImportOptionsDialog, ImportReportDialog
        from civdesk_ui.tasks_ui import take_task_packages

        paths = take_task_packages(self, paths)  # returned task packages are received, not imported
        if not paths:
            return None

        if options is None and ask:
            item = self.checklist_panel.tree.currentItem()
            standard = None
            if item is not None and item.data(0, ROLE_KIND) == "standard":
                st = self.checklist_panel.standards[item.data(0, ROLE_ID)]
                standard = (st.id, st.code)
            dlg = ImportOptionsDialog(self, paths, mat.units(self.lib), standard)
            if dlg.exec() != ImportOptionsDialog.Accepted:
                return None
            options = dlg.options()
        lib = self.lib

        def work(progress):  # noqa: ANN001, ANN202
            report = lib.import_paths(paths, options, progress)
            dups = [e.material_id for e in report.entries if e.status == "duplicate" and e.material_id]
            return report, mat.describe(lib, dups)  # what the duplicates duplicate, read here

        def done(outcome) -> None:  # noqa: ANN001
            # the background work starts at once; the UI's own refreshes follow as separate
            # events, so no single step holds the UI thread long (bench_ui's import stall)
            report, existing = outcome
            self.last_report = report
            self.statusBar().showMessage(report.summary(), 10000)
            self.update_start_page()
            self.thumbs.pixmaps.clear()
            self.checklist_panel.refresh_later()
            self.update_badges()
            self.update_index()
            self.start_ocr()
            dialog = ImportReportDialog(self, report, existing)
            dialog.setAttribute(Qt.WA_DeleteOnClose)
            self.report_dialog = dialog
            new = [e.material_id for e in report.entries if e.material_id and e.status != "duplicate"]
            QTimer.singleShot(0, self, lambda: self._after_import(new))
            QTimer.singleShot(0, dialog.open)

        return self.jobs.run("导入材料", work, on_done=done)

    # ---------------------------------------------------------------- search
    def focus_search(self) -> None:
        self.search_box.setFocus()
        self.search_box.selectAll()

    def run_search(self) -> None:
        query = self.search_box.text().strip()
        self.search_query = query
        self._listing = None  # a node's listing still on its way is not shown over the results
        if not query:
            self.search_pages = {}
            self.show_selection()
            return
        standards = None
        if self.search_scope.isChecked():
            item = self.checklist_panel.tree.currentItem()
            if item is not None and item.data(0, ROLE_KIND) in ("standard", "node"):
                standards = [self.checklist_panel.standards[s].code
                             for s in self.checklist_panel.standard_ids_under(item)]
        kind = self.search_kind.currentData()
        lib = self.lib

        def work(_progress):  # noqa: ANN001, ANN202
            return lib.search_index.search(query, standards=standards, kind=kind, limit=500, catch_up=False)

        def shown(results) -> None:  # noqa: ANN001
            if self.search_box.text().strip() != query:
                return  # the clerk typed on: a newer search follows
            self.search_pages = {r.material_id: r.page for r in results}
            self._set_empty(EMPTY["search"].format(query=query))
            self.model.set_ids([r.material_id for r in results],
                               {r.material_id: r.marked() for r in results})
            self.centre_title.setText(f"<b>搜索「{query}」</b>：{len(results)} 件材料"
                                      + ("（当前条目内）" if standards else ""))
            self.year_note.setText("搜索结果不分年份")
            self.last_results = results
            if results:
                self.select_material(results[0].material_id)

        self.search_job = self.jobs.run("搜索", work, on_done=shown, dialog=False)

    # -------------------------------------------------------- background work
    def update_index(self) -> None:
        """Catch the search index up in the background (rebuilding it when damaged)."""
        lib = self.lib

        def work(progress):  # noqa: ANN001, ANN202
            keeper = lib.search_index  # opened here: its imports and files, off the UI thread
            n = keeper.catch_up(progress)
            message, keeper.message = keeper.message, ""
            return n, message

        def done(outcome) -> None:  # noqa: ANN001
            n, message = outcome
            if message:
                self.statusBar().showMessage(f"{message}——已完成，共 {n} 件材料", 10000)
            elif n:
                self.statusBar().showMessage(f"搜索索引已更新 {n} 件材料", 3000)

        self.index_job = self.background.run("更新搜索索引", work, on_done=done, dialog=False)

    def rebuild_index(self) -> None:
        self.jobs.run("重建搜索索引", self.lib.search_index.rebuild)

    def start_ocr(self) -> None:
        """Read pending scans at low priority; stops quietly when the window closes."""
        from civdesk import ocr

        if self._ocr_job is not None and not self._ocr_job.finished:
            return
        lib = self.lib

        def work(progress):  # noqa: ANN001, ANN202
            # counted here, not on the UI thread (a query over the whole library)
            return ocr.run_pending_ocr(lib, progress) if ocr.pending_count(lib) else None

        def done(outcome) -> None:  # noqa: ANN001
            if outcome is None:
                return
            self.statusBar().showMessage(outcome.message, 8000)
            if outcome.pages:
                self.update_index()

        # the engine loads (about a second) on the worker thread, never on the UI thread
        self._ocr_job = self.background.run("文字识别", work, dialog=False, on_done=done)

    def _stop_background(self, closing: bool = False) -> None:
        """Cancel every job and wait for it (library switch, closing); late results are dropped.

        Closing also starts no job afterwards: nothing (index catch-up, OCR, a search) may
        report into a window that is gone.
        """
        self._index_timer.stop()
        self._search_timer.stop()
        if self.watcher is not None:
            self.watcher.stop(CLOSE_WAIT_MS)
            self.watcher = None
        runners = (self.background, self.jobs, self.badge_runner)
        for runner in runners:
            runner.cancel_all()
        for runner in runners:
            (runner.close if closing else runner.stop)(CLOSE_WAIT_MS)

    def verify_library(self) -> None:
        def done(report) -> None:  # noqa: ANN001
            if report.ok:
                inform(self, "原件完整性校验", f"校验通过：{report.checked_files} 个原件完好。")
            else:
                warn(self, "原件完整性校验",
                     "\n".join(p.message for p in report.problems[:30]))

        self.jobs.run("原件完整性校验", self.lib.verify, on_done=done)

    # ------------------------------------------------------ checks and export
    def open_checks(self):  # noqa: ANN201
        from civdesk_ui.check_dashboard import CheckDashboard

        if self.check_dashboard is None:
            self.check_dashboard = CheckDashboard(self)
        self.check_dashboard.show()
        self.check_dashboard.raise_()
        return self.check_dashboard.run()

    def open_settings(self) -> None:
        from civdesk_ui.settings_dialog import SettingsDialog

        SettingsDialog(self).open()

    def open_caption_settings(self) -> None:
        from civdesk_ui.caption_settings import CaptionSettingsDialog

        CaptionSettingsDialog(self).open()

    def open_export(self) -> None:
        from civdesk_ui.export_dialog import ExportDialog

        ExportDialog(self).open()

    def open_archive_wizard(self) -> None:
        from civdesk_ui.archive_wizard import ArchiveWizard

        ArchiveWizard(self.lib, self.jobs, self).open()

    def verify_package(self) -> None:
        from civdesk_ui.export_dialog import verify_package_interactively

        verify_package_interactively(self)

    # -------------------------------------------------------------- checklist
    def import_checklist(self) -> None:
        from civdesk_ui.checklist_dialogs import ChecklistImportWizard

        ChecklistImportWizard(self).open()

    def merge_task_table(self) -> None:
        from civdesk_ui.task_merge_dialog import TaskMergeWizard

        TaskMergeWizard(self).open()

    def edit_period(self) -> None:
        from civdesk_ui.checklist_dialogs import PeriodDialog

        if self.checklist_panel.checklist_id is not None:
            PeriodDialog(self, self.checklist_panel.checklist_id).open()

    def edit_units(self) -> None:
        from civdesk_ui.checklist_dialogs import UnitsDialog

        UnitsDialog(self).open()

    # ----------------------------------------------------------------- layout
    def screenshot_views(self) -> dict:
        """Views for scripts/screenshot.py: name -> function preparing it."""
        def main() -> None:
            self.view_toggle.setCurrentIndex(0)
            self.left_tabs.setCurrentIndex(0)
            target = next((s for s in self.checklist_panel.standards.values()
                           if s.material_count), None)
            if target is not None:
                self.select_standard(target.id)
            if self.model.ids:
                self.select_material(self.model.ids[0])

        def table() -> None:
            self.view_toggle.setCurrentIndex(1)
            item = self.checklist_panel.tree.topLevelItem(self.checklist_panel.tree.topLevelItemCount() - 1)
            self.checklist_panel.tree.setCurrentItem(item)
            if self.model.ids:
                self.select_material(self.model.ids[0])
            self.detail.setCurrentWidget(self.detail.filing)

        def search() -> None:
            self.view_toggle.setCurrentIndex(0)
            self.search_box.setText("文明")
            self.run_search()
            self.jobs.wait(10000)

        def preview() -> None:
            self.detail.setCurrentWidget(self.detail.preview)

        def checks_view() -> None:
            self.search_box.clear()
            self.open_checks()
            self.jobs.wait(30000)

        return {"main": main, "table": table, "search": search, "preview": preview,
                "checks": checks_view}

    def _restore_layout(self) -> None:
        saved = AppSettings.load().window
        if saved.get("geometry"):
            self.restoreGeometry(QByteArray.fromBase64(saved["geometry"].encode()))
        if saved.get("splitter"):
            self._panes_restored = self.splitter.restoreState(
                QByteArray.fromBase64(saved["splitter"].encode()))
        if saved.get("view") in (0, 1):
            self.view_toggle.setCurrentIndex(saved["view"])

    def showEvent(self, event) -> None:  # noqa: N802, ANN001
        super().showEvent(event)
        if not self._panes_restored:  # the first start: panes in proportion to the window as shown
            self._panes_restored = True
            w = self.width()
            self.splitter.setSizes([int(w * 0.27), int(w * 0.45), int(w * 0.28)])
        if not self._frozen:
            # the objects made so far (modules, classes, Qt wrappers, the checklist) live as long
            # as the window: out of the garbage collector's sight.  A full collection scanned
            # them all holding the interpreter lock: started on an import's thread it froze the
            # UI thread for 0.2-0.9 s (bench_ui's import stall).  Closing gives them back.
            self._frozen = True
            QTimer.singleShot(0, self, gc.freeze)

    def closeEvent(self, event) -> None:  # noqa: N802, ANN001
        self.closing = True
        settings = AppSettings.load()
        settings.window = {
            "geometry": bytes(self.saveGeometry().toBase64()).decode(),
            "splitter": bytes(self.splitter.saveState().toBase64()).decode(),
            "view": self.view_toggle.currentIndex(),
        }
        try:
            settings.save()
        except OSError:
            pass
        self._stop_background(closing=True)
        self.thumbs.pool.clear()
        self.thumbs.pool.waitForDone(CLOSE_WAIT_MS)
        gc.unfreeze()  # what the window made can be collected again (see showEvent)
        super().closeEvent(event)

    def show_usage(self):  # noqa: ANN201
        from civdesk_ui.help_dialogs import usage_dialog

        dialog = usage_dialog(self)
        dialog.show()
        return dialog

    def show_shortcuts(self):  # noqa: ANN201
        from civdesk_ui.help_dialogs import shortcuts_dialog

        dialog = shortcuts_dialog(self)
        dialog.show()
        return dialog

    def about(self):  # noqa: ANN201
        from civdesk import __version__
        from civdesk_ui.help_dialogs import about_dialog

        dialog = about_dialog(self, __version__, self.lib.path.resolve())
        dialog.show()
        return dialog


def standard_html(st: cl.StandardView, state: str | None) -> str:
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
    if state and st.needs_materials:
        rows.append(("状态", f"<span style='color:{STATUS_COLOURS[state]}'>{STATE_LABELS[state]}</span>"))
    if st.requirement_unparsed:
        rows.append(("未识别的要求", f"<span style='color:#b00'>{st.requirement_unparsed}</span>"))
    cells = "".join(f"<tr><td style='color:#555;padding:3px 12px 3px 0;white-space:nowrap'>{k}</td>"
                    f"<td style='padding:3px 0'>{v}</td></tr>" for k, v in rows)
    return f"<h3 style='color:#1f3a5f'>测评标准 {st.code}</h3><p>{st.text}</p><table>{cells}</table>"
