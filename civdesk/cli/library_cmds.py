"""``civdesk init``, ``civdesk info`` and ``civdesk verify``: the library itself."""
from __future__ import annotations

import argparse
from dataclasses import asdict

from civdesk.cli.base import EXIT_OK, EXIT_PROBLEMS, emit_json, open_library
from civdesk.progress import TextProgress


def add_parsers(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    sp = sub.add_parser("init", parents=[common], help="新建资料库（含示例测评体系）")
    sp.add_argument("--empty", action="store_true", help="不载入示例测评体系")
    sp.add_argument("--database", metavar="URL",
                    help="共享资料库：PostgreSQL 服务器上的数据库 postgresql://用户@服务器/库名（不含密码）")
    sp.add_argument("--vault", metavar="PATH", help="共享资料库：存放原件的共享文件夹（网络共享或映射盘）")
    sp.set_defaults(run=cmd_init)
    sp = sub.add_parser("info", parents=[common], help="显示资料库概况")
    sp.set_defaults(run=cmd_info)
    sp = sub.add_parser("verify", parents=[common], help="原件完整性校验")
    sp.set_defaults(run=cmd_verify)


def _fmt_bytes(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def cmd_init(args: argparse.Namespace) -> int:
    from civdesk.cli.base import UsageError
    from civdesk.library import Library
    from civdesk.settings import AppSettings, resolve_library

    if bool(args.database) != bool(args.vault):
        raise UsageError("共享资料库需要同时给出 --database 和 --vault")
    path = resolve_library(args.library)
    with Library.create(path, sample=not args.empty, database=args.database, vault=args.vault) as lib:
        info = lib.info()
    AppSettings.load().remember(path)
    if args.json:
        emit_json(info)
    else:
        print(f"已创建资料库：{info.path}")
        print(f"已载入测评体系 {info.checklists} 个，测评标准 {info.standards} 条")
    return EXIT_OK


def cmd_info(args: argparse.Namespace) -> int:
    with open_library(args) as lib:
        info = lib.info()
    if args.json:
        emit_json(info)
        return EXIT_OK
    rows = [
        ("资料库", info.path),
        ("数据库", info.database),
        ("原件库", info.vault),
        ("数据库版本", info.schema_revision),
        ("测评体系", info.checklists),
        ("测评项目/指标/内容", info.items),
        ("测评标准", info.standards),
        ("材料", info.materials),
        ("归档关联", info.links),
        ("责任单位", info.units),
        ("原件总量", _fmt_bytes(info.vault_bytes)),
    ]
    for k, v in rows:
        print(f"{k}：{v}")
    return EXIT_OK


def cmd_verify(args: argparse.Namespace) -> int:
    progress = TextProgress()
    with open_library(args) as lib:
        report = lib.verify(progress)
    progress.finish()
    if args.json:
        emit_json({"ok": report.ok, "checked_files": report.checked_files,
                   "problems": [asdict(p) for p in report.problems]})
    else:
        for p in report.problems:
            print(f"[{p.kind}] {p.message}\n    {p.path}")
        if report.ok:
            print(f"校验通过：{report.checked_files} 个原件完好，无缺失、无改动、无多余文件。")
        else:
            print(f"发现 {len(report.problems)} 个问题（共校验 {report.checked_files} 个原件）。")
    return EXIT_OK if report.ok else EXIT_PROBLEMS
