"""The caption grid: the six caption elements of many photos at once, like a spreadsheet.

Each edit (a cell, a paste from Excel, 采用建议) goes on the window's undo stack, so Ctrl+Z
in the grid or in the window restores the photos.  A paste takes Excel's tab-separated
text and fills from the current cell rightwards and downwards.
"""
from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QColor, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
)

from civdesk import caption_proposals as cp
from civdesk import materials as mat
from civdesk.vocabulary import CAPTION_FIELDS, CAPTION_LABELS, CAPTION_REQUIRED
from civdesk_ui.undo import EditCommand

COLUMNS = ("original_name", *CAPTION_FIELDS)


class CaptionModel(QAbstractTableModel):
    def __init__(self, window, ids: list[int]):  # noqa: ANN001
        super().__init__()
        self.window = window
        self.ids = list(ids)
        self.rows: dict[int, mat.MaterialRow] = {}
        self.proposals: dict[int, dict[str, cp.Proposal]] = {}
        self.reload()

    def reload(self) -> None:
        self.beginResetModel()
        self.rows = mat.get_rows(self.window.lib, self.ids)
        self.ids = [i for i in self.ids if i in self.rows]
        self.proposals = {mid: {p.field: p for p in props}
                          for mid, props in cp.propose(self.window.lib, self.ids).items()}
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802, ANN001, B008
        return 0 if parent.isValid() else len(self.ids)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802, ANN001, B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.DisplayRole):  # noqa: N802, ANN001
        if role != Qt.DisplayRole:
            return None
        if orientation == Qt.Horizontal:
            name = COLUMNS[section]
            label = "文件" if name == "original_name" else CAPTION_LABELS[name]
            return label + ("*" if name in CAPTION_REQUIRED else "")
        return str(section + 1)

    def data(self, index, role=Qt.DisplayRole):  # noqa: ANN001, ANN201
        if not index.isValid():
            return None
        mid = self.ids[index.row()]
        row = self.rows[mid]
        name = COLUMNS[index.column()]
        value = row.value(name) or ""
        proposal = self.proposals.get(mid, {}).get(name)
        if role in (Qt.DisplayRole, Qt.EditRole):
            if role == Qt.DisplayRole and not value and proposal is not None:
                return f"建议：{proposal.value}"
            return value
        if role == Qt.ForegroundRole and not value and proposal is not None:
            return QColor("#8a8f96")
        if role == Qt.BackgroundRole and not value and name in CAPTION_REQUIRED and proposal is None:
            return QColor("#fff4e5")
        if role == Qt.ToolTipRole:
            if proposal is not None and not value:
                return f"建议：{proposal.value}\n来源：{proposal.reason}\n（「采用建议」填入）"
            return value or None
        return None

    def flags(self, index):  # noqa: ANN001, ANN201
        base = super().flags(index)
        if index.isValid() and COLUMNS[index.column()] != "original_name":
            return base | Qt.ItemIsEditable
        return base

    def setData(self, index, value, role=Qt.EditRole) -> bool:  # noqa: N802, ANN001
        if role != Qt.EditRole or not index.isValid():
            return False
        name = COLUMNS[index.column()]
        mid = self.ids[index.row()]
        text = str(value).strip()
        if name == "original_name" or (self.rows[mid].value(name) or "") == text:
            return False
        self.window.undo_stack.push(EditCommand(self.window.lib, [mid], {name: text}, self.window.changed))
        return True


