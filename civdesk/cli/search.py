"""``civdesk search`` and ``civdesk index``."""
from __future__ import annotations

import argparse

from civdesk.cli.base import EXIT_OK, UsageError, count, emit_json, open_library, parse_date, remember
from civdesk.progress import TextProgress


def add_parsers(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    sp = sub.add_parser("search", parents=[common], help="全文搜索材料")
    sp.add_argument("query", nargs="+", metavar="词",
                    help='搜索词：多个词同时满足，"引号"内为短语，-词 表示排除'
                         '（排除英文词须写在 -- 之后，如 -- -draft）')
    sp.add_argument("--standard", metavar="CODE", help="限定测评内容或标准（如 Ⅲ-5 或 Ⅲ-5:1）")
    sp.add_argument("--unit", metavar="U", help="限定责任单位")
    sp.add_argument("--kind", metavar="K", help="限定文件类型（jpeg、pdf、docx…）")
    sp.add_argument("--year", type=int, help="限定年度")
    sp.add_argument("--from", dest="date_from", type=parse_date, metavar="DATE", help="形成日期不早于")
    sp.add_argument("--to", dest="date_to", type=parse_date, metavar="DATE", help="形成日期不晚于")
    group = sp.add_mutually_exclusive_group()
    group.add_argument("--filed", dest="filed", action="store_const", const=True, help="只看已归档")
    group.add_argument("--unfiled", dest="filed", action="store_const", const=False, help="只看未归档")
    sp.add_argument("--limit", type=count, default=20, metavar="N", help="最多返回条数（0 表示全部）")
    sp.set_defaults(run=cmd_search)
    sp = sub.add_parser("index", parents=[common], help="搜索索引：rebuild 重建 / update 补建 / status 状态")
    sp.add_argument("action", choices=["rebuild", "status", "update"])
    sp.set_defaults(run=cmd_index)


def cmd_search(args: argparse.Namespace) -> int:
    from civdesk.settings import resolve_library

    code = args.standard
    by_number = bool(code) and (":" in code or "：" in code)  # a standard: found in the checklist
    query = " ".join(args.query)
    filters = dict(unit=args.unit, kind=args.kind, year=args.year, date_from=args.date_from,
                   date_to=args.date_to, filed=args.filed, limit=args.limit or None)
    results = None
    if not by_number:
        from civdesk.search.quick import quick_search

        if code:
            from civdesk.checklist.codes import canonical_code  # the checklist package: 75 ms

            code = canonical_code(code)
        path = resolve_library(args.library)
        results = quick_search(path, query, standards=code, **filters)  # None: not ready for it
        if results is not None:
            remember(path)
    if results is None:
        results = _full(args, query, code, by_number, filters)
    if args.json:
        emit_json([{"material_id": r.material_id, "title": r.title, "original_name": r.original_name,
                    "score": r.score, "snippet": r.snippet, "page": r.page} for r in results])
        return EXIT_OK
    for r in results:
        where = f"第 {r.page} 页：" if r.page else ""
        print(f"#{r.material_id}  {r.title or r.original_name}  （{r.original_name}）")
        print(f"    {where}{r.marked()}")
    print(f"共 {len(results)} 条结果")
    return EXIT_OK


def _full(args: argparse.Namespace, query: str, code: str | None, by_number: bool,
          filters: dict) -> list:
    """Through the library: upgrades, catches the index up (or rebuilds it) first."""
    with open_library(args) as lib:
        if by_number:
            from civdesk.checklist import store as cl

            try:
                code = cl.find_standard(lib, code).code
            except cl.ChecklistNotFound as exc:
                raise UsageError(str(exc)) from None
        progress = TextProgress()
        lib.search_index.catch_up(progress)
        progress.finish()
        return lib.search(query, standards=code, catch_up=False, **filters)


def cmd_index(args: argparse.Namespace) -> int:
    progress = TextProgress()
    with open_library(args) as lib:
        keeper = lib.search_index
        if args.action == "rebuild":
            n = keeper.rebuild(progress)
            progress.finish()
            out = {"rebuilt": n}
        elif args.action == "update":
            n = keeper.catch_up(progress)
            progress.finish()
            out = {"indexed": n}
        else:
            out = {"status": keeper.index.status, "problem": keeper.index.problem,
                   "stale": len(keeper.stale_ids())}
    if args.json:
        emit_json(out)
    else:
        print("，".join(f"{k}: {v}" for k, v in out.items()))
    return EXIT_OK
