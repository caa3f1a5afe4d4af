"""Import a checklist (测评体系 or 任务分解表) from Word or Excel tables.

The parser works on what the header says, not where columns are:

1. every table of the file is read into a grid with merges resolved
   (:mod:`civdesk.checklist.tables`);
2. the header is the first row naming at least two column roles (测评项目,
   指标名称, 测评内容, 测评标准 …); title rows above it are skipped and used as
   the checklist title, a second header row below it is merged in;
3. each data row gives a path of levels (empty or merged level cells inherit
   the value above) and one or more standards (``1）…2）…`` in one cell);
   methods, requirements and units numbered the same way go to their own
   standard;
4. codes are kept when the whole checklist uses the national scheme
   (``Ⅰ-1``/``Ⅱ-1``/``Ⅲ-1``), otherwise generated in that scheme, numbered
   through the whole checklist; the code as written stays in ``source_code``.

Rows that are not understood become :class:`RowProblem` values (a warning,
or an error when a standard was lost).  A file with no usable table raises
:class:`ChecklistFormatError`; no other exception leaves :func:`parse_checklist`.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from civdesk.checklist.codes import make_code, normalise_code, roman_level, split_code
from civdesk.checklist.model import (
    ERROR,
    LEVEL_NAMES,
    WARNING,
    ChecklistFormatError,
    ParsedChecklist,
    ParsedNode,
    ParsedStandard,
    RowProblem,
)
from civdesk.checklist.numbering import distribute, split_numbered
from civdesk.checklist.preview import format_preview
from civdesk.checklist.requirements import (
    parse_methods,
    parse_requirements,
    split_unit_roles,
    split_units,
    units_from_cell,
)
from civdesk.checklist.tables import Grid, GridCell, cell_text, read_tables

__all__ = [
    "parse_checklist", "parse_requirements", "split_units", "split_unit_roles",
    "normalise_code", "format_preview", "parse_deadline", "column_role",
]

# ------------------------------------------------------------------ headers
LEVEL_ROLES = ("level1", "level2", "level3")
_ROLE_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("number", ("标准序号", "标准编号", "标准号")),
    ("level1", ("测评项目", "一级指标", "测评类别", "项目类别")),
    ("level2", ("指标名称", "二级指标", "测评指标")),
    ("level3", ("测评内容", "三级指标")),
    ("standard", ("测评标准", "评价标准", "考核标准", "标准内容", "具体标准", "测评细则")),
    ("method", ("测评方法", "测评方式", "评价方法", "考核方式", "考核方法", "测评形式")),
    ("requirement", ("材料要求", "申报要求", "资料要求", "佐证材料", "申报材料", "报送材料",
                     "上传材料", "材料清单")),
    ("lead", ("牵头单位", "牵头部门")),
    ("units", ("责任单位", "配合单位", "责任部门", "配合部门", "协办单位", "参与单位",
               "成员单位")),
    ("deadline", ("完成时限", "完成时间", "截止时间", "截止日期", "完成期限", "报送时间",
                  "报送时限", "时限")),
    ("points", ("分值", "分数", "标准分", "权重")),
    ("contact", ("联系人", "联络员", "资料员", "信息员")),
    ("code", ("条目编号", "内容编号", "指标编号")),
    ("note", ("备注",)),
    ("seq", ("序号",)),
)
_EXACT_WORDS = {"项目": "level1", "指标": "level2", "内容": "level3", "标准": "standard",
                "方法": "method", "方式": "method", "牵头": "lead", "配合": "units", "说明": "note",
                "编号": "code", "序": "seq"}
#: Sub-headers that only say "which part" of the group cell above them (测评标准 over 序号 | 内容).
_NUMBER_SUBS = frozenset({"序号", "编号", "序", "号", "条", "条目"})
_PART_SUBS = frozenset({"内容", "名称", "标准", "要求", "具体内容", "具体要求", "条款", "描述",
                        "文字", "正文"})
_MAX_HEADER_TEXT = 20
_HEADER_SEARCH_ROWS = 20
_MULTI_ROLES = {"units", "note"}

#: Column roles, with the Chinese label the mapping step and ``--map`` use.
ROLE_LABELS: dict[str, str] = {
    "level1": "测评项目", "level2": "指标名称", "level3": "测评内容", "code": "编号",
    "standard": "测评标准", "number": "标准序号", "method": "测评方法", "requirement": "材料要求",
    "lead": "牵头单位", "units": "责任单位", "deadline": "完成时限", "points": "分值",
    "contact": "联系人", "note": "备注", "seq": "序号", "ignore": "不导入",
}


def role_from_label(text: str) -> str | None:
    """``'责任单位'``, ``'units'`` or any header word → the role key; ``None`` if unknown."""
    clean = re.sub(r"\s+", "", text or "")
    if clean in ROLE_LABELS:
        return clean
    for role, label in ROLE_LABELS.items():
        if clean == label:
            return role
    if clean in ("忽略", "跳过", "无"):
        return "ignore"
    return column_role(clean)


def column_role(text: str) -> str | None:
    """The role a header cell names (``'测评\\n项目'`` → ``'level1'``), or ``None``."""
    clean = re.sub(r"\s+", "", text or "")
    if not clean or len(clean) > _MAX_HEADER_TEXT:
        return None
    if clean in _EXACT_WORDS:
        return _EXACT_WORDS[clean]
    best: tuple[int, int, str] | None = None
    for order, (role, words) in enumerate(_ROLE_WORDS):
        for word in words:
            pos = clean.find(word)
            if pos >= 0 and (best is None or (pos, order) < best[:2]):
                best = (pos, order, role)
    return best[2] if best else None


@dataclass
class Header:
    """Where the header is and which columns play which role."""

    rows: list[int]                                    # row indices of the header rows
    roles: dict[str, list[int]] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)

    @property
    def end(self) -> int:
        return self.rows[-1] + 1

    @property
    def levels(self) -> list[int]:
        return [i + 1 for i, role in enumerate(LEVEL_ROLES) if role in self.roles]

    def role_of(self, col: int) -> str | None:
        return next((role for role, cols in self.roles.items() if col in cols), None)

    def describe(self, grid: Grid) -> str:
        """The columns as seen: ``A列“测评标准/序号”（标准序号）、B列“…”（未识别）``."""
        parts = []
        for col in sorted(self.names):
            if not self.names[col]:
                continue
            role = self.role_of(col)
            label = ROLE_LABELS.get(role, "未识别") if role else "未识别"
            parts.append(f"{grid.column_label(col)}“{self.names[col]}”（{label}）")
        return "、".join(parts) or "（没有列标题）"


def _row_roles(grid: Grid, r: int, own_only: bool = False) -> dict[tuple[int, int], str]:
    """Origins of cells in row ``r`` naming a role → role."""
    found: dict[tuple[int, int], str] = {}
    for cell in grid.rows[r]:
        if own_only and cell.origin[0] != r:
            continue
        role = column_role(cell.text)
        if role:
            found[cell.origin] = role
    return found


def _is_header_start(grid: Grid, r: int) -> bool:
    roles = set(_row_roles(grid, r).values())
    return len(roles) >= 2 and bool(roles & {"standard", *LEVEL_ROLES})


def _is_header_continuation(grid: Grid, r: int) -> bool:
    own = [c for c in grid.rows[r] if c.origin[0] == r and c.text]
    return bool(own) and all(column_role(c.text) or _sub_word(c.text) for c in own)


def _sub_word(text: str) -> str:
    clean = re.sub(r"\s+", "", text or "")
    return clean if clean in _NUMBER_SUBS or clean in _PART_SUBS else ""


def _column_role(grid: Grid, rows: list[int], col: int) -> tuple[str | None, str, tuple[int, int] | None]:
    """(role, name, origin of the deciding cell) of one column of a (grouped) header.

    The lowest header cell decides, unless it only names a part (序号, 内容) of
    a group cell merged over several columns above it: then the group names
    the role (测评标准 over 序号 → 标准序号, over 内容 → 测评标准).
    """
    cells: list[GridCell] = []
    for r in rows:
        cell = grid.rows[r][col] if col < len(grid.rows[r]) else None
        if cell is not None and cell.text and (not cells or cells[-1].origin != cell.origin):
            cells.append(cell)
    if not cells:
        return None, "", None
    names = [re.sub(r"\s+", "", c.text) for c in cells]
    name = "/".join(names)
    lowest = cells[-1]
    sub = _sub_word(lowest.text)
    group = next((c for c in reversed(cells[:-1]) if column_role(c.text)), None)
    if sub and group is not None:
        group_role = column_role(group.text)
        if sub in _NUMBER_SUBS and group_role == "standard":
            return "number", name, lowest.origin
        if sub in _NUMBER_SUBS and group_role not in LEVEL_ROLES:
            return "seq", name, lowest.origin
        return group_role, name, group.origin
    for cell in reversed(cells):
        role = column_role(cell.text)
        if role:
            return role, name, cell.origin
    return None, name, None


def find_header(grid: Grid, mapping: dict[str, str] | None = None) -> Header | None:
    """The header of ``grid``: its rows and the role of each column.

    ``mapping`` (column title → role, from ``--map`` or the mapping step)
    overrides recognition for the columns it names; it also finds a header the
    words alone do not (a row holding the mapped titles).
    """
    start = next((r for r in range(min(len(grid.rows), _HEADER_SEARCH_ROWS))
                  if _is_header_start(grid, r) or _mapped_row(grid, r, mapping)), None)
    if start is None:
        return None
    rows = [start]
    while len(rows) < 3 and rows[-1] + 1 < len(grid.rows) and (
            _is_header_continuation(grid, rows[-1] + 1) or _mapped_row(grid, rows[-1] + 1, mapping, 1)):
        rows.append(rows[-1] + 1)
    header = Header(rows=rows)
    role_origin: dict[str, tuple[int, int]] = {}
    for col in range(grid.width):
        role, name, origin = _column_role(grid, rows, col)
        header.names[col] = name
        if mapping:
            mapped = _mapped_role(grid, rows, col, name, mapping)
            if mapped is not None:
                role, origin = (None if mapped == "ignore" else mapped), (-1, col)
        if not role:
            continue
        if role in _MULTI_ROLES or role not in header.roles:
            header.roles.setdefault(role, []).append(col)
            role_origin.setdefault(role, origin)  # type: ignore[arg-type]
        elif role_origin.get(role) == origin:          # one header cell over several columns
            header.roles[role].append(col)
    return header


def _mapped_role(grid: Grid, rows: list[int], col: int, name: str, mapping: dict[str, str]) -> str | None:
    keys = {name, name.split("/")[-1]}
    for r in rows:
        if col < len(grid.rows[r]):
            keys.add(re.sub(r"\s+", "", grid.rows[r][col].text))
    keys.add(grid.column_label(col).removesuffix("列"))
    keys.add(grid.column_label(col))
    for key in keys:
        if key and key in mapping:
            return mapping[key]
    return None


def _mapped_row(grid: Grid, r: int, mapping: dict[str, str] | None, need: int = 2) -> bool:
    if not mapping:
        return False
    texts = {re.sub(r"\s+", "", c.text) for c in grid.rows[r] if c.text}
    return len(texts & set(mapping)) >= need


# ---------------------------------------------------------------- values
_DATE_RE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})(?:\s*[-/.月]\s*(\d{1,2})\s*日?)?")


def parse_deadline(value: object) -> tuple[dt.date | None, str]:
    """A 完成时限 cell → (date or None, the text as written).

    Dates, ``2024-03-31``, ``2024/3/31``, ``2024年3月31日``; a month alone
    (``2024年4月``, ``2024年4月底``) means its last day.  Excel day numbers are
    accepted.  Anything else (``长期坚持``) gives ``None`` and keeps the text.
    """
    if value is None:
        return None, ""
    if isinstance(value, dt.datetime):
        return value.date(), value.date().isoformat()
    if isinstance(value, dt.date):
        return value, value.isoformat()
    if isinstance(value, (int, float)) and 20000 < value < 80000:
        from openpyxl.utils.datetime import from_excel
        day = from_excel(value)
        return day.date(), day.date().isoformat()
    text = cell_text(value)
    match = _DATE_RE.search(text)
    if not match:
        return None, text
    year, month = int(match.group(1)), int(match.group(2))
    try:
        day = int(match.group(3)) if match.group(3) else calendar.monthrange(year, month)[1]
        return dt.date(year, month, day), text
    except ValueError:
        return None, text


def _parse_points(value: object) -> tuple[float | None, bool]:
    """(points, understood)."""
    if value is None or cell_text(value) == "":
        return None, True
    if isinstance(value, (int, float)):
        return float(value), True
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*分?\s*", cell_text(value))
    return (float(match.group(1)), True) if match else (None, False)


def _parse_int(value: object) -> int | None:
    if isinstance(value, (int, float)) and float(value).is_integer() and value > 0:
        return int(value)
    match = re.fullmatch(r"[(（]?\s*(\d{1,3})\s*[)）.．、]?", cell_text(value))
    return int(match.group(1)) if match and int(match.group(1)) > 0 else None


# ------------------------------------------------------------ tree builder
@dataclass
class _Node:
    level: int
    source_code: str
    title: str
    row: int
    table: int
    children: list[_Node] = field(default_factory=list)
    standards: list[ParsedStandard] = field(default_factory=list)
    code: str = ""

    def used_numbers(self) -> set[int]:
        return {s.number for s in self.standards}


@dataclass
class _State:
    """What the parse has built so far, across the tables of one file."""

    roots: list[_Node] = field(default_factory=list)
    nodes: dict[tuple[str, ...], _Node] = field(default_factory=dict)
    problems: list[RowProblem] = field(default_factory=list)
    carry: dict[int, str] = field(default_factory=dict)
    last_standard_origin: tuple[int, int] | None = None

    def node_for(self, path: list[tuple[int, str]], row: int, table: int) -> _Node:
        """Get or create the nodes for ``path`` [(level, cell text)…]; return the last."""
        parent: _Node | None = None
        key: tuple[str, ...] = ()
        for level, text in path:
            key = key + (re.sub(r"\s+", "", text),)
            node = self.nodes.get(key)
            if node is None:
                code, title = split_code(text)
                node = _Node(level, code, title or text, row, table)
                self.nodes[key] = node
                (parent.children if parent else self.roots).append(node)
            parent = node
        assert parent is not None
        return parent


class _TableParser:
    """Reads the data rows of one grid into the shared state."""

    def __init__(self, grid: Grid, header: Header, state: _State, first_row: int) -> None:
        self.grid, self.header, self.state, self.first_row = grid, header, state, first_row
        self.levels = header.levels
        self.item_level = self.levels[-1]

    # -- helpers
    def label(self, role: str) -> str:
        cols = self.header.roles.get(role)
        if not cols:
            return ""
        return f"{self.grid.column_label(cols[0])}（{self.header.names.get(cols[0], '')}）"

    def problem(self, row: int, role: str, message: str, severity: str = WARNING) -> None:
        self.state.problems.append(RowProblem(row, self.label(role) if role else "", message,
                                              self.grid.index, self.grid.name, severity))

    def cells(self, r: int, role: str) -> list[GridCell]:
        """The distinct cells of ``role`` in row ``r``.

        A cell merged sideways out of the 测评标准 cell does not count for the
        columns after it (a standard spanning the 测评方法 column has no method).
        """
        row = self.grid.rows[r]
        seen: set[tuple[int, int]] = set()
        if role != "standard" and role not in LEVEL_ROLES:
            seen = {row[c].origin for c in self.header.roles.get("standard", []) if c < len(row)}
        result = []
        for col in self.header.roles.get(role, []):
            if col < len(row) and row[col].origin not in seen:
                seen.add(row[col].origin)
                result.append(row[col])
        return result

    def text(self, r: int, role: str) -> str:
        texts = [c.text for c in self.cells(r, role) if c.text]
        sep = "、" if role in ("units", "lead") else ("；" if role == "note" else " ")
        return sep.join(dict.fromkeys(texts))

    def raw(self, r: int, role: str) -> object:
        cells = self.cells(r, role)
        return cells[0].value if cells else None

    def level_text(self, r: int, level: int) -> str:
        """A level cell; the deepest level takes its code from an 编号 column when the
        cell has none of its own and the column holds a code (``Ⅲ-1``, ``1.1.1``, not a row count)."""
        text = self.text(r, LEVEL_ROLES[level - 1])
        if level != self.item_level or not text or split_code(text)[0]:
            return text
        code = self.text(r, "code")
        if code and not code.isdigit() and split_code(code) == (normalise_code(code), ""):
            return f"{code} {text}"
        return text

    # -- rows
    def run(self) -> None:
        for r in range(self.first_row, len(self.grid.rows)):
            self.parse_row(r)

    def parse_row(self, r: int) -> None:
        row = self.grid.rows[r]
        rn = self.grid.row_numbers[r]
        filled = [c for c in row if c.text]
        if not filled:
            return
        if _is_header_start(self.grid, r) and set(_row_roles(self.grid, r).values()) <= set(self.header.roles):
            return                                      # header repeated on a new page
        origins = {c.origin for c in filled}
        if len(origins) == 1 and len(filled) >= 2:
            self.section_row(r, rn, filled[0].text)
            return
        std_text = self.text(r, "standard")
        if not std_text:
            self.heading_row(r, rn, filled)
            return
        path = self.level_path(r, rn, True)
        if path is None:
            return
        std_cells = self.cells(r, "standard")
        origin = std_cells[0].origin if std_cells else None
        if origin is not None and origin == self.state.last_standard_origin:
            return                                      # the standard cell is merged over this row
        self.state.last_standard_origin = origin
        node = self.state.node_for(path, rn, self.grid.index)
        self.state.carry = dict(path)
        if node.level != self.item_level:
            self.problem(rn, "standard", f"{LEVEL_NAMES[self.item_level]}为空，测评标准无法归属", ERROR)
            return
        self.add_standards(r, rn, node, std_text)

    def heading_row(self, r: int, rn: int, filled: list[GridCell]) -> None:
        """A row without a standard: a level heading, or something not understood."""
        level_cols = {c for role in LEVEL_ROLES for c in self.header.roles.get(role, [])}
        seq_cols = set(self.header.roles.get("seq", []))
        row = self.grid.rows[r]
        own_level = [c for col, c in enumerate(row) if col in level_cols and c.text and c.origin[0] == r]
        others = list(dict.fromkeys(c.text for col, c in enumerate(row)
                                    if c.text and col not in level_cols and c.origin[0] == r))
        if own_level:
            path = self.level_path(r, rn, False)
            if path is None:
                return                                  # level_path reported it
            if path:
                self.state.node_for(path, rn, self.grid.index)
                self.state.carry = dict(path)
            content = [c.text for col, c in enumerate(row)
                       if c.text and col not in level_cols | seq_cols and c.origin[0] == r]
            if content:
                self.problem(rn, "standard", f"该行没有测评标准，其余内容已忽略：{'｜'.join(content)[:40]}")
            return
        if others:
            self.problem(rn, "standard", f"该行没有测评标准，已跳过：{'｜'.join(others)[:40]}")

    def section_row(self, r: int, rn: int, text: str) -> None:
        """A row merged across the table: a 测评项目 heading or a note."""
        code, title = split_code(text)
        top = self.levels[0]
        if code and title and not re.match(r"^(注|说明|备注|附)", title) and len(self.levels) > 1:
            path = [(top, text)]
            self.state.node_for(path, rn, self.grid.index)
            self.state.carry = dict(path)
            return
        self.problem(rn, "", f"整行合并的说明行，已跳过：{text[:60]}")

    def level_path(self, r: int, rn: int, has_standard: bool) -> list[tuple[int, str]] | None:
        """The (level, text) path of a row, inheriting empty cells from the rows above."""
        path: list[tuple[int, str]] = []
        changed = False
        for level in self.levels:
            value = self.level_text(r, level)
            if value:
                if value != self.state.carry.get(level):
                    changed = True
                path.append((level, value))
                continue
            inherited = self.state.carry.get(level)
            if inherited and not changed:
                path.append((level, inherited))
                continue
            if not has_standard:
                break                                   # a heading row: stop at its deepest level
            self.problem(rn, LEVEL_ROLES[level - 1],
                         f"{LEVEL_NAMES[level]}为空，无法确定该行测评标准属于哪一项", ERROR)
            return None
        if path and re.match(r"^(注|说明|备注)[：:]", path[0][1]) and not has_standard:
            self.problem(rn, LEVEL_ROLES[path[0][0] - 1], f"说明文字，已跳过：{path[0][1][:60]}")
            return None
        return path

    def add_standards(self, r: int, rn: int, node: _Node, std_text: str) -> None:
        parts = split_numbered(std_text)
        used = node.used_numbers()
        column_number = _parse_int(self.raw(r, "number")) if "number" in self.header.roles else None
        numbered: list[tuple[int, str]] = []
        for marker, text in parts:
            number = marker
            if len(parts) == 1 and column_number is not None:
                number = column_number
            if number is None:
                number = max(used | {n for n, _ in numbered}, default=0) + 1
            taken = used | {n for n, _ in numbered}
            if number in taken:
                new = max(taken) + 1
                self.problem(rn, "standard", f"标准序号 {number} 重复，已改为 {new}")
                number = new
            numbered.append((number, text))
        numbers = [n for n, _ in numbered]
        per = {role: self.split_column(r, rn, role, numbers)
               for role in ("method", "requirement", "lead", "units", "note", "deadline", "points",
                            "contact")}
        for number, text in numbered:
            if not text:
                self.problem(rn, "standard", f"第 {number} 条测评标准为空，已跳过", ERROR)
                continue
            node.standards.append(self.make_standard(rn, number, text, per))

    def split_column(self, r: int, rn: int, role: str, numbers: list[int]) -> dict[int, object]:
        if role not in self.header.roles:
            return {}
        raw = self.raw(r, role)
        if role in ("deadline", "points") and not isinstance(raw, str):
            return {n: raw for n in numbers}
        text = self.text(r, role)
        if not text:
            return {}
        mapping, missing = distribute(text, numbers)
        if missing:
            names = "、".join(f"第{n}条" for n in missing)
            self.problem(rn, role, f"按编号分配时找不到{names}测评标准对应的内容")
        return dict(mapping)

    def make_standard(self, rn: int, number: int, text: str, per: dict[str, dict[int, object]]) -> ParsedStandard:
        def get(role: str) -> object:
            return per.get(role, {}).get(number)

        lead_b = split_units(cell_text(get("lead")) or None)
        lead_a, coop_a = units_from_cell(cell_text(get("units")) or None, bool(lead_b))
        lead = tuple(dict.fromkeys(lead_b + lead_a))
        units = tuple(u for u in coop_a if u not in lead)
        deadline, deadline_text = parse_deadline(get("deadline"))
        note = cell_text(get("note"))
        if deadline is None and deadline_text:
            note = "；".join(x for x in (note, f"完成时限：{deadline_text}") if x)
        points, ok = _parse_points(get("points"))
        if not ok:
            self.problem(rn, "points", f"分值“{cell_text(get('points'))}”不是数字，已忽略")
        return ParsedStandard(
            number=number, text=text,
            methods=parse_methods(cell_text(get("method")) or None),
            requirements=parse_requirements(cell_text(get("requirement")) or None),
            lead_units=lead, units=units, deadline=deadline, points=points, note=note,
            contact=cell_text(get("contact")),
            row=rn, table=self.grid.index, deadline_text=deadline_text,
        )


# ------------------------------------------------------------------ codes
def _assign_codes(state: _State, table_names: dict[int, str]) -> None:
    """Keep national codes when a whole level uses them; otherwise generate them."""
    by_level: dict[int, list[_Node]] = {}

    def visit(nodes: list[_Node]) -> None:
        for node in nodes:
            by_level.setdefault(node.level, []).append(node)
            visit(node.children)

    visit(state.roots)
    for level, nodes in by_level.items():
        codes = [normalise_code(n.source_code) for n in nodes]
        national = [c for c in codes if roman_level(c) == level]
        if len(national) == len(nodes) and len(set(national)) == len(national):
            for node, code in zip(nodes, codes):
                node.code = code
            continue
        if national:
            first = nodes[0]
            state.problems.append(RowProblem(
                first.row, "", f"{LEVEL_NAMES[level]}编号不全或重复，已按顺序重新编号（原编号保留备查）",
                first.table, table_names.get(first.table, ""), WARNING))
        for i, node in enumerate(nodes, start=1):
            node.code = make_code(level, i)


def _check_tree(state: _State, item_level: int, table_names: dict[int, str]) -> None:
    def visit(nodes: list[_Node]) -> None:
        for node in nodes:
            name = table_names.get(node.table, "")
            if node.level == item_level and not node.standards:
                state.problems.append(RowProblem(node.row, "", f"{node.code} {node.title}：没有测评标准",
                                                 node.table, name))
            elif node.level < item_level and not node.children:
                state.problems.append(RowProblem(node.row, "", f"{node.code} {node.title}：下面没有内容",
                                                 node.table, name))
            visit(node.children)

    visit(state.roots)


def _freeze(node: _Node) -> ParsedNode:
    return ParsedNode(code=node.code, title=node.title, level=node.level,
                      children=tuple(_freeze(c) for c in node.children),
                      standards=tuple(sorted(node.standards, key=lambda s: s.number)),
                      row=node.row, source_code=node.source_code, table=node.table)


# ------------------------------------------------------------------- entry
def _title_rows(grid: Grid, header: Header) -> str:
    for r in range(header.rows[0]):
        texts = [c.text for c in grid.rows[r] if c.text]
        if texts:
            return texts[0]
    return ""


def _header_error(grid: Grid, header: Header, need_levels: bool = True) -> ChecklistFormatError | None:
    row = grid.row_numbers[header.rows[0]]
    where = f"{grid.name}第{row}行的表头"
    seen = f"。识别到的列：{header.describe(grid)}。可用“列标题=角色”指定各列（命令行 --map，导入向导的列对应步骤）"
    if "standard" not in header.roles:
        return ChecklistFormatError(f"{where}缺少“测评标准”列（列名可为：测评标准、评价标准）{seen}",
                                    row, None, grid.name)
    if need_levels and not header.levels:
        return ChecklistFormatError(
            f"{where}缺少层级列：测评项目（一级指标）、指标名称（二级指标）、测评内容（三级指标）至少要有一列{seen}",
            row, None, grid.name)
    return None


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _no_header_error(grids: list[Grid], source_name: str, what: str) -> ChecklistFormatError:
    """No table with a header: name the first rows' texts so the clerk can map the columns."""
    grid = next((g for g in grids if any(c.text for row in g.rows for c in row)), None)
    seen = ""
    if grid is not None:
        for r, row in enumerate(grid.rows[:_HEADER_SEARCH_ROWS]):
            texts = [f"{grid.column_label(i)}“{_squash(c.text)[:20]}”"
                     for i, c in enumerate(row) if c.text and c.origin[1] == i]
            if len(texts) >= 2:
                seen = f"。{grid.name}第{grid.row_numbers[r]}行的列：{'、'.join(texts)}"
                break
    return ChecklistFormatError(
        f"“{source_name}”中没有找到{what}{seen}。可用“列标题=角色”指定各列（命令行 --map，导入向导的列对应步骤）")


