"""The check report and the per-unit "still owed" notice as Word (公文 style)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from civdesk.checks.model import CheckResult
from civdesk.reports import gongwen as gw
from civdesk.reports.check_data import (
    finding_rows,
    owed_rows,
    period_text,
    standard_rows,
    summary_sentence,
    unit_sentence,
)

DEFAULT_ISSUER = "市文明办"
_TYPE_WIDTH = 156.0  # mm between the margins of A4 portrait


def write_check_docx(result: CheckResult, path: Path | str, *, issuer: str = DEFAULT_ISSUER,
                     date: dt.date | None = None) -> Path:
    """The full check report: overview, roll-up, standards, problems, units."""
    doc = gw.new_document()
    gw.title(doc, "文明城市测评申报材料检查报告")
    gw.subtitle(doc, result.checklist_name)
    gw.heading(doc, "一、总体情况")
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
    gw.heading(doc, "四、问题清单")
    problems = finding_rows(result, with_notices=False)
    if problems:
        gw.table(doc, ["标准", "材料", "级别", "问题", "整改建议"],
                 [r[:5] for r in problems], (18, 32, 14, 52, 40))
    else:
        gw.body(doc, "未发现错误或警告。")
    gw.heading(doc, "五、各责任单位尚欠事项")
    for u in result.units:
        gw.heading(doc, unit_sentence(u), level=2)
        if u.items:
            gw.table(doc, ["编号", "测评标准", "状态", "角色", "原因及整改要求"],
                     [[r[0], r[1], r[2], r[3], r[5]] for r in owed_rows(u)], (18, 44, 16, 16, 62))
    gw.signature(doc, issuer, date or result.today)
    return gw.save(doc, path)


def write_owed_docx(result: CheckResult, unit: str, path: Path | str, *,
                    issuer: str = DEFAULT_ISSUER, date: dt.date | None = None) -> Path:
    """A notice to one unit listing each standard it still owes, with reasons."""
    u = result.unit(unit)
    doc = gw.new_document()
    gw.title(doc, "关于补交文明城市测评申报材料的通知")
    gw.addressee(doc, u.unit)
    gw.body(doc, f"经对照《{result.checklist_name}》逐条检查申报材料（测评周期{period_text(result)}），"
                 + unit_sentence(u).split("：", 1)[1])
    if u.items:
        gw.body(doc, "具体事项如下：")
        gw.table(doc, ["序号", "测评标准", "状态", "完成时限", "原因及整改要求"],
                 [[str(i), f"{r[0]}\n{r[1]}", r[2], r[4] or "—", r[5]]
                  for i, r in enumerate(owed_rows(u), 1)], (14, 48, 16, 22, 56))
        gw.body(doc, "请对照上述事项补齐、更正材料，图片须附完整说明（时间、地点、人物、事由），"
                     "材料形成日期须在测评周期内，整改完成后报送市文明办。")
    gw.signature(doc, issuer, date or result.today)
    return gw.save(doc, path)
