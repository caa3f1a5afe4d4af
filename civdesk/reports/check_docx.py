"""The check report and the per-unit "still owed" notice as Word (公文 style).

The report's first page is a 呈阅 summary a head reads in a minute; each
problem is then listed once, under its standard; the per-unit lists go to an
annex that points back to the standards.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from civdesk.checklist.merge import STALE_DEADLINE
from civdesk.checks.model import FAULTY, MET, MISSING, NOTICE, PARTIAL, CheckResult
from civdesk.reports import gongwen as gw
from civdesk.reports.check_data import (
    cn_date,
    cn_number,
    owed_text,
    period_text,
    points_at_risk,
    standard_rows,
    summary_sentence,
    units_by_owed,
    worst_gaps,
)

DEFAULT_ISSUER = "市文明办"
_TYPE_WIDTH = 156.0  # mm between the margins of A4 portrait


def write_check_docx(result: CheckResult, path: Path | str, *, issuer: str = DEFAULT_ISSUER,
                     date: dt.date | None = None) -> Path:
    """The check report: a one-page 呈阅 summary a head reads, then the details once,
    grouped by standard, and the per-unit lists in an annex."""
    date = date or result.today
    doc = gw.new_document()
    gw.title(doc, "文明城市测评申报材料检查报告")
    _summary_page(doc, result)
    gw.heading(doc, "一、总体情况", new_page=True)
    gw.body(doc, summary_sentence(result))
    if result.disabled_rules:
        gw.body(doc, f"本次检查未启用的规则：{'、'.join(result.disabled_rules)}。")
    gw.heading(doc, "二、各测评项目完成情况")
    gw.table(doc, ["编号", "名称", "状态", "达标/部分/缺失/有错误"],
             [[r.code, "　" * (r.level - 1) + r.title, r.status,
               f"{r.count('达标')}/{r.count('部分')}/{r.count('缺失')}/{r.count('有错误')}"]
              for r in result.rollup], (18, 78, 22, 38))
    gw.heading(doc, "三、测评标准逐条情况")
    gw.table(doc, ["编号", "测评标准", "状态", "有效材料/要求", "责任单位"],
             [row[:5] for row in standard_rows(result)], (18, 62, 16, 30, 30))
    gw.heading(doc, "四、存在的问题（按测评标准）")
    n = 0
    for s in result.standards:
        problems = [f for f in s.findings if f.severity != NOTICE]
        if not problems:
            continue
        n += 1
        gw.heading(doc, f"（{cn_number(n)}）{s.code} {s.text}（{s.status}）", level=2)
        for i, f in enumerate(problems, 1):
            what = f"「{f.material_title}」" if f.material_id else ""
            who = f"［{f.unit}］" if f.unit else ""
            gw.body(doc, f"{i}. {what}{f.message}（{f.severity}；{f.fix}）{who}")
    if not n:
        gw.body(doc, "未发现错误或警告。")
    gw.signature(doc, issuer, date)
    owing = [u for u in result.units if u.items]
    if owing:
        gw.annex_heading(doc, "附件", "各责任单位尚欠事项一览")
        gw.body(doc, "各项原因见正文第四部分，按标准编号查阅。", indent=False)
        gw.table(doc, ["序号", "责任单位", "负责/达标", "尚欠标准（状态）"],
                 [[str(i), u.unit, f"{u.standards}/{u.met}",
                   "、".join(f"{o.code}（{o.status}）" for o in u.items)]
                  for i, u in enumerate(units_by_owed(result), 1)], (14, 40, 22, 80))
    return gw.save(doc, path)


def _summary_page(doc, result: CheckResult) -> None:  # noqa: ANN001
    """One page: counts, the five most serious gaps, the units owing most, points at risk, what to do."""
    st = result.status_counts()
    needing = sum(1 for s in result.standards if s.needs_materials)
    gw.subtitle(doc, f"（呈阅）{result.checklist_name}")
    gw.body(doc, f"测评周期{period_text(result)}，检查日期{cn_date(result.today)}。需提交材料的测评标准"
                 f"{needing}条：达标{st[MET]}条，部分达标{st[PARTIAL]}条，缺失{st[MISSING]}条，"
                 f"有错误{st[FAULTY]}条。", indent=False, tight=True)
    risk = points_at_risk(result)
    if risk:
        gw.body(doc, f"按测评体系分值估算，未达标的标准共计{risk[0]:g}分（满分{risk[1]:g}分）有失分风险。",
                indent=False, tight=True)
    gaps = worst_gaps(result)
    if gaps:
        gw.heading(doc, "最需关注的五项")
        gw.compact_table(doc, ["编号", "测评标准", "状态", "尚欠", "牵头单位"],
                         [[s.code, _short(s.text, 16), s.status, _short(owed_text(s), 16),
                           "、".join(s.lead_units) or "未指定"] for s in gaps], (19, 48, 16, 44, 29))
    ranked = units_by_owed(result)[:5]
    if ranked:
        gw.heading(doc, "尚欠最多的单位")
        gw.compact_table(doc, ["单位", "负责", "达标", "尚欠"],
                         [[u.unit, str(u.standards), str(u.met), str(len(u.items))] for u in ranked],
                         (70, 28, 28, 30))
    gw.heading(doc, "建议")
    for line in _advice(result, ranked):
        gw.body(doc, line, indent=False, tight=True)


def _advice(result: CheckResult, ranked) -> list[str]:  # noqa: ANN001
    out = []
    owing = [u for u in result.units if u.items]
    if owing:
        out.append(f"1. 向尚欠材料的{len(owing)}个单位发补交通知，限期报送（尚欠最多：{ranked[0].unit}）。")
    faulty = sum(1 for s in result.standards if s.status == FAULTY)
    if faulty:
        out.append(f"{len(out) + 1}. {faulty}条标准的材料有错误，退回责任单位整改后再上传。")
    stale = sum(1 for f in result.findings if f.rule == "overdue" and STALE_DEADLINE in f.message)
    if stale:
        out.append(f"{len(out) + 1}. {stale}条标准的{STALE_DEADLINE}，请导入本年度任务分解表。")
    if not out:
        out.append("各项材料已齐备，可组织上传。")
    return out


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[:n - 1] + "…"
