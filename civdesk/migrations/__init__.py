"""Alembic migrations of the library database (``versions/``, one file a revision).

Alembic reads these files from disk (a wheel, an editable install and the bundle all keep them
there).  The head revision can also be read from the files without importing Alembic, which
costs 0.2 s a process: :func:`head_from_files`.
"""
from __future__ import annotations

import re
from pathlib import Path

MIGRATIONS = Path(__file__).resolve().parent
_REVISION_LINE = re.compile(r"^(revision|down_revision)\s*(?::[^=]*)?=(.*)$", re.MULTILINE)


def head_from_files() -> str | None:
    """The head revision from the ``revision =`` / ``down_revision =`` lines of the
    migration files, without Alembic; None unless there is exactly one head."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        for name, value in _REVISION_LINE.findall(path.read_text(encoding="utf-8")):
            ids = re.findall(r"['\"]([^'\"]+)['\"]", value)
            (revisions if name == "revision" else parents).update(ids)
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None
