"""The first-run page and the empty states: every empty view says what goes there and how.

:class:`StartPage` stands in the centre of a library without materials: the three first
steps as buttons, each with what is done already.  :func:`paint_hint` draws a grey hint in
an empty list or grid (the views call it from ``paintEvent``).
"""
from __future__ import annotations

from PySide6.QtCore import QRect, Qt, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QVBoxLayout,
)

STEPS = (
    ("checklist", "① 导入测评体系",
     "导入本市下发的《测评体系》Word 表或《任务分解表》Excel；新资料库已带示例测评体系，可先试用。"),
    ("materials", "② 导入材料",
     "把各单位报来的照片、公文、zip 压缩包拖到这个窗口上，或点这里选择文件。原件原样保存。"),
    ("period", "③ 设置测评周期",
     "填写本年度测评周期的起止日期：周期外形成的材料会标「期外」，申报前检查按它判断。"),
)


def paint_hint(view: QAbstractItemView, text: str) -> None:
    """Draw ``text`` centred in an empty view's viewport (call from the view's paintEvent)."""
    if not text or view.model() is None or view.model().rowCount() > 0:
        return
    painter = QPainter(view.viewport())
    painter.setPen(QColor("#7a8591"))
    rect = view.viewport().rect().adjusted(24, 24, -24, -24)
    painter.drawText(QRect(rect), Qt.AlignCenter | Qt.TextWordWrap, text)
    painter.end()


class HintList(QListWidget):
    """A list that says what goes in it while it is empty."""

    def __init__(self, hint: str = "") -> None:
        super().__init__()
        self.hint = hint

    def paintEvent(self, event) -> None:  # noqa: N802, ANN001
        super().paintEvent(event)
        if self.count() == 0:
            painter = QPainter(self.viewport())
            painter.setPen(QColor("#7a8591"))
            painter.drawText(self.viewport().rect().adjusted(8, 8, -8, -8),
                             Qt.AlignCenter | Qt.TextWordWrap, self.hint)
            painter.end()


class StartPage(QFrame):
    """First steps on a new library; ``step(name)`` asks the window to do one."""

    step = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("startPage")
        self.setStyleSheet("#startPage { background: #f7f9fb; }"
                           "QPushButton { text-align: left; padding: 10px 14px; font-size: 15px; }")
        title = QLabel("<h2 style='color:#1f3a5f'>欢迎使用 CivDesk</h2>"
                       "<p>三步开始：先有测评体系，再导入材料，然后设置测评周期。"
                       "之后把材料拖到左侧测评标准上归档，按 F9 做申报前检查。</p>")
        title.setWordWrap(True)
        grid = QGridLayout()
        grid.setColumnStretch(1, 1)
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(14)
        self.buttons: dict[str, QPushButton] = {}
        self.states: dict[str, QLabel] = {}
        for row, (name, label, help_text) in enumerate(STEPS):
            button = QPushButton(label)
            button.setObjectName(f"start_{name}")
            button.setMinimumWidth(180)
            button.clicked.connect(lambda _=False, n=name: self.step.emit(n))
            text = QLabel(help_text)
            text.setWordWrap(True)
            state = QLabel()
            state.setObjectName(f"state_{name}")
            state.setWordWrap(True)
            box = QVBoxLayout()
            box.addWidget(text)
            box.addWidget(state)
            grid.addWidget(button, row, 0, Qt.AlignTop)
            grid.addLayout(box, row, 1)
            self.buttons[name], self.states[name] = button, state
        tip = QLabel("<span style='color:#7a8591'>提示：帮助 → 使用说明 里有每一步的详细说明和截图；"
                     "快捷键见 帮助 → 快捷键。</span>")
        tip.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 24, 32, 24)
        layout.addWidget(title)
        layout.addLayout(grid)
        layout.addWidget(tip)
        layout.addStretch()

    def show_state(self, checklist: str, materials: int, period: str) -> None:
        """What is done already, under each step."""
        done, todo = "<span style='color:#2e7d32'>✔ {}</span>", "<span style='color:#b06000'>{}</span>"
        self.states["checklist"].setText(done.format(checklist) if checklist
                                         else todo.format("还没有测评体系"))
        self.states["materials"].setText(done.format(f"已有 {materials} 件材料") if materials
                                         else todo.format("还没有材料"))
        self.states["period"].setText(done.format(period) if period else todo.format("尚未设置"))
