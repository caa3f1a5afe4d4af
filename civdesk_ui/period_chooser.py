"""Which 测评周期 the window checks against: a chooser for the status bar and the F9 dashboard.

Without a choice the current period is used (the one containing today, else today's year's,
else the latest: :func:`civdesk.checklist.store.current_period`); a choice lasts while the
library is open, so the next day starts again at the current year.
"""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox

from civdesk.checklist import store as cl


def effective_period(periods: tuple[cl.PeriodView, ...], year: int | None) -> cl.PeriodView | None:
    """The chosen year's period, else the current one."""
    chosen = [p for p in periods if p.year == year]
    if chosen:
        return chosen[0]
    return cl.current_period(periods)


def period_label(p: cl.PeriodView | None) -> str:
    if p is None:
        return "未设置测评周期"
    return f"{p.year} 年度测评周期 {p.start:%Y-%m-%d}～{p.end:%Y-%m-%d}"


class PeriodChooser(QComboBox):
    """The periods of a checklist; choosing one emits ``chosen(year)``."""

    chosen = Signal(object)

    def __init__(self, parent=None) -> None:  # noqa: ANN001
        super().__init__(parent)
        self.setObjectName("periodChooser")
        self.setToolTip("检查（期外标记、申报前检查）按此测评周期进行")
        self.setSizeAdjustPolicy(QComboBox.AdjustToContents)
        self.activated.connect(lambda i: self.chosen.emit(self.itemData(i)))

    def fill(self, periods: tuple[cl.PeriodView, ...], year: int | None) -> None:
        self.blockSignals(True)
        self.clear()
        if not periods:
            self.addItem("未设置测评周期（测评体系 → 设置测评周期）", None)
        for p in sorted(periods, key=lambda p: -p.year):
            self.addItem(period_label(p), p.year)
        current = effective_period(periods, year)
        if current is not None:
            self.setCurrentIndex(max(self.findData(current.year), 0))
        self.blockSignals(False)
