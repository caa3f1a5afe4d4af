"""The ``civdesk`` command line (works without a display).

Exit status: 0 success, 1 problems found (or the command failed), 2 wrong
usage.  Every subcommand that reports results takes ``--json`` and prints one
JSON document on standard output.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any, Callable

from civdesk import __version__
from civdesk.library import Library, LibraryError
from civdesk.lock import LibraryLockedError
from civdesk.progress import Cancelled, TextProgress
from civdesk.settings import AppSettings, resolve_library

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2

Command = Callable[[argparse.Namespace], int]
FEATURE_MODULES = ("civdesk.cli_more", "civdesk.cli_search", "civdesk.cli_check", "civdesk.cli_export")
_COMMANDS: dict[str, Command] = {}


class UsageError(Exception):
    """Wrong usage detected after parsing (exit status 2)."""


def command(name: str) -> Callable[[Command], Command]:
    def register(fn: Command) -> Command:
        _COMMANDS[name] = fn
        return fn

    return register


def emit_json(data: Any) -> None:
    def default(o: Any) -> Any:
        if is_dataclass(o):
            return asdict(o)
        if hasattr(o, "isoformat"):
            return o.isoformat()
        if isinstance(o, (set, frozenset, tuple)):
            return list(o)
        if isinstance(o, Path):
            return str(o)
        raise TypeError(type(o).__name__)

    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=default) + "\n")


def parse_date(text: str) -> dt.date:
    """An argparse type for dates: 2024-03-15, 2024/3/15 or 2024.3.15."""
    parts = text.replace("/", "-").replace(".", "-").split("-")
    try:
        return dt.date(*(int(p) for p in parts)) if len(parts) == 3 else dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期格式应为 YYYY-MM-DD：{text}") from None


def open_library(args: argparse.Namespace, *, create: bool = False) -> Library:
    path = resolve_library(args.library)
    lib = Library.open(path, create=create)
    try:
        AppSettings.load().remember(path)
    except OSError:
        pass
    return lib


def _fmt_bytes(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


# ------------------------------------------------------------------ commands
@command("init")
def cmd_init(args: argparse.Namespace) -> int:
    path = resolve_library(args.library)
    with Library.create(path, sample=not args.empty) as lib:
        info = lib.info()
    AppSettings.load().remember(path)
    if args.json:
        emit_json(info)
    else:
        print(f"已创建资料库：{info.path}")
        print(f"已载入测评体系 {info.checklists} 个，测评标准 {info.standards} 条")
    return EXIT_OK


@command("info")
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


@command("verify")
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


# -------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--library", "-L", metavar="PATH", default=argparse.SUPPRESS,
                        help="资料库文件夹（默认：上次使用的，或系统默认位置）")
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                        help="以 JSON 输出结果")

    p = argparse.ArgumentParser(prog="civdesk", parents=[common],
                                description="CivDesk 文明城市测评申报材料管理（命令行）")
    p.add_argument("--version", action="version", version=f"civdesk {__version__}")
    sub = p.add_subparsers(dest="command", metavar="命令")
    sub.required = True

    sp = sub.add_parser("init", parents=[common], help="新建资料库（含示例测评体系）")
    sp.add_argument("--empty", action="store_true", help="不载入示例测评体系")
    sub.add_parser("info", parents=[common], help="显示资料库概况")
    sub.add_parser("verify", parents=[common], help="原件完整性校验")

    import importlib

    for name in FEATURE_MODULES:  # each adds its subcommands
        importlib.import_module(name).add_parsers(sub, common)
    return p


def main(argv: list[str] | None = None) -> int:
    _utf8_streams()
    parser = build_parser()
    args = parser.parse_args(argv)
    args.library = getattr(args, "library", None)
    args.json = getattr(args, "json", False)
    try:
        return _COMMANDS[args.command](args)
    except UsageError as exc:
        parser.print_usage(sys.stderr)
        print(f"civdesk: 错误：{exc}", file=sys.stderr)
        return EXIT_USAGE
    except (LibraryError, LibraryLockedError) as exc:
        print(f"civdesk: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    except Cancelled as exc:
        print(f"\n{exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    except KeyboardInterrupt:
        print("\n已中断", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into head & co.
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        return EXIT_OK


def _utf8_streams() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            if (stream.encoding or "").lower().replace("-", "") != "utf8":
                stream.reconfigure(encoding="utf-8")
        except (AttributeError, ValueError):
            pass


if __name__ == "__main__":
    sys.exit(main())
