"""The centre of the window: the materials of the selected node as a grid or a table.

:class:`MaterialModel` holds only material ids; rows are fetched from the
library in chunks when a view asks for them, and thumbnails are read from disk
on the thread pool and appear as they arrive.  Sorting happens in SQL (the
model is refilled with ids in the new order).
"""
from __future__ import annotations

import json
from collections import OrderedDict
from pathlib import Path

from PySide6.QtCore import (
    QAbstractTableModel,
    QMimeData,
    QModelIndex,
    QObject,
    QRunnable,
    QSize,
    Qt,
    QThreadPool,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QIcon, QImage, QPainter, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QListView, QTableView

from civdesk import materials as mat
from civdesk.checks.badges import SERIOUS, BadgeSummary, explain
from civdesk_ui.start_page import paint_hint

MIME_IDS = "application/x-civdesk-material-ids"
THUMB = 160
CHUNK = 48  # rows fetched at a time as the view paints (one short query on the UI thread)
BATCH = 24
#: thumbnails kept as pixmaps (~75 KB each), the least recently shown dropped first: all 20,000
#: of a big library took 1.5 GB, and each was one more object for every garbage collection
#: to scan (a full one held the interpreter lock, and so the UI thread, for ~0.4 s)
KEEP_THUMBS = 2000
KEEP_ICONS = 600  # thumbnails with their badges drawn on
COLUMNS = (  # 问题 second: its badges stay in sight on a 1280-pixel screen
    ("title", "题名"), ("status", "问题 / 状态 / 搜索命中"), ("original_name", "文件名"), ("category", "类别"),
    ("date", "形成日期"), ("unit", "责任单位"), ("kind", "类型"), ("size_text", "页数/尺寸"),
)
STATUS_COLUMN = 1
KIND_LABELS = {"jpeg": "JPEG 照片", "png": "PNG 图片", "heic": "HEIC 照片", "tiff": "TIFF 图片",
               "pdf": "PDF", "docx": "Word", "doc": "Word(旧)", "xlsx": "Excel", "xls": "Excel(旧)",
               "txt": "文本", "ofd": "OFD", "video": "视频", "zip": "压缩包", "unknown": "未知"}


class _ThumbSignals(QObject):
    loaded = Signal(list)  # [(sha256, QImage)]: one hand-over per batch


class _ThumbTask(QRunnable):
    """Reads a batch of thumbnails (starting one task per picture costs ~1 ms on the UI thread)."""

    def __init__(self, items: list[tuple[str, Path]], signals: _ThumbSignals):
        super().__init__()
        self.items, self.signals = items, signals

    def run(self) -> None:
        done = []
        for sha, path in self.items:
            image = QImage(str(path))
            if not image.isNull():
                image = image.scaled(THUMB, THUMB, Qt.KeepAspectRatio, Qt.SmoothTransformation)
            done.append((sha, image))
        self.signals.loaded.emit(done)


class ThumbnailCache(QObject):
    """Thumbnails read off the UI thread, kept as pixmaps once loaded."""

    ready = Signal(list)  # the sha256 of the thumbnails just loaded

    def __init__(self, lib, parent: QObject | None = None):
        super().__init__(parent)
        self.lib = lib
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(2)
        self.pixmaps: OrderedDict[str, QPixmap] = OrderedDict()
        self.pending: set[str] = set()
        self.queue: list[tuple[str, Path]] = []
        self.signals = _ThumbSignals()
        self.signals.loaded.connect(self._loaded, Qt.QueuedConnection)
        self.placeholder = _placeholder()

    def get(self, row: mat.MaterialRow) -> QPixmap:
        pix = self.pixmaps.get(row.sha256)
        if pix is not None:
            self.pixmaps.move_to_end(row.sha256)
            return pix
        if row.thumb and row.sha256 not in self.pending:
            self.pending.add(row.sha256)
            self.queue.append((row.sha256, self.lib.thumb_path(row.sha256)))
            if len(self.queue) == 1:
                QTimer.singleShot(0, self._flush)
        return self.placeholder

    def _flush(self) -> None:
        queue, self.queue = self.queue, []
        for i in range(0, len(queue), BATCH):
            self.pool.start(_ThumbTask(queue[i:i + BATCH], self.signals))

    def _loaded(self, batch: list) -> None:
        for sha, image in batch:
            self.pending.discard(sha)
            self.pixmaps[sha] = QPixmap.fromImage(image) if not image.isNull() else self.placeholder
        while len(self.pixmaps) > KEEP_THUMBS:
            self.pixmaps.popitem(last=False)
        self.ready.emit([sha for sha, _ in batch])


def _placeholder() -> QPixmap:
    pix = QPixmap(THUMB, THUMB)
    pix.fill(QColor("#e8ecf1"))
    return pix


class MaterialModel(QAbstractTableModel):
    """Ids in view order; rows fetched lazily in chunks."""

    def __init__(self, lib, thumbs: ThumbnailCache, parent: QObject | None = None):
        super().__init__(parent)
        self.lib = lib
        self.thumbs = thumbs
        self.ids: list[int] = []
        self.rows: dict[int, mat.MaterialRow] = {}
        self.snippets: dict[int, str] = {}
        self.row_of: dict[int, int] = {}
        thumbs.ready.connect(self._thumb_ready)
        self._sha_row: dict[str, int] = {}  # a material is in the list once (the vault keeps one copy)
        self.summary = BadgeSummary()
        self.badges: dict[int, tuple[str, ...]] = {}
        self._icons: OrderedDict[tuple[str, tuple[str, ...], int], QIcon] = OrderedDict()

    def set_badges(self, summary: BadgeSummary) -> None:
        """New badges for the library (one hand-over from the worker): one signal, the views
        repaint what is visible."""
        self.summary = summary
        self.badges = summary.badges
        self._icons.clear()
        if self.ids:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.ids) - 1, len(COLUMNS) - 1))

    # ----------------------------------------------------------------- filling
    def set_ids(self, ids: list[int], snippets: dict[int, str] | None = None) -> None:
        self.beginResetModel()
        self.ids = list(ids)
        self.row_of = {mid: i for i, mid in enumerate(self.ids)}
        self.rows.clear()
        self._sha_row.clear()
        self.snippets = snippets or {}
        self.endResetModel()

    def refresh(self, material_ids: list[int] | None = None) -> None:
        """Drop cached rows (all, or those given) so they are fetched again."""
        if material_ids is None:
            self.rows.clear()
            if self.ids:
                self.dataChanged.emit(self.index(0, 0), self.index(len(self.ids) - 1, len(COLUMNS) - 1))
            return
        for mid in material_ids:
            self.rows.pop(mid, None)
            r = self.row_of.get(mid)
            if r is not None:
                self.dataChanged.emit(self.index(r, 0), self.index(r, len(COLUMNS) - 1))

    def row(self, r: int) -> mat.MaterialRow | None:
        if not 0 <= r < len(self.ids):
            return None
        mid = self.ids[r]
        row = self.rows.get(mid)
        if row is None:
            start = (r // CHUNK) * CHUNK
            chunk = [i for i in self.ids[start:start + CHUNK] if i not in self.rows]
            fetched = mat.get_rows(self.lib, chunk)
            self.rows.update(fetched)
            for i in chunk:
                f = fetched.get(i)
                if f is not None:
                    self._sha_row[f.sha256] = self.row_of[i]
            row = self.rows.get(mid)
        return row

    def material_id(self, r: int) -> int:
        return self.ids[r]

    def _thumb_ready(self, shas: list) -> None:
        rows = [r for sha in shas if (r := self._sha_row.get(sha)) is not None]
        if rows:  # one signal for the batch's span of rows
            self.dataChanged.emit(self.index(min(rows), 0), self.index(max(rows), 0), [Qt.DecorationRole])

    # ------------------------------------------------------------------- model
    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.ids)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.DisplayRole):  # noqa: N802, ANN001
        if orientation == Qt.Horizontal and role == Qt.DisplayRole:
            return COLUMNS[section][1]
        return None

    def data(self, index: QModelIndex, role: int = Qt.DisplayRole):  # noqa: ANN201
        if not index.isValid():
            return None
        row = self.row(index.row())
        if row is None:
            return None
        col = COLUMNS[index.column()][0]
        if role == Qt.DisplayRole:
            return self._text(row, col)
        if role == Qt.DecorationRole and index.column() == 0:
            return self._icon(row)
        if role == Qt.ToolTipRole:
            tip = f"{row.title}\n{row.original_name}"
            if row.id in self.badges:  # the reasons of the one material under the mouse
                for badge in explain(self.lib, row.id, self.summary):
                    tip += f"\n【{badge.code}】{badge.reason}"
            if row.problem and not self.badges.get(row.id):
                tip += f"\n问题：{row.problem}"
            snippet = self.snippets.get(row.id)
            if snippet:
                tip += f"\n命中：{snippet}"
            return tip
        if role == Qt.ForegroundRole and (row.problem or not SERIOUS.isdisjoint(self.badges.get(row.id, ()))):
            return QColor("#b00020")
        if role == Qt.UserRole:
            return row.id
        return None

    def _text(self, row: mat.MaterialRow, col: str) -> str:
        if col == "title":
            return row.title or row.original_name
        if col == "date":
            return row.date.isoformat() if row.date else ""
        if col == "kind":
            return KIND_LABELS.get(row.kind, row.kind)
        if col == "size_text":
            if row.pages:
                return row.pages_text
            if row.width and row.height:
                return f"{row.width}×{row.height}"
            return ""
        if col == "status":
            if row.id in self.snippets:
                return self.snippets[row.id]
            badges = self.badges.get(row.id)
            if badges:
                return " · ".join(badges)
            if row.problem:
                return "有问题"
            if row.is_photo and not (row.caption_time and row.caption_place and row.caption_event):
                return "缺图片说明"
            if row.text_status == "none" and row.kind == "pdf":
                return "待识别文字"
            return "已归档" if row.standards else "未归类"
        return str(row.value(col) or "")

    def _icon(self, row: mat.MaterialRow) -> QIcon:
        """The thumbnail with the material's badges drawn along its bottom edge (cached)."""
        pix = self.thumbs.get(row)
        codes = self.badges.get(row.id, ())
        if not codes:
            return QIcon(pix)
        key = (row.sha256, codes, pix.cacheKey())
        icon = self._icons.get(key)
        if icon is None:
            icon = QIcon(badged(pix, codes))
            self._icons[key] = icon
            if len(self._icons) > KEEP_ICONS:
                self._icons.popitem(last=False)
        else:
            self._icons.move_to_end(key)
        return icon

    def flags(self, index: QModelIndex) -> Qt.ItemFlags:
        base = super().flags(index)
        return base | Qt.ItemIsDragEnabled if index.isValid() else base

    def mimeTypes(self) -> list[str]:  # noqa: N802
        return [MIME_IDS]

    def mimeData(self, indexes) -> QMimeData:  # noqa: N802, ANN001
        ids = sorted({self.ids[i.row()] for i in indexes if i.isValid()})
        data = QMimeData()
        data.setData(MIME_IDS, json.dumps(ids).encode())
        data.setText("\n".join(str(i) for i in ids))
        return data

    def supportedDragActions(self) -> Qt.DropActions:  # noqa: N802
        return Qt.CopyAction | Qt.LinkAction


