"""Import options and the import report."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from civdesk.importer import ImportOptions, ImportReport

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


class ImportReportDialog(QDialog):
    """Every file of the run: imported, duplicate or refused, with the reason."""

    def __init__(self, parent, report: ImportReport):
        super().__init__(parent)
        self.setObjectName("importReport")
        self.setWindowTitle("导入报告")
        self.resize(900, 520)
        table = QTableWidget(len(report.entries), 3)
        table.setObjectName("importReportTable")
        table.setHorizontalHeaderLabels(["文件", "结果", "说明"])
        table.verticalHeader().hide()
        order = sorted(report.entries, key=lambda e: ({"refused": 0, "imported": 1, "duplicate": 2}
                                                      [e.status], not e.reason))
        for r, e in enumerate(order):
            label = STATUS_LABELS[e.status] + ("（有问题）" if e.status == "imported" and e.reason else "")
            cells = (e.path, label, e.reason)
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setFlags(item.flags() & ~Qt.ItemIsEditable)
                if e.status == "refused" or (e.status == "imported" and e.reason):
                    item.setForeground(QColor("#b00020"))
                table.setItem(r, c, item)
        header = table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.Stretch)
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
