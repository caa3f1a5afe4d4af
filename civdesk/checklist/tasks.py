"""The city's task table (任务分解表 / 责任分工表) read as flat rows, for merging onto a checklist.

A task table lists standards with their 责任单位, 材料要求, 完成时限 (and any
分值, 联系人), often without the upper levels of the checklist.  Unlike
:func:`civdesk.checklist.parse_checklist` it needs no level column: each row
becomes a :class:`TaskRow` saying which item it names (a code as written,
``三-9``, ``Ⅲ-9``, ``1.1.1``, or the 测评内容 text), the standard's number
within the item when the table gives one, and the values of the columns the
table has.  :mod:`civdesk.checklist.merge` then matches the rows to the
standards of a checklist.

The same header recognition as the structure table applies (grouped two-row
headers, ``--map`` overrides), and so do the cell rules (several numbered
standards in one cell, units from one column, dates).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from civdesk.checklist.codes import canonical_code, split_code
from civdesk.checklist.model import ChecklistFormatError, ParsedStandard, RowProblem
from civdesk.checklist.numbering import split_numbered
from civdesk.checklist.parse import (
    LEVEL_ROLES,
    Header,
    _header_error,
    _is_header_start,
    _no_header_error,
    _parse_int,
    _row_roles,
    _State,
    _TableParser,
    find_header,
)
from civdesk.checklist.tables import Grid, read_tables

#: The assignment fields a task table can fill, in display order, with their Chinese names.
FIELDS: dict[str, str] = {
    "units": "责任单位", "requirement": "材料要求", "deadline": "完成时限", "points": "分值",
    "contact": "联系人", "methods": "测评方法",
}
_FIELD_ROLES = {"units": ("units", "lead"), "requirement": ("requirement",), "deadline": ("deadline",),
                "points": ("points",), "contact": ("contact",), "methods": ("method",)}
_YEAR = re.compile(r"(20\d\d)\s*(年度|年(?!版)|(?=[^\d]|$))")


@dataclass(frozen=True)
class TaskRow:
    """One standard as the task table gives it."""

    row: int                       # the row number as the clerk sees it
    table_name: str
    item_code: str                 # the item's code as written, canonical when national (Ⅲ-9), else '1.1.1'
    item_title: str                # the 测评内容 text without its code
    number: int | None             # the standard's number within the item, when the table says
    standard: ParsedStandard       # text and the row's values

    @property
    def label(self) -> str:
        where = self.item_code or self.item_title[:12]
        number = f":{self.number}" if self.number is not None else ""
        return f"{self.table_name}第{self.row}行（{where}{number}）" if where else f"{self.table_name}第{self.row}行"


@dataclass(frozen=True)
class TaskTable:
    title: str
    name: str                      # the title without its year
    year: int | None
    rows: tuple[TaskRow, ...]
    fields: frozenset[str]         # the assignment fields (keys of FIELDS) the table has columns for
    problems: tuple[RowProblem, ...]
    columns: tuple[tuple[str, str, str], ...]   # (column label, header text, role) as recognised
    source_name: str


def name_and_year(title: str) -> tuple[str, int | None]:
    """``'2025年度XX市文明城市创建任务责任分工表'`` → ``('XX市文明城市创建任务责任分工表', 2025)``."""
    title = (title or "").strip()
    match = _YEAR.search(title)
    if not match:
        return title, None
    year = int(match.group(1))
    if not match.group(2):                       # "（2025年版）", "2025版": the year stays in the name
        return title, year
    name = (title[:match.start()] + title[match.end():]).strip(" ：:—-")
    return name or title, year


class _TaskParser(_TableParser):
    """Rows of one task-table grid; levels are optional."""

    def __init__(self, grid: Grid, header: Header, state: _State, first_row: int,
                 out: list[TaskRow]) -> None:
        self.grid, self.header, self.state, self.first_row = grid, header, state, first_row
        self.levels = header.levels
        self.item_level = self.levels[-1] if self.levels else 3
        self.out = out
        self.item = ""                                  # the item text carried down
        self.counts: dict[str, int] = {}                # standards seen per item: numbering within it

    def item_text(self, r: int) -> str:
        """The deepest level cell of the row (with an 编号 column's code), else the 编号 cell."""
        for level in (3, 2, 1):
            if LEVEL_ROLES[level - 1] in self.header.roles:
                text = self.level_text(r, level) if level == self.item_level else self.text(r, LEVEL_ROLES[level - 1])
                if text:
                    return text
        return self.text(r, "code")

    def parse_row(self, r: int) -> None:
        row = self.grid.rows[r]
        rn = self.grid.row_numbers[r]
        filled = [c for c in row if c.text]
        if not filled:
            return
        if _is_header_start(self.grid, r) and set(_row_roles(self.grid, r).values()) <= set(self.header.roles):
            return                                      # header repeated on a new page
        if len({c.origin for c in filled}) == 1 and len(filled) >= 2:
            self.problem(rn, "", f"整行合并的说明行，已跳过：{filled[0].text[:60]}")
            return
        item = self.item_text(r)
        if item:
            self.item = item
        std_text = self.text(r, "standard")
        if not std_text:
            return
        std_cells = self.cells(r, "standard")
        origin = std_cells[0].origin if std_cells else None
        if origin is not None and origin == self.state.last_standard_origin:
            return                                      # the standard cell is merged over this row
        self.state.last_standard_origin = origin
        code, title = split_code(self.item) if self.item else ("", "")
        code = canonical_code(code) if code else ""
        std_code, std_rest = split_code(std_text)
        given = _parse_int(self.raw(r, "number")) if "number" in self.header.roles else None
        if not code and std_code and "." in std_code:       # 1.1.1.2 in the standard cell
            code, given, std_text = std_code.rsplit(".", 1)[0], int(std_code.rsplit(".", 1)[1]), std_rest
        parts = split_numbered(std_text)
        key = code or title
        numbers: list[int | None] = []
        for marker, _ in parts:
            number = given if len(parts) == 1 and given is not None else marker
            numbers.append(number)
        slots = []
        for number in numbers:
            self.counts[key] = self.counts.get(key, 0) + 1
            slots.append(number if number is not None else self.counts[key])
        per = {role: self.split_column(r, rn, role, slots)
               for role in ("method", "requirement", "lead", "units", "note", "deadline", "points",
                            "contact")}
        for (_, text), number, slot in zip(parts, numbers, slots):
            if not text:
                continue
            st = self.make_standard(rn, slot, text, per)
            self.out.append(TaskRow(rn, self.grid.name, code, title or "", number, st))


def read_task_table(path: Path | str, mapping: dict[str, str] | None = None) -> TaskTable:
    """Read a task table; :class:`ChecklistFormatError` (naming the columns seen) when it has none."""
    path = Path(path)
    kind, file_title, grids = read_tables(path)
    state = _State()
    rows: list[TaskRow] = []
    roles: set[str] = set()
    columns: list[tuple[str, str, str]] = []
    title = ""
    first_error: ChecklistFormatError | None = None
    previous: Header | None = None
    try:
        for grid in grids:
            if not any(c.text for row in grid.rows for c in row):
                continue
            header = find_header(grid, mapping)
            if header is not None:
                error = _header_error(grid, header, need_levels=False)
                if error is not None:
                    first_error = first_error or error
                    continue
                if not title:
                    title = _title_above(grid, header)
                first_row = header.end
            elif previous is not None and grid.width == max(previous.names, default=-1) + 1:
                header, first_row = previous, 0          # a table continued on the next page
            else:
                continue
            if header is not previous:
                for col in sorted(header.names):
                    role = header.role_of(col)
                    if header.names[col]:
                        columns.append((grid.column_label(col), header.names[col], role or ""))
            previous = header
            roles |= set(header.roles)
            state.last_standard_origin = None
            _TaskParser(grid, header, state, first_row, rows).run()
    except ChecklistFormatError:
        raise
    except Exception as exc:  # noqa: BLE001 - never leak an unexpected crash to the caller
        raise ChecklistFormatError(f"无法解析“{path.name}”：表格结构无法识别（{type(exc).__name__}: {exc}）") from exc
    if previous is None:
        if first_error is not None:
            raise first_error
        raise _no_header_error(grids, path.name, "任务分解表的表头（需要有“测评标准”列）")
    if not rows:
        raise ChecklistFormatError(f"“{path.name}”的表格中没有读到任何测评标准，请检查表头下方的内容")
    title = title or (file_title if kind == "docx" else "") or path.stem
    name, year = name_and_year(title)
    fields = frozenset(f for f, rs in _FIELD_ROLES.items() if roles & set(rs))
    return TaskTable(title, name, year, tuple(rows), fields, tuple(state.problems), tuple(columns),
                     path.name)


def _title_above(grid: Grid, header: Header) -> str:
    for r in range(header.rows[0]):
        texts = [c.text for c in grid.rows[r] if c.text]
        if texts and not re.match(r"^附件\s*\d*\s*[:：]?$", texts[0]):
            return texts[0]
    return "\n".join(grid.preamble[-1:]) if grid.preamble else ""


@dataclass(frozen=True)
class ColumnInfo:
    """One column as the mapping step shows it."""

    label: str                     # "C列" / "第3列"
    title: str                     # the header text (group/sub for a grouped header): the --map key
    sample: str                    # the first value under the header
    role: str                      # the recognised role ('' when none)


def table_columns(path: Path | str, mapping: dict[str, str] | None = None) -> tuple[str, list[ColumnInfo]]:
    """(table name, columns) of the first table with content, for the column-mapping step.

    Uses the recognised header; when there is none, the first row with two or
    more filled cells is taken as the header, every column without a role.
    """
    path = Path(path)
    _, _, grids = read_tables(path)
    grid = next((g for g in grids if any(c.text for row in g.rows for c in row)), None)
    if grid is None:
        raise ChecklistFormatError(f"“{path.name}”中没有表格内容")
    header = find_header(grid, mapping)
    if header is None:
        start = next((r for r, row in enumerate(grid.rows)
                      if len({c.origin for c in row if c.text}) >= 2), 0)
        header = Header(rows=[start])
        for col in range(grid.width):
            cell = grid.rows[start][col]
            header.names[col] = re.sub(r"\s+", "", cell.text) if cell.origin[1] == col else ""
    out = []
    for col in sorted(header.names):
        if not header.names[col]:
            continue
        sample = next((grid.rows[r][col].text for r in range(header.end, len(grid.rows))
                       if col < len(grid.rows[r]) and grid.rows[r][col].text), "")
        out.append(ColumnInfo(grid.column_label(col), header.names[col], sample[:40],
                              header.role_of(col) or ""))
    return grid.name, out