BADGE_RED, BADGE_AMBER = QColor("#b00020"), QColor("#c77700")


_STRIPS: dict[tuple[tuple[str, ...], int], QPixmap] = {}


def badge_strip(badges: tuple[str, ...], width: int) -> QPixmap:
    """The badges as small labels (red for the serious ones), drawn once per combination."""
    key = (badges, width)
    strip = _STRIPS.get(key)
    if strip is not None:
        return strip
    font = QFont()
    font.setPixelSize(12)
    font.setBold(True)

    metrics = QFontMetrics(font)
    line = metrics.height() + 2
    widths = [metrics.horizontalAdvance(c) + 8 for c in badges]
    rows, x = 1, 0
    for w in widths:
        if x + w > width and x:
            rows, x = rows + 1, 0
        x += w + 3
    strip = QPixmap(width, rows * (line + 2))
    strip.fill(Qt.transparent)
    painter = QPainter(strip)
    painter.setFont(font)
    x, y = 0, 0
    for code, w in zip(badges, widths, strict=True):
        if x + w > width and x:
            x, y = 0, y + line + 2
        painter.setPen(Qt.NoPen)
        painter.setBrush(BADGE_RED if code in SERIOUS else BADGE_AMBER)
        painter.drawRoundedRect(x, y, w, line, 3, 3)
        painter.setPen(QColor("white"))
        painter.drawText(x + 4, y + metrics.ascent() + 1, code)
        x += w + 3
    painter.end()
    _STRIPS[key] = strip
    return strip


