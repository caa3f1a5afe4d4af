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

import math
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from civdesk.checklist.model import ChecklistFormatError

#: Limits of one table (a Word table or an Excel sheet); a file beyond them is
#: refused with the reason before the table is built, never cut silently.
#: A real checklist has a few thousand rows, ten-odd columns, small merges.
MAX_ROWS = 20000
MAX_COLUMNS = 200
MAX_CELLS = 1_000_000            # rows × columns
MAX_MERGED_CELLS = 200_000       # cells covered by the merged ranges of one sheet
_ATTACHMENT = re.compile(r"^附件\s*\d*\s*[:：]?$")


@dataclass(frozen=True, slots=True)
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

    _check_docx_size(path)
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


def _check_docx_size(path: Path) -> None:
    """Refuse a document a table of which has too many rows, column spans
    (``w:gridSpan``, ``w:gridBefore``) or cells, by streaming its XML: python-docx
    would hold the whole document in memory (600 MB for 100,000 rows) and the
    grid would repeat a merged cell once per column it spans."""
    from lxml import etree

    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    tbl, tr, body = f"{w}tbl", f"{w}tr", f"{w}body"
    row_width = etree.XPath(             # the columns a row spans (NaN for a malformed number)
        "count(w:tc) + sum(w:tc/w:tcPr/w:gridSpan/@w:val) - count(w:tc/w:tcPr/w:gridSpan)"
        " + sum(w:trPr/w:gridBefore/@w:val)", namespaces={"w": w[1:-1]})
    done = rows = widest = 0                # tables done; rows and width of the current one
    with zipfile.ZipFile(path) as zf, zf.open("word/document.xml") as fh:
        for _, el in etree.iterparse(fh, tag=(tbl, tr), huge_tree=True):
            table = el if el.tag == tbl else el.getparent()
            if table.getparent() is None or table.getparent().tag != body:
                continue                        # a table nested in a cell is read as its text
            where = f"“{path.name}”的表格{done + 1}"
            if el.tag == tbl:
                _check_rows(where, rows)
                _check_cells(where, rows, widest)
                done, rows, widest = done + 1, 0, 0
                el.clear()
                continue
            rows += 1
            width = row_width(el)
            width = 0 if math.isnan(width) else int(width)   # python-docx reports a malformed number
            if width > MAX_COLUMNS:
                raise ChecklistFormatError(
                    f"{where}第 {rows} 行合并单元格后共 {width:,} 列，超过上限 {MAX_COLUMNS} 列，"
                    "文件可能已损坏；请在 Word 中检查该行的合并单元格", rows)
            widest = max(widest, width)
            el.clear()
            while el.getprevious() is not None:
                del table[0]


def _check_rows(where: str, rows: int) -> None:
    if rows > MAX_ROWS:
        raise ChecklistFormatError(
            f"{where}有 {rows:,} 行，超过上限 {MAX_ROWS:,} 行，不能作为测评体系导入；"
            "请删去多余的行，或把表格拆成几个文件后分别导入")


def _check_cells(where: str, rows: int, columns: int) -> None:
    if rows * columns > MAX_CELLS:
        raise ChecklistFormatError(
            f"{where}有 {rows:,} 行 × {columns:,} 列 = {rows * columns:,} 个单元格，"
            f"超过上限 {MAX_CELLS:,} 个；请删去多余的行和列后再导入")


# --------------------------------------------------------------------- Excel
def read_xlsx(path: Path) -> tuple[str, list[Grid]]:
    """Every visible sheet as a grid; no title (the parser finds title rows)."""
    import openpyxl

    _check_xlsx_size(path)
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


