"""The ledger (台账) of the round trip, per unit and standard, and the scoreboard.

For each standard needing material and each unit leading or supporting it:
when its task was issued, how many materials came in, were accepted, were
returned or still wait, whether the standard is still outstanding for the unit
(accepted fewer than the requirement asks), by when it was due and how many
days late it is.  The due date is the latest notice's 补交截止日期, else the
standard's 完成时限 — unless that lies before the 测评周期 (a stale task table:
no "逾期 975 天").  The scoreboard ranks units by what is outstanding; every
number is the length of a list the ledger shows.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from civdesk.models import Notice, Submission, SubmissionItem, TaskPackage, Unit
from civdesk.tasks.receive import ACCEPTED, PENDING, RETURNED

if TYPE_CHECKING:
    from civdesk.library import Library


@dataclass(frozen=True)
class LedgerRow:
    unit: str
    standard_id: int
    code: str
    text: str
    role: str
    required: int
    issued_on: dt.date | None
    received: int
    accepted: int
    returned: int
    pending: int
    outstanding: bool
    due: dt.date | None
    days_late: int
    reminders: int
    deadline_note: str = ""

    @property
    def state(self) -> str:
        if not self.outstanding:
            return "已销号"
        if self.pending:
            return "待审核"
        if self.returned and not self.accepted:
            return "已退回"
        return "逾期未交" if self.days_late else "未交齐"


@dataclass(frozen=True)
class UnitTotals:
    rank: int
    unit: str
    standards: int
    issued: int
    received: int
    accepted: int
    returned: int
    pending: int
    outstanding: int
    late: int
    max_days_late: int
    reminders: int
    outstanding_codes: tuple[str, ...]


@dataclass(frozen=True)
class Ledger:
    today: dt.date
    checklist: str
    rows: tuple[LedgerRow, ...]
    units: tuple[UnitTotals, ...]        # ranked: most outstanding first

    def unit(self, name: str) -> UnitTotals:
        for u in self.units:
            if u.unit == name:
                return u
        raise KeyError(name)

    def rows_of(self, unit: str) -> tuple[LedgerRow, ...]:
        return tuple(r for r in self.rows if r.unit == unit)

    def row(self, unit: str, code: str) -> LedgerRow:
        for r in self.rows:
            if r.unit == unit and r.code == code:
                return r
        raise KeyError((unit, code))

    def late_units(self) -> tuple[UnitTotals, ...]:
        return tuple(u for u in self.units if u.late)

    def as_json(self) -> dict[str, Any]:
        return {"today": self.today, "checklist": self.checklist,
                "units": [asdict(u) for u in self.units],
                "rows": [{**asdict(r), "state": r.state} for r in self.rows]}


def build_ledger(lib: Library, today: dt.date | None = None, checklist_id: int | None = None) -> Ledger:
    from civdesk.checklist.store import checklist_tree
    from civdesk.checks.engine import pick_period

    today = today or dt.date.today()
    tree = checklist_tree(lib, checklist_id)
    period = pick_period(tree, today=today)
    with lib.session() as s:
        unit_ids = dict(s.execute(select(Unit.name, Unit.id)).all())
        issued: dict[tuple[int, int], dt.date] = {}
        for uid, at, sids in s.execute(select(TaskPackage.unit_id, TaskPackage.issued_at,
                                              TaskPackage.standard_ids).order_by(TaskPackage.id)):
            for sid in sids or ():
                issued.setdefault((uid, sid), at.date())
        latest: dict[tuple[int, int, int], str] = {}     # (unit, standard, material) → latest status
        for uid, sid, mid, status in s.execute(
                select(Submission.unit_id, SubmissionItem.standard_id, SubmissionItem.material_id,
                       SubmissionItem.status)
                .join(Submission, Submission.id == SubmissionItem.submission_id)
                .where(SubmissionItem.standard_id.is_not(None)).order_by(SubmissionItem.id)):
            latest[(uid, sid, mid)] = status
        notices = s.execute(select(Notice.kind, Notice.deadline, Notice.units, Notice.standards)
                            .order_by(Notice.issued_on, Notice.id)).all()
    tally: dict[tuple[int, int], dict[str, int]] = {}
    for (uid, sid, _), status in latest.items():
        t = tally.setdefault((uid, sid), {})
        t[status] = t.get(status, 0) + 1
        t["received"] = t.get("received", 0) + 1
    rows: list[LedgerRow] = []
    for st in tree.all_standards():
        if not st.needs_materials:
            continue
        required = sum(r.min_count for r in st.requirements) or 1
        stale = st.deadline is not None and period is not None and st.deadline < period.start
        for unit in st.all_units:
            uid = unit_ids.get(unit)
            t = tally.get((uid, st.id), {})
            due, reminders = (None if stale else st.deadline), 0
            for kind, deadline, units, standards in notices:
                if unit in (units or ()) and st.id in (standards or {}).get(unit, ()):
                    due = deadline or due
                    reminders += kind == "催办"
            accepted = t.get(ACCEPTED, 0)
            outstanding = accepted < required
            late = (today - due).days if outstanding and due and today > due else 0
            rows.append(LedgerRow(
                unit, st.id, st.code, st.text, "牵头" if unit in st.lead_units else "配合", required,
                issued.get((uid, st.id)), t.get("received", 0), accepted, t.get(RETURNED, 0),
                t.get(PENDING, 0), outstanding, due, late, reminders,
                "完成时限早于测评周期，按通知的补交截止日期计" if stale else ""))
    return Ledger(today, tree.checklist.label, tuple(rows), _rank(rows))


def _rank(rows: list[LedgerRow]) -> tuple[UnitTotals, ...]:
    units: dict[str, list[LedgerRow]] = {}
    for r in rows:
        units.setdefault(r.unit, []).append(r)
    totals = []
    for unit, rs in units.items():
        totals.append(dict(
            unit=unit, standards=len(rs), issued=sum(1 for r in rs if r.issued_on),
            received=sum(r.received for r in rs), accepted=sum(r.accepted for r in rs),
            returned=sum(r.returned for r in rs), pending=sum(r.pending for r in rs),
            outstanding=sum(r.outstanding for r in rs), late=sum(1 for r in rs if r.days_late),
            max_days_late=max((r.days_late for r in rs), default=0),
            reminders=max((r.reminders for r in rs), default=0),
            outstanding_codes=tuple(r.code for r in rs if r.outstanding)))
    totals.sort(key=lambda t: (-t["outstanding"], -t["late"], -t["max_days_late"], t["unit"]))
    return tuple(UnitTotals(rank=n, **t) for n, t in enumerate(totals, 1))


# -------------------------------------------------------------------- writers
LEDGER_HEADERS = ("责任单位", "编号", "测评标准", "角色", "任务下发", "要求件数", "已报送", "已采用",
                  "已退回", "待审核", "状态", "截止日期", "逾期天数", "催办次数", "备注")
RANK_HEADERS = ("排名", "责任单位", "负责标准", "已下发", "已报送", "已采用", "已退回", "待审核",
                "尚欠标准", "逾期标准", "最长逾期天数", "催办次数", "尚欠标准编号")


def ledger_rows(ledger: Ledger) -> list[list[Any]]:
    return [[r.unit, r.code, r.text, r.role, r.issued_on.isoformat() if r.issued_on else "未下发",
             r.required, r.received, r.accepted, r.returned, r.pending, r.state,
             r.due.isoformat() if r.due else "", r.days_late or "", r.reminders or "", r.deadline_note]
            for r in ledger.rows]


def rank_rows(ledger: Ledger) -> list[list[Any]]:
    return [[u.rank, u.unit, u.standards, u.issued, u.received, u.accepted, u.returned, u.pending,
             u.outstanding, u.late, u.max_days_late or "", u.reminders or "", "、".join(u.outstanding_codes)]
            for u in ledger.units]


def write_ledger_xlsx(ledger: Ledger, path: Path | str) -> Path:
    """台账.xlsx for the monthly 对账销号 meeting: the ranking (each unit links to its rows)
    and the ledger, one row per unit and standard."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    from civdesk.safetext import sheet_cell

    path = Path(path)
    wb = Workbook()
    rank = wb.active
    rank.title = "排名"
    sheet = wb.create_sheet("台账")
    bold = Font(bold=True)
    rank.append([f"各责任单位报送情况排名（截至{ledger.today:%Y年%m月%d日}，尚欠多者在前）"])
    rank["A1"].font = Font(bold=True, size=14)
    rank.append(list(RANK_HEADERS))
    sheet.append([f"文明城市测评申报材料台账（{ledger.checklist}，截至{ledger.today:%Y-%m-%d}）"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(list(LEDGER_HEADERS))
    for ws in (rank, sheet):
        for c in ws[2]:
            c.font = bold
        ws.freeze_panes = "A3"
    first_row: dict[str, int] = {}
    late_fill = PatternFill("solid", fgColor="F8D7DA")
    for values, r in zip(ledger_rows(ledger), ledger.rows):
        sheet.append([sheet_cell(sheet, v) for v in values])
        first_row.setdefault(r.unit, sheet.max_row)
        if r.days_late:
            for c in sheet[sheet.max_row]:
                c.fill = late_fill
    for values, u in zip(rank_rows(ledger), ledger.units):
        rank.append([sheet_cell(rank, v) for v in values])
        cell = rank.cell(row=rank.max_row, column=2)
        cell.hyperlink = f"#台账!A{first_row.get(u.unit, 3)}"
        cell.font = Font(color="0563C1", underline="single")
    for col, w in zip("ABCDEFGHIJKLM", (6, 22, 9, 8, 8, 8, 8, 8, 9, 9, 12, 9, 40)):
        rank.column_dimensions[col].width = w
    for col, w in zip("ABCDEFGHIJKLMNO", (18, 9, 40, 6, 11, 8, 7, 7, 7, 7, 9, 11, 9, 9, 30)):
        sheet.column_dimensions[col].width = w
    for row in sheet.iter_rows(min_row=3):
        row[2].alignment = Alignment(wrap_text=True, vertical="top")
    centre = Alignment(horizontal="center", vertical="top")
    for ws in (rank, sheet):
        print_landscape(ws)
        for row in ws.iter_rows(min_row=2):
            for c in row:
                if isinstance(c.value, int) or c.row == 2:
                    c.alignment = centre
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    wb.save(tmp)
    tmp.replace(path)
    return path


def print_landscape(ws) -> None:  # noqa: ANN001 - an openpyxl worksheet
    """A4 landscape, all columns on one page width, the header rows on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_title_rows = "1:2"


# ------------------------------------------------------- what each number counts
@dataclass(frozen=True)
class LedgerItem:
    """A material counted in the ledger: its latest decision under one standard for one unit."""
    unit: str
    code: str
    material_id: int
    title: str
    status: str
    reason: str
    path: str


def ledger_items(lib: Library, ledger: Ledger) -> tuple[LedgerItem, ...]:
    """The materials behind the ledger's 已报送/已采用/已退回/待审核 counts (same rule:
    the latest decision per unit, standard and material, for the rows the ledger has)."""
    from civdesk.models import Material

    rows = {(r.unit, r.standard_id): r.code for r in ledger.rows}
    latest: dict[tuple[str, int, int], LedgerItem] = {}
    with lib.session() as s:
        for unit, sid, mid, status, reason, path, title, name in s.execute(
                select(Unit.name, SubmissionItem.standard_id, SubmissionItem.material_id,
                       SubmissionItem.status, SubmissionItem.reason, SubmissionItem.path,
                       Material.title, Material.original_name)
                .join(Submission, Submission.id == SubmissionItem.submission_id)
                .join(Unit, Unit.id == Submission.unit_id)
                .join(Material, Material.id == SubmissionItem.material_id)
                .where(SubmissionItem.standard_id.is_not(None)).order_by(SubmissionItem.id)):
            if (unit, sid) in rows:
                latest[(unit, sid, mid)] = LedgerItem(unit, rows[(unit, sid)], mid, title or name,
                                                      status, reason, path)
    return tuple(latest.values())


# Which list stands behind each figure of a unit's totals: standards (ledger rows) or materials.
STANDARD_FIGURES = {
    "standards": ("负责标准", lambda r: True),
    "issued": ("已下发任务的标准", lambda r: r.issued_on is not None),
    "outstanding": ("尚欠标准", lambda r: r.outstanding),
    "late": ("逾期标准", lambda r: r.days_late > 0),
    "max_days_late": ("逾期标准", lambda r: r.days_late > 0),
    "reminders": ("催办过的标准", lambda r: r.reminders > 0),
}
MATERIAL_FIGURES = {
    "received": ("已报送材料", None),
    "accepted": ("已采用材料", ACCEPTED),
    "returned": ("已退回材料", RETURNED),
    "pending": ("待审核材料", PENDING),
}


def figure_list(ledger: Ledger, items: tuple[LedgerItem, ...], unit: str,
                figure: str) -> tuple[str, tuple[LedgerRow, ...] | tuple[LedgerItem, ...]]:
    """(what it is, the list) behind ``unit``'s ``figure`` — e.g. ("已退回材料", items)."""
    if figure in STANDARD_FIGURES:
        label, keep = STANDARD_FIGURES[figure]
        return label, tuple(r for r in ledger.rows_of(unit) if keep(r))
    if figure in MATERIAL_FIGURES:
        label, status = MATERIAL_FIGURES[figure]
        return label, tuple(i for i in items if i.unit == unit and (status is None or i.status == status))
    raise KeyError(figure)
