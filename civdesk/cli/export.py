"""Subcommands of the export feature (``civdesk export``, ``civdesk verify-package``)."""
from __future__ import annotations

import argparse
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from civdesk.cli.base import EXIT_OK, EXIT_PROBLEMS, UsageError, emit_json, open_library
from civdesk.progress import TextProgress

if TYPE_CHECKING:
    from civdesk.export import ExportBlocked, ExportOptions


def add_parsers(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    sp = sub.add_parser("export", parents=[common], help="导出申报材料包（文件夹或 zip）",
                        description="写出上报版（--out 指定的位置）和内部版（旁边的「名称-内部版」）。"
                                    "默认只把没有错误的材料放入上报版，未纳入的材料及原因写入内部版的导出记录。")
    sp.add_argument("--checklist", type=int, metavar="ID", help="测评体系编号（默认：当前使用的）")
    sp.add_argument("--item", metavar="CODE", help="只导出此条目及其下级（如 Ⅱ-3、Ⅲ-5）")
    sp.add_argument("--unit", metavar="U", help="只导出此责任单位的材料")
    sp.add_argument("--out", required=True, type=Path, metavar="PATH", help="材料包的位置和名称")
    sp.add_argument("--zip", action="store_true", help="写成 zip 压缩包")
    sp.add_argument("--keep-folder", action="store_true", help="写 zip 的同时保留文件夹")
    sp.add_argument("--allow-errors", action="store_true",
                    help="有错误的材料也全部纳入上报版（越过记录写入内部版）")
    sp.add_argument("--include", type=int, nargs="+", default=[], metavar="MATERIAL_ID",
                    help="有错误但仍纳入上报版的材料编号（逐件选择；越过记录写入内部版）")
    sp.add_argument("--compilation", action="store_true", help="另外生成材料汇编 PDF（封面、目录、书签）")
    sp.add_argument("--city", metavar="NAME", help="材料汇编封面上的城市名称")
    sp.add_argument("--overwrite", action="store_true", help="覆盖同名的材料包")
    sp.add_argument("--pattern", metavar="P", help="文件命名规则，如 {序号}_{题名}.{ext}")
    sp.add_argument("--shared", choices=("copy", "note"),
                    help="多处引用的材料：copy 每处放一份，note 只放一份、其余位置放说明")
    sp.add_argument("--per-page", type=int, choices=(1, 2), help="图文说明每页照片数")
    sp.add_argument("--no-captions", action="store_true", help="不生成图文说明 PDF")
    sp.set_defaults(run=cmd_export)

    sp = sub.add_parser("verify-package", parents=[common], help="按校验清单核对材料包")
    sp.add_argument("path", type=Path, help="材料包文件夹或 zip")
    sp.set_defaults(run=cmd_verify_package)


def _options(lib, args: argparse.Namespace) -> ExportOptions:  # noqa: ANN001
    from civdesk.export import ExportOptions, OptionsError

    overrides: dict = {}
    if args.pattern:
        overrides["name_pattern"] = args.pattern
    if args.shared:
        overrides["shared"] = args.shared
    if args.per_page:
        overrides["photos_per_page"] = args.per_page
    if args.no_captions:
        overrides["captions"] = False
    if args.keep_folder:
        overrides["keep_folder"] = True
    if args.overwrite:
        overrides["overwrite"] = True
    if args.compilation:
        overrides["compilation"] = True
    if args.city:
        overrides["city"] = args.city
    try:
        return ExportOptions.from_library(lib, **overrides)
    except OptionsError as exc:
        raise UsageError(str(exc)) from None


def cmd_export(args: argparse.Namespace) -> int:
    if args.keep_folder and not args.zip:
        raise UsageError("--keep-folder 只能与 --zip 一起使用")
    from civdesk.checklist.store import ChecklistNotFound
    from civdesk.export import ExportBlocked, ExportError, ScopeError, export_package
    from civdesk.export.checkgate import describe

    progress = TextProgress()
    with open_library(args) as lib:
        options = _options(lib, args)
        try:
            result = export_package(lib, args.out, checklist_id=args.checklist, item=args.item,
                                    unit=args.unit, as_zip=args.zip, allow_errors=args.allow_errors,
                                    include=args.include, options=options, progress=progress)
        except (ScopeError, ChecklistNotFound) as exc:
            progress.finish()
            raise UsageError(str(exc)) from None
        except ExportBlocked as exc:
            progress.finish()
            return _blocked(args, exc)
        except ExportError as exc:
            progress.finish()
            if args.json:
                emit_json({"ok": False, "error": str(exc)})
            else:
                print(f"导出失败：{exc}")
            return EXIT_PROBLEMS
    progress.finish()
    if args.json:
        emit_json({"ok": True, **asdict(result), "path": str(result.path),
                   "internal": str(result.internal)})
        return EXIT_OK
    print(f"已导出上报版：{result.path}")
    if result.folder and result.zip_path:
        print(f"文件夹：{result.folder}")
    print(f"内部版（检查报告、导出记录，不上报）：{result.internal}")
    print(f"测评标准 {result.standards} 条，材料 {result.materials} 件，文件 {result.files} 个，"
          f"图文说明 {result.captions} 份，共 {result.bytes / 1048576:.1f} MB")
    if result.held:
        print(f"有错误、未纳入上报版的材料 {len(result.held)} 件（原因见内部版的导出记录）：")
        for h in result.held[:20]:
            print(f"  #{h.material_id} {h.name}：{h.reasons[0] if h.reasons else ''}")
        if len(result.held) > 20:
            print(f"  …另有 {len(result.held) - 20} 件")
    if result.admitted:
        print(f"有错误但已纳入上报版的材料 {len(result.admitted)} 件，越过记录已写入内部版。")
    for w in result.warnings:
        print(f"  {describe(w)}")
    for note in result.notes:
        print(f"  提醒：{note}")
    return EXIT_OK


def _blocked(args: argparse.Namespace, exc: ExportBlocked) -> int:
    from civdesk.export.checkgate import describe

    if args.json:
        emit_json({"ok": False, "blocked": True, "error": str(exc),
                   "errors": [asdict(f) for f in exc.outcome.errors],
                   "warnings": [asdict(f) for f in exc.outcome.warnings]})
        return EXIT_PROBLEMS
    print(str(exc))
    for f in exc.outcome.errors:
        print(f"  {describe(f)}")
    if exc.outcome.warnings:
        print(f"另有警告 {len(exc.outcome.warnings)} 项。")
    return EXIT_PROBLEMS


def cmd_verify_package(args: argparse.Namespace) -> int:
    from civdesk.export import PackageError, verify_package

    try:
        report = verify_package(args.path)
    except PackageError as exc:
        if args.json:
            emit_json({"ok": False, "error": str(exc), "problems": []})
        else:
            print(f"无法核对：{exc}")
        return EXIT_PROBLEMS
    if args.json:
        emit_json({"ok": report.ok, "path": report.path, "checked": report.checked,
                   "problems": [asdict(p) for p in report.problems]})
    else:
        for p in report.problems:
            print(f"[{p.kind}] {p.message}")
        if report.ok:
            print(f"核对通过：{report.checked} 个文件与校验清单一致，无缺失、无改动、无多余文件。")
        else:
            print(f"发现 {len(report.problems)} 个问题（清单共 {report.checked} 个文件）。")
    return EXIT_OK if report.ok else EXIT_PROBLEMS
