"""The check dashboard: progress per level and per unit, and the findings list.

Runs :func:`civdesk.checks.run_checks` as a job; after edits in the main
window the result is re-checked incrementally.  Double-clicking a finding
opens its material (or standard) in the main window.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from civdesk import checks
from civdesk_ui.file_dialogs import save_file
from civdesk_ui.messages import inform
from civdesk_ui.period_chooser import PeriodChooser, effective_period


def checks_periods(lib, checklist_id):  # noqa: ANN001, ANN201
    from civdesk.checklist import store as cl

    return cl.get_checklist(lib, checklist_id).periods if checklist_id is not None else ()

STATUS_COLOURS = {checks.MET: "#2e7d32", checks.PARTIAL: "#d98a00", checks.MISSING: "#9aa3ad",
                  checks.FAULTY: "#b00020", checks.NOT_NEEDED: "#888888"}
SEVERITY_COLOURS = {checks.ERROR: "#b00020", checks.WARNING: "#d98a00", checks.NOTICE: "#2c5d8a"}


class CheckDashboard(QDialog):
    def __init__(self, window):  # noqa: ANN001
        super().__init__(window)
        self.window = window
        self.result: checks.CheckResult | None = None
        self.setObjectName("checkDashboard")
        self.setWindowTitle("申报前检查")
        self.resize(1100, 700)
        self.summary = QLabel("正在检查……")
        self.summary.setObjectName("checkSummary")
        self.summary.setWordWrap(True)
        self.tabs = QTabWidget()
        self.tree = QTreeWidget()
        self.tree.setObjectName("checkTree")
        self.tree.setHeaderLabels(["测评体系", "状态", "达标", "部分", "缺失", "有错误"])
        self.tree.header().setSectionResizeMode(0, QHeaderView.Stretch)
        self.tree.itemDoubleClicked.connect(self._open_tree_item)
        self.units = QTableWidget(0, 4)
        self.units.setObjectName("unitTable")
        self.units.setHorizontalHeaderLabels(["责任单位", "负责标准", "已达标", "尚欠"])
        self.units.horizontalHeader().setSectionResizeMode(0, QHeaderView.Stretch)
        self.units.setSelectionBehavior(QTableWidget.SelectRows)
        self.units.setEditTriggers(QTableWidget.NoEditTriggers)
        self.units.itemSelectionChanged.connect(self._unit_selected)
        self.owed = QTextBrowser()
        self.owed.setObjectName("owedText")
        unit_split = QSplitter(Qt.Vertical)
        unit_split.addWidget(self.units)
        unit_split.addWidget(self.owed)
        self.severity = QComboBox()
        self.unit_filter = QComboBox()
        self.rule_filter = QComboBox()
        for box in (self.severity, self.unit_filter, self.rule_filter):
            box.currentIndexChanged.connect(lambda _: self._fill_findings())
        self.findings = QTableWidget(0, 5)
        self.findings.setObjectName("findingsTable")
        self.findings.setHorizontalHeaderLabels(["级别", "规则", "测评标准", "材料", "问题与整改"])
        self.findings.horizontalHeader().setSectionResizeMode(4, QHeaderView.Stretch)
        self.findings.setSelectionBehavior(QTableWidget.SelectRows)
        self.findings.setEditTriggers(QTableWidget.NoEditTriggers)
        self.findings.setWordWrap(True)
        self.findings.cellDoubleClicked.connect(self._open_finding)
        filters = QHBoxLayout()
        for label, box in (("级别", self.severity), ("单位", self.unit_filter), ("规则", self.rule_filter)):
            filters.addWidget(QLabel(label))
            filters.addWidget(box)
        filters.addStretch()
        findings_page = QWidget()
        fl = QVBoxLayout(findings_page)
        fl.addLayout(filters)
        fl.addWidget(self.findings)
        self.tabs.addTab(self.tree, "按测评体系")
        self.tabs.addTab(unit_split, "按责任单位")
        self.tabs.addTab(findings_page, "问题清单")
        self.period_chooser = PeriodChooser()
        self.period_chooser.chosen.connect(self.window.choose_period)
        rerun = QPushButton("重新检查")
        rerun.clicked.connect(self.run)
        docx = QPushButton("导出检查报告（Word）…")
        docx.clicked.connect(lambda: self._export("docx"))
        xlsx = QPushButton("导出检查报告（Excel）…")
        xlsx.clicked.connect(lambda: self._export("xlsx"))
        notice = QPushButton("给所选单位发补交通知（Word）…")
        notice.clicked.connect(self._export_notice)
        top = QHBoxLayout()
        top.addWidget(QLabel("测评周期："))
        top.addWidget(self.period_chooser)
        top.addStretch()
        buttons = QHBoxLayout()
        for b in (rerun, docx, xlsx, notice):
            buttons.addWidget(b)
        buttons.addStretch()
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.tabs)
        layout.addLayout(buttons)

    # --------------------------------------------------------------- running
    def run(self):  # noqa: ANN201
        lib = self.window.lib
        checklist_id = self.window.checklist_panel.checklist_id
        periods = checks_periods(lib, checklist_id)
        self.period_chooser.fill(periods, self.window.period_year)
        chosen = effective_period(periods, self.window.period_year)
        year = chosen.year if chosen else None
        self.summary.setText("正在检查……")
        return self.window.jobs.run("申报前检查", lambda p: checks.run_checks(lib, checklist_id, year=year),
                                    on_done=self.show_result)

    def recheck(self, material_ids: list[int]) -> None:
        """After an edit in the main window: re-check only what it touched."""
        if self.result is None or not self.isVisible():
            return
        self.show_result(checks.recheck(self.window.lib, self.result, material_ids))

    def show_result(self, result: checks.CheckResult) -> None:
        self.result = result
        sev = result.severity_counts()
        st = result.status_counts()
        period = (f"测评周期 {result.period.start}～{result.period.end}" if result.period
                  else "<span style='color:#b00020'>未设置测评周期</span>")
        self.summary.setText(
            f"<b>{result.checklist_name}</b> · {period} · 检查时间 {result.checked_at:%Y-%m-%d %H:%M}<br>"
            f"测评标准：达标 {st[checks.MET]}，部分 {st[checks.PARTIAL]}，缺失 {st[checks.MISSING]}，"
            f"有错误 {st[checks.FAULTY]}（无需材料 {st[checks.NOT_NEEDED]}）· "
            f"问题：<span style='color:#b00020'>错误 {sev[checks.ERROR]}</span>，"
            f"<span style='color:#d98a00'>警告 {sev[checks.WARNING]}</span>，提示 {sev[checks.NOTICE]}")
        self._fill_tree()
        self._fill_units()
        self._fill_filters()
        self._fill_findings()

    def _fill_tree(self) -> None:
        self.tree.clear()
        by_id = {r.id: r for r in self.result.rollup}
        nodes = self.window.checklist_panel.tree_view
        standards = {s.id: s for s in self.result.standards}
        if nodes is None:
            return

        def add(node, parent):  # noqa: ANN001, ANN202
            roll = by_id.get(node.id)
            cells = [f"{node.code} {node.title}", roll.status if roll else ""]
            cells += [str(roll.count(s)) if roll else "" for s in
                      (checks.MET, checks.PARTIAL, checks.MISSING, checks.FAULTY)]
            item = QTreeWidgetItem(cells)
            if roll:
                item.setForeground(1, QBrush(QColor(STATUS_COLOURS.get(roll.status, "#333"))))
            for child in node.children:
                add(child, item)
            for s in node.standards:
                ss = standards.get(s.id)
                if ss is None:
                    continue
                si = QTreeWidgetItem([f"{s.number}）{s.text}", ss.status])
                si.setData(0, Qt.UserRole, ("standard", s.id))
                si.setForeground(1, QBrush(QColor(STATUS_COLOURS.get(ss.status, "#333"))))
                si.setToolTip(0, "\n".join(f.message for f in ss.findings) or ss.status)
                item.addChild(si)
            if parent is None:
                self.tree.addTopLevelItem(item)
            else:
                parent.addChild(item)

        for root in nodes.roots:
            add(root, None)
        self.tree.expandToDepth(1)

    def _fill_units(self) -> None:
        units = sorted(self.result.units, key=lambda u: (-len(u.items), u.unit))
        self.units.setRowCount(len(units))
        for r, u in enumerate(units):
            for c, text in enumerate((u.unit, str(u.standards), str(u.met), str(len(u.items)))):
                item = QTableWidgetItem(text)
                item.setData(Qt.UserRole, u.unit)
                if c == 3 and u.items:
                    item.setForeground(QBrush(QColor("#b00020")))
                self.units.setItem(r, c, item)
        if units:
            self.units.selectRow(0)

    def _unit_selected(self) -> None:
        items = self.units.selectedItems()
        if not items or self.result is None:
            return
        owed = self.result.unit(items[0].data(Qt.UserRole))
        if not owed.items:
            self.owed.setHtml(f"<h3>{owed.unit}</h3><p style='color:#2e7d32'>负责的测评标准均已达标。</p>")
            return
        rows = "".join(
            f"<tr><td valign=top><b>{i.code}</b></td><td valign=top>{i.role}</td>"
            f"<td valign=top style='color:{STATUS_COLOURS.get(i.status, '#333')}'>{i.status}</td>"
            f"<td valign=top>{i.deadline or '—'}</td><td>{i.text}<br>"
            + "<br>".join(f"· {reason}" for reason in i.reasons) + "</td></tr>"
            for i in owed.items)
        self.owed.setHtml(f"<h3>{owed.unit} 尚欠 {len(owed.items)} 项</h3>"
                          "<table cellpadding=4><tr><th>标准</th><th>角色</th><th>状态</th>"
                          f"<th>时限</th><th>内容与原因</th></tr>{rows}</table>")

    def _fill_filters(self) -> None:
        for box, values, label in (
                (self.severity, checks.SEVERITIES, "全部级别"),
                (self.unit_filter, sorted({f.unit for f in self.result.findings if f.unit}), "全部单位"),
                (self.rule_filter, [(r.id, r.title) for r in checks.RULES.values()], "全部规则")):
            box.blockSignals(True)
            current = box.currentData()
            box.clear()
            box.addItem(label, None)
            for v in values:
                key, text = v if isinstance(v, tuple) else (v, v)
                box.addItem(text, key)
            idx = box.findData(current)
            box.setCurrentIndex(max(idx, 0))
            box.blockSignals(False)

    def visible_findings(self) -> list[checks.Finding]:
        if self.result is None:
            return []
        sev, unit, rule = (self.severity.currentData(), self.unit_filter.currentData(),
                           self.rule_filter.currentData())
        order = {s: i for i, s in enumerate(checks.SEVERITIES)}
        return sorted((f for f in self.result.findings
                       if (sev is None or f.severity == sev) and (unit is None or f.unit == unit)
                       and (rule is None or f.rule == rule)),
                      key=lambda f: (order.get(f.severity, 9), f.standard or "", f.rule))

    def _fill_findings(self) -> None:
        found = self.visible_findings()
        self.findings.setRowCount(len(found))
        for r, f in enumerate(found):
            rule = checks.RULES.get(f.rule)
            cells = (f.severity, rule.title if rule else f.rule, f.standard or "",
                     f.material_title or "", f"{f.message}\n整改：{f.fix}" if f.fix else f.message)
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.UserRole, r)
                if c == 0:
                    item.setForeground(QBrush(QColor(SEVERITY_COLOURS.get(f.severity, "#333"))))
                self.findings.setItem(r, c, item)
        self.findings.resizeRowsToContents()
        self._shown = found

    # --------------------------------------------------------------- opening
    def _open_finding(self, row: int, _col: int) -> None:
        self.open_finding(self._shown[row])

    def open_finding(self, f: checks.Finding) -> None:
        """Show the finding's standard in the main window and select its material."""
        if f.standard_id is not None:
            self.window.select_standard(f.standard_id)
        elif f.material_id is not None:
            self.window.show_unfiled()
        if f.material_id is not None:
            self.window.select_material(f.material_id)
        self.window.raise_()
        self.window.activateWindow()

    def _open_tree_item(self, item: QTreeWidgetItem, _col: int) -> None:
        data = item.data(0, Qt.UserRole)
        if data and data[0] == "standard":
            self.window.select_standard(data[1])
            self.window.raise_()

    # -------------------------------------------------------------- reports
    def _export(self, fmt: str) -> None:
        if self.result is None:
            return
        from civdesk.reports import write_check_docx, write_check_xlsx

        path = save_file(self, "保存检查报告", f"申报前检查报告.{fmt}",
                         "Word 文档 (*.docx)" if fmt == "docx" else "Excel 表格 (*.xlsx)")
        if not path:
            return
        (write_check_docx if fmt == "docx" else write_check_xlsx)(self.result, Path(path))
        inform(self, "检查报告", f"已保存：{path}")

    def _export_notice(self) -> None:
        items = self.units.selectedItems()
        if self.result is None or not items:
            return
        from civdesk_ui.tasks_ui import issue_notice_interactively

        # the 补交通知 with 文号, 补交截止日期, contact and annex, recorded for the ledger
        issue_notice_interactively(self, self.window.lib, "补交", items[0].data(Qt.UserRole))
