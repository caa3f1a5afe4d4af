"""The window's 任务与报送 menu: task packages for all units (off the UI thread), receiving
returned packages (also when dropped or imported), review, notices, the ledger."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtWidgets import QInputDialog, QWidget

from civdesk_ui.file_dialogs import existing_directory, open_files, save_file
from civdesk_ui.messages import inform, warn


def add_actions(window, menu) -> None:  # noqa: ANN001
    window._action(menu, "为全部责任单位生成任务包…", lambda: export_all_packages(window))
    window._action(menu, "接收报送（任务包）…", lambda: choose_and_receive(window))
    window._action(menu, "审核报送…", lambda: open_review(window))
    menu.addSeparator()
    window._action(menu, "发补交通知…", lambda: issue_for_unit(window, "补交"))
    window._action(menu, "发催办通知（全部逾期单位）…",
                   lambda: issue_notice_interactively(window, window.lib, "催办", None))
    window._action(menu, "台账与排行…", lambda: open_ledger(window))
    window._action(menu, "导出台账（对账销号）…", lambda: export_ledger(window))
    window._action(menu, "发文设置（发文机关、文号、联系人）…", lambda: edit_settings(window))


def open_ledger(window):  # noqa: ANN001, ANN201
    from civdesk_ui.ledger_dialog import open_ledger as _open

    return _open(window)


def open_review(window, submission_id: int | None = None):  # noqa: ANN001, ANN201
    from civdesk_ui.review_dialog import open_review as _open

    return _open(window, submission_id)


def export_all_packages(window, out: str | None = None):  # noqa: ANN001, ANN201
    """One zip per unit into a folder the clerk picks, as a job with progress and cancel."""
    from civdesk.tasks import export_all

    out = out or existing_directory(window, "任务包保存到文件夹")
    if not out:
        return None
    lib = window.lib

    def done(infos) -> None:  # noqa: ANN001
        window.last_task_export = infos
        owed = sum(len(i.owed) for i in infos)
        window.statusBar().showMessage(f"已生成 {len(infos)} 个单位的任务包（尚需报送 {owed} 条）", 10000)
        inform(window, "生成任务包", f"已为 {len(infos)} 个责任单位生成任务包，保存在：\n{out}\n\n"
                                    "请把各单位的压缩包发给其联络员；报送回来的压缩包直接拖入本窗口即可接收。")

    return window.jobs.run("生成任务包", lambda p: export_all(lib, Path(out), as_zip=True, progress=p),
                           on_done=done)


def take_task_packages(window, paths: list[Path]) -> list[Path]:  # noqa: ANN001
    """Receive the returned task packages among ``paths`` (as a job); the other paths are returned."""
    from civdesk.tasks import is_task_package

    packages = [p for p in paths if is_task_package(p)]
    if packages:
        receive_packages(window, packages)
    return [p for p in paths if p not in packages]


def choose_and_receive(window):  # noqa: ANN001, ANN201
    files = open_files(window, "选择报送回来的任务包", "", "任务包 (*.zip)")
    return receive_packages(window, [Path(f) for f in files]) if files else None


def receive_packages(window, paths: list[Path]):  # noqa: ANN001, ANN201
    from civdesk.tasks import SubmissionRefused, receive

    lib = window.lib

    def work(progress):  # noqa: ANN001, ANN202
        out = []
        for path in paths:
            progress.check_cancelled()
            try:
                out.append((path, receive(lib, path, progress), ""))
            except SubmissionRefused as exc:
                out.append((path, None, str(exc)))
        return out

    def done(results) -> None:  # noqa: ANN001
        window.last_receipts = results
        window.refresh_all()
        window.update_index()
        lines, first = [], None
        for path, r, refused in results:
            if r is None:
                lines.append(f"拒收「{path.name}」：{refused}")
                continue
            first = first or r.submission_id
            lines.append(r.summary())
            lines += [f"　· {f.path}：{f.reason}" for f in r.listed[:10]]
        (warn if any(r is None for _, r, _ in results) else inform)(window, "接收报送", "\n".join(lines))
        if first is not None:
            open_review(window, first)

    return window.jobs.run("接收报送", work, on_done=done)


def issue_for_unit(window, kind: str) -> None:  # noqa: ANN001
    from civdesk.materials import units

    names = [name for _, name in units(window.lib)]
    unit, ok = QInputDialog.getItem(window, f"发{kind}通知", "责任单位：", names, 0, False)
    if ok and unit:
        issue_notice_interactively(window, window.lib, kind, unit)


def issue_notice_interactively(parent: QWidget, lib, kind: str, unit: str | None) -> None:  # noqa: ANN001
    """Ask the 补交截止日期 and where to save, then write and record the notice."""
    from civdesk.tasks.notices import NoticeError, issue_notice

    default = (dt.date.today() + dt.timedelta(days=10)).isoformat()
    text, ok = QInputDialog.getText(parent, f"发{kind}通知", "补交截止日期（YYYY-MM-DD）：", text=default)
    if not ok:
        return
    try:
        deadline = dt.date.fromisoformat(text.strip())
    except ValueError:
        warn(parent, f"发{kind}通知", f"日期格式应为 YYYY-MM-DD：{text}")
        return
    name = f"{kind}通知_{unit or '各单位'}_{dt.date.today():%Y%m%d}.docx"
    path = save_file(parent, f"保存{kind}通知", name, "Word 文档 (*.docx)")
    if not path:
        return
    try:
        rec = issue_notice(lib, kind, Path(path), unit=unit, deadline=deadline)
    except NoticeError as exc:
        warn(parent, f"发{kind}通知", str(exc))
        return
    inform(parent, f"发{kind}通知", f"{rec.kind}通知 {rec.doc_number} 已保存：\n{rec.path}")


def export_ledger(window, path: str | None = None):  # noqa: ANN001, ANN201
    from civdesk.tasks.ledger import build_ledger, write_ledger_xlsx

    path = path or save_file(window, "导出台账", f"台账_{dt.date.today():%Y%m%d}.xlsx", "Excel 工作簿 (*.xlsx)")
    if not path:
        return None
    lib = window.lib

    def done(out) -> None:  # noqa: ANN001
        window.statusBar().showMessage(f"台账已保存：{out}", 10000)

    return window.jobs.run("导出台账", lambda p: write_ledger_xlsx(build_ledger(lib), Path(path)),
                           on_done=done)


def edit_settings(window) -> None:  # noqa: ANN001
    from civdesk.tasks.settings import get_task_settings, save_task_settings

    settings = get_task_settings(window.lib)
    values = {}
    for key, label in (("issuer", "发文机关全称"), ("doc_prefix", "文号前缀（如 文明办）"),
                       ("contact", "联系人"), ("phone", "联系电话")):
        text, ok = QInputDialog.getText(window, "发文设置", f"{label}：", text=getattr(settings, key))
        if not ok:
            return
        values[key] = text.strip()
    save_task_settings(window.lib, settings.with_values(**values))
    window.statusBar().showMessage("发文设置已保存", 5000)
