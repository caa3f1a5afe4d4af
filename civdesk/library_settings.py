"""Per-library settings: JSON objects in the library's ``settings`` table.

The one place that reads and writes them.  Keys in use: ``checks`` and
``platform`` (:mod:`civdesk.checks.settings`), ``export``
(:mod:`civdesk.export.options`), ``archive`` (:mod:`civdesk.archive.settings`: 全宗号,
门类代码, 档号 separators and width, default 保管期限 per material kind and per
checklist item, the unit → 机构代码 table).  Application settings that belong to the
computer rather than to a library (the last library opened) live in
:mod:`civdesk.settings`.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from civdesk.models import Setting


def read(s: Session, key: str) -> dict[str, Any]:
    """The object stored under ``key``; empty when nothing (or no object) is stored."""
    row = s.get(Setting, key)
    return dict(row.value) if row is not None and isinstance(row.value, dict) else {}


def write(s: Session, key: str, value: dict[str, Any]) -> None:
    """Store ``value`` under ``key``, replacing what was there."""
    row = s.get(Setting, key)
    if row is None:
        s.add(Setting(key=key, value=value))
    else:
        row.value = value
