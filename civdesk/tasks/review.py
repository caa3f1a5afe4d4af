"""Review a submission: accept or return each material, with a reason.

A returned material stays in the library and filed, but the checks leave it
out (:func:`civdesk.checks.data.load_links` reads :func:`returned_pairs`) and
the unit's 退回通知 lists it with the reason.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from civdesk.errors import LibraryError
from civdesk.models import ChecklistNode, Material, Standard, Submission, SubmissionItem, Unit, utcnow
from civdesk.tasks.receive import ACCEPTED, PENDING, RETURNED, STATUS_NAMES, UNFILED

if TYPE_CHECKING:
    from civdesk.checks.model import CheckResult
    from civdesk.library import Library

#: Reasons a clerk picks from (free text is allowed too).
RETURN_REASONS: tuple[str, ...] = (
    "材料与测评标准要求不相符",
    "照片模糊、有水印或压缩过度",
    "图片说明不全（缺时间、地点、人物或事由）",
    "材料形成时间不在测评周期内",
    "说明报告为总结式写法，缺少具体数据",
    "正式发文缺少红头或印章",
    "文件无法打开或已损坏",
)


class ReviewError(LibraryError):
    """A review that cannot be done as asked (unknown material, no reason …)."""


@dataclass(frozen=True)
class SubmissionView:
    id: int
    unit: str
    package_id: str
    received_at: dt.datetime
    source_name: str
    pending: int
    accepted: int
    returned: int
    unfiled: int

    @property
    def label(self) -> str:
        return f"第 {self.id} 号报送 · {self.unit} · {self.received_at:%Y-%m-%d %H:%M}"


@dataclass(frozen=True)
class ItemView:
    id: int
    material_id: int
    title: str
    standard_id: int | None
    code: str
    path: str
    status: str
    reason: str
    findings: tuple[str, ...] = ()

    @property
    def status_name(self) -> str:
        return STATUS_NAMES.get(self.status, self.status)


@dataclass(frozen=True)
class SubmissionDetail:
    submission: SubmissionView
    items: tuple[ItemView, ...]
    listed: tuple[tuple[str, str], ...]        # (path, reason) of the files listed at receipt


@dataclass(frozen=True)
class ReviewOutcome:
    accepted: tuple[int, ...]                  # material ids
    returned: tuple[int, ...]
    material_ids: tuple[int, ...]              # everything whose check status may change


def returned_pairs_query():  # noqa: ANN201 - a SQLAlchemy select
    """(material id, standard id) pairs whose latest decision is 退回."""
    latest = (select(func.max(SubmissionItem.id)).where(SubmissionItem.standard_id.is_not(None))
              .group_by(SubmissionItem.material_id, SubmissionItem.standard_id))
    return select(SubmissionItem.material_id, SubmissionItem.standard_id).where(
        SubmissionItem.id.in_(latest), SubmissionItem.status == RETURNED)


def returned_pairs(s: Session) -> set[tuple[int, int]]:
    """The (material id, standard id) pairs returned to their unit: the checks and the
    declaration package leave them out."""
    return {(m, sid) for m, sid in s.connection().execute(returned_pairs_query())}


def list_submissions(lib: Library, unit: str | None = None) -> list[SubmissionView]:
    with lib.session() as s:
        q = (select(Submission, Unit.name).join(Unit, Unit.id == Submission.unit_id)
             .order_by(Submission.id.desc()))
        if unit:
            q = q.where(Unit.name == unit)
        rows = s.execute(q).all()
        tally: dict[int, dict[str, int]] = {}
        for sid, status, n in s.execute(select(SubmissionItem.submission_id, SubmissionItem.status,
                                                func.count()).group_by(SubmissionItem.submission_id,
                                                                       SubmissionItem.status)):
            tally.setdefault(sid, {})[status] = n
        return [_view(sub, name, tally.get(sub.id, {})) for sub, name in rows]


def _view(sub: Submission, unit: str, t: dict[str, int]) -> SubmissionView:
    return SubmissionView(sub.id, unit, sub.package_id, sub.received_at, sub.source_name,
                          t.get(PENDING, 0), t.get(ACCEPTED, 0), t.get(RETURNED, 0), t.get(UNFILED, 0))


def submission_detail(lib: Library, submission_id: int, result: CheckResult | None = None) -> SubmissionDetail:
    """The submission's materials, each with its check findings under its standard."""
    with lib.session() as s:
        sub, unit = _submission(s, submission_id)
        rows = s.execute(
            select(SubmissionItem, Material.title, Material.original_name, ChecklistNode.code, Standard.number)
            .join(Material, Material.id == SubmissionItem.material_id)
            .outerjoin(Standard, Standard.id == SubmissionItem.standard_id)
            .outerjoin(ChecklistNode, ChecklistNode.id == Standard.node_id)
            .where(SubmissionItem.submission_id == submission_id).order_by(SubmissionItem.id)).all()
        t: dict[str, int] = {}
        for item, *_ in rows:
            t[item.status] = t.get(item.status, 0) + 1
        view = _view(sub, unit, t)
        listed = tuple((e.get("path", ""), e.get("reason", "")) for e in sub.listed or ())
        items = [(item.id, item.material_id, title or name, item.standard_id,
                  f"{code}:{number}" if code else "", item.path, item.status, item.reason)
                 for item, title, name, code, number in rows]
    findings: dict[tuple[int, int | None], list[str]] = {}
    if result is not None:
        for st in result.standards:
            for f in st.findings:
                if f.material_id is not None:
                    findings.setdefault((f.material_id, st.id), []).append(f"[{f.severity}] {f.message}")
    return SubmissionDetail(view, tuple(
        ItemView(*row, findings=tuple(findings.get((row[1], row[3]), ()))) for row in items), listed)


