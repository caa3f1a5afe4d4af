"""The window's side of a shared library: who else is in it, colleagues' changes, history.

:class:`SharedWatcher` polls every few seconds, off the UI thread (a job runner of its own,
whose status messages stay quiet): the other clerks present, and the search index catching up with the catalog,
so a colleague's import or edit appears in the views within seconds.  It is stopped when
the window closes or switches library.  :class:`HistoryDialog` lists a material's history.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from civdesk import materials as mat

POLL_MS = 3000


class SharedWatcher(QObject):
    """Polls a shared library; emits ``present`` (the others' labels) and ``changed`` (count)."""

    present = Signal(list)
    changed = Signal(int)
    lost = Signal(str)  # the server or the share cannot be reached (retried at the next poll)

    def __init__(self, lib, parent: QWidget, interval_ms: int = POLL_MS):  # noqa: ANN001
        from civdesk_ui.jobs import JobRunner

        super().__init__(parent)
        self.lib = lib
        self.runner = JobRunner(parent, max_threads=1)
        self._job = None
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.poll)

    def start(self) -> None:
        if self.lib.is_shared:
            self._timer.start()
            self.poll()

    def stop(self, wait_ms: int = 5000) -> None:
        self._timer.stop()
        self.runner.cancel_all()
        self.runner.stop(wait_ms)

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    def poll(self) -> None:
        if self._job is not None and not self._job.finished:
            return  # the last poll is still out (a slow network): skip this one
        if self._job is not None and self._job.error:
            self.lost.emit(self._job.error)
        lib = self.lib

        def work(progress):  # noqa: ANN001, ANN202
            others = [c.label() for c in lib.others()]
            return others, lib.search_index.catch_up(progress)

        def done(outcome) -> None:  # noqa: ANN001
            others, n = outcome
            self.present.emit(others)
            if n:
                self.changed.emit(n)

        self._job = self.runner.run("同步同事的修改", work, on_done=done, dialog=False, show_errors=False)


def presence_text(others: list[str]) -> str:
    return "同时在用：" + "、".join(others) if others else "只有您在用"


class HistoryDialog(QDialog):
    """A material's history: import and every change, with clerk and workstation."""

    def __init__(self, lib, material_id: int, parent: QWidget | None = None):  # noqa: ANN001
        super().__init__(parent)
        row = mat.get_row(lib, material_id)
        self.setWindowTitle(f"修改历史 — {row.title or row.original_name}")
        entries = mat.history(lib, material_id)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"材料 #{material_id}「{row.title or row.original_name}」：共 {len(entries)} 条记录"))
        self.table = QTableWidget(len(entries), 4, self)
        self.table.setHorizontalHeaderLabels(["时间", "经办人", "工作站", "内容"])
        for r, e in enumerate(entries):
            when = mat.local_time(e.at)
            for c, text in enumerate((when, e.clerk, e.workstation or "—", e.description)):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.Stretch)
        self.table.resizeColumnsToContents()
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        layout.addWidget(self.table)
        buttons = QDialogButtonBox(QDialogButtonBox.Close, self)
        buttons.button(QDialogButtonBox.Close).setText("关闭")
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(760, 360)
