"""``civdesk tasks``: the round trip with departments.

=====================================  ==============================================
``tasks export --unit U|--all --out``  task packages (folder, or ``--zip``)
``tasks receive PATH…``                receive returned packages (``civdesk import`` too)
``tasks submissions [--unit U]``       the submissions received
``tasks show SUBMISSION``              a submission's materials and their findings
``tasks review SUBMISSION``            ``--accept ID… --return ID… --reason …``
``tasks notice KIND``                  补交 / 退回 (``--unit``) / 催办, ``--deadline --out``
``tasks status [--xlsx PATH]``         the ledger (台账) and the ranking of units
``tasks settings``                     issuer, 文号 prefix, contact, phone
=====================================  ==============================================
"""
from __future__ import annotations

import argparse
from pathlib import Path

from civdesk.cli.base import EXIT_OK, EXIT_PROBLEMS, UsageError, emit_json, open_library, parse_date

KINDS = ("补交", "退回", "催办")


def add_parsers(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("tasks", parents=[common], help="任务包下发、报送接收、审核退回、催办与台账")
    tsub = p.add_subparsers(dest="tasks_command", metavar="操作")
    tsub.required = True

    sp = tsub.add_parser("export", parents=[common], help="生成责任单位的任务包")
    who = sp.add_mutually_exclusive_group(required=True)
    who.add_argument("--unit", help="责任单位名称")
    who.add_argument("--all", action="store_true", help="为所有责任单位各生成一个任务包")
    sp.add_argument("--out", type=Path, required=True, metavar="DIR", help="保存到此文件夹")
    sp.add_argument("--zip", action="store_true", help="生成 zip 压缩包（默认生成文件夹）")
    sp.add_argument("--date", type=parse_date, help="下发日期（默认今天）")
    sp.set_defaults(run=cmd_export)

    sp = tsub.add_parser("receive", parents=[common], help="接收责任单位报送的任务包（zip 或文件夹）")
    sp.add_argument("paths", nargs="+", type=Path)
    sp.set_defaults(run=cmd_receive)

    sp = tsub.add_parser("submissions", parents=[common], help="列出已接收的报送")
    sp.add_argument("--unit", help="只看此责任单位")
    sp.set_defaults(run=cmd_submissions)

    sp = tsub.add_parser("show", parents=[common], help="查看一次报送的材料及检查结果")
    sp.add_argument("submission", type=int)
    sp.set_defaults(run=cmd_show)

    sp = tsub.add_parser("review", parents=[common], help="审核报送：采用或退回材料")
    sp.add_argument("submission", type=int, help="报送编号")
    sp.add_argument("--accept", type=int, nargs="+", default=[], metavar="ID", help="采用的材料编号")
    sp.add_argument("--return", dest="returned", type=int, nargs="+", default=[], metavar="ID",
                    help="退回的材料编号")
    sp.add_argument("--reason", default="", help="退回原因（退回时必填）")
    sp.set_defaults(run=cmd_review)

    sp = tsub.add_parser("notice", parents=[common], help="发补交、退回或催办通知（公文格式 .docx）")
    sp.add_argument("kind", choices=KINDS)
    sp.add_argument("--unit", help="责任单位（补交、退回通知必填）")
    sp.add_argument("--deadline", type=parse_date, required=True, help="补交截止日期")
    sp.add_argument("--out", type=Path, required=True, metavar="PATH", help="通知保存位置（.docx）")
    sp.add_argument("--date", type=parse_date, help="发文日期（默认今天）")
    sp.set_defaults(run=cmd_notice)

    sp = tsub.add_parser("status", parents=[common], help="台账：各单位各标准的下发、报送、采用、退回、逾期")
    sp.add_argument("--xlsx", type=Path, metavar="PATH", help="另存为台账.xlsx")
    sp.add_argument("--unit", help="只列此单位的明细")
    sp.add_argument("--date", type=parse_date, help="统计日期（默认今天）")
    sp.set_defaults(run=cmd_status)

    sp = tsub.add_parser("settings", parents=[common], help="查看或修改发文机关、文号前缀、联系人")
    sp.add_argument("--issuer", help="发文机关全称")
    sp.add_argument("--prefix", dest="doc_prefix", help="文号前缀，如 文明办")
    sp.add_argument("--contact", help="联系人")
    sp.add_argument("--phone", help="联系电话")
    sp.set_defaults(run=cmd_settings)


def cmd_export(args: argparse.Namespace) -> int:
    from civdesk.progress import TextProgress
    from civdesk.tasks import export_all, export_package

    with open_library(args) as lib:
        if args.all:
            progress = TextProgress()
            infos = export_all(lib, args.out, as_zip=args.zip, today=args.date, progress=progress)
            progress.finish()
        else:
            try:
                infos = [export_package(lib, args.unit, args.out, as_zip=args.zip, today=args.date)]
            except ValueError as exc:
                raise UsageError(str(exc)) from None
    if args.json:
        emit_json([{"unit": i.unit, "package_id": i.package_id, "path": str(i.path),
                    "standards": [s.code for s in i.standards], "owed": [s.code for s in i.owed]}
                   for i in infos])
    else:
        for i in infos:
            print(f"{i.unit}：{len(i.standards)} 条标准，尚需报送 {len(i.owed)} 条 → {i.path}")
    return EXIT_OK


def receive_paths(lib, paths: list[Path], as_json: bool) -> tuple[list[dict], bool]:  # noqa: ANN001
    """Receive each package; (results as JSON, whether any was refused).  Shared with ``import``."""
    from civdesk.tasks import SubmissionRefused, receive

    out, refused = [], False
    for path in paths:
        try:
            r = receive(lib, path)
        except SubmissionRefused as exc:
            refused = True
            out.append({"path": str(path), "refused": str(exc)})
            if not as_json:
                print(f"[拒收] {path}\n    {exc}")
            continue
        out.append({"path": str(path), "submission": r.submission_id, "unit": r.unit,
                    "already": r.already, "counts": r.counts,
                    "filed": [{"material_id": m, "standard": c, "path": p} for m, c, p in r.filed],
                    "listed": [{"path": f.path, "reason": f.reason, "material_id": f.material_id}
                               for f in r.listed]})
        if not as_json:
            print(r.summary())
            for f in r.listed:
                mid = f"（已存为材料 #{f.material_id}）" if f.material_id else ""
                print(f"  [需处理] {f.path}{mid}\n      {f.reason}")
    return out, refused


def cmd_receive(args: argparse.Namespace) -> int:
    with open_library(args) as lib:
        out, refused = receive_paths(lib, args.paths, args.json)
        lib.search_index.catch_up()
    if args.json:
        emit_json(out)
    return EXIT_PROBLEMS if refused else EXIT_OK


def cmd_submissions(args: argparse.Namespace) -> int:
    from civdesk.tasks import list_submissions

    with open_library(args) as lib:
        subs = list_submissions(lib, args.unit)
    if args.json:
        emit_json(subs)
        return EXIT_OK
    if not subs:
        print("还没有接收任何报送")
    for v in subs:
        print(f"#{v.id:<4} {v.received_at:%Y-%m-%d %H:%M} {v.unit:<12} 待审 {v.pending} 采用 {v.accepted} "
              f"退回 {v.returned} 未归位 {v.unfiled}  {v.source_name}")
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    from civdesk.checks import run_checks
    from civdesk.tasks import ReviewError, submission_detail

    with open_library(args) as lib:
        try:
            d = submission_detail(lib, args.submission, run_checks(lib))
        except ReviewError as exc:
            raise UsageError(str(exc)) from None
    if args.json:
        emit_json(d)
        return EXIT_OK
    print(d.submission.label)
    for i in d.items:
        print(f"  材料 #{i.material_id:<5} {i.code or '（未归位）':<8} {i.status_name:<4} {i.title}")
        for f in i.findings:
            print(f"      {f}")
        if i.reason:
            print(f"      原因：{i.reason}")
    for path, reason in d.listed:
        print(f"  [接收时列出] {path}：{reason}")
    return EXIT_OK


def cmd_review(args: argparse.Namespace) -> int:
    from civdesk.tasks import ReviewError, review

    if not args.accept and not args.returned:
        raise UsageError("请用 --accept 或 --return 指定材料编号")
    with open_library(args) as lib:
        try:
            outcome = review(lib, args.submission, accept=args.accept, returned=args.returned,
                             reason=args.reason)
        except ReviewError as exc:
            raise UsageError(str(exc)) from None
    if args.json:
        emit_json(outcome)
    else:
        print(f"第 {args.submission} 号报送：采用 {len(outcome.accepted)} 份，退回 {len(outcome.returned)} 份")
    return EXIT_OK


def cmd_notice(args: argparse.Namespace) -> int:
    from civdesk.tasks.notices import NoticeError, issue_notice

    with open_library(args) as lib:
        try:
            rec = issue_notice(lib, args.kind, args.out, unit=args.unit, deadline=args.deadline,
                               today=args.date)
        except NoticeError as exc:
            raise UsageError(str(exc)) from None
    if args.json:
        emit_json(rec)
    else:
        print(f"{rec.kind}通知 {rec.doc_number}（{'、'.join(rec.units)}）已保存：{rec.path}")
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    from civdesk.tasks.ledger import build_ledger, write_ledger_xlsx

    with open_library(args) as lib:
        ledger = build_ledger(lib, args.date)
    if args.xlsx:
        write_ledger_xlsx(ledger, args.xlsx)
    if args.json:
        emit_json(ledger.as_json())
        return EXIT_OK
    print(f"台账（截至 {ledger.today:%Y-%m-%d}）：排名按尚欠标准数，多者在前")
    print(f"{'排名':<4}{'责任单位':<14}{'负责':>4}{'报送':>4}{'采用':>4}{'退回':>4}{'待审':>4}{'尚欠':>4}"
          f"{'逾期':>4}{'最长逾期天数':>8}")
    for u in ledger.units:
        print(f"{u.rank:<5}{u.unit:<14}{u.standards:>5}{u.received:>5}{u.accepted:>5}{u.returned:>5}"
              f"{u.pending:>5}{u.outstanding:>5}{u.late:>5}{u.max_days_late:>9}")
    if args.unit:
        print(f"\n{args.unit} 明细：")
        for r in ledger.rows_of(args.unit):
            late = f"，逾期 {r.days_late} 天" if r.days_late else ""
            print(f"  {r.code:<8} {r.state:<4} 采用 {r.accepted}/{r.required}，退回 {r.returned}，"
                  f"待审 {r.pending}{late}  {r.text[:24]}")
    if args.xlsx:
        print(f"已保存：{args.xlsx}")
    return EXIT_OK


def cmd_settings(args: argparse.Namespace) -> int:
    from civdesk.tasks.settings import get_task_settings, save_task_settings

    values = {k: getattr(args, k) for k in ("issuer", "doc_prefix", "contact", "phone")}
    with open_library(args) as lib:
        settings = get_task_settings(lib)
        if any(v is not None for v in values.values()):
            settings = settings.with_values(**values)
            save_task_settings(lib, settings)
    if args.json:
        emit_json(settings)
    else:
        print(f"发文机关：{settings.issuer}\n文号前缀：{settings.doc_prefix}（如 {settings.doc_prefix}〔2025〕1号）\n"
              f"联系人：{settings.contact or '未设置'}\n联系电话：{settings.phone or '未设置'}")
    return EXIT_OK
