"""Reading Word and Excel tables into plain grids, merges resolved.

Every table becomes a :class:`Grid`: rows of :class:`GridCell`, where a merged
area (Word ``gridSpan`` / ``vMerge``, Excel merged ranges) repeats its value
in every cell it covers and each copy remembers the cell it came from
(``origin``), so the parser can tell a merge from two equal cells.

The file kind is decided by content, not by the name: a Word document is a
zip holding ``word/document.xml``, a workbook one holding ``xl/workbook.xml``.
Anything else raises :class:`ChecklistFormatError`.
"""
from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from civdesk.checklist.model import ChecklistFormatError

#: Rows read per Excel sheet at most; trailing formatted-but-empty rows stop earlier.
MAX_ROWS = 20000
_EMPTY_RUN_LIMIT = 500
_ATTACHMENT = re.compile(r"^附件\s*\d*\s*[:：]?$")


@dataclass(frozen=True)
class GridCell:
    value: object
    origin: tuple[int, int]          # (row index, column index) of the merge's top-left

    @property
    def text(self) -> str:
        return cell_text(self.value)


@dataclass
class Grid:
    """One table of the source file."""

    index: int
    name: str                        # "表格1" or the sheet name
    kind: str                        # "docx" or "xlsx"
    rows: list[list[GridCell]]
    row_numbers: list[int]           # as the clerk sees them (1-based)
    preamble: list[str] = field(default_factory=list)   # text just above the table

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)

    def column_label(self, col: int) -> str:
        if self.kind == "xlsx":
            from openpyxl.utils import get_column_letter
            return f"{get_column_letter(col + 1)}列"
        return f"第{col + 1}列"


