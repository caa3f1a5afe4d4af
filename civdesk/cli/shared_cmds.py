"""``civdesk library move-to-server`` and ``civdesk library who``: the shared library."""
from __future__ import annotations

import argparse
from pathlib import Path

from civdesk.cli.base import EXIT_OK, emit_json, open_library
from civdesk.progress import TextProgress


def add_parsers(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    lp = sub.add_parser("library", parents=[common], help="共享资料库：迁移到服务器、查看谁在使用")
    lsub = lp.add_subparsers(dest="library_command", metavar="子命令")
    lsub.required = True
    sp = lsub.add_parser("move-to-server", parents=[common],
                         help="把资料库文件夹迁移到 PostgreSQL 服务器和共享文件夹（旧文件夹保留并标记为已迁移）")
    sp.add_argument("--database", required=True, metavar="URL",
                    help="服务器上的空数据库 postgresql://用户@服务器/库名（不含密码）")
    sp.add_argument("--vault", required=True, metavar="PATH", help="存放原件的共享文件夹")
    sp.add_argument("--new-library", metavar="DIR",
                    help="本机新的资料库文件夹（只保存指向服务器的设置；默认：旧文件夹名加“-共享”）")
    sp.set_defaults(run=cmd_move)
    sp = lsub.add_parser("who", parents=[common], help="谁正在使用这个共享资料库")
    sp.set_defaults(run=cmd_who)


def cmd_move(args: argparse.Namespace) -> int:
    from civdesk.move import move_to_server
    from civdesk.settings import resolve_library

    old = resolve_library(args.library)
    new = Path(args.new_library) if args.new_library else old.with_name(old.name + "-共享")
    progress = TextProgress()
    report = move_to_server(old, args.database, Path(args.vault), new, progress)
    progress.finish()
    if args.json:
        emit_json(report)
    else:
        print(f"已迁移并校验：{sum(report.tables.values())} 行目录数据，{report.files} 个原件全部校验一致。")
        print(f"新的资料库文件夹：{report.new_library}（以后请用它）")
        print(f"旧文件夹已标记为“已迁移”，原样保留：{old}")
    return EXIT_OK


def cmd_who(args: argparse.Namespace) -> int:
    with open_library(args) as lib:
        others = [{"clerk": c.clerk, "workstation": c.workstation, "since": c.started_at}
                  for c in lib.others()]
    if args.json:
        emit_json(others)
    elif not others:
        print("现在没有其他人打开这个资料库。")
    else:
        for c in others:
            print(f"{c['clerk']}（{c['workstation']}），自 {c['since']:%Y-%m-%d %H:%M} 起")
    return EXIT_OK
