"""台账/排行: per unit the ledger's figures, ranked by what is still outstanding.

Every figure is the length of a list: double-clicking it shows that list (the
standards or the materials counted) in the lower table.  The ledger is built
off the UI thread by the window's job runner.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from civdesk.tasks.ledger import Ledger, LedgerItem, build_ledger, figure_list, ledger_items
from civdesk.tasks.receive import STATUS_NAMES

# (header, UnitTotals field); a field in figure_list's tables can be double-clicked
RANK_COLUMNS = [("排名", "rank"), ("责任单位", "unit"), ("负责标准", "standards"), ("已下发", "issued"),
                ("已报送", "received"), ("已采用", "accepted"), ("已退回", "returned"),
                ("待审核", "pending"), ("尚欠标准", "outstanding"), ("逾期标准", "late"),
                ("最长逾期天数", "max_days_late"), ("催办次数", "reminders")]
STANDARD_COLUMNS = ["编号", "测评标准", "角色", "任务下发", "要求", "已采用", "状态", "截止日期", "逾期天数", "催办"]
MATERIAL_COLUMNS = ["编号", "材料", "名称", "状态", "退回原因", "报送位置"]
LATE = QColor("#b00020")


class LedgerDialog(QDialog):
    def __init__(self, window):  # noqa: ANN001
        super().__init__(window)
        self.window = window
        self.lib = window.lib
        self.ledger: Ledger | None = None
        self.items: tuple[LedgerItem, ...] = ()
        self.setObjectName("ledgerDialog")
        self.setWindowTitle("台账与排行")
        self.resize(1100, 640)
        self.summary = QLabel("正在计算台账……")
        self.summary.setWordWrap(True)
        self.rank = QTableWidget(0, len(RANK_COLUMNS))
        self.rank.setObjectName("ledgerRank")
        self.rank.setHorizontalHeaderLabels([h for h, _ in RANK_COLUMNS])
        self.rank.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.rank.setSelectionBehavior(QAbstractItemView.SelectItems)
        self.rank.verticalHeader().hide()
        self.rank.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.rank.horizontalHeader().setSectionResizeMode(1, QHeaderView.Stretch)
        self.rank.cellDoubleClicked.connect(self.show_figure)
        self.detail_label = QLabel("双击上表中的数字，查看它统计的标准或材料。")
        self.detail = QTableWidget(0, 0)
        self.detail.setObjectName("ledgerDetail")
        self.detail.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.detail.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.detail.verticalHeader().hide()
        self.detail.cellDoubleClicked.connect(self._open_material)
        lower = QVBoxLayout()
        lower.setContentsMargins(0, 0, 0, 0)
        lower.addWidget(self.detail_label)
        lower.addWidget(self.detail, 1)
        bottom = QWidget()
        bottom.setLayout(lower)
        split = QSplitter(Qt.Vertical)
        split.addWidget(self.rank)
        split.addWidget(bottom)
        split.setSizes([330, 270])
        export = QPushButton("导出台账（Excel）…")
        export.clicked.connect(self._export)
        refresh = QPushButton("刷新")
        refresh.clicked.connect(self.reload)
        close = QPushButton("关闭")
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for b in (refresh, export, close):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(split, 1)
        layout.addLayout(buttons)
        self.reload()

    # ------------------------------------------------------------------ data
    def reload(self) -> None:
        lib = self.lib

        def work(progress):  # noqa: ANN001, ANN202
            ledger = build_ledger(lib)
            progress.check_cancelled()
            return ledger, ledger_items(lib, ledger)

        def shown(result) -> None:  # noqa: ANN001
            try:
                self.show_ledger(*result)
            except RuntimeError:  # the dialog was closed meanwhile
                pass

        self.summary.setText("正在计算台账……")
        self.window.jobs.run("计算台账", work, on_done=shown, dialog=False)

    def show_ledger(self, ledger: Ledger, items: tuple[LedgerItem, ...]) -> None:
        self.ledger, self.items = ledger, items
        late = ledger.late_units()
        self.summary.setText(
            f"{ledger.checklist}，截至 {ledger.today:%Y-%m-%d}：{len(ledger.units)} 个责任单位，"
            f"尚欠 {sum(u.outstanding for u in ledger.units)} 条标准，{len(late)} 个单位有逾期。"
            "按尚欠标准数排名；双击数字查看明细。")
        self.rank.setRowCount(len(ledger.units))
        for row, u in enumerate(ledger.units):
            for col, (_, field) in enumerate(RANK_COLUMNS):
                value = getattr(u, field)
                cell = QTableWidgetItem(str(value) if value or field in ("rank", "unit") else "0")
                cell.setData(Qt.UserRole, field)
                if isinstance(value, int):
                    cell.setTextAlignment(Qt.AlignCenter)
                if field in ("late", "max_days_late") and value:
                    cell.setForeground(QBrush(LATE))
                if field == "unit" and u.outstanding_codes:
                    cell.setToolTip("尚欠：" + "、".join(u.outstanding_codes))
                self.rank.setItem(row, col, cell)

    def show_figure(self, row: int, col: int) -> None:
        """The list behind the figure in (row, col) of the ranking, in the lower table."""
        if self.ledger is None or col < 2:
            return
        unit = self.ledger.units[row].unit
        field = RANK_COLUMNS[col][1]
        label, entries = figure_list(self.ledger, self.items, unit, field)
        self.detail_label.setText(f"{unit} · {label}：{len(entries)} {'件' if _materials(entries) else '条'}")
        if _materials(entries) or field in ("received", "accepted", "returned", "pending"):
            self._fill(MATERIAL_COLUMNS, [
                ([i.code, f"#{i.material_id}", i.title, STATUS_NAMES.get(i.status, i.status), i.reason, i.path],
                 i.material_id) for i in entries])
        else:
            self._fill(STANDARD_COLUMNS, [
                ([r.code, r.text, r.role, r.issued_on.isoformat() if r.issued_on else "未下发", str(r.required),
                  str(r.accepted), r.state, r.due.isoformat() if r.due else "", str(r.days_late or ""),
                  str(r.reminders or "")], None) for r in entries])

    def _fill(self, headers: list[str], rows: list[tuple[list[str], int | None]]) -> None:
        self.detail.clear()
        self.detail.setColumnCount(len(headers))
        self.detail.setHorizontalHeaderLabels(headers)
        self.detail.setRowCount(len(rows))
        for r, (values, material_id) in enumerate(rows):
            for c, text in enumerate(values):
                cell = QTableWidgetItem(text)
                cell.setData(Qt.UserRole, material_id)
                self.detail.setItem(r, c, cell)
        header = self.detail.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)
        header.setSectionResizeMode(1 if headers is STANDARD_COLUMNS else 2, QHeaderView.Stretch)

    def _open_material(self, row: int, _col: int) -> None:
        cell = self.detail.item(row, 0)
        material_id = cell.data(Qt.UserRole) if cell else None
        select = getattr(self.window, "select_material", None)
        if material_id is not None and select is not None:
            select(material_id)

    def _export(self) -> None:
        from civdesk_ui.tasks_ui import export_ledger

        export_ledger(self.window)


def _materials(entries) -> bool:  # noqa: ANN001
    return bool(entries) and isinstance(entries[0], LedgerItem)


def open_ledger(window) -> LedgerDialog:  # noqa: ANN001
    dialog = LedgerDialog(window)
    dialog.setAttribute(Qt.WA_DeleteOnClose)
    dialog.show()
    window.ledger_dialog = dialog
    return dialog
