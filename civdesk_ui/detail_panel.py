"""The right-hand panel: metadata editor, filing (links and suggestions), preview."""
from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path

from PySide6.QtCore import QSize, Qt, QUrl, Signal
from PySide6.QtGui import QColor, QDesktopServices, QImage, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QStackedWidget,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from civdesk import materials as mat
from civdesk_ui.start_page import HintList

MULTI = "（多个值）"
NO_UNIT = -1
PDF_ZOOM = 1.3


class MetadataEditor(QWidget):
    """Edit 题名, 形成日期, 责任单位, 类别, 文号, 密级, 备注 and photo captions."""

    save_requested = Signal(list, dict)  # material ids, changed values
    proposals_requested = Signal(list)  # material ids: fill their empty captions from the proposals
    next_requested = Signal()  # Enter in a caption field: saved, go on to the next photo

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("metadataEditor")
        self.ids: list[int] = []
        self.rows: list[mat.MaterialRow] = []
        self.fields: dict[str, QWidget] = {}
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignRight)
        for name in ("title", "date", "unit_id", "category", "doc_number", "secrecy"):
            form.addRow(mat.FIELD_LABELS[name], self._make(name))
        self.caption_box = QWidget()
        cap = QFormLayout(self.caption_box)
        cap.setContentsMargins(0, 0, 0, 0)
        for name in mat.CAPTION_FIELDS:
            cap.addRow(mat.FIELD_LABELS[name], self._make(name))
            self.fields[name].returnPressed.connect(self._save_and_next)
        self.proposals: dict[int, dict[str, object]] = {}
        self.proposal_note = QLabel()
        self.proposal_note.setObjectName("proposalNote")
        self.proposal_note.setWordWrap(True)
        self.proposal_note.setStyleSheet("color:#5a6470")
        self.use_proposals = QPushButton("采用建议")
        self.use_proposals.setObjectName("useProposals")
        self.use_proposals.setToolTip("把灰色的建议值填入空着的说明项并保存（Ctrl+Shift+A；可撤销）")
        self.use_proposals.setShortcut("Ctrl+Shift+A")
        self.use_proposals.clicked.connect(lambda: self.proposals_requested.emit(list(self.ids)))
        notes = QPlainTextEdit()
        notes.setMaximumHeight(70)
        self.fields["notes"] = notes
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.facts = QLabel()
        self.facts.setWordWrap(True)
        self.facts.setStyleSheet("color:#555")
        self.save = QPushButton("保存修改")
        self.save.setObjectName("saveMetadata")
        self.save.setShortcut("Ctrl+S")
        self.save.clicked.connect(self._save)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.facts)
        layout.addLayout(form)
        cap_title = QLabel("<b>图片说明</b>（时间、地点、人物、事由必填）")
        layout.addWidget(cap_title)
        layout.addWidget(self.caption_box)
        layout.addWidget(self.proposal_note)
        layout.addWidget(self.use_proposals)
        layout.addWidget(QLabel("备注"))
        layout.addWidget(notes)
        layout.addWidget(self.save)
        layout.addStretch()
        self.cap_title = cap_title
        self.setEnabled(False)

    def _make(self, name: str) -> QWidget:
        if name in ("unit_id", "category", "secrecy"):
            w = QComboBox()
            w.setEditable(False)
        else:
            w = QLineEdit()
            if name == "date":
                w.setPlaceholderText("YYYY-MM-DD")
        self.fields[name] = w
        return w

    def set_units(self, units: list[tuple[int, str]]) -> None:
        box: QComboBox = self.fields["unit_id"]
        box.clear()
        box.addItem("（未指定）", NO_UNIT)
        for uid, name in units:
            box.addItem(name, uid)
        cat: QComboBox = self.fields["category"]
        if not cat.count():
            cat.addItem("（未分类）", "")
            for c in mat.CATEGORIES:
                cat.addItem(c, c)
            sec: QComboBox = self.fields["secrecy"]
            for c in mat.SECRECY:
                sec.addItem(c or "（无）", c)

    def show_rows(self, rows: list[mat.MaterialRow]) -> None:
        self.rows = rows
        self.ids = [r.id for r in rows]
        self.setEnabled(bool(rows))
        if not rows:
            self.heading.setText("<span style='color:#7a8591'>在中间选择一件材料，可在这里修改题名、日期、责任单位"
                                 "和图片说明；按住 Ctrl 或 Shift 多选可批量修改。</span>")
            self.facts.setText("")
            return
        first = rows[0]
        if len(rows) == 1:
            self.heading.setText(f"<b>{first.title or first.original_name}</b>")
            facts = [first.original_name, f"{first.size / 1024:.0f} KB"]
            if first.width:
                facts.append(f"{first.width}×{first.height}")
            if first.pages:
                facts.append(first.pages_text)
            if first.date_source:
                facts.append(f"日期来源：{_SOURCES.get(first.date_source, first.date_source)}")
            if first.problem:
                facts.append(f"<span style='color:#b00020'>问题：{first.problem}</span>")
            self.facts.setText(" · ".join(facts))
        else:
            self.heading.setText(f"<b>已选 {len(rows)} 件材料（批量修改：只保存改动过的字段）</b>")
            self.facts.setText("")
        for name in mat.EDITABLE:
            values = {_as_text(r.value(name)) for r in rows}
            self._set(name, values.pop() if len(values) == 1 else None)
        any_photo = any(r.is_photo for r in rows)
        self.caption_box.setVisible(any_photo)
        self.cap_title.setVisible(any_photo)
        self.show_proposals({})

    def show_proposals(self, proposals: dict) -> None:  # material id → tuple of Proposal
        """Proposed values as grey text in the empty caption fields, with where they come from."""
        self.proposals = {mid: {p.field: p for p in props} for mid, props in proposals.items()}
        notes = []
        for name in mat.CAPTION_FIELDS:
            w = self.fields[name]
            found = [self.proposals.get(mid, {}).get(name) for mid in self.ids]
            found = [p for p in found if p is not None]
            if not found or w.text():
                continue
            values = {p.value for p in found}
            if len(values) == 1 and len(self.ids) == 1:
                w.setPlaceholderText(f"建议：{found[0].value}")
                notes.append(f"{found[0].label}：{found[0].reason}")
            else:
                w.setPlaceholderText(f"建议：{len(found)} 件照片各有建议值")
                notes.append(f"{found[0].label}：{found[0].reason} 等")
        self.proposal_note.setText("建议来源——" + "；".join(notes) if notes else "")
        self.proposal_note.setVisible(bool(notes))
        self.use_proposals.setVisible(bool(notes))

    def _save_and_next(self) -> None:
        self._save()
        self.next_requested.emit()

    def _set(self, name: str, value: str | None) -> None:
        w = self.fields[name]
        if isinstance(w, QComboBox):
            if value is None:
                idx = -1
            elif name == "unit_id":
                idx = w.findData(int(value) if value else NO_UNIT)
            else:
                idx = w.findData(value)
            w.setCurrentIndex(idx)
            w.setProperty("initial", w.currentIndex())
        elif isinstance(w, QPlainTextEdit):
            w.setPlainText(value or "")
            w.setPlaceholderText(MULTI if value is None else "")
            w.setProperty("initial", w.toPlainText())
        else:
            w.setText(value or "")
            w.setPlaceholderText(MULTI if value is None else ("YYYY-MM-DD" if name == "date" else ""))
            w.setProperty("initial", w.text())

    def changed_values(self) -> dict:
        out = {}
        for name, w in self.fields.items():
            if isinstance(w, QComboBox):
                if w.currentIndex() != w.property("initial") and w.currentIndex() >= 0:
                    data = w.currentData()
                    out[name] = None if name == "unit_id" and data == NO_UNIT else data
            elif isinstance(w, QPlainTextEdit):
                if w.toPlainText() != w.property("initial"):
                    out[name] = w.toPlainText()
            elif w.text() != w.property("initial"):
                out[name] = w.text().strip()
        return out

    def _save(self) -> None:
        values = self.changed_values()
        if "date" in values and values["date"]:
            try:
                values["date"] = dt.date.fromisoformat(values["date"].replace("/", "-").replace(".", "-"))
            except ValueError:
                self.facts.setText("<span style='color:#b00020'>日期格式应为 YYYY-MM-DD</span>")
                return
        elif "date" in values:
            values["date"] = None
        if values and self.ids:
            self.save_requested.emit(list(self.ids), values)


