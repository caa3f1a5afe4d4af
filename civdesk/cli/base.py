"""What every command module shares: exit codes, usage errors, JSON output, argument types.

Nothing here imports the database or a file-format library; a command
imports those inside its function, so ``civdesk --help`` starts at once.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from civdesk.library import Library

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Wrong usage detected after parsing (exit status 2)."""


class Parser(argparse.ArgumentParser):
    """An argument parser for which ``-草稿`` is a value, not an unknown option.

    Every option name is ASCII, so a word starting with ``-`` followed by any
    other character (a search exclusion, a Chinese file name) is a value.
    """

    def _parse_optional(self, arg_string: str):  # noqa: ANN202 - argparse's own tuple
        if len(arg_string) > 1 and arg_string[0] == "-" and not arg_string[1].isascii():
            return None
        return super()._parse_optional(arg_string)


def common_options() -> argparse.ArgumentParser:
    """``--library`` and ``--json``, accepted before or after the subcommand."""
    common = Parser(add_help=False)
    common.add_argument("--library", "-L", metavar="PATH", default=argparse.SUPPRESS,
                        help="资料库文件夹（默认：上次使用的，或系统默认位置）")
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                        help="以 JSON 输出结果")
    return common


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


def count(text: str) -> int:
    """An argparse type for a number of results: a whole number, 0 or more."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"应为整数：{text}") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"不能为负数：{text}（0 表示全部）")
    return n


def open_library(args: argparse.Namespace) -> Library:
    from civdesk.library import Library
    from civdesk.settings import resolve_library

    path = resolve_library(args.library)
    lib = Library.open(path)
    remember(path)
    return lib


def remember(path: Path) -> None:
    """Note ``path`` as the library last used (a settings file that cannot be written is no error)."""
    from civdesk.settings import AppSettings

    try:
        AppSettings.load().remember(path)
    except OSError:
        pass
