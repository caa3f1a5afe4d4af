"""The checks run before an export, and what the package records of them.

:func:`run_export_checks` runs :func:`civdesk.checks.run_checks`; the export
narrows the result to what it writes (:func:`in_scope`), drops what the
conversion fixes (:func:`drop_fixed`) and puts the checks' own Word report in
the internal copy (内部版).  A material with errors (``错误``) is held back from
the upload package (:func:`faulty_materials`) unless the clerk admits it; the
override is written into the internal copy's check report and export record.
"""
from __future__ import annotations

import dataclasses
import io
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from civdesk.checks import ERROR, WARNING, CheckResult, Finding, run_checks
from civdesk.reports import write_check_docx
from civdesk.safetext import xml_text

if TYPE_CHECKING:
    from civdesk.library import Library


@dataclass(frozen=True)
class CheckOutcome:
    """The checks' result, narrowed to what an export writes."""

    result: CheckResult

    @property
    def findings(self) -> tuple[Finding, ...]:
        return self.result.findings

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == ERROR)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == WARNING)

    def keeping(self, keep: Callable[[Finding], bool], codes: set[str] | None = None) -> CheckOutcome:
        """Only the findings ``keep`` accepts (and only the standards in ``codes``, if given)."""
        return CheckOutcome(dataclasses.replace(self.result, standards=tuple(
            dataclasses.replace(st, findings=tuple(f for f in st.findings if keep(f)))
            for st in self.result.standards if codes is None or st.code in codes)))

    def without_state(self) -> CheckOutcome:
        """The outcome without the checks' recheck state (not needed by the report, not picklable)."""
        return CheckOutcome(dataclasses.replace(self.result, state=None))


def run_export_checks(lib: Library, checklist_id: int | None, unit: str | None) -> CheckOutcome:
    return CheckOutcome(run_checks(lib, checklist_id=checklist_id, unit=unit))


def in_scope(outcome: CheckOutcome, standards: Iterable[str], materials: Iterable[int],
             whole: bool) -> CheckOutcome:
    """Only the findings about the exported standards and materials (all when ``whole``)."""
    if whole:
        return outcome
    codes, mids = set(standards), set(materials)

    def keep(f: Finding) -> bool:
        if f.standard and f.standard not in codes:
            return False
        return f.material_id is None or f.material_id in mids

    return outcome.keeping(keep, codes)


FIXED_BY_EXPORT = ("format", "size")


def drop_fixed(outcome: CheckOutcome, converted: Iterable[int]) -> tuple[CheckOutcome, int]:
    """Without the format/size findings of photos the export converts to JPEG; how many."""
    mids = set(converted)
    kept = outcome.keeping(lambda f: not (f.rule in FIXED_BY_EXPORT and f.material_id in mids))
    return kept, len(outcome.findings) - len(kept.findings)


def faulty_materials(outcome: CheckOutcome) -> dict[int, tuple[str, ...]]:
    """Material id → why it has errors (one sentence per finding)."""
    out: dict[int, list[str]] = {}
    for f in outcome.errors:
        if f.material_id is not None:
            reason = (f"［{f.standard}］" if f.standard else "") + f.message
            if reason not in out.setdefault(f.material_id, []):
                out[f.material_id].append(reason)
    return {mid: tuple(reasons) for mid, reasons in out.items()}


def report_docx(outcome: CheckOutcome) -> bytes:
    """The checks' own Word report."""
    with tempfile.TemporaryDirectory(prefix="civdesk-check-") as tmp:
        path = Path(tmp) / "report.docx"
        write_check_docx(outcome.result, path)
        return path.read_bytes()


def override_lines(outcome: CheckOutcome, allowed: bool, user: str, fixed: int = 0) -> list[str]:
    """The sentences that record the checks' state (and an override) in the package."""
    n_err, n_warn = len(outcome.errors), len(outcome.warnings)
    lines = [f"导出前检查：错误 {n_err} 项，警告 {n_warn} 项，提示 "
             f"{len(outcome.findings) - n_err - n_warn} 项。"]
    if fixed:
        lines.append(f"另有 {fixed} 项格式或大小问题已在导出时处理（照片转换为 JPEG 或按上限缩小）。")
    if n_err and allowed:
        lines.append(f"【越过错误导出】检查发现 {n_err} 项错误，操作人「{user}」选择将有错误的材料"
                     f"纳入上报版（见导出记录）。")
    elif n_err:
        lines.append("有错误的材料未纳入上报版（见导出记录）。")
    return lines


def describe(f: Finding) -> str:
    where = f"［{f.standard}］" if f.standard else ""
    mat = f"（材料 #{f.material_id}）" if f.material_id is not None else ""
    return f"{f.severity}{where}{f.message}{mat}"


def prepend_paragraphs(docx_bytes: bytes, lines: list[str]) -> bytes:
    """Put ``lines`` at the top of a Word document (the override note)."""
    import docx

    doc = docx.Document(io.BytesIO(docx_bytes))
    body = doc.element.body
    anchor = body[0] if len(body) else None
    for text in lines:
        p = doc.add_paragraph()
        p.add_run(xml_text(text)).bold = True
        if anchor is not None:
            anchor.addprevious(p._p)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
