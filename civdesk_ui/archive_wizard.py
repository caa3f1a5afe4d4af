"""The 年度归档 wizard: choose the year → arrange 件 → preview 档号 and 目录 → export and check.

Every step calls the core (:mod:`civdesk.archive`); the export and the 四性检测 run through
the window's :class:`~civdesk_ui.jobs.JobRunner`, with progress and cancel.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from civdesk.archive import arrange
from civdesk.archive.codes import RETENTIONS
from civdesk.archive.settings import ArchiveSettings, ArchiveSettingsError, save_archive_settings
from civdesk_ui.file_dialogs import file_dialog
from civdesk_ui.messages import ask, warn

ARRANGE_HEADERS = ("档号（预览）", "保管期限", "机构代码", "题名", "责任者", "日期", "页数", "材料")
CATALOGUE_HEADERS = ("序号", "档号", "文号", "责任者", "题名", "日期", "密级", "页数", "备注")
RESULT_HEADERS = ("检测项目", "检测内容", "结果", "说明及涉及文件")
STATUS_COLOURS = {"通过": "#1b7f3b", "不通过": "#b00020", "未检测": "#8a6d00"}


def _table(headers: tuple[str, ...]) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(list(headers))
    t.setEditTriggers(QAbstractItemView.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectRows)
    t.verticalHeader().setVisible(False)
    t.horizontalHeader().setStretchLastSection(True)
    t.setWordWrap(False)
    return t


def _pairs(text: str) -> dict[str, str]:
    """``甲=A；乙=B`` (full- or half-width separators) as a dict."""
    out = {}
    for part in text.replace(";", "；").replace("＝", "=").split("；"):
        if "=" in part:
            key, _, value = part.partition("=")
            if key.strip():
                out[key.strip()] = value.strip()
    return out


def _pairs_text(pairs: dict[str, str]) -> str:
    return "；".join(f"{k}={v}" for k, v in pairs.items())


def _fill(t: QTableWidget, rows: list[list[str]], ids: list[object] | None = None) -> None:
    t.setRowCount(len(rows))
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            cell = QTableWidgetItem(str(value))
            if ids is not None:
                cell.setData(Qt.UserRole, ids[r])
            t.setItem(r, c, cell)
    t.resizeColumnsToContents()


class YearPage(QWizardPage):
    def __init__(self, wizard: ArchiveWizard):
        super().__init__()
        self.wiz = wizard
        self.setTitle("第一步：选择年度，核对归档设置")
        self.setSubTitle("材料日期在该年度内的，逐份成为一件；全宗号、机构代码由档案馆给定。")
        s = wizard.settings
        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.year.setValue(dt.date.today().year - 1)
        self.fonds = QLineEdit(s.fonds)
        self.fonds.setPlaceholderText("档案馆给定，如 Z109")
        self.category = QLineEdit(s.category_code)
        self.default_retention = QComboBox()
        for code, label in RETENTIONS.items():
            self.default_retention.addItem(f"{label}（{code}）", code)
        self.default_retention.setCurrentIndex(max(0, self.default_retention.findData(s.default_retention)))
        self.org_codes = QLineEdit(_pairs_text(s.org_codes))
        self.org_codes.setPlaceholderText("责任单位=代码；如 市文明办=BGS；团市委=TSW")
        self.kind_retention = QLineEdit(_pairs_text(s.retention_by_kind))
        self.kind_retention.setPlaceholderText("材料类别=期限；如 正式发文=Y；图片=D30（Y 永久，D30、D10 定期）")
        self.item_retention = QLineEdit(_pairs_text(s.retention_by_item))
        self.item_retention.setPlaceholderText("测评条目=期限；如 Ⅲ-5=Y（条目优先于类别）")
        self.partial = QCheckBox("只整理年度中的一段时间")
        self.date_from, self.date_to = QDateEdit(), QDateEdit()
        for w in (self.date_from, self.date_to):
            w.setCalendarPopup(True)
            w.setDisplayFormat("yyyy-MM-dd")
            w.setEnabled(False)
        self.partial.toggled.connect(self.date_from.setEnabled)
        self.partial.toggled.connect(self.date_to.setEnabled)
        self.year.valueChanged.connect(self._year_changed)
        self._year_changed(self.year.value())
        span = QHBoxLayout()
        for w in (self.partial, QLabel("从"), self.date_from, QLabel("至"), self.date_to):
            span.addWidget(w)
        span.addStretch(1)
        self.transferring = QLineEdit(s.transferring_unit)
        self.receiving = QLineEdit(s.receiving_unit)
        self.maker = QLineEdit(s.maker)
        self.checker = QLineEdit(s.checker)
        form = QFormLayout(self)
        form.addRow("年度", self.year)
        form.addRow("", span)
        form.addRow("全宗号", self.fonds)
        form.addRow("门类代码", self.category)
        form.addRow("默认保管期限", self.default_retention)
        form.addRow("机构(问题)代码表", self.org_codes)
        form.addRow("按类别的保管期限", self.kind_retention)
        form.addRow("按测评条目的保管期限", self.item_retention)
        form.addRow("移交单位", self.transferring)
        form.addRow("接收单位", self.receiving)
        form.addRow("整理人（制作人）", self.maker)
        form.addRow("检查人", self.checker)

    def _year_changed(self, year: int) -> None:
        self.date_from.setDateRange(QDate(year, 1, 1), QDate(year, 12, 31))
        self.date_to.setDateRange(QDate(year, 1, 1), QDate(year, 12, 31))
        self.date_from.setDate(QDate(year, 1, 1))
        self.date_to.setDate(QDate(year, 12, 31))

    def validatePage(self) -> bool:  # noqa: N802 - Qt's name
        old = self.wiz.settings
        try:
            new = save_archive_settings(
                self.wiz.lib, fonds=self.fonds.text().strip(), category_code=self.category.text().strip(),
                default_retention=self.default_retention.currentData(),
                org_codes=_pairs(self.org_codes.text()),
                retention_by_kind={k: v.upper() for k, v in _pairs(self.kind_retention.text()).items()},
                retention_by_item={k: v.upper() for k, v in _pairs(self.item_retention.text()).items()},
                transferring_unit=self.transferring.text().strip(),
                receiving_unit=self.receiving.text().strip(), maker=self.maker.text().strip(),
                checker=self.checker.text().strip())
        except ArchiveSettingsError as exc:
            warn(self, "归档设置", str(exc))
            return False
        self.wiz.settings = new
        self.wiz.year = self.year.value()
        if self.partial.isChecked():
            lo, hi = self.date_from.date().toPython(), self.date_to.date().toPython()
            if lo > hi:
                warn(self, "归档设置", "开始日期晚于结束日期。")
                return False
            self.wiz.span = (lo, hi)
        else:
            self.wiz.span = (None, None)
        arrange.apply_new_defaults(self.wiz.lib, self.wiz.year, old, new)
        return True


class ArrangePage(QWizardPage):
    def __init__(self, wizard: ArchiveWizard):
        super().__init__()
        self.wiz = wizard
        self.setTitle("第二步：整理——组件，批量设置保管期限和机构代码")
        self.setSubTitle("选中几行后“组成一件”：第一份为正本，其余为附件（或一组照片）。已固定档号的件不能改动。")
        self.table = _table(ARRANGE_HEADERS)
        self.table.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.retention = QComboBox()
        for code, label in RETENTIONS.items():
            self.retention.addItem(f"{label}（{code}）", code)
        set_ret = QPushButton("设保管期限")
        set_ret.clicked.connect(lambda: self._set(retention=self.retention.currentData()))
        self.org = QLineEdit()
        self.org.setPlaceholderText("机构代码")
        self.org.setMaximumWidth(90)
        set_org = QPushButton("设机构代码")
        set_org.clicked.connect(lambda: self._set(org_code=self.org.text().strip()))
        self.title_edit = QLineEdit()
        self.title_edit.setPlaceholderText("整理者拟写的题名（目录中加 [ ]）")
        set_title = QPushButton("拟写题名")
        set_title.clicked.connect(lambda: self._set(title=self.title_edit.text().strip()))
        self.group_button = QPushButton("组成一件")
        self.group_button.clicked.connect(self._group)
        ungroup = QPushButton("拆分")
        ungroup.clicked.connect(self._ungroup)
        row1 = QHBoxLayout()
        for w in (self.group_button, ungroup, self.retention, set_ret, self.org, set_org):
            row1.addWidget(w)
        row1.addStretch(1)
        row2 = QHBoxLayout()
        row2.addWidget(self.title_edit, 1)
        row2.addWidget(set_title)
        self.info = QLabel()
        self.info.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(row1)
        layout.addLayout(row2)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.info)

    def initializePage(self) -> None:  # noqa: N802
        self.refresh()

    def refresh(self) -> None:
        p = arrange.plan(self.wiz.lib, self.wiz.year, start=self.wiz.span[0], end=self.wiz.span[1])
        self.wiz.plan = p
        rows, ids = [], []
        for i in p.items:
            mats = "、".join(f"#{m.material_id} {m.original_name}" for m in i.members)
            rows.append([("" if i.fixed else "* ") + i.code, RETENTIONS[i.retention], i.org_code or "—",
                         i.shown_title, i.responsible, i.date8, str(i.pages), mats])
            ids.append([m.material_id for m in i.members])
        _fill(self.table, rows, ids)
        self.table.setColumnWidth(3, min(self.table.columnWidth(3), 320))
        fixed = sum(1 for i in p.items if i.fixed)
        lo, hi = self.wiz.span
        where = f"{p.year} 年度" + (f"（{lo or f'{p.year}-01-01'} 至 {hi or f'{p.year}-12-31'}）"
                                   if lo or hi else "")
        text = f"{where}共 {len(p.items)} 件，已固定档号 {fixed} 件（* 为预览）。"
        if p.problems:
            text += "<br><span style='color:#b00020'>" + "<br>".join(p.problems) + "</span>"
        self.info.setText(text)

    def selected_materials(self) -> list[int]:
        rows = sorted({ix.row() for ix in self.table.selectionModel().selectedRows()})
        out: list[int] = []
        for r in rows:
            out += self.table.item(r, 0).data(Qt.UserRole)
        return out

    def _apply(self, fn) -> None:  # noqa: ANN001
        mats = self.selected_materials()
        if not mats:
            warn(self, "整理", "请先在表中选中要修改的件。")
            return
        try:
            fn(mats)
        except arrange.ArrangeError as exc:
            warn(self, "整理", str(exc))
        self.refresh()

    def _set(self, **values: str) -> None:
        self._apply(lambda mats: arrange.set_fields(self.wiz.lib, self.wiz.year, mats, **values))

    def _group(self) -> None:
        self._apply(lambda mats: arrange.group(self.wiz.lib, self.wiz.year, mats,
                                               title=self.title_edit.text().strip() or None))

    def _ungroup(self) -> None:
        self._apply(lambda mats: arrange.ungroup(self.wiz.lib, self.wiz.year, mats))


class PreviewPage(QWizardPage):
    def __init__(self, wizard: ArchiveWizard):
        super().__init__()
        self.wiz = wizard
        self.setTitle("第三步：预览档号和归档文件目录，固定档号")
        self.setSubTitle("档号固定后不再改变；以后补充的件排在所属类别的末尾。")
        self.table = _table(CATALOGUE_HEADERS)
        self.fix = QPushButton("固定档号")
        self.fix.clicked.connect(self._fix)
        self.info = QLabel()
        self.info.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.info, 1)
        row.addWidget(self.fix)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)

    def initializePage(self) -> None:  # noqa: N802
        self.refresh()

    def refresh(self) -> None:
        p = arrange.plan(self.wiz.lib, self.wiz.year, start=self.wiz.span[0], end=self.wiz.span[1])
        self.wiz.plan = p
        rows = [[str(n), ("" if i.fixed else "* ") + i.code, i.doc_number, i.responsible, i.shown_title,
                 i.date8, i.secrecy, str(i.pages), i.note] for n, i in enumerate(p.items, 1)]
        _fill(self.table, rows)
        self.table.setColumnWidth(4, min(self.table.columnWidth(4), 360))
        waiting = sum(1 for i in p.items if not i.fixed)
        self.fix.setEnabled(waiting > 0)
        self.info.setText(f"待固定 {waiting} 件（* 为预览的档号）。" if waiting
                          else "全部档号已固定，可以导出。")
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802
        return bool(self.wiz.plan and self.wiz.plan.items and self.wiz.plan.all_fixed)

    def _fix(self) -> None:
        waiting = sum(1 for i in self.wiz.plan.items if not i.fixed) if self.wiz.plan else 0
        if not ask(self, "固定档号", f"固定 {waiting} 件的档号？固定后不再改变。", default_yes=True):
            return
        try:
            arrange.number(self.wiz.lib, self.wiz.year, start=self.wiz.span[0], end=self.wiz.span[1])
        except arrange.ArrangeError as exc:
            warn(self, "固定档号", str(exc))
        self.refresh()


class ExportPage(QWizardPage):
    def __init__(self, wizard: ArchiveWizard):
        super().__init__()
        self.wiz = wizard
        self.setTitle("第四步：写出移交载体并做四性检测")
        self.setSubTitle("可写到文件夹或移动硬盘；写完后自动检测真实性、完整性、可用性、安全性。")
        self.dest = QLineEdit()
        browse = QPushButton("浏览…")
        browse.clicked.connect(self._browse)
        self.as_zip = QCheckBox("打包为 zip")
        self.go = QPushButton("导出并检测")
        self.go.clicked.connect(self.start)
        row = QHBoxLayout()
        row.addWidget(self.dest, 1)
        row.addWidget(browse)
        row.addWidget(self.as_zip)
        row.addWidget(self.go)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.results = _table(RESULT_HEADERS)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addWidget(self.results, 1)
        self.job = None
        self.result = None

    def initializePage(self) -> None:  # noqa: N802
        if not self.dest.text():
            fonds = self.wiz.settings.fonds or "全宗"
            self.dest.setText(str(self.wiz.lib.exports_dir / f"{fonds}-{self.wiz.year}年度移交"))

    def _browse(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        dialog = file_dialog(self, "选择移交载体的保存位置（文件夹或移动硬盘）", self.dest.text(),
                             mode=QFileDialog.Directory)
        if dialog.exec():
            chosen = dialog.selectedFiles()
            if chosen:
                self.dest.setText(str(Path(chosen[0]) / f"{self.wiz.settings.fonds}-{self.wiz.year}年度移交"))

    def start(self):  # noqa: ANN201
        from civdesk.archive.export import export_archive

        lib, year = self.wiz.lib, self.wiz.year
        out, as_zip = Path(self.dest.text()), self.as_zip.isChecked()
        overwrite = False
        final = out.with_name(out.name + ".zip") if as_zip and out.suffix.lower() != ".zip" else out
        if final.exists():
            if not ask(self, "导出", f"{final} 已存在，是否覆盖？"):
                return None
            overwrite = True
        self.go.setEnabled(False)
        self.status.setText("正在写出移交载体……")

        def work(progress):  # noqa: ANN001, ANN202
            return export_archive(lib, year, out, as_zip=as_zip, overwrite=overwrite, progress=progress)

        self.job = self.wiz.jobs.run("年度归档导出", work, on_done=self._done, show_errors=False)
        self.job.ended.connect(self._ended)
        return self.job

    def _ended(self) -> None:
        self.go.setEnabled(True)
        if self.job is not None and self.job.error:
            self.status.setText(f"<span style='color:#b00020'>导出失败：{self.job.error}</span>")
        elif self.job is not None and self.job.was_cancelled:
            self.status.setText("已取消，未留下任何文件。")

    def _done(self, result) -> None:  # noqa: ANN001
        self.result = result
        summary = "；".join(f"{a}{s}" for a, s in result.report.summary().items())
        extra = f"<br>未转换为 PDF：{len(result.not_converted)} 个（未找到 LibreOffice）" \
            if result.not_converted else ""
        self.status.setText(
            f"<b>已写出</b>：{result.path}<br>{result.items} 件，电子文件 {result.files} 个，"
            f"{result.bytes / 1024 ** 3:.3f} GB；数据包摘要（SHA-256）：{result.digest[:16]}…"
            f"<br>四性检测：{summary}{extra}")
        show_report(self.results, result.report)
        self.completeChanged.emit()


def show_report(table: QTableWidget, report) -> None:  # noqa: ANN001
    _fill(table, [[i.aspect, i.name, i.status, i.detail] for i in report.items])
    for r, i in enumerate(report.items):
        table.item(r, 2).setForeground(QColor(STATUS_COLOURS.get(i.status, "#000000")))


class ArchiveWizard(QWizard):
    """年度归档: one wizard over the core's arrangement, numbering, export and check."""

    def __init__(self, lib, jobs, parent: QWidget | None = None):  # noqa: ANN001
        super().__init__(parent)
        self.lib, self.jobs = lib, jobs
        self.settings = ArchiveSettings.from_library(lib)
        self.year = dt.date.today().year - 1
        self.plan: arrange.ArchivePlan | None = None
        self.span: tuple[dt.date | None, dt.date | None] = (None, None)  # part of the year, or all
        self.setObjectName("archiveWizard")
        self.setWindowTitle("年度归档")
        self.setWizardStyle(QWizard.ClassicStyle)
        self.setButtonText(QWizard.NextButton, "下一步 >")
        self.setButtonText(QWizard.BackButton, "< 上一步")
        self.setButtonText(QWizard.FinishButton, "完成")
        self.setButtonText(QWizard.CancelButton, "关闭")
        self.resize(1100, 680)
        self.year_page, self.arrange_page = YearPage(self), ArrangePage(self)
        self.preview_page, self.export_page = PreviewPage(self), ExportPage(self)
        for page in (self.year_page, self.arrange_page, self.preview_page, self.export_page):
            self.addPage(page)
        for t in (self.arrange_page.table, self.preview_page.table, self.export_page.results):
            t.horizontalHeader().setSectionResizeMode(QHeaderView.Interactive)