class CaptionGridDialog(QDialog):
    """Edit the captions of the given photos; every change is undoable."""

    def __init__(self, window, ids: list[int]):  # noqa: ANN001
        super().__init__(window)
        self.window = window
        self.setObjectName("captionGrid")
        self.setWindowTitle("批量编辑图片说明")
        self.resize(1180, 560)
        self.model = CaptionModel(window, ids)
        self.table = QTableView()
        self.table.setObjectName("captionTable")
        self.table.setModel(self.model)
        self.table.setSelectionMode(QAbstractItemView.ContiguousSelection)
        self.table.setEditTriggers(QAbstractItemView.DoubleClicked | QAbstractItemView.EditKeyPressed
                                   | QAbstractItemView.AnyKeyPressed)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.ElideMiddle)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.Interactive)
        header.setStretchLastSection(True)
        for col, width in enumerate((190, 170, 140, 140, 200, 170)):
            self.table.setColumnWidth(col, width)
        self.table.verticalHeader().setDefaultSectionSize(24)
        hint = QLabel("双击或直接输入即可修改；从 Excel 复制一块单元格后在这里 Ctrl+V 粘贴（从当前格向右、向下填）；"
                      "灰色为建议值（来自照片 EXIF、GPS 地点表或说明模板），点「采用建议」填入空格。"
                      "Ctrl+Z 撤销。带 * 的为必填。")
        hint.setWordWrap(True)
        accept = QPushButton("采用建议（空格）")
        accept.setObjectName("applyProposals")
        accept.clicked.connect(self.apply_proposals)
        undo = QPushButton("撤销")
        undo.clicked.connect(window.undo_stack.undo)
        redo = QPushButton("重做")
        redo.clicked.connect(window.undo_stack.redo)
        close = QPushButton("关闭")
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        for b in (accept, undo, redo):
            buttons.addWidget(b)
        buttons.addStretch()
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        QShortcut(QKeySequence.Paste, self.table, activated=self.paste)
        QShortcut(QKeySequence.Undo, self, activated=window.undo_stack.undo)
        QShortcut(QKeySequence.Redo, self, activated=window.undo_stack.redo)
        window.undo_stack.indexChanged.connect(self._stack_moved)

    def _stack_moved(self, _index: int) -> None:
        if self.isVisible():
            current = self.table.currentIndex()
            self.model.reload()
            if current.isValid():
                self.table.setCurrentIndex(self.model.index(current.row(), current.column()))

    def done(self, result: int) -> None:
        self.window.undo_stack.indexChanged.disconnect(self._stack_moved)
        super().done(result)

    # ------------------------------------------------------------- editing
    def _push(self, title: str, edits: dict[int, dict[str, str]]) -> int:
        """One undo step for edits of several photos (material id → field → text)."""
        edits = {mid: vals for mid, vals in edits.items() if vals}
        if not edits:
            return 0
        stack = self.window.undo_stack
        stack.beginMacro(title)
        for mid, values in edits.items():
            stack.push(EditCommand(self.window.lib, [mid], values, self.window.changed))
        stack.endMacro()
        return len(edits)

    def paste_text(self, text: str, row: int, column: int) -> int:
        """Fill cells from Excel's tab-separated text; returns the photos changed."""
        lines = text.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n").split("\n")
        edits: dict[int, dict[str, str]] = {}
        for r, line in enumerate(lines):
            if row + r >= len(self.model.ids):
                break
            mid = self.model.ids[row + r]
            current = self.model.rows[mid]
            for c, cell in enumerate(line.split("\t")):
                col = column + c
                if col < 1 or col >= len(COLUMNS):
                    continue
                name = COLUMNS[col]
                value = cell.strip().strip('"')
                if (current.value(name) or "") != value:
                    edits.setdefault(mid, {})[name] = value
        return self._push("粘贴图片说明", edits)

    def paste(self) -> None:
        index = self.table.currentIndex()
        if not index.isValid():
            index = self.model.index(0, 1)
        self.paste_text(QGuiApplication.clipboard().text(), index.row(), max(index.column(), 1))

    def apply_proposals(self) -> int:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedIndexes()}) \
            or range(len(self.model.ids))
        edits = {}
        for r in rows:
            mid = self.model.ids[r]
            edits[mid] = {f: p.value for f, p in self.model.proposals.get(mid, {}).items()}
        return self._push("采用图片说明建议", edits)