def _check_xlsx_size(path: Path) -> None:
    """Refuse a workbook a sheet of which passes the limits, by streaming the
    sheets' XML: openpyxl would build an object for every cell and for every
    cell of a merged range before we could look."""
    from lxml import etree
    from openpyxl.utils.cell import column_index_from_string, range_boundaries

    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    row_tag, cell_tag, merge_tag = f"{ns}row", f"{ns}c", f"{ns}mergeCell"
    with zipfile.ZipFile(path) as zf:
        for name, member in _xlsx_sheet_members(zf):
            where = f"“{path.name}”的工作表“{name}”"
            last_row = last_col = merged = 0
            row_number = 0
            with zf.open(member) as fh:
                for _, el in etree.iterparse(fh, tag=(row_tag, merge_tag), huge_tree=True):
                    if el.tag == merge_tag:
                        left, top, right, bottom = range_boundaries(el.get("ref", "A1"))
                        merged += (right - left + 1) * (bottom - top + 1)
                        if merged > MAX_MERGED_CELLS:
                            raise ChecklistFormatError(
                                f"{where}的合并单元格共覆盖 {merged:,} 个单元格（{el.get('ref')}），"
                                f"超过上限 {MAX_MERGED_CELLS:,} 个，文件可能已损坏；"
                                "请在 Excel 中取消多余的合并后再导入")
                        continue
                    row_number = int(el.get("r") or row_number + 1)
                    cells = list(el.iterchildren(cell_tag))
                    for col in range(len(cells), 0, -1):   # the row's last cell with a <v> or <is>
                        if len(cells[col - 1]):
                            ref = cells[col - 1].get("r")
                            col = column_index_from_string(ref.rstrip("0123456789")) if ref else col
                            last_row, last_col = row_number, max(last_col, col)
                            break
                    if last_row > MAX_ROWS:             # refused: only the count is still wanted
                        _check_rows(where, max(last_row, _last_row_number(zf, member)))
                    el.clear()
                    while el.getprevious() is not None:
                        del el.getparent()[0]
            if last_col > MAX_COLUMNS:
                raise ChecklistFormatError(
                    f"{where}有 {last_col:,} 列，超过上限 {MAX_COLUMNS} 列；请删去多余的列后再导入")
            _check_cells(where, last_row, last_col)


_ROW_NUMBER = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="(\d+)"')


def _last_row_number(zf: zipfile.ZipFile, member: str) -> int:
    """The number of a sheet's last ``<row>``, by a byte scan (5× faster than parsing)."""
    last, tail = 0, b""
    with zf.open(member) as fh:
        while chunk := fh.read(1 << 20):
            data = tail + chunk
            for m in _ROW_NUMBER.finditer(data):
                last = max(last, int(m.group(1)))
            tail = data[-200:]
    return last


def _xlsx_sheet_members(zf: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(sheet name, zip member) of every sheet, in the workbook's order."""
    from lxml import etree

    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rel_id = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    names = set(zf.namelist())
    targets = {}
    if "xl/_rels/workbook.xml.rels" in names:
        for rel in etree.fromstring(zf.read("xl/_rels/workbook.xml.rels")):
            target = rel.get("Target", "")
            targets[rel.get("Id")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    out = []
    for sheet in etree.fromstring(zf.read("xl/workbook.xml")).iter(f"{main}sheet"):
        member = targets.get(sheet.get(rel_id))
        if member in names:
            out.append((sheet.get("name", ""), member))
    return out


def _xlsx_grid(sheet: object, index: int) -> Grid:
    cells = sheet._cells  # type: ignore[attr-defined]  # only the cells that exist
    values: dict[tuple[int, int], object] = {}
    for (r, c), cell in cells.items():
        if cell.value is not None and cell_text(cell.value):
            values[(r, c)] = cell.value
    last = max((r for r, _ in values), default=0)
    last_col = max((c for _, c in values), default=0)
    origin_of: dict[tuple[int, int], tuple[int, int]] = {}
    for rng in sheet.merged_cells.ranges:  # type: ignore[attr-defined]
        top, left = rng.min_row, rng.min_col
        for r in range(top, min(rng.max_row, last) + 1):
            for c in range(left, min(rng.max_col, last_col) + 1):
                origin_of[(r, c)] = (top, left)
    rows: list[list[GridCell]] = []
    for r in range(1, last + 1):
        row = []
        for c in range(1, last_col + 1):
            orow, ocol = origin_of.get((r, c), (r, c))
            row.append(GridCell(values.get((orow, ocol)), (orow - 1, ocol - 1)))
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
