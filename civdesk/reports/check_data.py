"""The check result flattened into rows and sentences shared by every writer."""
from __future__ import annotations

from civdesk.checks.model import (
    ERROR,
    FAULTY,
    MET,
    MISSING,
    NOTICE,
    PARTIAL,
    WARNING,
    CheckResult,
    StandardStatus,
    UnitOwed,
)


def period_text(result: CheckResult) -> str:
    p = result.period
    return f"{cn_date(p.start)}至{cn_date(p.end)}" if p else "未设置"


def cn_date(d) -> str:  # noqa: ANN001 - a date
    return f"{d.year}年{d.month}月{d.day}日"


def summary_sentence(result: CheckResult) -> str:
    st = result.status_counts()
    sev = result.severity_counts()
    needing = sum(1 for s in result.standards if s.needs_materials)
    scope = f"（仅{result.unit_filter}相关）" if result.unit_filter else ""
    return (f"对照《{result.checklist_name}》，测评周期{period_text(result)}，共检查测评标准"
            f"{len(result.standards)}条{scope}，其中需提交材料{needing}条：达标{st[MET]}条，"
            f"部分达标{st[PARTIAL]}条，缺失{st[MISSING]}条，有错误{st[FAULTY]}条。"
            f"发现错误{sev[ERROR]}处、警告{sev[WARNING]}处、提示{sev[NOTICE]}处。")


def materials_text(s: StandardStatus) -> str:
    """``图片 1/3；说明报告 1/1`` (valid / required)."""
    if not s.needs_materials:
        return "—"
    if not s.counts:
        return f"已归档 {len(s.material_ids)} 件"
    return "；".join(f"{c.kind} {c.valid}/{c.required}" for c in s.counts)


def standard_rows(result: CheckResult) -> list[list[str]]:
    return [[s.code, s.text, s.status, materials_text(s), "、".join(s.units) or "未指定",
             s.deadline.isoformat() if s.deadline else ""] for s in result.standards]


def finding_rows(result: CheckResult, with_notices: bool = True) -> list[list[str]]:
    rows = []
    for f in result.findings:
        if f.severity == NOTICE and not with_notices:
            continue
        material = f"#{f.material_id} {f.material_title}" if f.material_id else "—"
        rows.append([f.standard or "", material, f.severity, f.message, f.fix, f.unit or "", f.rule])
    return rows


def owed_rows(unit: UnitOwed) -> list[list[str]]:
    return [[i.code, i.text, i.status, i.role, i.deadline.isoformat() if i.deadline else "",
             "\n".join(i.reasons)] for i in unit.items]


def unit_sentence(u: UnitOwed) -> str:
    if not u.items:
        return f"{u.unit}：负责的{u.standards}条测评标准均已达标，暂无需补交或整改的事项。"
    own = sum(1 for i in u.items if i.role != "提交材料")
    submitted = len(u.items) - own
    extra = f"；另有{submitted}条其他单位负责的标准中，本单位提交的材料需要整改" if submitted else ""
    return (f"{u.unit}：牵头或配合{u.standards}条测评标准，已达标{u.met}条，"
            f"尚有{own}条需补交或整改{extra}。")
