"""The parsed checklist: plain frozen values produced by the importers.

A parsed checklist is a tree of :class:`ParsedNode` (测评项目 level 1 →
指标 level 2 → 测评内容 level 3); each deepest node holds numbered
:class:`ParsedStandard` values (测评标准).  Rows the parser could not
understand are kept as :class:`RowProblem` values so the preview can show
them by row number; nothing is silently dropped.

These values know nothing about the database: the library layer turns them
into rows.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

#: Material kinds (材料种类) a requirement can ask for, in display order.
REQUIREMENT_KINDS: tuple[str, ...] = (
    "正式发文", "说明报告", "图片", "数据表格", "视频", "评价意见", "台账", "其他",
)

#: Assessment methods (测评方法) known by name, in display order.
METHOD_KINDS: tuple[str, ...] = (
    "材料审核", "网上申报", "实地考察", "问卷调查", "网络调查", "听取汇报",
)

#: Methods meaning "the standard is proven by uploaded material".
MATERIAL_METHODS: frozenset[str] = frozenset({"材料审核", "网上申报"})

#: Names of the three levels, by level number.
LEVEL_NAMES: dict[int, str] = {1: "测评项目", 2: "指标", 3: "测评内容"}

ERROR = "error"
WARNING = "warning"


class ChecklistFormatError(ValueError):
    """A checklist file that cannot be understood; the message is Chinese.

    ``row`` and ``column`` name the place when there is one (row numbers as
    the clerk sees them: Excel row, or table row in Word counting from 1).
    """

    def __init__(self, message: str, row: int | None = None, column: str | None = None,
                 table: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.row = row
        self.column = column
        self.table = table


@dataclass(frozen=True)
class Requirement:
    """One rule of a material requirement, e.g. 图片 at least 3."""

    kind: str
    min_count: int = 1

    def __str__(self) -> str:
        return self.kind if self.min_count <= 1 else f"{self.kind}≥{self.min_count}"


@dataclass(frozen=True)
class RequirementSpec:
    """A 材料要求 cell: the original text, the rules found, the leftover text."""

    text: str = ""
    rules: tuple[Requirement, ...] = ()
    unparsed: str = ""

    def count_for(self, kind: str) -> int:
        """Minimum count asked for ``kind`` (0 when not asked)."""
        return max((r.min_count for r in self.rules if r.kind == kind), default=0)

    def summary(self) -> str:
        """Short Chinese rendering, e.g. ``正式发文；图片≥3``."""
        parts = [str(r) for r in self.rules]
        if self.unparsed:
            parts.append(f"未解析：{self.unparsed}")
        return "；".join(parts)


@dataclass(frozen=True)
class ParsedStandard:
    """A numbered standard (测评标准) under a 测评内容."""

    number: int
    text: str
    methods: tuple[str, ...] = ()
    requirements: RequirementSpec = field(default_factory=RequirementSpec)
    lead_units: tuple[str, ...] = ()       # 牵头单位
    units: tuple[str, ...] = ()            # 责任 / 配合单位
    deadline: date | None = None
    points: float | None = None
    contact: str = ""                      # 联系人
    note: str = ""
    row: int = 0
    table: int = 0
    deadline_text: str = ""                # the cell as written (e.g. "长期坚持")

    @property
    def needs_materials(self) -> bool:
        """True when the standard is proven by uploaded material.

        That is 材料审核 or 网上申报 among the methods; a standard whose methods
        are unknown (no 测评方法 column) counts as needing material, so that
        nothing disappears from a clerk's list.
        """
        if not self.methods:
            return True
        return any(m in MATERIAL_METHODS for m in self.methods)

    @property
    def all_units(self) -> tuple[str, ...]:
        """Lead units first, then the others, without repeats."""
        return tuple(dict.fromkeys(self.lead_units + self.units))


@dataclass(frozen=True)
class ParsedNode:
    """A checklist item: 测评项目 (1), 指标 (2) or 测评内容 (3)."""

    code: str
    title: str
    level: int
    children: tuple[ParsedNode, ...] = ()
    standards: tuple[ParsedStandard, ...] = ()
    row: int = 0
    source_code: str = ""                  # the code as written, e.g. "1.1.1", "三-5"
    table: int = 0

    @property
    def label(self) -> str:
        return f"{self.code} {self.title}".strip()

    def walk(self) -> Iterator[ParsedNode]:
        """This node and all below it, depth first, in order."""
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True)
class RowProblem:
    """A row (or table) the parser skipped or only partly understood."""

    row: int
    column: str
    message: str
    table: int = 0
    table_name: str = ""
    severity: str = WARNING                # ERROR: a standard could not be imported

    @property
    def location(self) -> str:
        parts = [self.table_name or f"表格{self.table + 1}"]
        if self.row:
            parts.append(f"第{self.row}行")
        if self.column:
            parts.append(self.column)
        return " ".join(parts)

    def __str__(self) -> str:
        return f"{self.location}：{self.message}"


@dataclass(frozen=True)
class ParsedChecklist:
    """A whole checklist as read from one file, ready for preview and import."""

    title: str
    roots: tuple[ParsedNode, ...]
    problems: tuple[RowProblem, ...] = ()
    source_name: str = ""

    def nodes(self) -> Iterator[ParsedNode]:
        for root in self.roots:
            yield from root.walk()

    def counts(self) -> dict[str, int]:
        """``{"level1": n, "level2": n, "level3": n, "standards": n}``."""
        result = {"level1": 0, "level2": 0, "level3": 0, "standards": 0}
        for node in self.nodes():
            result[f"level{node.level}"] += 1
            result["standards"] += len(node.standards)
        return result

    def all_standards(self) -> Iterator[tuple[ParsedNode, ParsedStandard]]:
        """Every (item node, standard) pair in checklist order."""
        for node in self.nodes():
            for standard in node.standards:
                yield node, standard

    def units(self) -> list[str]:
        """Every unit named anywhere (牵头 and 配合), sorted."""
        return sorted({u for _, s in self.all_standards() for u in s.all_units})

    def unit_roles(self) -> dict[str, frozenset[str]]:
        """Unit name → roles it plays somewhere: ``"lead"`` and/or ``"coop"``."""
        roles: dict[str, set[str]] = {}
        for _, s in self.all_standards():
            for u in s.lead_units:
                roles.setdefault(u, set()).add("lead")
            for u in s.units:
                roles.setdefault(u, set()).add("coop")
        return {u: frozenset(r) for u, r in sorted(roles.items())}

    def find(self, code: str) -> ParsedNode | None:
        return next((n for n in self.nodes() if n.code == code), None)

    @property
    def errors(self) -> tuple[RowProblem, ...]:
        """Problems that lost a standard; the import must not go ahead with these."""
        return tuple(p for p in self.problems if p.severity == ERROR)

    def raise_for_errors(self) -> None:
        """Raise :class:`ChecklistFormatError` for the first error problem, if any."""
        if self.errors:
            first = self.errors[0]
            more = f"（另有 {len(self.errors) - 1} 处）" if len(self.errors) > 1 else ""
            raise ChecklistFormatError(f"{first}{more}", first.row or None,
                                       first.column or None, first.table_name or None)
