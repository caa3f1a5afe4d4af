"""Notices that get acted on: 补交通知 and 退回通知 (one unit), 催办通知 (all late units).

Each is a 公文 (letterhead with the issuer, 文号 ``文明办〔2025〕12号`` numbered
per year, addressee, a 补交截止日期, 联系人/电话, issuer, date and a seal
placeholder), with a compact table — one row per standard, what is owed in a
few words — and the long reasons in an annex.  Every notice issued is
recorded (:class:`civdesk.models.Notice`), so the ledger counts reminders and
the next 催办通知 says 第二次催办.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from civdesk.models import ChecklistNode, Material, Notice, Standard, Submission, SubmissionItem, Unit
from civdesk.reports import gongwen as gw
from civdesk.reports.check_data import cn_date, cn_number, owed_text
from civdesk.tasks.receive import RETURNED
from civdesk.tasks.settings import TaskSettings, get_task_settings

if TYPE_CHECKING:
    from civdesk.checks.model import CheckResult
    from civdesk.library import Library

KINDS = ("补交", "退回", "催办")
SHORT = 22          # characters of a standard's text in a table row


@dataclass(frozen=True)
class NoticeRecord:
    id: int
    kind: str
    doc_number: str
    issued_on: dt.date
    deadline: dt.date | None
    units: tuple[str, ...]
    round: int                     # 催办: the how-many-th reminder
    path: Path
    rows: int


class NoticeError(ValueError):
    """Nothing to notify (no unit late, nothing returned …), or a wrong request."""


def _short(text: str, n: int = SHORT) -> str:
    return text if len(text) <= n else text[:n - 1] + "…"


def next_number(lib: Library, year: int) -> int:
    with lib.session() as s:
        return (s.scalar(select(func.max(Notice.number)).where(Notice.year == year)) or 0) + 1


def doc_number(prefix: str, year: int, number: int) -> str:
    return f"{prefix}〔{year}〕{number}号"


# ------------------------------------------------------------------ issuing
def issue_notice(lib: Library, kind: str, out: Path | str, *, unit: str | None = None,
                 deadline: dt.date, today: dt.date | None = None, result: CheckResult | None = None,
                 settings: TaskSettings | None = None) -> NoticeRecord:
    """Write and record a notice.  ``kind``: 补交 / 退回 (``unit`` needed) / 催办 (all late units)."""
    today = today or dt.date.today()
    settings = settings or get_task_settings(lib)
    if kind not in KINDS:
        raise NoticeError(f"通知类型应为 {'、'.join(KINDS)}：{kind}")
    if kind in ("补交", "退回") and not unit:
        raise NoticeError(f"{kind}通知须指定责任单位")
    if deadline < today:
        raise NoticeError(f"补交截止日期 {deadline:%Y-%m-%d} 早于发文日期 {today:%Y-%m-%d}")
    number = next_number(lib, today.year)
    ref = doc_number(settings.doc_prefix, today.year, number)
    if kind == "补交":
        doc, standards, rnd = _owed_notice(lib, unit, deadline, today, ref, settings, result)
    elif kind == "退回":
        doc, standards, rnd = _returned_notice(lib, unit, deadline, today, ref, settings)
    else:
        doc, standards, rnd = _reminder_notice(lib, deadline, today, ref, settings)
    path = gw.save(doc, out)
    with lib.session() as s:
        n = Notice(kind=kind, year=today.year, number=number, doc_number=ref, issued_on=today,
                   deadline=deadline, units=list(standards), standards=standards, path=str(path))
        s.add(n)
        s.flush()
        lib.audit(s, "notice", "notice", n.id, kind=kind, doc_number=ref, units=list(standards))
        nid = n.id
    return NoticeRecord(nid, kind, ref, today, deadline, tuple(standards), rnd, path,
                        sum(len(v) for v in standards.values()))


def _frame(title: str, addressee: str, ref: str, settings: TaskSettings):  # noqa: ANN202 - a docx Document
    doc = gw.new_document()
    gw.letterhead(doc, settings.issuer, ref)
    gw.title(doc, title)
    gw.addressee(doc, addressee)
    return doc


def _contact(doc, settings: TaskSettings) -> None:  # noqa: ANN001
    who = "，".join(x for x in (f"联系人：{settings.contact}" if settings.contact else "",
                                f"联系电话：{settings.phone}" if settings.phone else "") if x)
    if who:
        gw.body(doc, who + "。")


def _close(doc, settings: TaskSettings, today: dt.date, annex: list[tuple[str, list[str]]],  # noqa: ANN001
           annex_title: str) -> None:
    gw.signature(doc, settings.issuer, today, seal=settings.seal_text)
    if annex:
        gw.annex_heading(doc, "附件", annex_title)
        for n, (head, lines) in enumerate(annex, 1):
            gw.heading(doc, f"{cn_number(n)}、{head}", level=1)
            for i, line in enumerate(lines, 1):
                gw.body(doc, f"{i}. {line}" if len(lines) > 1 else line)


def _owed_notice(lib: Library, unit: str, deadline: dt.date, today: dt.date, ref: str,
                 settings: TaskSettings, result: CheckResult | None):  # noqa: ANN202
    from civdesk.checks import run_checks

    result = result or run_checks(lib, today=today)
    try:
        owed = result.unit(unit)
    except KeyError:
        raise NoticeError(f"没有责任单位「{unit}」，或它没有负责任何测评标准") from None
    if not owed.items:
        raise NoticeError(f"「{unit}」负责的测评标准均已达标，无需发补交通知")
    doc = _frame("关于补交文明城市测评申报材料的通知", unit, ref, settings)
    gw.body(doc, f"经对照《{result.checklist_name}》逐条检查，贵单位牵头或配合的{owed.standards}条测评标准中，"
                 f"已达标{owed.met}条，尚有{len(owed.items)}条需补交或整改（见下表，具体原因见附件）。"
                 f"请于{cn_date(deadline)}前将补齐、更正后的材料放入任务包对应文件夹报送。")
    rows, annex, standards = [], [], []
    for n, item in enumerate(owed.items, 1):
        st = result.standard(item.code)
        rows.append([str(n), f"{item.code} {_short(item.text)}", owed_text(st) or item.status,
                     item.role])
        annex.append((f"{item.code} {item.text}", list(item.reasons)))
        standards.append(st.id)
    gw.table(doc, ["序号", "测评标准", "尚欠事项", "角色"], rows, (14, 76, 48, 18))
    gw.body(doc, "图片须附完整说明（时间、地点、人物、事由），材料形成日期须在测评周期内。")
    _contact(doc, settings)
    _close(doc, settings, today, annex, "各项标准尚欠的具体原因")
    return doc, {unit: standards}, 0


def _returned_notice(lib: Library, unit: str, deadline: dt.date, today: dt.date, ref: str,
                     settings: TaskSettings):  # noqa: ANN202
    from civdesk.tasks.review import returned_pairs_query

    with lib.session() as s:
        uid = s.scalar(select(Unit.id).where(Unit.name == unit))
        if uid is None:
            raise NoticeError(f"没有责任单位「{unit}」")
        pairs = set(s.execute(returned_pairs_query()).all())
        rows = s.execute(
            select(SubmissionItem.material_id, SubmissionItem.standard_id, SubmissionItem.reason,
                   SubmissionItem.path, Material.title, Material.original_name, ChecklistNode.code,
                   Standard.number, Standard.text)
            .join(Submission, Submission.id == SubmissionItem.submission_id)
            .join(Material, Material.id == SubmissionItem.material_id)
            .join(Standard, Standard.id == SubmissionItem.standard_id)
            .join(ChecklistNode, ChecklistNode.id == Standard.node_id)
            .where(Submission.unit_id == uid, SubmissionItem.status == RETURNED)
            .order_by(ChecklistNode.position, Standard.position, SubmissionItem.id)).all()
    rows = [r for r in rows if (r.material_id, r.standard_id) in pairs]
    if not rows:
        raise NoticeError(f"「{unit}」没有被退回的材料，无需发退回通知")
    doc = _frame("关于退回文明城市测评申报材料的通知", unit, ref, settings)
    gw.body(doc, f"贵单位报送的文明城市测评申报材料中，有{len(rows)}份经审核不符合要求，现予退回"
                 f"（见下表，退回原因详见附件）。请按要求修改或更换后，于{cn_date(deadline)}前重新报送。")
    table, annex, standards = [], [], []
    for n, r in enumerate(rows, 1):
        code = f"{r.code}:{r.number}"
        name = r.title or r.original_name
        table.append([str(n), f"{code} {_short(r.text, 16)}", _short(name, 18), _short(r.reason, 16)])
        annex.append((f"{code}「{name}」", [f"退回原因：{r.reason}", f"报送位置：{r.path}"]))
        if r.standard_id not in standards:
            standards.append(r.standard_id)
    gw.table(doc, ["序号", "测评标准", "退回材料", "退回原因"], table, (14, 52, 50, 40))
    gw.body(doc, "同一材料一般只能补报一次，请认真核对后报送。")
    _contact(doc, settings)
    _close(doc, settings, today, annex, "退回材料及原因")
    return doc, {unit: standards}, 0


def _reminder_notice(lib: Library, deadline: dt.date, today: dt.date, ref: str,
                     settings: TaskSettings):  # noqa: ANN202
    from civdesk.tasks.ledger import build_ledger

    ledger = build_ledger(lib, today)
    late = ledger.late_units()
    if not late:
        raise NoticeError(f"截至{cn_date(today)}没有逾期未交齐材料的责任单位，无需催办")
    with lib.session() as s:
        previous = s.scalar(select(func.count()).select_from(Notice).where(Notice.kind == "催办")) or 0
    rnd = previous + 1
    title = "关于催报文明城市测评申报材料的通知"
    if rnd > 1:
        title += f"（第{cn_number(rnd)}次催办）"
    doc = _frame(title, "各有关责任单位", ref, settings)
    gw.body(doc, f"截至{cn_date(today)}，仍有{len(late)}个责任单位的测评申报材料逾期未交齐（见下表）。"
                 f"请上述单位于{cn_date(deadline)}前报送，逾期仍未报送的，将在全市创建工作中通报。")
    rows, annex, standards = [], [], {}
    for n, u in enumerate(late, 1):
        rs = [r for r in ledger.rows_of(u.unit) if r.days_late]
        times = max((r.reminders for r in rs), default=0) + 1
        rows.append([str(n), u.unit, str(len(rs)), str(u.max_days_late), f"第{cn_number(times)}次"])
        annex.append((u.unit, [f"{r.code} {r.text}（已采用{r.accepted}/{r.required}，逾期{r.days_late}天）"
                               for r in rs]))
        standards[u.unit] = [r.standard_id for r in rs]
    gw.table(doc, ["序号", "责任单位", "逾期标准（条）", "最长逾期（天）", "催办"], rows, (14, 54, 30, 30, 28))
    _contact(doc, settings)
    _close(doc, settings, today, annex, "各单位逾期未交齐的测评标准")
    return doc, standards, rnd
