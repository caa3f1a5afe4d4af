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


def owed_text(s: StandardStatus) -> str:
    """What a standard still lacks, in a few words: ``缺图片2张、说明报告1份；1处材料问题需整改``."""
    missing = [f"{c.kind}{c.required - c.valid}{'张' if c.kind == '图片' else '份'}"
               for c in s.counts if c.valid < c.required]
    faulty = sum(1 for f in s.findings if f.material_id is not None and f.severity != NOTICE)
    parts = []
    if missing:
        parts.append("缺" + "、".join(missing))
    if faulty:
        parts.append(f"{faulty}处材料问题需整改")
    if not parts and s.status in (MISSING, PARTIAL, FAULTY):
        parts.append("材料未齐" if s.status != FAULTY else "材料有错误")
    return "；".join(parts)


_GAP_ORDER = {FAULTY: 0, MISSING: 1, PARTIAL: 2}


def worst_gaps(result: CheckResult, n: int = 5) -> list[StandardStatus]:
    """The most serious gaps: errors first, then missing, then partial; more points first."""
    gaps = [s for s in result.standards if s.needs_materials and s.status in _GAP_ORDER]
    gaps.sort(key=lambda s: (_GAP_ORDER[s.status], -(s.score or 0), -len(s.errors),
                             s.deadline.toordinal() if s.deadline else 10**7))
    return gaps[:n]


def units_by_owed(result: CheckResult) -> list[UnitOwed]:
    """Units ranked by how many standards they still owe (most first)."""
    return sorted((u for u in result.units if u.items), key=lambda u: (-len(u.items), u.met - u.standards))


def points_at_risk(result: CheckResult) -> tuple[float, float] | None:
    """(points of standards not met, all points) when the checklist has 分值, else None."""
    scored = [s for s in result.standards if s.needs_materials and s.score]
    if not scored:
        return None
    return (sum(s.score for s in scored if s.status != MET), sum(s.score for s in scored))


def cn_number(n: int) -> str:
    """1 → 一, 12 → 十二, 23 → 二十三 (for 公文 heading numbers)."""
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")