_SOURCES = {"exif": "照片EXIF", "metadata": "文档属性", "filename": "文件名", "text": "正文",
            "manual": "手工填写"}


def _as_text(v) -> str:  # noqa: ANN001
    if v is None:
        return ""
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


class FilingPanel(QWidget):
    """The standards a material is filed under, and pending suggestions."""

    unlink_requested = Signal(list, int)
    accept_requested = Signal(list)
    reject_requested = Signal(list)

    def __init__(self) -> None:
        super().__init__()
        self.links = HintList("还没有归档。把中间的材料拖到左侧测评标准上即可归档；可多选一起拖。")
        self.links.setObjectName("linkList")
        self.suggestions = HintList("没有待确认的归档建议。文件夹名或文件名里写有编号（如 Ⅲ-5）"
                                    "或单位名时，导入后会在这里给出建议和理由。")
        self.suggestions.setObjectName("suggestionList")
        self.ids: list[int] = []
        unlink = QPushButton("移除所选关联")
        unlink.clicked.connect(self._unlink)
        accept = QPushButton("接受建议")
        accept.setObjectName("acceptSuggestion")
        accept.clicked.connect(lambda: self.accept_requested.emit(self._selected_suggestions()))
        reject = QPushButton("拒绝建议")
        reject.clicked.connect(lambda: self.reject_requested.emit(self._selected_suggestions()))
        self.suggestions.setSelectionMode(QListWidget.ExtendedSelection)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<b>已归档到</b>（把材料拖到左侧测评标准上即可归档）"))
        layout.addWidget(self.links)
        layout.addWidget(unlink)
        layout.addWidget(QLabel("<b>归档建议</b>（根据文件夹和文件名）"))
        layout.addWidget(self.suggestions)
        row = QHBoxLayout()
        row.addWidget(accept)
        row.addWidget(reject)
        layout.addLayout(row)

    def show_rows(self, rows: list[mat.MaterialRow], standard_labels: dict[int, str],
                  suggestions: list[mat.SuggestionView]) -> None:
        self.ids = [r.id for r in rows]
        self.links.clear()
        seen: set[int] = set()
        for r in rows:
            for sid in r.standards:
                if sid in seen:
                    continue
                seen.add(sid)
                item = QListWidgetItem(standard_labels.get(sid, f"标准 #{sid}"))
                item.setData(Qt.UserRole, sid)
                self.links.addItem(item)
        self.suggestions.clear()
        for sg in suggestions:
            parts = [x for x in (sg.standard_code and f"归档到 {sg.standard_code}",
                                 sg.unit and f"单位 {sg.unit}") if x]
            item = QListWidgetItem(f"{sg.material_name}：{'，'.join(parts)}（{sg.reason}）")
            item.setData(Qt.UserRole, sg.id)
            self.suggestions.addItem(item)
        self.suggestions.selectAll()

    def _unlink(self) -> None:
        item = self.links.currentItem()
        if item is not None and self.ids:
            self.unlink_requested.emit(list(self.ids), item.data(Qt.UserRole))

    def _selected_suggestions(self) -> list[int]:
        return [i.data(Qt.UserRole) for i in self.suggestions.selectedItems()]


