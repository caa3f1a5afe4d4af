"""Settings of the task round trip, stored per library (``tasks`` key), and the library's id.

The issuer is the full office name that signs a notice; the 文号 prefix gives
``文明办〔2025〕12号``; contact and phone go on every notice and task package.
"""
from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, fields, replace
from typing import TYPE_CHECKING, Any

from civdesk import library_settings

if TYPE_CHECKING:
    from civdesk.library import Library


@dataclass(frozen=True)
class TaskSettings:
    issuer: str = "市精神文明建设指导委员会办公室"
    doc_prefix: str = "文明办"
    contact: str = ""
    phone: str = ""
    seal_text: str = "（印章）"   # the placeholder where the seal goes

    def with_values(self, **values: Any) -> TaskSettings:
        known = {f.name for f in fields(self)}
        bad = set(values) - known
        if bad:
            raise ValueError(f"未知的设置：{'、'.join(sorted(bad))}")
        return replace(self, **{k: str(v) for k, v in values.items() if v is not None})


def get_task_settings(lib: Library) -> TaskSettings:
    with lib.session() as s:
        stored = library_settings.read(s, "tasks")
    known = {f.name for f in fields(TaskSettings)}
    return TaskSettings(**{k: str(v) for k, v in stored.items() if k in known})


def save_task_settings(lib: Library, settings: TaskSettings) -> None:
    with lib.session() as s:
        library_settings.write(s, "tasks", asdict(settings))


def library_id(lib: Library) -> str:
    """This library's id (made once): a task package names it, a submission must carry it."""
    with lib.session() as s:
        stored = library_settings.read(s, "library")
        if not stored.get("id"):
            stored["id"] = uuid.uuid4().hex
            library_settings.write(s, "library", stored)
        return str(stored["id"])