def _parse_grids(grids: list[Grid], kind: str, file_title: str, source_name: str,
                 mapping: dict[str, str] | None = None) -> ParsedChecklist:
    state = _State()
    title_from_rows = ""
    previous: Header | None = None
    first_error: ChecklistFormatError | None = None
    item_levels: set[int] = set()
    for grid in grids:
        if not any(c.text for row in grid.rows for c in row):
            continue
        header = find_header(grid, mapping)
        first_row = header.end if header else 0
        if header is not None:
            error = _header_error(grid, header)
            if error is not None:
                first_error = first_error or error
                state.problems.append(RowProblem(error.row or 0, "", error.message, grid.index, grid.name))
                continue
            if not title_from_rows:
                title_from_rows = _title_rows(grid, header)
            state.carry = {}
        elif previous is not None and grid.width == _width_of(previous):
            header = previous                            # a table continued on the next page
        else:
            state.problems.append(RowProblem(0, "", "未找到测评体系表头，已跳过此表", grid.index, grid.name))
            continue
        previous = header
        state.last_standard_origin = None
        item_levels.add(header.levels[-1])
        _TableParser(grid, header, state, first_row).run()
    standards = sum(len(n.standards) for n in state.nodes.values())
    if previous is None:
        if first_error is not None:
            raise first_error
        raise _no_header_error(grids, source_name,
                               "测评体系表格：需要有“测评标准”列和“测评项目/指标名称/测评内容”列的表头")
    if standards == 0:
        raise ChecklistFormatError(f"“{source_name}”的表格中没有读到任何测评标准，请检查表头下方的内容")
    names = {g.index: g.name for g in grids}
    _assign_codes(state, names)
    _check_tree(state, max(item_levels), names)
    roots = tuple(_freeze(n) for n in state.roots)
    problems = tuple(sorted(state.problems, key=lambda p: (p.table, p.row)))
    titles = (file_title, title_from_rows) if kind == "docx" else (title_from_rows, file_title)
    title = next((t for t in titles if t), Path(source_name).stem)
    return ParsedChecklist(title=title, roots=roots,
                           problems=problems, source_name=source_name)


def _width_of(header: Header) -> int:
    return max(header.names, default=-1) + 1


def parse_checklist(path: Path | str, *, strict: bool = False,
                    mapping: dict[str, str] | None = None) -> ParsedChecklist:
    """Parse a Word (.docx) or Excel (.xlsx) checklist, recognised by content.

    Raises :class:`ChecklistFormatError` (and nothing else) when the file
    cannot be understood.  With ``strict=True`` it also raises on the first
    row that lost a standard (problems of severity ``error``); otherwise those
    are in ``problems`` and the caller must check ``parsed.errors`` (or call
    ``parsed.raise_for_errors()``) before importing.
    """
    path = Path(path)
    kind, title, grids = read_tables(path)
    try:
        parsed = _parse_grids(grids, kind, title, path.name, mapping)
    except ChecklistFormatError:
        raise
    except Exception as exc:  # noqa: BLE001 - never leak an unexpected crash to the caller
        raise ChecklistFormatError(f"无法解析“{path.name}”：表格结构无法识别（{type(exc).__name__}: {exc}）") from exc
    if strict:
        parsed.raise_for_errors()
    return parsed