class Preview(QWidget):
    """Images upright and fitted to the pane (100 % on demand), PDFs page by page with the
    search hits marked, Word and Excel as their PDF rendering (LibreOffice) or as text."""

    def __init__(self, lib) -> None:  # noqa: ANN001
        super().__init__()
        self.lib = lib
        self.jobs = None  # the window's job runner (documents are converted on it)
        self.row: mat.MaterialRow | None = None
        self.zoom = 1.0
        self.pdf_path: Path | None = None
        self.query = ""
        self.hits: list[tuple[int, tuple[float, float, float, float]]] = []  # (page, rect in points)
        self.hit_index = -1
        self.image = QLabel()
        self.image.setObjectName("previewImage")
        self.image.setAlignment(Qt.AlignCenter)
        self.scroll = QScrollArea()
        self.scroll.setWidget(self.image)
        self.scroll.setWidgetResizable(True)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.message = QLabel()
        self.message.setAlignment(Qt.AlignCenter)
        self.message.setWordWrap(True)
        self.stack = QStackedWidget()
        for w in (self.scroll, self.text, self.message):
            self.stack.addWidget(w)
        self.page = QSpinBox()
        self.page.setPrefix("第 ")
        self.page.setSuffix(" 页")
        self.page.setMinimum(1)
        self.page.valueChanged.connect(self._render_page)
        zoom_in = QPushButton("放大")
        zoom_in.clicked.connect(lambda: self._zoom(1.25))
        zoom_out = QPushButton("缩小")
        zoom_out.clicked.connect(lambda: self._zoom(0.8))
        fit = QPushButton("适应")
        fit.setToolTip("整张显示在预览区内")
        fit.clicked.connect(lambda: self._zoom(0))
        actual = QPushButton("100%")
        actual.setToolTip("按原始像素显示（可滚动查看细节）")
        actual.clicked.connect(self.actual_size)
        self.prev_hit = QPushButton("◀")
        self.prev_hit.setToolTip("上一个命中")
        self.prev_hit.clicked.connect(lambda: self.go_hit(self.hit_index - 1))
        self.next_hit = QPushButton("▶")
        self.next_hit.setToolTip("下一个命中")
        self.next_hit.clicked.connect(lambda: self.go_hit(self.hit_index + 1))
        self.hit_label = QLabel()
        self.hit_label.setObjectName("hitLabel")
        self.page.setMinimumWidth(96)
        self.open_button = QPushButton("打开原件")
        self.open_button.setToolTip("用默认程序打开一份副本（原件库中的文件不会被改动）")
        self.open_button.clicked.connect(self.open_external)
        bar = QHBoxLayout()  # two short rows: usable in a narrow pane (1280×720, 150 %)
        for w in (self.page, zoom_out, zoom_in, fit, actual):
            bar.addWidget(w)
        bar.addStretch()
        bar2 = QHBoxLayout()
        for w in (self.prev_hit, self.hit_label, self.next_hit):
            bar2.addWidget(w)
        bar2.addStretch()
        bar2.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addLayout(bar2)
        layout.addWidget(self.stack)
        self._source: QPixmap | None = None
        self._pending_convert = None
        self._show_hits(False)

    def show_material(self, row: mat.MaterialRow | None, page: int | None = None, query: str = "") -> None:
        self.row = row
        self._source = None
        self.zoom = 0
        self.pdf_path = None
        self.query = query
        self.hits, self.hit_index = [], -1
        self._show_hits(False)
        self.page.blockSignals(True)
        self.page.setEnabled(False)
        self.page.blockSignals(False)
        if row is None:
            self._message("在中间选择一件材料即可在这里预览。\n照片按预览区大小显示，「100%」看细节；"
                          "PDF 可翻页，搜索命中处以黄色标出。")
            return
        path = self.lib.vault.path_for(row.sha256)
        if row.is_photo:
            self._show_image(path)
        elif row.kind == "pdf" and not row.problem.startswith("PDF 文件已加密"):
            self._show_pdf(path, page)
        elif row.kind in ("docx", "xlsx", "txt", "ofd", "pptx", "doc", "xls"):
            pages = mat.text_pages(self.lib, row.id)
            self.text.setPlainText("\n\n".join(pages) or "（没有可显示的文字）")
            self.stack.setCurrentWidget(self.text)
            self._convert(row, page)
        else:
            self._message(f"此类文件（{row.kind}）无法在这里预览，可用默认程序打开。")

    def _convert(self, row: mat.MaterialRow, page: int | None) -> None:
        """Word/Excel: show the text at once, the PDF rendering when LibreOffice has made it."""
        from civdesk import previews

        self._pending_convert = None
        if self.jobs is None or not previews.can_convert(row.kind):
            return
        if not self.isVisible():  # converted when the 预览 tab is opened, not for every selection
            self._pending_convert = (row, page)
            return
        cached = previews.cached_pdf(self.lib, row.sha256)
        if cached.is_file():
            self._show_pdf(cached, page)
            return
        lib, sha, name = self.lib, row.sha256, row.original_name

        def shown(pdf: Path) -> None:
            if self.row is not None and self.row.sha256 == sha:
                self._show_pdf(pdf, page)

        self.jobs.run("生成预览", lambda _p: previews.preview_pdf(lib, sha, name), on_done=shown,
                      dialog=False, show_errors=False)

    def _show_pdf(self, path: Path, page: int | None) -> None:
        import pymupdf

        self.pdf_path = path
        try:
            with pymupdf.open(path) as doc:
                pages = max(doc.page_count, 1)
                self.hits = _find_hits(doc, self.query)
        except Exception as exc:  # noqa: BLE001 - a broken PDF must not break the window
            self._message(f"无法打开此 PDF：{exc}")
            return
        self.page.blockSignals(True)
        self.page.setMaximum(pages)
        first_hit = next((i for i, (p, _) in enumerate(self.hits) if p == page), 0 if self.hits else -1)
        self.hit_index = first_hit
        target = self.hits[first_hit][0] if first_hit >= 0 else (page or 1)
        self.page.setValue(min(max(target, 1), pages))
        self.page.setEnabled(pages > 1)
        self.page.blockSignals(False)
        self._show_hits(bool(self.hits))
        self._render_page(self.page.value())

    def go_hit(self, index: int) -> None:
        """Show hit ``index`` (wrapping around), turning the page when needed."""
        if not self.hits:
            return
        self.hit_index = index % len(self.hits)
        page = self.hits[self.hit_index][0]
        if page != self.page.value():
            self.page.setValue(page)  # renders
        else:
            self._render_page(page)

    def _show_hits(self, visible: bool) -> None:
        for w in (self.prev_hit, self.next_hit, self.hit_label):
            w.setVisible(visible)
        if visible:
            self.hit_label.setText(f"命中 {self.hit_index + 1}/{len(self.hits)}")

    def current_page(self) -> int:
        return self.page.value()

    def _message(self, text: str) -> None:
        self.message.setText(text)
        self.stack.setCurrentWidget(self.message)

    def _show_image(self, path: Path) -> None:
        from PySide6.QtGui import QImageReader

        reader = QImageReader(str(path))
        reader.setAutoTransform(True)  # EXIF orientation: show upright
        size = reader.size()
        if size.isValid() and size.width() * size.height() > 40_000_000:
            reader.setScaledSize(size.scaled(QSize(3000, 3000), Qt.KeepAspectRatio))
        image = reader.read()
        if image.isNull():
            thumb = self.lib.thumb_path(self.row.sha256)
            image = QImage(str(thumb))
        if image.isNull():
            self._message(f"无法显示此图片：{self.row.problem or reader.errorString()}")
            return
        self._source = QPixmap.fromImage(image)
        self._apply_zoom()
        self.stack.setCurrentWidget(self.scroll)

    def _render_page(self, number: int) -> None:
        if self.row is None or self.pdf_path is None:
            return
        import pymupdf

        try:
            with pymupdf.open(self.pdf_path) as doc:
                page = doc[number - 1]
                pix = page.get_pixmap(matrix=pymupdf.Matrix(PDF_ZOOM, PDF_ZOOM))
                image = QImage(pix.samples, pix.width, pix.height, pix.stride,
                               QImage.Format_RGB888).copy()
        except Exception as exc:  # noqa: BLE001 - a broken PDF must not break the window
            self._message(f"无法显示第 {number} 页：{exc}")
            return
        on_page = [(i, r) for i, (p, r) in enumerate(self.hits) if p == number]
        if on_page:
            if not any(i == self.hit_index for i, _ in on_page):
                self.hit_index = on_page[0][0]
            _mark_hits(image, on_page, self.hit_index)
            self._show_hits(True)
        self._source = QPixmap.fromImage(image)
        self._apply_zoom()
        self.stack.setCurrentWidget(self.scroll)
        if on_page:
            self._scroll_to_hit()

    def _scroll_to_hit(self) -> None:
        if not (0 <= self.hit_index < len(self.hits)) or self._source is None:
            return
        scale = (self.zoom or self._fit_scale()) * PDF_ZOOM
        _x0, y0, _x1, _y1 = self.hits[self.hit_index][1]
        self.scroll.verticalScrollBar().setValue(int(y0 * scale) - self.scroll.viewport().height() // 3)

    def actual_size(self) -> None:
        if self._source is not None:
            self.zoom = 1.0
            self._apply_zoom()

    def _zoom(self, factor: float) -> None:
        if self._source is None:
            return
        self.zoom = 0 if factor == 0 else (self.zoom or self._fit_scale()) * factor
        self._apply_zoom()

    def _fit_scale(self) -> float:
        if self._source is None or self._source.isNull():
            return 1.0
        area = self.scroll.viewport().size()
        if area.width() < 50 or area.height() < 50:  # not laid out yet
            area = QSize(max(area.width(), 320), max(area.height(), 240))
        across = (area.width() - 4) / self._source.width()
        if self.pdf_path is not None:  # a page: fitted to the width (readable), scrolled to the hit
            return max(across, 0.05)
        return max(min(across, (area.height() - 4) / self._source.height()), 0.05)

    def _apply_zoom(self) -> None:
        if self._source is None:
            return
        scale = self.zoom or self._fit_scale()
        self.image.setPixmap(self._source.scaled(self._source.size() * scale, Qt.KeepAspectRatio,
                                                 Qt.SmoothTransformation))

    def resizeEvent(self, event) -> None:  # noqa: N802, ANN001
        super().resizeEvent(event)
        if self.zoom == 0 and self._source is not None:
            self._apply_zoom()  # "fitted" stays fitted when the pane or the window changes size

    def showEvent(self, event) -> None:  # noqa: N802, ANN001
        super().showEvent(event)
        pending, self._pending_convert = self._pending_convert, None
        if pending is not None and pending[0] is self.row:
            self._convert(*pending)
        if self.zoom == 0 and self._source is not None:
            self._apply_zoom()

    def open_external(self) -> None:
        """Open a copy (never the vault original) in the system's default program."""
        if self.row is None:
            return
        folder = Path(tempfile.mkdtemp(prefix="civdesk-"))
        dest = folder / self.row.original_name
        shutil.copyfile(self.lib.vault.path_for(self.row.sha256), dest)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(dest)))