def cell_text(value: object) -> str:
    """A cell value as stripped text (``None`` → ``''``; ``3.0`` → ``'3'``)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace("\r\n", "\n").replace("\r", "\n").replace("\u3000", " ").strip()


def detect_kind(path: Path) -> str:
    """``"docx"`` or ``"xlsx"`` by content; raises :class:`ChecklistFormatError` otherwise."""
    name = path.name
    if not path.exists():
        raise ChecklistFormatError(f"找不到文件：{name}")
    if path.is_dir():
        raise ChecklistFormatError(f"“{name}”是文件夹，不是测评体系文件")
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise ChecklistFormatError(f"无法读取文件“{name}”：{exc.strerror or exc}") from exc
    if not head:
        raise ChecklistFormatError(f"文件“{name}”是空文件")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ChecklistFormatError(
            f"“{name}”是旧版 Word/Excel 格式（.doc/.xls），请用 Office 或 WPS 另存为 .docx 或 .xlsx 后再导入")
    if not zipfile.is_zipfile(path):
        raise ChecklistFormatError(f"“{name}”不是 Word（.docx）或 Excel（.xlsx）文件，或文件已损坏")
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise ChecklistFormatError(f"“{name}”已损坏，无法打开") from exc
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    raise ChecklistFormatError(f"“{name}”不是 Word（.docx）或 Excel（.xlsx）文件")


# ---------------------------------------------------------------------- Word
def read_docx(path: Path) -> tuple[str, list[Grid]]:
    """The document title (first paragraph above the first table) and every table."""
    import docx
    from docx.oxml.ns import qn

    document = docx.Document(str(path))
    body = document.element.body
    grids: list[Grid] = []
    paragraphs: list[str] = []
    title = ""
    for child in body.iterchildren():
        if child.tag == qn("w:p"):
            text = "".join(t.text or "" for t in child.iter(qn("w:t"))).strip()
            if text:
                paragraphs.append(text)
        elif child.tag == qn("w:tbl"):
            if not grids:
                title = next((t for t in paragraphs if not _ATTACHMENT.match(t)), "")
            grids.append(_docx_grid(child, len(grids), paragraphs[-3:]))
            paragraphs = []
    return title, grids


def _tc_text(tc: object) -> str:
    from docx.oxml.ns import qn

    lines = []
    for p in tc.iterchildren(qn("w:p")):  # type: ignore[attr-defined]
        parts = []
        for node in p.iter(qn("w:t"), qn("w:br"), qn("w:tab")):
            if node.tag == qn("w:t"):
                parts.append(node.text or "")
            elif node.tag == qn("w:br"):
                parts.append("\n")
            else:
                parts.append(" ")
        lines.append("".join(parts))
    return "\n".join(lines).strip()


def _docx_grid(tbl: object, index: int, preamble: list[str]) -> Grid:
    from docx.oxml.ns import qn

    rows: list[list[GridCell]] = []
    for r, tr in enumerate(tbl.iterchildren(qn("w:tr"))):  # type: ignore[attr-defined]
        row: list[GridCell] = []
        col = int(getattr(tr, "grid_before", 0) or 0)
        row.extend(GridCell(None, (r, c)) for c in range(col))
        for tc in tr.iterchildren(qn("w:tc")):
            span = max(1, int(tc.grid_span or 1))
            if tc.vMerge == "continue" and r > 0 and col < len(rows[-1]):
                above = rows[-1][col]
                cells = [GridCell(above.value, above.origin) for _ in range(span)]
            else:
                text = _tc_text(tc)
                cells = [GridCell(text, (r, col)) for _ in range(span)]
            row.extend(cells)
            col += span
        rows.append(row)
    width = max((len(r) for r in rows), default=0)
    for r, row in enumerate(rows):
        row.extend(GridCell(None, (r, c)) for c in range(len(row), width))
    return Grid(index=index, name=f"表格{index + 1}", kind="docx", rows=rows,
                row_numbers=list(range(1, len(rows) + 1)), preamble=preamble)


# --------------------------------------------------------------------- Excel
def read_xlsx(path: Path) -> tuple[str, list[Grid]]:
    """Every visible sheet as a grid; no title (the parser finds title rows)."""
    import openpyxl

    with path.open("rb") as fh:                 # a file object: openpyxl would refuse other names
        workbook = openpyxl.load_workbook(fh, data_only=True)
    try:
        grids = []
        for sheet in workbook.worksheets:
            if sheet.sheet_state != "visible":
                continue
            grids.append(_xlsx_grid(sheet, len(grids)))
        title = (workbook.properties.title or "").strip()
    finally:
        workbook.close()
    return title, grids


def _xlsx_grid(sheet: object, index: int) -> Grid:
    cells = sheet._cells  # type: ignore[attr-defined]  # only the cells that exist
    max_row = min(sheet.max_row, MAX_ROWS)  # type: ignore[attr-defined]
    max_col = min(sheet.max_column, 200)  # type: ignore[attr-defined]
    values: dict[tuple[int, int], object] = {}
    for (r, c), cell in cells.items():
        if r <= max_row and c <= max_col and cell.value is not None and cell_text(cell.value):
            values[(r, c)] = cell.value
    origin_of: dict[tuple[int, int], tuple[int, int]] = {}
    for rng in sheet.merged_cells.ranges:  # type: ignore[attr-defined]
        top, left = rng.min_row, rng.min_col
        for r in range(top, min(rng.max_row, max_row) + 1):
            for c in range(left, min(rng.max_col, max_col) + 1):
                origin_of[(r, c)] = (top, left)
    last = max((r for r, _ in values), default=0)
    last_col = max((c for _, c in values), default=0)
    rows: list[list[GridCell]] = []
    empty_run = 0
    for r in range(1, last + 1):
        row = []
        for c in range(1, last_col + 1):
            orow, ocol = origin_of.get((r, c), (r, c))
            row.append(GridCell(values.get((orow, ocol)), (orow - 1, ocol - 1)))
        empty_run = empty_run + 1 if not any(cell.text for cell in row) else 0
        if empty_run > _EMPTY_RUN_LIMIT:
            break
        rows.append(row)
    return Grid(index=index, name=f"工作表“{sheet.title}”", kind="xlsx", rows=rows,  # type: ignore[attr-defined]
                row_numbers=list(range(1, len(rows) + 1)))


def read_tables(path: Path) -> tuple[str, str, list[Grid]]:
    """(kind, title, grids) of a checklist file; :class:`ChecklistFormatError` when unreadable."""
    kind = detect_kind(path)
    try:
        title, grids = read_docx(path) if kind == "docx" else read_xlsx(path)
    except ChecklistFormatError:
        raise
    except Exception as exc:  # noqa: BLE001 - any reader failure means a damaged file
        what = "Word" if kind == "docx" else "Excel"
        raise ChecklistFormatError(f"无法读取{what}文件“{path.name}”，文件可能已损坏（{type(exc).__name__}）") from exc
    return kind, title, grids
