"""Subcommands of the check feature: ``civdesk check``.

``civdesk check [--unit U] [--format docx|xlsx|json] [--out PATH] [--checklist ID] [--year Y]``
prints the scoreboard (or writes a report) for the current 测评周期 (``--year`` picks another);
exit status 1 when any 错误 finding exists, else 0.  A unit's 补交通知 (文号, deadline, recorded) is
``civdesk tasks notice 补交 --unit U``; ``--format docx --unit U`` says so.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from civdesk.cli.base import EXIT_OK, EXIT_PROBLEMS, UsageError, emit_json, open_library

FORMATS = ("docx", "xlsx", "json")


def add_parsers(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("check", parents=[common], help="检查申报材料：缺什么、哪里会失分")
    p.add_argument("--unit", help="只看此责任单位（其补交通知用 civdesk tasks notice 补交）")
    p.add_argument("--format", choices=FORMATS, help="报告格式（docx / xlsx / json）")
    p.add_argument("--out", type=Path, metavar="PATH", help="报告保存位置")
    p.add_argument("--checklist", type=int, metavar="ID", help="测评体系编号（默认：最新的）")
    p.add_argument("--year", type=int, help="测评周期所属年度（默认：当前年度，即含今天的测评周期，"
                                            "否则今年的，否则最近一年的）")
    p.set_defaults(run=cmd_check)


def cmd_check(args: argparse.Namespace) -> int:
    from civdesk.checklist.store import ChecklistNotFound
    from civdesk.checks import run_checks
    from civdesk.reports import check_as_json, write_check_docx, write_check_xlsx

    fmt = args.format or ("json" if args.json else None)
    if args.out and not fmt:
        fmt = args.out.suffix.lstrip(".").lower()
        if fmt not in FORMATS:
            raise UsageError(f"无法从文件名判断报告格式，请用 --format 指定（{'、'.join(FORMATS)}）")
    if fmt == "docx" and args.unit:
        raise UsageError(f"补交通知（带文号、补交截止日期并登记）请用：civdesk tasks notice 补交 --unit {args.unit} "
                         "--deadline YYYY-MM-DD --out 补交通知.docx；检查报告请去掉 --unit")
    if fmt in ("docx", "xlsx") and not args.out:
        raise UsageError(f"生成 {fmt} 报告需要用 --out 指定保存位置")
    with open_library(args) as lib:
        try:
            result = run_checks(lib, args.checklist, unit=args.unit, year=args.year)
            other_years = _other_years(lib, result)
        except (ChecklistNotFound, ValueError) as exc:
            raise UsageError(str(exc)) from None
    if args.unit and not any(u.unit == args.unit for u in result.units):
        raise UsageError(f"没有责任单位「{args.unit}」，或它没有负责任何测评标准")
    code = EXIT_PROBLEMS if result.has_errors else EXIT_OK
    if fmt == "json":
        doc = check_as_json(result)
        if args.out:
            import json

            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
            print(f"已保存：{args.out}")
        else:
            emit_json(doc)
        return code
    if fmt == "docx":
        path = write_check_docx(result, args.out)
    elif fmt == "xlsx":
        path = write_check_xlsx(result, args.out)
    else:
        _print_scoreboard(result)
        if other_years:
            print()
            print(f"检查的是 {result.period.year} 年度测评周期；其他年度：{'、'.join(map(str, other_years))}"
                  f"（用 --year 指定，如 --year {other_years[0]}）")
        return code
    if args.json:
        emit_json({"path": str(path), "has_errors": result.has_errors})
    else:
        print(f"已保存：{path}")
    return code


def _other_years(lib, result) -> list[int]:  # noqa: ANN001 - a Library, a CheckResult
    """The checklist's other 测评周期 years, newest first."""
    from civdesk.checklist.store import get_checklist

    if result.period is None:
        return []
    years = {p.year for p in get_checklist(lib, result.checklist_id).periods} - {result.period.year}
    return sorted(years, reverse=True)


def _print_scoreboard(result) -> None:  # noqa: ANN001 - a CheckResult
    from civdesk.reports.check_data import materials_text, summary_sentence

    print(summary_sentence(result))
    print()
    for s in result.standards:
        if not s.needs_materials:
            continue
        print(f"{s.code:<8} {s.status:<4} {materials_text(s):<28} {s.text[:30]}")
        for f in s.findings:
            if f.severity != "提示":
                what = f"#{f.material_id} {f.material_title}：" if f.material_id else ""
                print(f"         [{f.severity}] {what}{f.message}")
    print()
    print("各责任单位尚欠：")
    for u in result.units:
        if u.items:
            print(f"  {u.unit}：{'、'.join(i.code for i in u.items)}")
