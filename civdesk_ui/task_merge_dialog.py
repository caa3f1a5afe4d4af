"""「导入任务分解表到现有测评体系」: a task table merged onto a checklist, previewed, then confirmed.

Two steps in one dialog: the column mapping (each column → role; shown when
the header is not recognised, or on demand) and the merge preview (tabs:
对应 / 未对应的行 / 未覆盖的标准 / 将修改 / 需核对 / 将丢失).  Nothing is
written before 「确认合并」.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from civdesk.checklist import ChecklistFormatError, layers
from civdesk.checklist import store as cl
from civdesk.checklist.merge import STALE_DEADLINE, show_value
from civdesk.checklist.parse import ROLE_LABELS
from civdesk.checklist.tasks import table_columns
from civdesk_ui.file_dialogs import open_file
from civdesk_ui.messages import inform

_ROLE_CHOICES = ("", "code", "level3", "standard", "number", "method", "requirement", "units", "lead",
                 "deadline", "points", "contact", "level1", "level2", "note", "seq", "ignore")


class TaskMergeWizard(QDialog):
    """Choose a task table and a checklist, map columns if needed, preview the merge, confirm."""

    def __init__(self, window, path: Path | None = None, checklist_id: int | None = None):
        super().__init__(window)
        self.window = window
        self.setObjectName("taskMerge")
        self.setWindowTitle("导入任务分解表到现有测评体系")
        self.resize(980, 680)
        self.preview: layers.MergePreview | None = None
        self.mapping: dict[str, str] | None = None
        self.generation = 0                             # the preview request being waited for
        self.job = None

        self.file_edit = QLineEdit()
        self.file_edit.setPlaceholderText("选择本市的任务分解表 / 责任分工表（Excel .xlsx 或 Word .docx）")
        browse = QPushButton("浏览…")
        browse.clicked.connect(self._browse)
        self.target = QComboBox()
        self.target.setObjectName("mergeTarget")
        for info in cl.list_checklists(window.lib):
            self.target.addItem(info.label, info.id)
        wanted = checklist_id if checklist_id is not None else window.checklist_panel.checklist_id
        if wanted is not None and self.target.findData(wanted) >= 0:
            self.target.setCurrentIndex(self.target.findData(wanted))
        self.target.currentIndexChanged.connect(lambda _: self._preview())
        self.merge_units = QCheckBox("相近的单位名称（如 宣传部／市委宣传部）并入已有单位")
        self.merge_units.setChecked(True)
        self.merge_units.toggled.connect(lambda _: self._preview())
        self.map_button = QPushButton("指定各列含义…")
        self.map_button.setObjectName("mapColumns")
        self.map_button.clicked.connect(self.show_mapping)

        row = QHBoxLayout()
        row.addWidget(self.file_edit)
        row.addWidget(browse)
        form = QFormLayout()
        form.addRow("任务分解表", row)
        form.addRow("合并到", self.target)
        options = QHBoxLayout()
        options.addWidget(self.merge_units)
        options.addStretch(1)
        options.addWidget(self.map_button)

        self.pages = QStackedWidget()
        self.pages.addWidget(self._mapping_page())
        self.pages.addWidget(self._preview_page())
        self.pages.setCurrentIndex(1)

        self.status = QLabel("请选择任务分解表。合并前会先列出对应情况和将修改的内容，确认后才写入。")
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox()
        self.ok = self.buttons.addButton("确认合并", QDialogButtonBox.AcceptRole)
        self.ok.setObjectName("confirmMerge")
        self.ok.setEnabled(False)
        self.buttons.addButton("取消", QDialogButtonBox.RejectRole)
        self.buttons.accepted.connect(self._commit)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(options)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        if path is not None:
            self.set_path(path)

    # ------------------------------------------------------------ mapping
    def _mapping_page(self) -> QWidget:
        page = QWidget()
        v = QVBoxLayout(page)
        v.setContentsMargins(0, 0, 0, 0)
        self.map_note = QLabel()
        self.map_note.setWordWrap(True)
        v.addWidget(self.map_note)
        self.map_table = QTableWidget(0, 4)
        self.map_table.setObjectName("mappingTable")
        self.map_table.setHorizontalHeaderLabels(["列", "列标题", "第一行内容", "含义"])
        self.map_table.verticalHeader().setVisible(False)
        head = self.map_table.horizontalHeader()
        head.setSectionResizeMode(QHeaderView.ResizeToContents)
        head.setSectionResizeMode(2, QHeaderView.Stretch)
        v.addWidget(self.map_table)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        apply = QPushButton("按此对应重新识别")
        apply.setObjectName("applyMapping")
        apply.clicked.connect(self.apply_mapping)
        back = QPushButton("返回预览")
        back.clicked.connect(lambda: self.pages.setCurrentIndex(1))
        buttons.addWidget(back)
        buttons.addWidget(apply)
        v.addLayout(buttons)
        return page

    def show_mapping(self, reason: str = "") -> None:
        path = self._path()
        if path is None:
            return
        try:
            name, columns = table_columns(path, self.mapping)
        except ChecklistFormatError as exc:
            self.status.setText(f"<span style='color:#b00'>{exc}</span>")
            return
        self.map_note.setText((reason + "\n" if reason else "")
                              + f"{name}：为每一列选择它的含义（至少要有“测评标准”），然后点“按此对应重新识别”。")
        self.map_table.setRowCount(len(columns))
        for r, col in enumerate(columns):
            for c, text in enumerate((col.label, col.title, col.sample)):
                item = QTableWidgetItem(text)
                item.setFlags(item.flags() & ~Qt.ItemIsEditable)
                self.map_table.setItem(r, c, item)
            combo = QComboBox()
            for role in _ROLE_CHOICES:
                combo.addItem(ROLE_LABELS.get(role, "（未识别）") if role else "（未识别）", role)
            combo.setCurrentIndex(max(0, combo.findData(col.role)))
            combo.setMinimumWidth(130)
            self.map_table.setCellWidget(r, 3, combo)
        self.map_table.resizeColumnsToContents()
        self.pages.setCurrentIndex(0)
        self.ok.setEnabled(False)

    def apply_mapping(self) -> None:
        mapping = {}
        for r in range(self.map_table.rowCount()):
            role = self.map_table.cellWidget(r, 3).currentData()
            mapping[self.map_table.item(r, 1).text()] = role or "ignore"
        self.mapping = mapping
        self.pages.setCurrentIndex(1)
        self._preview()

    # ------------------------------------------------------------ preview
    def _preview_page(self) -> QWidget:
        self.tabs = QTabWidget()
        self.tabs.setObjectName("mergeTabs")
        self.summary = QPlainTextEdit()
        self.summary.setReadOnly(True)
        self.tables: dict[str, QTableWidget] = {}
        for key, headers in (("matched", ["表中行", "对应标准", "方式", "相似度", "说明"]),
                             ("changes", ["表中行", "标准", "内容", "现值", "新值"]),
                             ("unmatched", ["表中行", "表中编号/测评内容", "测评标准", "原因"]),
                             ("not_covered", ["标准", "测评标准"]),
                             ("review", ["需要核对的内容"]),
                             ("dropped", ["标准", "内容", "将丢失的值"])):
            table = QTableWidget(0, len(headers))
            table.setObjectName(f"merge_{key}")
            table.setHorizontalHeaderLabels(headers)
            table.verticalHeader().setVisible(False)
            table.setEditTriggers(QTableWidget.NoEditTriggers)
            table.setWordWrap(False)
            table.horizontalHeader().setSectionResizeMode(len(headers) - 1, QHeaderView.Stretch)
            self.tables[key] = table
        self.tabs.addTab(self.summary, "概要")
        for key, label in (("matched", "对应"), ("changes", "将修改"), ("unmatched", "未对应的行"),
                           ("not_covered", "未覆盖的标准"), ("review", "需核对"), ("dropped", "将丢失")):
            self.tabs.addTab(self.tables[key], label)
        return self.tabs

    def _browse(self) -> None:
        chosen = open_file(self, "选择任务分解表", "", "任务分解表 (*.xlsx *.docx);;所有文件 (*)")
        if chosen:
            self.set_path(Path(chosen))

    def set_path(self, path: Path) -> None:
        self.file_edit.setText(str(path))
        self.mapping = None
        self._preview()

    def _path(self) -> Path | None:
        text = self.file_edit.text().strip()
        return Path(text) if text else None

    def _preview(self) -> None:
        """Read and match the table off the UI thread (the job runner); the newest request wins."""
        path = self._path()
        if path is None or self.target.currentData() is None:
            return
        self.ok.setEnabled(False)
        self.preview = None
        self.generation += 1
        generation, lib, cid = self.generation, self.window.lib, self.target.currentData()
        mapping, merge_units = self.mapping, self.merge_units.isChecked()
        self.status.setText("正在识别任务分解表并与测评体系对应…")

        def work(_progress) -> layers.MergePreview | ChecklistFormatError:  # noqa: ANN001
            try:
                return layers.preview_merge(lib, path, cid, mapping=mapping, merge_units=merge_units)
            except ChecklistFormatError as exc:     # not a failure: the mapping step takes over
                return exc

        def done(result) -> None:  # noqa: ANN001
            if generation != self.generation:
                return                                  # an older request: its answer is stale
            if isinstance(result, ChecklistFormatError):
                self.show_mapping(f"未能自动识别表头：{result}")
                self.status.setText("<span style='color:#b00'>表头未能识别，请在上方为各列指定含义。</span>")
                return
            self.preview = result
            self._fill(result)

        self.job = self.window.jobs.run("识别任务分解表", work, on_done=done)

    def _fill(self, preview: layers.MergePreview) -> None:
        plan = preview.plan
        self.summary.setPlainText(preview.text)

        def put(key: str, rows: list[tuple]) -> None:
            table = self.tables[key]
            table.setRowCount(len(rows))
            for r, values in enumerate(rows):
                for c, value in enumerate(values):
                    item = QTableWidgetItem(str(value))
                    item.setToolTip(str(value))
                    table.setItem(r, c, item)
            for c in range(table.columnCount() - 1):     # the last column stretches
                table.resizeColumnToContents(c)
                table.setColumnWidth(c, min(table.columnWidth(c), 320))

        how = {"code+text": "编号和文字", "code": "编号", "text": "文字"}
        put("matched", [(f"第{m.row.row}行", m.standard.code, how[m.how], f"{m.similarity:.0%}", m.note)
                        for m in plan.matches])
        put("changes", [(f"第{c.row}行", c.code, c.label, show_value(c.field, c.old),
                         show_value(c.field, c.new)) for c in plan.changes])
        put("unmatched", [(f"第{r.row}行", (r.item_code or r.item_title) + (f":{r.number}" if r.number else ""),
                           r.standard.text, why) for r, why in plan.unmatched])
        put("not_covered", [(s.code, s.text) for s in plan.not_covered])
        review = [(m,) for m in plan.mismatches]
        review += [(f"{x.code} 完成时限 {x.deadline}：{STALE_DEADLINE}（测评周期自 {x.period_start} 开始）",)
                   for x in plan.stale]
        verb = "并入已有单位" if preview.merge_units else "与已有单位相近，仍作为新单位"
        review += [(f"单位“{m.name}” → {verb}“{m.into}”",) for m in plan.unit_merges]
        put("review", review)
        put("dropped", [])                   # a merge only fills: an empty cell changes nothing
        counts = {"matched": len(plan.matches), "changes": len(plan.changes),
                  "unmatched": len(plan.unmatched), "not_covered": len(plan.not_covered),
                  "review": len(review), "dropped": 0}
        for i, (key, label) in enumerate((("matched", "对应"), ("changes", "将修改"),
                                          ("unmatched", "未对应的行"), ("not_covered", "未覆盖的标准"),
                                          ("review", "需核对"), ("dropped", "将丢失")), start=1):
            self.tabs.setTabText(i, f"{label}（{counts[key]}）")
        self.status.setText(f"{plan.summary()}。合并只填入表中有的内容，不删除任何已有内容；"
                            "确认后写入「" + preview.checklist.label + "」。")
        self.ok.setEnabled(bool(plan.changes))

    def _commit(self) -> None:
        if self.preview is None:
            return
        outcome = layers.commit_merge(self.window.lib, self.preview)
        msg = f"已修改 {outcome.standards_changed} 条标准的 {outcome.values_changed} 处内容。"
        if outcome.units_added:
            msg += f"\n新增责任单位：{'、'.join(outcome.units_added)}"
        inform(self, "合并完成", msg)
        self.window.refresh_all()                       # the by-unit list and the unit choices too
        self.window.checklist_panel.reload(outcome.checklist_id)
        self.accept()
