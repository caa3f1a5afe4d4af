"""The check result as one JSON-ready dict (the CLI's ``--json``)."""
from __future__ import annotations

from typing import Any

from civdesk.checks.model import CheckResult


def check_as_json(result: CheckResult) -> dict[str, Any]:
    p = result.period
    return {
        "checklist": {"id": result.checklist_id, "name": result.checklist_name},
        "period": {"year": p.year, "start": p.start.isoformat(), "end": p.end.isoformat()} if p else None,
        "checked_at": result.checked_at.isoformat(),
        "unit": result.unit_filter,
        "disabled_rules": list(result.disabled_rules),
        "summary": {"statuses": result.status_counts(), "severities": result.severity_counts(),
                    "has_errors": result.has_errors},
        "standards": [{
            "code": s.code, "number": s.number, "text": s.text, "status": s.status,
            "needs_materials": s.needs_materials, "units": list(s.units), "score": s.score,
            "materials": list(s.material_ids),
            "counts": [{"kind": c.kind, "required": c.required, "valid": c.valid, "linked": c.linked}
                       for c in s.counts],
        } for s in result.standards],
        "findings": [f.as_json() for f in result.findings],
        "rollup": [{"code": r.code, "title": r.title, "level": r.level, "status": r.status,
                    "counts": dict(r.counts)} for r in result.rollup],
        "units": [{
            "unit": u.unit, "standards": u.standards, "met": u.met,
            "owed": [{"standard": i.code, "text": i.text, "status": i.status, "role": i.role,
                      "deadline": i.deadline.isoformat() if i.deadline else None,
                      "reasons": list(i.reasons)} for i in u.items],
        } for u in result.units],
    }