MAX_HIT_PAGES = 300
HIT_FILL, HIT_CURRENT = QColor(255, 214, 0, 110), QColor(230, 110, 0)


def search_terms(query: str) -> list[str]:
    """The words of a search as typed (quoted phrases kept, ``-excluded`` words dropped)."""
    import shlex

    try:
        parts = shlex.split(query)
    except ValueError:
        parts = query.split()
    return [p for p in parts if p and not p.startswith("-")]


def _find_hits(doc, query: str) -> list[tuple[int, tuple[float, float, float, float]]]:  # noqa: ANN001
    terms = search_terms(query)
    hits = []
    if not terms:
        return hits
    for number in range(min(doc.page_count, MAX_HIT_PAGES)):
        page = doc[number]
        for term in terms:
            for r in page.search_for(term):
                hits.append((number + 1, (r.x0, r.y0, r.x1, r.y1)))
    hits.sort(key=lambda h: (h[0], h[1][1], h[1][0]))
    return hits


def _mark_hits(image: QImage, hits: list, current: int) -> None:
    """Yellow over each hit on the rendered page, an orange frame round the current one."""
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QPainter, QPen

    painter = QPainter(image)
    for i, (x0, y0, x1, y1) in hits:
        rect = QRectF(x0 * PDF_ZOOM, y0 * PDF_ZOOM, (x1 - x0) * PDF_ZOOM, (y1 - y0) * PDF_ZOOM)
        painter.fillRect(rect, HIT_FILL)
        if i == current:
            painter.setPen(QPen(HIT_CURRENT, 2))
            painter.drawRect(rect.adjusted(-2, -2, 2, 2))
    painter.end()


class DetailPanel(QTabWidget):
    """Tabs: 信息 (metadata), 归档 (links), 预览, 标准说明."""

    def __init__(self, lib) -> None:  # noqa: ANN001
        super().__init__()
        self.setObjectName("detailTabs")
        self.editor = MetadataEditor()
        self.filing = FilingPanel()
        self.preview = Preview(lib)
        self.standard = QTextBrowser()
        self.standard.setObjectName("standardInfo")
        editor_scroll = QScrollArea()
        editor_scroll.setWidget(self.editor)
        editor_scroll.setWidgetResizable(True)
        self.addTab(editor_scroll, "信息")
        self.addTab(self.filing, "归档")
        self.addTab(self.preview, "预览")
        self.addTab(self.standard, "测评标准")
