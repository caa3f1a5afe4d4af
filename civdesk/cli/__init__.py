"""The ``civdesk`` command line (works without a display).

Exit status: 0 success, 1 problems found (or the command failed), 2 wrong
usage.  Every subcommand that reports results takes ``--json`` and prints one
JSON document on standard output.

One module per command group, each with ``add_parsers(sub, common)`` that
adds its subcommands and sets ``run`` to the function carrying them out:

=================  ============================================
``library_cmds``   init, info, verify
``checklist``      checklist import/list/show/diff/period/units
``imports``        import
``search``         search, index
``check``          check
``export``         export, verify-package
``archive``        archive plan/number/set/group/ungroup/settings/export/check
``tasks``          tasks export/receive/submissions/show/review/notice/status/settings
``shared_cmds``    library move-to-server, library who (a shared library)
=================  ============================================

Building the parser imports none of the database, file-format or search
libraries: each command imports what it needs when it runs.
"""
from __future__ import annotations

import argparse
import os
import sys

from civdesk import __version__
from civdesk.cli import (
    archive,
    check,
    checklist,
    export,
    imports,
    library_cmds,
    search,
    shared_cmds,
    tasks,
)
from civdesk.cli.base import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, Parser, UsageError, common_options
from civdesk.errors import LibraryError
from civdesk.lock import LibraryLockedError
from civdesk.progress import Cancelled

COMMAND_GROUPS = (library_cmds, checklist, imports, search, check, export, archive, tasks, shared_cmds)


def build_parser() -> argparse.ArgumentParser:
    common = common_options()
    p = Parser(prog="civdesk", parents=[common],
               description="CivDesk 文明城市测评申报材料管理（命令行）")
    p.add_argument("--version", action="version", version=f"civdesk {__version__}")
    sub = p.add_subparsers(dest="command", metavar="命令")
    sub.required = True
    for group in COMMAND_GROUPS:
        group.add_parsers(sub, common)
    return p


def main(argv: list[str] | None = None) -> int:
    _utf8_streams()
    parser = build_parser()
    args = parser.parse_args(argv)
    args.library = getattr(args, "library", None)
    args.json = getattr(args, "json", False)
    try:
        return args.run(args)
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


__all__ = ["build_parser", "main"]
