"""Subcommands of the year-end archive transfer (``civdesk archive …``).

``plan`` shows the arrangement and the 档号 each 件 has or would get; ``number`` fixes
them; ``set`` / ``group`` / ``ungroup`` edit 件 in batches; ``settings`` shows or changes
the library's archive settings; ``export`` writes the transfer carrier; ``check`` runs the
四性检测 on any carrier, without a library.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from civdesk.cli.base import EXIT_OK, EXIT_PROBLEMS, UsageError, emit_json, open_library, parse_date
from civdesk.progress import TextProgress

RETENTION_CHOICES = ("Y", "D30", "D10")


def add_parsers(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    ap = sub.add_parser("archive", parents=[common], help="年度归档移交（整理、档号、移交载体、四性检测）")
    asub = ap.add_subparsers(dest="archive_command", metavar="子命令")
    asub.required = True

    def year_parser(name: str, help_text: str) -> argparse.ArgumentParser:
        sp = asub.add_parser(name, parents=[common], help=help_text)
        sp.add_argument("--year", type=int, required=True, metavar="Y", help="年度（如 2024）")
        return sp

    sp = year_parser("plan", "显示整理结果：每件的档号（已固定或预览）、题名、日期、页数")
    date_range(sp)
    sp.set_defaults(run=cmd_plan)
    sp = year_parser("number", "固定预览的档号（固定后不再改变；以后新增的件排在类末）")
    date_range(sp)
    sp.set_defaults(run=cmd_number)

    sp = year_parser("set", "批量设置件的保管期限、机构代码、题名等")
    sp.add_argument("--material", type=int, nargs="+", required=True, metavar="ID",
                    help="材料编号（设置这些材料所在的件）")
    sp.add_argument("--retention", choices=RETENTION_CHOICES, help="保管期限：Y 永久，D30 定期30年，D10 定期10年")
    sp.add_argument("--org", metavar="CODE", help="机构(问题)代码，如 BGS")
    sp.add_argument("--title", metavar="T", help="整理者拟写的题名（目录中加 [ ]）")
    sp.add_argument("--responsible", metavar="R", help="责任者")
    sp.add_argument("--note", metavar="N", help="备注")
    sp.set_defaults(run=cmd_set)

    sp = year_parser("group", "把几份材料组成一件（第一份为正本，其余为附件；或一组照片）")
    sp.add_argument("materials", type=int, nargs="+", metavar="MATERIAL_ID")
    sp.add_argument("--title", metavar="T", help="整理者拟写的题名（如照片组的总说明）")
    sp.set_defaults(run=cmd_group)
    sp = year_parser("ungroup", "把材料从所在的件中拆出，各成一件")
    sp.add_argument("materials", type=int, nargs="+", metavar="MATERIAL_ID")
    sp.set_defaults(run=cmd_ungroup)

    sp = asub.add_parser("settings", parents=[common], help="显示或修改归档设置（全宗号、机构代码表等）")
    sp.add_argument("--fonds", metavar="F", help="全宗号")
    sp.add_argument("--category", metavar="C", help="门类代码（默认 WS）")
    sp.add_argument("--org-code", nargs=2, action="append", metavar=("单位", "代码"),
                    help="责任单位的机构(问题)代码，可重复")
    sp.add_argument("--default-org", metavar="CODE", help="代码表之外的单位所用的机构代码")
    sp.add_argument("--default-retention", choices=RETENTION_CHOICES, help="默认保管期限")
    sp.add_argument("--retention-for-kind", nargs=2, action="append", metavar=("类别", "期限"),
                    help="某类材料的默认保管期限（如 正式发文 Y），可重复")
    sp.add_argument("--retention-for-item", nargs=2, action="append", metavar=("条目", "期限"),
                    help="某测评条目下材料的默认保管期限（如 Ⅲ-5 Y），可重复")
    for opt, label in (("--responsible", "无责任单位时的责任者"), ("--transferring-unit", "移交单位"),
                       ("--receiving-unit", "接收单位"), ("--maker", "制作人（整理人）"),
                       ("--checker", "检查人"), ("--carrier", "载体类型"),
                       ("--clamav-db", "ClamAV 病毒库（文件或文件夹）")):
        sp.add_argument(opt, metavar="TEXT", help=label)
    sp.set_defaults(run=cmd_settings)

    sp = year_parser("export", "写出年度移交载体（文件夹或 zip），并做四性检测")
    sp.add_argument("--out", required=True, type=Path, metavar="PATH", help="移交载体的位置和名称")
    sp.add_argument("--zip", action="store_true", help="写成 zip 压缩包")
    sp.add_argument("--overwrite", action="store_true", help="覆盖同名的载体")
    sp.set_defaults(run=cmd_export)

    sp = asub.add_parser("check", parents=[common], help="对移交载体做四性检测（不需要资料库）")
    sp.add_argument("path", type=Path, help="载体文件夹或 zip")
    sp.add_argument("--format", choices=("text", "docx"), default="text",
                    help="docx：另写一份检测报告（Word）")
    sp.add_argument("--report", type=Path, metavar="PATH", help="检测报告的位置（默认：载体旁）")
    sp.add_argument("--clamav-db", metavar="PATH", help="ClamAV 病毒库（默认：环境变量 CIVDESK_CLAMAV_DB）")
    sp.set_defaults(run=cmd_check)


def date_range(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("--from", dest="date_from", type=parse_date, metavar="DATE",
                    help="只整理该年度中此日期（含）以后的材料，如 2024-01-01")
    sp.add_argument("--to", dest="date_to", type=parse_date, metavar="DATE",
                    help="只整理该年度中此日期（含）以前的材料，如 2024-06-30")


def _fail(args: argparse.Namespace, message: str) -> int:
    if args.json:
        emit_json({"ok": False, "error": message})
    else:
        print(message, file=sys.stderr)
    return EXIT_PROBLEMS


def cmd_plan(args: argparse.Namespace) -> int:
    from civdesk.archive.arrange import ArrangeError, plan

    with open_library(args) as lib:
        try:
            p = plan(lib, args.year, start=args.date_from, end=args.date_to)
        except ArrangeError as exc:
            return _fail(args, str(exc))
    if args.json:
        emit_json({"year": p.year, "all_fixed": p.all_fixed, "problems": list(p.problems),
                   "items": [{"id": i.id, "code": i.code, "fixed": i.fixed, "number": i.number,
                              "retention": i.retention, "org_code": i.org_code, "title": i.shown_title,
                              "responsible": i.responsible, "doc_number": i.doc_number,
                              "date": i.date8, "secrecy": i.secrecy, "pages": i.pages, "note": i.note,
                              "materials": [m.material_id for m in i.members]} for i in p.items]})
        return EXIT_OK
    fixed = sum(1 for i in p.items if i.fixed)
    print(f"{p.year} 年度：{len(p.items)} 件，已固定档号 {fixed} 件，待固定 {len(p.items) - fixed} 件")
    for i in p.items:
        mark = " " if i.fixed else "*"
        mats = ",".join(f"#{m.material_id}" for m in i.members)
        print(f"{mark} {i.code}  {i.date8}  {i.shown_title}  {i.responsible}  {i.pages}页  [{mats}]")
    if any(not i.fixed for i in p.items):
        print("（* 为预览的档号，运行 civdesk archive number 后固定）")
    for x in p.problems:
        print(f"问题：{x}")
    return EXIT_OK


def cmd_number(args: argparse.Namespace) -> int:
    from civdesk.archive.arrange import ArrangeError, number

    with open_library(args) as lib:
        try:
            n = number(lib, args.year, start=args.date_from, end=args.date_to)
        except ArrangeError as exc:
            return _fail(args, str(exc))
    if args.json:
        emit_json({"ok": True, "fixed": n})
    else:
        print(f"已固定 {n} 件的档号。" if n else "没有待固定档号的件。")
    return EXIT_OK


def cmd_set(args: argparse.Namespace) -> int:
    from civdesk.archive.arrange import ArrangeError, set_fields

    values = {"retention": args.retention, "org_code": args.org, "title": args.title,
              "responsible": args.responsible, "note": args.note}
    if all(v is None for v in values.values()):
        raise UsageError("至少给出一项要设置的内容（--retention、--org、--title、--responsible、--note）")
    with open_library(args) as lib:
        try:
            n = set_fields(lib, args.year, args.material, **values)
        except ArrangeError as exc:
            return _fail(args, str(exc))
    if args.json:
        emit_json({"ok": True, "items": n})
    else:
        print(f"已修改 {n} 件。")
    return EXIT_OK


def cmd_group(args: argparse.Namespace) -> int:
    from civdesk.archive.arrange import ArrangeError, group

    with open_library(args) as lib:
        try:
            item_id = group(lib, args.year, args.materials, title=args.title)
        except ArrangeError as exc:
            return _fail(args, str(exc))
    if args.json:
        emit_json({"ok": True, "item": item_id})
    else:
        print(f"已把 {len(args.materials)} 份材料组成一件（正本：材料 #{args.materials[0]}）。")
    return EXIT_OK


def cmd_ungroup(args: argparse.Namespace) -> int:
    from civdesk.archive.arrange import ArrangeError, ungroup

    with open_library(args) as lib:
        try:
            n = ungroup(lib, args.year, args.materials)
        except ArrangeError as exc:
            return _fail(args, str(exc))
    if args.json:
        emit_json({"ok": True, "materials": n})
    else:
        print(f"已拆出 {n} 份材料，各成一件。")
    return EXIT_OK


def cmd_settings(args: argparse.Namespace) -> int:
    import dataclasses

    from civdesk.archive.settings import ArchiveSettings, ArchiveSettingsError, save_archive_settings

    with open_library(args) as lib:
        current = ArchiveSettings.from_library(lib)
        changes: dict = {}
        for name, field in (("fonds", "fonds"), ("category", "category_code"),
                            ("default_org", "default_org_code"),
                            ("default_retention", "default_retention"), ("responsible", "responsible"),
                            ("transferring_unit", "transferring_unit"),
                            ("receiving_unit", "receiving_unit"), ("maker", "maker"),
                            ("checker", "checker"), ("carrier", "carrier"), ("clamav_db", "clamav_db")):
            value = getattr(args, name)
            if value is not None:
                changes[field] = value
        for opt, field in (("org_code", "org_codes"), ("retention_for_kind", "retention_by_kind"),
                           ("retention_for_item", "retention_by_item")):
            pairs = getattr(args, opt)
            if pairs:
                changes[field] = {**getattr(current, field), **dict(pairs)}
        if changes:
            try:
                current = save_archive_settings(lib, current, **changes)
            except ArchiveSettingsError as exc:
                raise UsageError(str(exc)) from None
    data = dataclasses.asdict(current)
    if args.json:
        emit_json(data)
    else:
        for k, v in data.items():
            print(f"{k}: {v}")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from civdesk.archive.export import ArchiveExportError, export_archive

    progress = TextProgress()
    with open_library(args) as lib:
        try:
            result = export_archive(lib, args.year, args.out, as_zip=args.zip,
                                    overwrite=args.overwrite, progress=progress)
        except ArchiveExportError as exc:
            progress.finish()
            return _fail(args, f"导出失败：{exc}")
    progress.finish()
    report = result.report
    if args.json:
        emit_json({"ok": True, "path": str(result.path), "items": result.items, "files": result.files,
                   "bytes": result.bytes, "digest": {"algorithm": "SHA-256", "value": result.digest},
                   "not_converted": list(result.not_converted), "notes": list(result.notes),
                   "check": _report_json(report)})
        return EXIT_OK
    print(f"已写出移交载体：{result.path}")
    print(f"{result.items} 件，电子文件 {result.files} 个，数据量 {result.bytes / 1024 ** 3:.3f} GB")
    print(f"数据包摘要（SHA-256，校验清单）：{result.digest}")
    print("四性检测：" + "；".join(f"{a}{s}" for a, s in report.summary().items()))
    for item in report.failed:
        print(f"  不通过　{item.name}：{item.detail}")
    for n in result.not_converted:
        print(f"  未转换为 PDF：{n}")
    for n in result.notes:
        print(f"  提醒：{n}")
    return EXIT_OK


def _report_json(report) -> dict:  # noqa: ANN001
    return {"ok": report.ok, "path": report.path, "entries": report.entries, "files": report.files,
            "bytes": report.bytes, "summary": report.summary(),
            "items": [{"aspect": i.aspect, "name": i.name, "status": i.status, "detail": i.detail,
                       "files": list(i.files)} for i in report.items]}


def cmd_check(args: argparse.Namespace) -> int:
    from civdesk.archive.check import check_carrier

    if not args.path.exists():
        raise UsageError(f"找不到：{args.path}")
    try:
        report = check_carrier(args.path, clamav_db=args.clamav_db, progress=TextProgress())
    except FileNotFoundError as exc:
        return _fail(args, str(exc))
    written = None
    if args.format == "docx":
        written = _write_report(args, report)
    if args.json:
        data = _report_json(report)
        if written:
            data["report"] = str(written)
        emit_json(data)
    else:
        from civdesk.archive.documents import report_lines

        print(f"四性检测：{report.path}（{report.entries} 件，电子文件 {report.files} 个）")
        for line in report_lines(report):
            print(line)
        print("结论：" + ("全部通过（未检测项见上）" if report.ok else f"{len(report.failed)} 项不通过"))
        if written:
            print(f"检测报告：{written}")
    return EXIT_OK if report.ok else EXIT_PROBLEMS


def _write_report(args: argparse.Namespace, report) -> Path:  # noqa: ANN001
    import datetime as dt
    import os

    from civdesk.archive.documents import report_docx

    target = args.report or args.path.with_name(args.path.name + "-四性检测报告.docx")
    data = report_docx(report, args.path.name, dt.datetime.now().replace(microsecond=0))
    tmp = target.with_name(f".{target.name}.part-{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, target)
    return target
