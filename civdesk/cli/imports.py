"""``civdesk import``: store files, folders and zip archives in the library."""
from __future__ import annotations

import argparse
from dataclasses import asdict
from pathlib import Path

from civdesk.cli.base import EXIT_OK, EXIT_PROBLEMS, UsageError, emit_json, open_library
from civdesk.progress import TextProgress


def add_parsers(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    sp = sub.add_parser("import", parents=[common], help="导入材料：文件、文件夹、zip 压缩包")
    sp.add_argument("paths", nargs="+", type=Path)
    sp.add_argument("--standard", action="append", default=[], metavar="CODE",
                    help="归档到测评标准（如 Ⅲ-9:1），可重复")
    sp.add_argument("--unit", help="责任单位名称")
    sp.add_argument("--accept-suggestions", action="store_true", help="接受全部归档建议")
    sp.add_argument("--wait-ocr", action="store_true", help="等待扫描件文字识别完成")
    sp.set_defaults(run=cmd_import)


def cmd_import(args: argparse.Namespace) -> int:
    from civdesk.checklist import store as cl
    from civdesk.importer import ImportAborted, ImportOptions
    from civdesk.tasks import is_task_package

    progress = TextProgress()
    packages = [p for p in args.paths if is_task_package(p)]  # returned task packages: received
    args.paths = [p for p in args.paths if p not in packages]
    received, refused = [], False
    with open_library(args) as lib:
        if packages:
            from civdesk.cli.tasks import receive_paths

            received, refused = receive_paths(lib, packages, args.json)
            received = [_as_entry(r) for r in received]
            if not args.paths:
                lib.search_index.catch_up(progress)
                progress.finish()
                if args.json:
                    emit_json(received)
                return EXIT_PROBLEMS if refused else EXIT_OK
        try:
            ids = tuple(cl.find_standard(lib, code).id for code in args.standard)
        except cl.ChecklistNotFound as exc:
            raise UsageError(str(exc)) from None
        options = ImportOptions(standard_ids=ids, unit=args.unit,
                                accept_suggestions=args.accept_suggestions)
        try:
            report = lib.import_paths(args.paths, options, progress)
            aborted = None
        except ImportAborted as exc:
            report, aborted = exc.report, str(exc)
        progress.finish()
        if args.wait_ocr:
            from civdesk.ocr import run_pending_ocr

            ocr_outcome = run_pending_ocr(lib, progress)
            progress.finish()
            if not args.json:
                print(ocr_outcome.message)
        lib.search_index.catch_up(progress)  # searchable as soon as the command returns
        progress.finish()
    if args.json:
        emit_json(received + [asdict(e) for e in report.entries])
    else:
        for e in report.entries:
            if e.status != "imported" or e.reason:
                label = {"imported": "已导入（有问题）", "duplicate": "重复", "refused": "拒绝"}[e.status]
                print(f"[{label}] {e.path}\n    {e.reason}")
        print(report.summary())
        if aborted:
            print(aborted)
    if aborted:
        return EXIT_PROBLEMS
    return EXIT_PROBLEMS if report.count("refused") or refused else EXIT_OK


def _as_entry(receipt: dict) -> dict:
    """A received task package as an import entry: status ``received`` (the submission's
    details under ``submission``) or ``refused`` with the reason."""
    if "refused" in receipt:
        return {"path": receipt["path"], "status": "refused", "reason": receipt["refused"], "material_id": None}
    return {"path": receipt["path"], "status": "received", "reason": "", "material_id": None,
            "submission": {k: v for k, v in receipt.items() if k != "path"}}
