"""审核报送: a submission → its materials with their check findings → accept or return.

The submission's detail (with a fresh check) is read off the UI thread; a
decision is a quick write, after which the detail is read again and the main
window refreshed.  A 退回通知 for the unit can be issued from here.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from civdesk.tasks.review import (
    RETURN_REASONS,
    ReviewError,
    SubmissionDetail,
    list_submissions,
    review,
    submission_detail,
)
from civdesk_ui.messages import warn

STATUS_COLOURS = {"pending": "#d98a00", "accepted": "#2e7d32", "returned": "#b00020", "unfiled": "#888888"}
COLUMNS = ["材料", "名称", "测评标准", "状态", "检查结果", "退回原因 / 位置"]


class ReviewDialog(QDialog):
    def __init__(self, window, submission_id: int | None = None):  # noqa: ANN001
        super().__init__(window)
        self.window = window
        self.lib = window.lib
        self.setObjectName("reviewDialog")
        self.setWindowTitle("审核报送")
        self.resize(1000, 560)
        self.wanted = submission_id
        self.detail: SubmissionDetail | None = None
        self.submissions = QComboBox()
        self.submissions.setObjectName("submissionChoice")
        self.submissions.currentIndexChanged.connect(self._chosen)
        self.summary = QLabel("正在读取报送……")
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("reviewTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        header = self.table.horizontalHeader()
        for col, width in ((0, 60), (1, 220), (2, 80), (3, 70)):
            self.table.setColumnWidth(col, width)
        header.setSectionResizeMode(4, QHeaderView.Stretch)
        header.setSectionResizeMode(5, QHeaderView.Stretch)
        self.reason = QComboBox()
        self.reason.setObjectName("returnReason")
        self.reason.setEditable(True)
        self.reason.addItems(RETURN_REASONS)
        self.reason.setCurrentText("")
        self.reason.lineEdit().setPlaceholderText("退回原因（可选常用原因或直接填写）")
        accept = QPushButton("采用所选")
        accept.setObjectName("acceptButton")
        accept.clicked.connect(self.accept_selected)
        back = QPushButton("退回所选")
        back.setObjectName("returnButton")
        back.clicked.connect(self.return_selected)
        notice = QPushButton("发退回通知…")
        notice.clicked.connect(self.issue_return_notice)
        close = QPushButton("关闭")
        close.clicked.connect(self.close)
        top = QHBoxLayout()
        top.addWidget(QLabel("报送："))
        top.addWidget(self.submissions, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.reason, 1)
        for b in (accept, back, notice, close):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.reload()

    # ------------------------------------------------------------------ data
    def reload(self) -> None:
        subs = list_submissions(self.lib)     # one quick query
        keep = self.wanted if self.wanted is not None else self.current_id()
        self.submissions.blockSignals(True)
        self.submissions.clear()
        for v in subs:
            self.submissions.addItem(f"{v.label}（待审 {v.pending}，采用 {v.accepted}，退回 {v.returned}）", v.id)
        self.submissions.blockSignals(False)
        if not subs:
            self.summary.setText("还没有接收任何报送。责任单位报送的任务包可拖入主窗口，或用“接收报送…”。")
            self.table.setRowCount(0)
            return
        index = max(0, self.submissions.findData(keep)) if keep is not None else 0
        self.submissions.setCurrentIndex(index)
        self._chosen(index)

    def current_id(self) -> int | None:
        return self.submissions.currentData()

    def _chosen(self, _index: int) -> None:
        sid = self.current_id()
        if sid is None:
            return
        self.wanted = sid
        lib = self.lib

        def work(_progress):  # noqa: ANN001, ANN202
            from civdesk.checks import run_checks

            return submission_detail(lib, sid, run_checks(lib))

        self.summary.setText("正在检查报送的材料……")
        def shown(detail) -> None:  # noqa: ANN001
            try:
                self.show_detail(detail)
            except RuntimeError:  # the dialog was closed meanwhile
                pass

        self.window.jobs.run("检查报送的材料", work, on_done=shown, dialog=False)

    def show_detail(self, detail: SubmissionDetail) -> None:
        if detail.submission.id != self.current_id():
            return                                   # an older request
        self.detail = detail
        v = detail.submission
        self.summary.setText(f"{v.unit}（{v.source_name}）：待审核 {v.pending}，已采用 {v.accepted}，"
                             f"已退回 {v.returned}，未归位 {v.unfiled}。选中材料后采用或退回；"
                             "退回的材料留在资料库中，但检查时不计入。")
        self.table.setRowCount(len(detail.items))
        for row, item in enumerate(detail.items):
            values = [f"#{item.material_id}", item.title, item.code or "（未归位）", item.status_name,
                      _check_text(item),
                      item.reason if item.status != "unfiled" else f"{item.reason}（{item.path}）"]
            for col, text in enumerate(values):
                cell = QTableWidgetItem(text)
                cell.setData(Qt.UserRole, item.material_id)
                if col == 3:
                    cell.setForeground(QBrush(QColor(STATUS_COLOURS.get(item.status, "#000"))))
                if col == 4 and item.findings:
                    cell.setToolTip("\n".join(item.findings))
                self.table.setItem(row, col, cell)
        self.table.resizeRowsToContents()

    # --------------------------------------------------------------- decisions
    def selected_materials(self) -> list[int]:
        rows = sorted({i.row() for i in self.table.selectedIndexes()})
        return list(dict.fromkeys(self.table.item(r, 0).data(Qt.UserRole) for r in rows))

    def accept_selected(self) -> None:
        self._decide(accept=self.selected_materials())

    def return_selected(self) -> None:
        reason = self.reason.currentText().strip()
        if not reason:
            warn(self, "退回材料", "请先选择或填写退回原因。")
            return
        self._decide(returned=self.selected_materials(), reason=reason)

    def _decide(self, accept: list[int] = (), returned: list[int] = (), reason: str = "") -> None:  # noqa: B006
        sid = self.current_id()
        if sid is None or not (accept or returned):
            warn(self, "审核报送", "请先在表中选中要采用或退回的材料。")
            return
        try:
            outcome = review(self.lib, sid, accept=accept, returned=returned, reason=reason)
        except ReviewError as exc:
            warn(self, "审核报送", str(exc))
            return
        self.window.statusBar().showMessage(
            f"第 {sid} 号报送：采用 {len(outcome.accepted)} 份，退回 {len(outcome.returned)} 份", 8000)
        self.window.refresh_all()
        self.reload()

    def issue_return_notice(self) -> None:
        from civdesk_ui.tasks_ui import issue_notice_interactively

        if self.detail is not None:
            issue_notice_interactively(self, self.lib, "退回", self.detail.submission.unit)


def _check_text(item) -> str:  # noqa: ANN001 - an ItemView
    if item.status == "returned":
        return "已退回，不计入检查"
    if not item.code:
        return "未归入测评标准，不检查"
    return "\n".join(item.findings) or "无问题"


def open_review(window, submission_id: int | None = None) -> ReviewDialog:  # noqa: ANN001
    dialog = ReviewDialog(window, submission_id)
    dialog.setAttribute(Qt.WA_DeleteOnClose)
    dialog.open()
    window.review_dialog = dialog
    return dialog

