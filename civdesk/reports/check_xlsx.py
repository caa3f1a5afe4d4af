"""The check result as an Excel workbook: one sheet per view."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from civdesk.checks.model import CheckResult
from civdesk.reports.check_data import (
    finding_rows,
    owed_rows,
    period_text,
    standard_rows,
    summary_sentence,
)
from civdesk.safetext import sheet_row

_HEAD_FONT = Font(bold=True)
_HEAD_FILL = PatternFill("solid", fgColor="DDE4EE")
_STATUS_FILL = {"达标": "E2F0D9", "部分": "FFF2CC", "缺失": "FCE4D6", "有错误": "F8CBAD"}


def write_check_xlsx(result: CheckResult, path: Path | str) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "概况"
    ws.append(sheet_row(ws, ["检查报告", result.checklist_name]))
    ws.append(sheet_row(ws, ["测评周期", period_text(result)]))
    ws.append(sheet_row(ws, ["检查时间", result.checked_at.strftime("%Y-%m-%d %H:%M")]))
    ws.append(sheet_row(ws, ["结论", summary_sentence(result)]))
    for status, n in result.status_counts().items():
        ws.append(sheet_row(ws, [status, n]))
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 100
    _sheet(wb, "测评标准", ["编号", "测评标准", "状态", "有效材料/要求", "责任单位", "完成时限"],
           standard_rows(result), (10, 50, 10, 30, 30, 12), status_col=2)
    _sheet(wb, "汇总", ["编号", "名称", "层级", "状态", "达标", "部分", "缺失", "有错误", "无需材料"],
           [[r.code, r.title, r.level, r.status, *(r.count(s) for s in
                                                  ("达标", "部分", "缺失", "有错误", "无需材料"))]
            for r in result.rollup], (10, 40, 6, 10, 8, 8, 8, 8, 10), status_col=3)
    _sheet(wb, "问题清单", ["标准", "材料", "级别", "问题", "整改建议", "提交单位", "规则"],
           finding_rows(result), (10, 30, 8, 60, 40, 16, 14))
    rows = [[u.unit, *r] for u in result.units for r in owed_rows(u)]
    _sheet(wb, "责任单位尚欠", ["责任单位", "编号", "测评标准", "状态", "角色", "完成时限", "原因"],
           rows, (16, 10, 40, 10, 10, 12, 70), status_col=3)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    wb.save(str(tmp))
    tmp.replace(path)
    return path


def _sheet(wb: Workbook, name: str, header: Sequence[str], rows: Sequence[Sequence[object]],
           widths: Sequence[int], status_col: int | None = None) -> None:
    ws = wb.create_sheet(name)
    ws.append(sheet_row(ws, header))
    for cell in ws[1]:
        cell.font, cell.fill = _HEAD_FONT, _HEAD_FILL
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        ws.append(sheet_row(ws, row))
        if status_col is not None:
            colour = _STATUS_FILL.get(str(row[status_col]))
            if colour:
                ws.cell(ws.max_row, status_col + 1).fill = PatternFill("solid", fgColor=colour)
    for i, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = w
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = wrap
    ws.freeze_panes = "A2"
    if rows:
        ws.auto_filter.ref = ws.dimensions
