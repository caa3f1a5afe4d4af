"""Checklist dialogs: the import wizard (preview before commit), the period, the units."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from civdesk.checklist import ChecklistFormatError
from civdesk.checklist import store as cl
from civdesk_ui.file_dialogs import open_file
from civdesk_ui.messages import inform, warn


class ChecklistImportWizard(QDialog):
    """Choose a Word/Excel checklist, see what was recognised, then confirm."""

    def __init__(self, window, path: Path | None = None):
        super().__init__(window)
        self.window = window
        self.setObjectName("checklistImport")
        self.setWindowTitle("导入测评体系")
        self.resize(860, 640)
        self.preview: cl.ImportPreview | None = None
        self.file_edit = QLineEdit()
        self.file_edit.setPlaceholderText("选择测评体系的 Word（.docx）或 Excel（.xlsx）表格")
        browse = QPushButton("浏览…")
        browse.clicked.connect(self._browse)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("测评体系名称（默认取表格标题）")
        self.separate = QCheckBox("作为独立的测评体系导入（不视为现有测评体系的新版本）")
        self.separate.toggled.connect(lambda _: self._parse())
        self.drop_missing = QCheckBox("舍弃新表中没有的责任单位、材料要求、完成时限等（默认从现有版本带过；"
                                      "将丢失的内容逐条列在预览中）")
        self.drop_missing.setObjectName("dropMissing")
        self.drop_missing.toggled.connect(lambda _: self._parse())
        self.text = QPlainTextEdit()
        self.text.setObjectName("previewText")
        self.text.setReadOnly(True)
        self.status = QLabel("请选择文件。导入前会先显示识别结果，确认后才写入资料库。")
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox()
        self.ok = self.buttons.addButton("确认导入", QDialogButtonBox.AcceptRole)
        self.ok.setEnabled(False)
        self.buttons.addButton("取消", QDialogButtonBox.RejectRole)
        self.buttons.accepted.connect(self._commit)
        self.buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.file_edit)
        row.addWidget(browse)
        form = QFormLayout()
        form.addRow("文件", row)
        form.addRow("名称", self.name_edit)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.separate)
        layout.addWidget(self.drop_missing)
        layout.addWidget(QLabel("识别结果预览："))
        layout.addWidget(self.text)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        if path is not None:
            self.set_path(path)

    def _browse(self) -> None:
        chosen = open_file(self, "选择测评体系表格", "",
                           "测评体系表格 (*.docx *.xlsx);;所有文件 (*)")
        if chosen:
            self.set_path(Path(chosen))

    def set_path(self, path: Path) -> None:
        self.file_edit.setText(str(path))
        self._parse()

    def _parse(self) -> None:
        path = Path(self.file_edit.text())
        if not self.file_edit.text():
            return
        self.ok.setEnabled(False)
        try:
            self.preview = cl.preview_import(self.window.lib, path, name=self.name_edit.text() or None,
                                             separate=self.separate.isChecked(),
                                             drop_missing=self.drop_missing.isChecked())
        except ChecklistFormatError as exc:
            self.preview = None
            self.text.setPlainText(str(exc))
            self.status.setText("<span style='color:#b00'>无法识别此表格，未导入任何内容。</span>")
            return
        self.text.setPlainText(self.preview.text)
        if not self.name_edit.text():
            self.name_edit.setPlaceholderText(self.preview.name)
        counts = self.preview.parsed.counts()
        follow = (f"将作为「{self.preview.replaces.label}」的新版本导入，未变和轻微修改的标准保留已归档材料。"
                  if self.preview.replaces else "将作为新的测评体系导入。")
        if self.preview.parsed.errors:
            self.status.setText(f"<span style='color:#b00'>有 {len(self.preview.parsed.errors)} 处无法识别"
                                "（见预览末尾，已标明行和列），请修改表格后重新选择。</span>")
            return
        lost = f"将丢失 {len(self.preview.dropped)} 处内容（见预览）。" if self.preview.dropped else ""
        self.status.setText(f"识别出 {counts['standards']} 条测评标准。{follow}{lost}")
        self.ok.setEnabled(counts["standards"] > 0)

    def _commit(self) -> None:
        if self.preview is None:
            return
        if self.name_edit.text().strip() and self.name_edit.text().strip() != self.preview.name:
            self._parse()
        outcome = cl.commit_import(self.window.lib, self.preview)
        msg = [f"已导入 {outcome.standards} 条测评标准。"]
        if outcome.units_added:
            msg.append(f"新增责任单位 {len(outcome.units_added)} 个。")
        if self.preview.replaces:
            msg.append(f"已将 {outcome.links_carried} 条归档关联带到新版本。")
        orphaned = [r for r in outcome.removed_with_materials if r[2]]
        if orphaned:
            msg.append("以下标准在新版本中已删除，其材料仍保留在旧版本中，请重新归档：")
            msg += [f"  {code} {text}（{n} 件材料）" for code, text, n in orphaned]
        inform(self, "导入完成", "\n".join(msg))
        self.window.refresh_all()                       # the by-unit list and the unit choices too
        self.window.checklist_panel.reload(outcome.checklist_id)
        self.accept()


class PeriodDialog(QDialog):
    """Edit the 测评周期 of a checklist for a year."""

    def __init__(self, window, checklist_id: int):
        super().__init__(window)
        self.window, self.checklist_id = window, checklist_id
        self.setWindowTitle("设置测评周期")
        info = cl.get_checklist(window.lib, checklist_id)
        latest = info.periods[-1] if info.periods else None
        today = dt.date.today()
        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.year.setValue(latest.year if latest else today.year)
        self.start = QDateEdit(_qdate(latest.start if latest else dt.date(today.year - 1, 8, 1)))
        self.end = QDateEdit(_qdate(latest.end if latest else dt.date(today.year, 7, 31)))
        for w in (self.start, self.end):
            w.setCalendarPopup(True)
            w.setDisplayFormat("yyyy-MM-dd")
        form = QFormLayout(self)
        form.addRow(QLabel(f"测评体系：{info.label}"))
        form.addRow("年度", self.year)
        form.addRow("开始日期", self.start)
        form.addRow("结束日期", self.end)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText("保存")
        buttons.button(QDialogButtonBox.Cancel).setText("取消")
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _save(self) -> None:
        try:
            cl.set_period(self.window.lib, self.checklist_id, self.start.date().toPython(),
                          self.end.date().toPython(), self.year.value())
        except ValueError as exc:
            warn(self, "测评周期", str(exc))
            return
        self.window.checklist_panel.reload(self.checklist_id)
        self.window.choose_period(self.year.value())  # check against the period just set
        self.accept()


class UnitsDialog(QDialog):
    """The unit list: names, contact persons and phones, editable in place."""

    COLS = ("单位名称", "联系人", "电话", "牵头标准", "配合标准")

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.setWindowTitle("责任单位")
        self.resize(720, 520)
        self.table = QTableWidget()
        self.table.setObjectName("unitsTable")
        self.table.setColumnCount(len(self.COLS))
        self.table.setHorizontalHeaderLabels(self.COLS)
        self.table.horizontalHeader().setStretchLastSection(True)
        self._fill()
        self.table.itemChanged.connect(self._changed)
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.button(QDialogButtonBox.Close).setText("关闭")
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("双击单元格可修改单位名称、联系人和电话。"))
        layout.addWidget(self.table)
        layout.addWidget(buttons)

    def _fill(self) -> None:
        units = cl.list_units(self.window.lib)
        self.table.blockSignals(True)
        self.table.setRowCount(len(units))
        for r, u in enumerate(units):
            for c, value in enumerate((u.name, u.contact, u.phone, str(u.lead), str(u.coop))):
                item = QTableWidgetItem(value)
                item.setData(Qt.UserRole, u.id)
                if c >= 3:
                    item.setFlags(item.flags() & ~Qt.ItemIsEditable)
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        self.table.blockSignals(False)

    def _changed(self, item: QTableWidgetItem) -> None:
        field = {0: "name", 1: "contact", 2: "phone"}.get(item.column())
        if field is None:
            return
        try:
            cl.update_unit(self.window.lib, item.data(Qt.UserRole), **{field: item.text()})
        except (ValueError, LookupError) as exc:
            warn(self, "责任单位", str(exc))
            self._fill()


def _qdate(d: dt.date) -> QDate:
    return QDate(d.year, d.month, d.day)
