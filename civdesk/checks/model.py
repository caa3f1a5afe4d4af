"""The check result as plain data (STYLE §11): findings, statuses, roll-ups, units.

Writers in :mod:`civdesk.reports` render these values; nothing here knows
about Word, Excel or JSON.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from civdesk.checklist.store import PeriodView

#: Severities, most serious first.
ERROR, WARNING, NOTICE = "错误", "警告", "提示"
SEVERITIES: tuple[str, ...] = (ERROR, WARNING, NOTICE)

#: Standard statuses.  ``NOT_NEEDED``: the 测评方法 needs no material.
MET, PARTIAL, MISSING, FAULTY, NOT_NEEDED = "达标", "部分", "缺失", "有错误", "无需材料"
STATUSES: tuple[str, ...] = (FAULTY, MISSING, PARTIAL, MET, NOT_NEEDED)


@dataclass(frozen=True, init=False)
class Finding:
    """One thing wrong (or worth knowing) about a standard or one of its materials."""

    rule: str
    severity: str
    message: str
    fix: str
    standard: str | None = None  # code, e.g. 'Ⅲ-5:1'
    standard_id: int | None = None
    material_id: int | None = None
    material_title: str = ""
    unit: str = ""  # the unit that submitted the material, when known

    def __init__(self, rule: str, severity: str, message: str, fix: str, standard: str | None = None,
                 standard_id: int | None = None, material_id: int | None = None, material_title: str = "",
                 unit: str = "") -> None:
        # a full check makes one per problem (tens of thousands): written straight into the
        # instance dict, three times faster than the frozen dataclass's generated __init__
        d = self.__dict__
        d["rule"], d["severity"], d["message"], d["fix"] = rule, severity, message, fix
        d["standard"], d["standard_id"], d["material_id"] = standard, standard_id, material_id
        d["material_title"], d["unit"] = material_title, unit

    def as_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "severity": self.severity, "standard": self.standard,
                "material_id": self.material_id, "material": self.material_title or None,
                "unit": self.unit or None, "message": self.message, "fix": self.fix}


@dataclass(frozen=True)
class KindCount:
    """How many valid materials of a kind a standard has, against the requirement."""

    kind: str
    required: int
    valid: int
    linked: int

    @property
    def met(self) -> bool:
        return self.valid >= self.required


@dataclass(frozen=True)
class StandardStatus:
    id: int
    code: str
    item_code: str
    number: int
    text: str
    status: str
    needs_materials: bool
    requirement_text: str
    counts: tuple[KindCount, ...]
    lead_units: tuple[str, ...]
    units: tuple[str, ...]  # all units, lead first
    deadline: dt.date | None
    material_ids: tuple[int, ...]
    findings: tuple[Finding, ...]
    score: float | None = None  # 分值 from the checklist, when it has one

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == ERROR)


@dataclass(frozen=True)
class NodeRollup:
    """Statuses counted under a 测评项目 (1), 指标 (2) or 测评内容 (3)."""

    id: int
    code: str
    title: str
    level: int
    status: str
    counts: tuple[tuple[str, int], ...]  # (status, n) in STATUSES order, zeros left out

    def count(self, status: str) -> int:
        return dict(self.counts).get(status, 0)


@dataclass(frozen=True)
class OwedItem:
    """One standard a unit still owes work on, with the reasons."""

    code: str
    text: str
    status: str
    role: str  # 牵头 / 配合 / 提交材料
    deadline: dt.date | None
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class UnitOwed:
    unit: str
    items: tuple[OwedItem, ...]
    standards: int  # standards the unit leads or co-operates on
    met: int  # of those, 达标

    @property
    def owes(self) -> bool:
        return bool(self.items)


# the 测评周期 a check used: the same value the checklist views carry
PeriodInfo = PeriodView


@dataclass(frozen=True)
class CheckResult:
    checklist_id: int
    checklist_name: str
    period: PeriodInfo | None
    today: dt.date
    checked_at: dt.datetime
    standards: tuple[StandardStatus, ...]
    rollup: tuple[NodeRollup, ...]
    units: tuple[UnitOwed, ...]
    unit_filter: str | None = None
    disabled_rules: tuple[str, ...] = ()
    state: Any = field(default=None, repr=False, compare=False)  # for recheck()

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for s in self.standards for f in s.findings)

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == ERROR)

    @property
    def has_errors(self) -> bool:
        return any(s.errors for s in self.standards)

    def severity_counts(self) -> dict[str, int]:
        out = {s: 0 for s in SEVERITIES}
        for f in self.findings:
            out[f.severity] += 1
        return out

    def status_counts(self) -> dict[str, int]:
        out = {s: 0 for s in STATUSES}
        for s in self.standards:
            out[s.status] += 1
        return out

    def standard(self, code: str) -> StandardStatus:
        for s in self.standards:
            if s.code == code:
                return s
        raise KeyError(code)

    def unit(self, name: str) -> UnitOwed:
        for u in self.units:
            if u.unit == name:
                return u
        raise KeyError(name)
