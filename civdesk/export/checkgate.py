"""The checks run before an export, seen through one small adapter.

:func:`run_scope_checks` is the only place that touches :mod:`civdesk.checks`
and :mod:`civdesk.reports`; everything else in the export works on the
frozen :class:`CheckOutcome`.  Errors (``错误``) block an export unless the
clerk overrides; the override is written into the package's check report.
"""
from __future__ import annotations

import dataclasses
import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from civdesk.export.options import PlatformLimits
from civdesk.safetext import xml_text

if TYPE_CHECKING:
    from civdesk.library import Library

ERROR, WARNING, HINT = "错误", "警告", "提示"


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    message: str
    standard: str | None = None
    material_id: int | None = None


@dataclass(frozen=True)
class CheckOutcome:
    available: bool  # False when the checks module is not installed
    findings: tuple[Finding, ...]
    raw: Any = None  # the checks' own result, for their report writers

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == ERROR)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == WARNING)


def run_checks_adapter(lib: Library, checklist_id: int | None, unit: str | None) -> CheckOutcome:
    """Run the library checks; an empty, unavailable outcome when they do not exist."""
    try:
        from civdesk.checks import run_checks
    except ImportError:
        return CheckOutcome(False, ())
    result = run_checks(lib, checklist_id=checklist_id, unit=unit)
    findings = tuple(Finding(str(f.rule), str(f.severity), str(f.message),
                             getattr(f, "standard", None), getattr(f, "material_id", None))
                     for f in result.findings)
    return CheckOutcome(True, findings, result)


def platform_limits(lib: Library) -> PlatformLimits:
    """The platform's formats, size and resolution limits, from the checks' settings."""
    try:
        from civdesk.checks import get_check_settings
    except ImportError:
        return PlatformLimits()
    p = get_check_settings(lib).platform
    return PlatformLimits(formats=tuple(p.formats), max_bytes=int(p.max_mb * 1024 * 1024),
                          min_width=int(p.min_width), min_height=int(p.min_height))


def in_scope(outcome: CheckOutcome, standards: Iterable[str], materials: Iterable[int],
             whole: bool) -> CheckOutcome:
    """Only the findings about the exported standards and materials (all when ``whole``)."""
    if whole:
        return outcome
    codes, mids = set(standards), set(materials)

    def keep(f: Any) -> bool:
        code, mid = getattr(f, "standard", None), getattr(f, "material_id", None)
        if code and code not in codes:
            return False
        return mid is None or mid in mids

    raw = outcome.raw
    if raw is not None and hasattr(raw, "standards"):
        try:
            raw = dataclasses.replace(raw, standards=tuple(
                dataclasses.replace(st, findings=tuple(f for f in st.findings if keep(f)))
                for st in raw.standards if st.code in codes))
        except (TypeError, ValueError):
            raw = outcome.raw
    return CheckOutcome(outcome.available, tuple(f for f in outcome.findings if keep(f)), raw)


FIXED_BY_EXPORT = ("format", "size")


def drop_fixed(outcome: CheckOutcome, converted: Iterable[int]) -> tuple[CheckOutcome, int]:
    """Without the format/size findings of photos the export converts to JPEG; how many."""
    mids = set(converted)

    def fixed(f: Any) -> bool:
        return getattr(f, "rule", "") in FIXED_BY_EXPORT and getattr(f, "material_id", None) in mids

    kept = tuple(f for f in outcome.findings if not fixed(f))
    raw = outcome.raw
    if raw is not None and hasattr(raw, "standards"):
        try:
            raw = dataclasses.replace(raw, standards=tuple(
                dataclasses.replace(st, findings=tuple(f for f in st.findings if not fixed(f)))
                for st in raw.standards))
        except (TypeError, ValueError):
            raw = outcome.raw
    return CheckOutcome(outcome.available, kept, raw), len(outcome.findings) - len(kept)


def report_docx(outcome: CheckOutcome) -> bytes | None:
    """The checks' own Word report, when their writer exists (else ``None``)."""
    if outcome.raw is None:
        return None
    try:
        from civdesk.reports import write_check_docx
    except ImportError:
        return None
    import tempfile

    with tempfile.TemporaryDirectory(prefix="civdesk-check-") as tmp:
        path = Path(tmp) / "report.docx"
        write_check_docx(outcome.raw, path)
        return path.read_bytes()


def override_lines(outcome: CheckOutcome, allowed: bool, user: str, fixed: int = 0) -> list[str]:
    """The sentences that record the checks' state (and an override) in the package."""
    if not outcome.available:
        return ["导出前检查：检查模块不可用，本次导出未经检查。"]
    n_err, n_warn = len(outcome.errors), len(outcome.warnings)
    lines = [f"导出前检查：错误 {n_err} 项，警告 {n_warn} 项，提示 "
             f"{len(outcome.findings) - n_err - n_warn} 项。"]
    if fixed:
        lines.append(f"另有 {fixed} 项格式或大小问题已在导出时处理（照片转换为 JPEG 或按上限缩小）。")
    if n_err and allowed:
        lines.append(f"【越过错误导出】检查发现 {n_err} 项错误，操作人「{user}」选择仍然导出"
                     f"（--allow-errors）。")
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
