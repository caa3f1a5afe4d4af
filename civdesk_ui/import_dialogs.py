"""Import options and the import report."""
from __future__ import annotations

from pathlib import Path, PurePath

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
)

from civdesk.importer import ImportOptions, ImportReport
from civdesk.importer.advice import advice_for

STATUS_LABELS = {"imported": "已导入", "duplicate": "重复", "refused": "拒绝"}


class ImportOptionsDialog(QDialog):
    """Where to file what is about to be imported."""

    def __init__(self, parent, paths: list[Path], units: list[tuple[int, str]],
                 standard: tuple[int, str] | None):
        super().__init__(parent)
        self.setWindowTitle("导入材料")
        self.setObjectName("importOptions")
        names = "、".join(p.name for p in paths[:3]) + (f" 等 {len(paths)} 项" if len(paths) > 3 else "")
        self.standard_box = QComboBox()
        self.standard_box.addItem("不归档（之后再归档，或按建议归档）", None)
        if standard is not None:
            self.standard_box.addItem(f"归档到当前测评标准 {standard[1]}", standard[0])
            self.standard_box.setCurrentIndex(1)
        self.unit_box = QComboBox()
        self.unit_box.addItem("不指定（按文件夹名称建议）", None)
        for _, name in units:
            self.unit_box.addItem(name, name)
        self.accept_box = QCheckBox("直接接受按文件夹和文件名得出的归档建议")
        form = QFormLayout()
        form.addRow("导入", QLabel(names))
        form.addRow("归档", self.standard_box)
        form.addRow("责任单位", self.unit_box)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText("开始导入")
        buttons.button(QDialogButtonBox.Cancel).setText("取消")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.accept_box)
        layout.addWidget(QLabel("原件会原样复制到资料库，不做任何修改。"))
        layout.addWidget(buttons)

    def options(self) -> ImportOptions:
        sid = self.standard_box.currentData()
        return ImportOptions(standard_ids=(sid,) if sid else (), unit=self.unit_box.currentData(),
                             accept_suggestions=self.accept_box.isChecked())


class ReportModel(QAbstractTableModel):
    """The report's rows, read by the view as it paints (500 files: no 1,500 items to build)."""

    HEADERS = ("文件", "结果", "说明", "怎么办 / 已有的材料")

    def __init__(self, report: ImportReport, existing: dict[int, tuple[str, tuple[str, ...]]]):
        super().__init__()
        order = sorted(report.entries, key=lambda e: ({"refused": 0, "imported": 1, "duplicate": 2}
                                                      [e.status], not e.reason))
        self.rows = [self._cells(e, existing) for e in order]
        self.entries = order

    @staticmethod
    def _cells(e, existing) -> tuple[str, str, str, str, bool]:  # noqa: ANN001
        label = STATUS_LABELS[e.status] + ("（有问题）" if e.status == "imported" and e.reason else "")
        extra = ""
        if e.status == "refused":
            extra = advice_for(e.reason)
        elif e.status == "duplicate" and e.material_id in existing:
            title, codes = existing[e.material_id]
            where = f"，已归档到 {'、'.join(codes)}" if codes else "，尚未归档"
            extra = f"已有「{title}」（#{e.material_id}）{where}——双击查看"
        bad = e.status == "refused" or (e.status == "imported" and bool(e.reason))
        return (e.path, label, e.reason, extra, bad)

    def shown(self, row: int, column: int) -> str:
        """The file column shows the name (the whole path is its tooltip)."""
        text = self.rows[row][column]
        return PurePath(text).name or text if column == 0 else text

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802, ANN001, B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802, ANN001, B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section, orientation, role=Qt.DisplayRole):  # noqa: N802, ANN001
        if orientation == Qt.Horizontal and role == Qt.DisplayRole:
            return self.HEADERS[section]
        return None

    def data(self, index, role=Qt.DisplayRole):  # noqa: ANN001, ANN201
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if role == Qt.DisplayRole:
            return self.shown(index.row(), index.column())
        if role == Qt.ToolTipRole:
            return row[index.column()]
        if role == Qt.ForegroundRole:
            if row[4]:
                return QColor("#b00020")
            if index.column() == 3 and row[3]:
                return QColor("#1f5fa8")
        return None

    def text(self, row: int, column: int) -> str:
        return self.rows[row][column]


class ImportReportDialog(QDialog):
    """Every file of the run: imported, duplicate or refused, with the reason; a duplicate names
    the material already in the library (double-click opens it), a refusal says what to do."""

    def __init__(self, parent, report: ImportReport,
                 existing: dict[int, tuple[str, tuple[str, ...]]] | None = None):
        super().__init__(parent)
        self.setObjectName("importReport")
        self.setWindowTitle("导入报告")
        self.resize(1000, 520)
        self.model = ReportModel(report, existing or {})
        table = QTableView()
        table.setObjectName("importReportTable")
        table.setModel(self.model)
        table.verticalHeader().hide()
        table.verticalHeader().setDefaultSectionSize(22)
        table.setSelectionBehavior(QTableView.SelectRows)
        table.setWordWrap(False)
        table.setTextElideMode(Qt.ElideRight)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.Interactive)
        for col, width in enumerate((230, 70, 300)):
            table.setColumnWidth(col, width)
        header.setStretchLastSection(True)
        table.doubleClicked.connect(self._open)
        self.table = table
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.button(QDialogButtonBox.Close).setText("关闭")
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        summary = QLabel(f"<b>{report.summary()}</b>")
        summary.setObjectName("importSummary")
        layout.addWidget(summary)
        layout.addWidget(table)
        layout.addWidget(buttons)

    def _open(self, index) -> None:  # noqa: ANN001
        e = self.model.entries[index.row()]
        reveal = getattr(self.parent(), "reveal_material", None)
        if e.material_id is not None and reveal is not None:
            reveal(e.material_id)
