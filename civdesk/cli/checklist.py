"""``civdesk checklist …``: import, list, show, compare checklists; periods and units."""
from __future__ import annotations

import argparse
from dataclasses import asdict
from pathlib import Path

from civdesk.cli.base import EXIT_OK, EXIT_PROBLEMS, UsageError, emit_json, open_library, parse_date


def add_parsers(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("checklist", parents=[common], help="测评体系：导入、查看、对比、测评周期")
    csub = p.add_subparsers(dest="checklist_command", metavar="子命令")
    csub.required = True
    sp = csub.add_parser("import", parents=[common], help="导入 Word/Excel 测评体系表格")
    sp.add_argument("file", type=Path)
    sp.add_argument("--dry-run", action="store_true", help="只显示识别结果，不写入")
    sp.add_argument("--name", help="测评体系名称")
    sp.add_argument("--edition", default="", help="版本（如 2024）")
    sp.add_argument("--edition-of", type=int, metavar="ID", help="作为此测评体系的新版本导入")
    sp.add_argument("--separate", action="store_true", help="作为独立测评体系导入")
    sp.add_argument("--onto", type=int, metavar="ID",
                    help="把任务分解表（责任单位、材料要求、完成时限等）合并到此测评体系，不新建版本")
    sp.add_argument("--map", action="append", default=[], metavar="列标题=角色",
                    help="指定某列的含义，可重复；角色如 测评标准、标准序号、责任单位、牵头单位、材料要求、"
                         "完成时限、分值、联系人、测评内容、不导入")
    sp.add_argument("--drop-missing", action="store_true",
                    help="新版本表中没有的责任单位、材料要求等不从旧版本带过（默认带过）")
    sp.add_argument("--keep-unit-names", action="store_true",
                    help="相近的单位名称（如 宣传部／市委宣传部）不合并，作为新单位")
    csub.add_parser("list", parents=[common], help="列出测评体系")
    sp = csub.add_parser("show", parents=[common], help="显示测评体系树")
    sp.add_argument("id", type=int, nargs="?")
    sp = csub.add_parser("diff", parents=[common], help="对比两个版本（编号或文件）")
    sp.add_argument("old")
    sp.add_argument("new")
    sp = csub.add_parser("period", parents=[common], help="查看或设置测评周期")
    sp.add_argument("id", type=int, nargs="?")
    sp.add_argument("--start", type=parse_date)
    sp.add_argument("--end", type=parse_date)
    sp.add_argument("--year", type=int)
    csub.add_parser("units", parents=[common], help="责任单位列表")

    p.set_defaults(run=cmd_checklist)


# ---------------------------------------------------------------- checklist
def cmd_checklist(args: argparse.Namespace) -> int:
    from civdesk.checklist import ChecklistFormatError
    from civdesk.checklist import store as cl

    handler = {
        "import": _import, "list": _list, "show": _show, "diff": _diff, "period": _period,
        "units": _units,
    }[args.checklist_command]
    with open_library(args) as lib:
        try:
            return handler(lib, args)
        except ChecklistFormatError as exc:
            if args.json:
                emit_json({"error": str(exc), "row": exc.row, "column": exc.column})
            else:
                print(f"无法导入：{exc}")
            return EXIT_PROBLEMS
        except cl.ChecklistNotFound as exc:
            raise UsageError(str(exc)) from None


def _mapping(items: list[str]) -> dict[str, str] | None:
    """``--map "列标题=角色"`` options as {column title: role}; a usage error names a bad one."""
    from civdesk.checklist.parse import ROLE_LABELS, role_from_label

    mapping: dict[str, str] = {}
    for item in items:
        title, sep, role_text = item.replace("＝", "=").rpartition("=")
        role = role_from_label(role_text) if sep else None
        if not title.strip() or role is None:
            roles = "、".join(ROLE_LABELS.values())
            raise UsageError(f"--map 应为“列标题=角色”，角色可为：{roles}；而不是「{item}」")
        mapping["".join(title.split())] = role
    return mapping or None


def _import(lib, args) -> int:  # noqa: ANN001
    from civdesk.checklist import store as cl

    mapping = _mapping(args.map)
    if args.onto is not None:
        clash = [opt for opt, value in (("--edition-of", args.edition_of), ("--separate", args.separate),
                                        ("--name", args.name), ("--edition", args.edition),
                                        ("--drop-missing", args.drop_missing)) if value]
        if clash:
            raise UsageError(f"--onto 把任务分解表合并到现有测评体系，不能与 {'、'.join(clash)} 同用")
        return _merge(lib, args, mapping)
    preview = cl.preview_import(lib, args.file, name=args.name, edition_of=args.edition_of,
                                separate=args.separate, drop_missing=args.drop_missing, mapping=mapping,
                                merge_units=not args.keep_unit_names)
    parsed = preview.parsed
    doc = {
        "dry_run": args.dry_run, "checklist_id": None, "name": preview.name,
        "replaces": preview.replaces.id if preview.replaces else None,
        "counts": parsed.counts(), "units": list(parsed.units()),
        "problems": [{"row": p.row, "column": p.column, "message": p.message}
                     for p in parsed.problems],
        "diff": _diff_json(preview.diff) if preview.diff else None,
        "carry_over": [] if preview.drop_missing else [c.as_json() for c in preview.carry],
        "dropped": [c.as_json() for c in preview.dropped],
        "unit_merges": [{"name": m.name, "into": m.into, "merged": not args.keep_unit_names}
                        for m in preview.unit_merges],
    }
    if not args.json:
        print(preview.text)
    if args.dry_run:
        if args.json:
            emit_json(doc)
        else:
            print("\n（试运行：未写入资料库）")
        return EXIT_OK
    outcome = cl.commit_import(lib, preview, edition=args.edition)
    doc["checklist_id"] = outcome.checklist_id
    doc["links_carried"] = outcome.links_carried
    doc["removed_with_materials"] = [{"standard": c, "text": t, "materials": n}
                                     for c, t, n in outcome.removed_with_materials]
    if args.json:
        emit_json(doc)
    else:
        print(f"\n已导入测评体系 #{outcome.checklist_id}「{preview.name}」：{outcome.standards} 条测评标准。")
        if preview.replaces:
            print(f"作为「{preview.replaces.label}」的新版本，已带过 {outcome.links_carried} 条归档关联。")
        for code, text, n in outcome.removed_with_materials:
            if n:
                print(f"  已删除的标准 {code}「{text}」有 {n} 件材料，请重新归档（材料仍保留在旧版本中）。")
    return EXIT_OK


def _merge(lib, args, mapping: dict[str, str] | None) -> int:  # noqa: ANN001
    from civdesk.checklist import layers

    preview = layers.preview_merge(lib, args.file, args.onto, mapping=mapping,
                                   merge_units=not args.keep_unit_names)
    doc = layers.merge_as_json(preview, args.dry_run)
    if not args.json:
        print(preview.text)
    if args.dry_run:
        if args.json:
            emit_json(doc)
        else:
            print("\n（试运行：未写入资料库）")
        return EXIT_OK
    outcome = layers.commit_merge(lib, preview)
    doc["applied"] = {"standards": outcome.standards_changed, "values": outcome.values_changed,
                      "units_added": list(outcome.units_added)}
    if args.json:
        emit_json(doc)
    else:
        print(f"\n已合并到测评体系 #{outcome.checklist_id}：修改 {outcome.standards_changed} 条标准的 "
              f"{outcome.values_changed} 处内容。")
    return EXIT_OK


def _diff_json(diff) -> dict:  # noqa: ANN001
    def key(k):  # noqa: ANN001, ANN202
        return {"code": f"{k.item_code}:{k.number}", "text": k.text}

    return {
        "unchanged": [{"old": key(o), "new": key(n)} for o, n in diff.unchanged],
        "reworded": [{"old": key(o), "new": key(n), "similarity": round(s, 3)}
                     for o, n, s in diff.reworded],
        "added": [key(n) for n in diff.added],
        "removed": [key(o) for o in diff.removed],
    }


def _list(lib, args) -> int:  # noqa: ANN001
    from civdesk.checklist import store as cl

    infos = cl.list_checklists(lib)
    if args.json:
        emit_json([{**asdict(i), "label": i.label} for i in infos])
        return EXIT_OK
    for i in infos:
        periods = "、".join(f"{p.year}年度 {p.start}～{p.end}" for p in i.periods) or "未设置测评周期"
        print(f"#{i.id}  {i.label}  {i.items} 个条目 / {i.standards} 条标准  {periods}")
    return EXIT_OK


def _show(lib, args) -> int:  # noqa: ANN001
    from civdesk.checklist import store as cl

    tree = cl.checklist_tree(lib, args.id)
    if args.json:
        emit_json(cl.tree_as_json(tree))
        return EXIT_OK
    print(f"#{tree.checklist.id} {tree.checklist.label}")
    for root in tree.roots:
        for node in root.walk():
            print(f"{'  ' * (node.level - 1)}{node.code} {node.title}")
            for s in node.standards:
                extra = []
                if s.all_units:
                    extra.append("单位：" + "、".join(s.all_units))
                if s.deadline:
                    extra.append(f"时限：{s.deadline}")
                if s.requirements:
                    extra.append("要求：" + "；".join(f"{r.kind}≥{r.min_count}" for r in s.requirements))
                if s.points is not None:
                    extra.append(f"分值：{s.points:g}")
                print(f"{'  ' * node.level}{s.number}）{s.text}［{'、'.join(s.methods)}］"
                      + (f"  {'  '.join(extra)}" if extra else ""))
    return EXIT_OK


def _diff(lib, args) -> int:  # noqa: ANN001
    from civdesk.checklist import store as cl

    def resolve(x: str) -> int | None:
        return int(x) if x.isdigit() else None

    old_id, new_id = resolve(args.old), resolve(args.new)
    if old_id is None:
        raise UsageError("旧版本须为资料库中的测评体系编号")
    if new_id is not None:
        diff = cl.diff_checklists(lib, old_id, new_id)
    else:
        diff = cl.preview_import(lib, Path(args.new), edition_of=old_id).diff
    if args.json:
        emit_json(_diff_json(diff))
    else:
        print(cl.describe_diff(diff, "对比结果"))
    return EXIT_OK


def _period(lib, args) -> int:  # noqa: ANN001
    from civdesk.checklist import store as cl

    if args.start or args.end:
        if not (args.start and args.end):
            raise UsageError("设置测评周期需要同时给出 --start 和 --end")
        try:
            cl.set_period(lib, args.id, args.start, args.end, args.year)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    info = cl.get_checklist(lib, args.id)
    if args.json:
        emit_json([asdict(p) for p in info.periods])
    else:
        for p in info.periods or ():
            print(f"{info.label}  {p.year} 年度测评周期：{p.start} ～ {p.end}")
        if not info.periods:
            print(f"{info.label}：尚未设置测评周期")
    return EXIT_OK


def _units(lib, args) -> int:  # noqa: ANN001
    from civdesk.checklist import store as cl

    units = cl.list_units(lib)
    if args.json:
        emit_json([asdict(u) for u in units])
    else:
        for u in units:
            print(f"#{u.id} {u.name}  牵头 {u.lead} 条 / 配合 {u.coop} 条  {u.contact} {u.phone}".rstrip())
    return EXIT_OK