def badged(pix: QPixmap, badges: tuple[str, ...]) -> QPixmap:
    """A copy of a thumbnail with its badges along the bottom edge."""
    out = QPixmap(pix)
    strip = badge_strip(badges, max(pix.width() - 6, 40))
    painter = QPainter(out)
    painter.drawPixmap(3, max(pix.height() - strip.height() - 3, 0), strip)
    painter.end()
    return out


def ids_from_mime(data: QMimeData) -> list[int]:
    if not data.hasFormat(MIME_IDS):
        return []
    try:
        return [int(x) for x in json.loads(bytes(data.data(MIME_IDS)).decode())]
    except (ValueError, TypeError):
        return []


class MaterialGrid(QListView):
    def __init__(self, model: MaterialModel):
        super().__init__()
        self.empty_text = ""
        self.setObjectName("materialGrid")
        self.setModel(model)
        self.setViewMode(QListView.IconMode)
        self.setIconSize(QSize(THUMB, THUMB))
        self.setGridSize(QSize(THUMB + 28, THUMB + 44))
        self.setResizeMode(QListView.Adjust)
        self.setMovement(QListView.Static)
        self.setUniformItemSizes(True)
        self.setWordWrap(False)  # one line under each picture, elided in the middle (cheap to lay out)
        self.setLayoutMode(QListView.Batched)
        self.setBatchSize(200)
        self.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragOnly)
        self.setTextElideMode(Qt.ElideMiddle)

    def paintEvent(self, event) -> None:  # noqa: N802, ANN001
        super().paintEvent(event)
        paint_hint(self, self.empty_text)


class MaterialTable(QTableView):
    def __init__(self, model: MaterialModel):
        super().__init__()
        self.empty_text = ""
        self.setObjectName("materialTable")
        self.setModel(model)
        self.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragOnly)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.verticalHeader().setDefaultSectionSize(24)
        self.verticalHeader().hide()
        self.setIconSize(QSize(20, 20))
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.Interactive)
        header.setStretchLastSection(True)
        for col, width in enumerate((260, 150, 220, 80, 90, 130, 80)):
            self.setColumnWidth(col, width)
        self.setTextElideMode(Qt.ElideMiddle)  # file names keep their start and their end

    def paintEvent(self, event) -> None:  # noqa: N802, ANN001
        super().paintEvent(event)
        paint_hint(self, self.empty_text)