def _submission(s: Session, submission_id: int) -> tuple[Submission, str]:
    sub = s.get(Submission, submission_id)
    if sub is None:
        raise ReviewError(f"没有第 {submission_id} 号报送")
    unit = s.get(Unit, sub.unit_id)
    return sub, unit.name if unit else ""


def review(lib: Library, submission_id: int, *, accept: Iterable[int] = (), returned: Iterable[int] = (),
           reason: str = "") -> ReviewOutcome:
    """Accept or return materials (by material id) of one submission; returning needs a reason."""
    accept, returned = tuple(dict.fromkeys(accept)), tuple(dict.fromkeys(returned))
    both = set(accept) & set(returned)
    if both:
        raise ReviewError(f"材料 #{min(both)} 不能同时采用和退回")
    if returned and not reason.strip():
        raise ReviewError("退回材料须写明原因（可从常用原因中选择）")
    now = utcnow()
    with lib.session() as s:
        _submission(s, submission_id)
        items = s.scalars(select(SubmissionItem).where(SubmissionItem.submission_id == submission_id)).all()
        by_material: dict[int, list[SubmissionItem]] = {}
        for item in items:
            by_material.setdefault(item.material_id, []).append(item)
        for mid in accept + returned:
            if mid not in by_material:
                raise ReviewError(f"材料 #{mid} 不在第 {submission_id} 号报送中")
        for mid in accept:
            filed = [i for i in by_material[mid] if i.status != UNFILED]
            if not filed:
                raise ReviewError(f"材料 #{mid} 未归入任何测评标准，请先归档到标准再采用")
            for i in filed:
                i.status, i.reason, i.reviewed_at, i.reviewer = ACCEPTED, "", now, lib.user
        for mid in returned:
            for i in by_material[mid]:
                i.status, i.reason, i.reviewed_at, i.reviewer = RETURNED, reason.strip(), now, lib.user
        lib.audit(s, "task_review", "submission", submission_id, accepted=list(accept),
                  returned=list(returned), reason=reason.strip())
    return ReviewOutcome(accept, returned, accept + returned)
