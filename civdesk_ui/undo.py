"""Undoable operations (QUndoStack): metadata edits and filing."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QUndoCommand

from civdesk import materials as mat


class EditCommand(QUndoCommand):
    """Set metadata fields on materials; undo restores each material's old values."""

    def __init__(self, lib, ids: list[int], values: dict[str, Any],
                 changed: Callable[[mat.Changes], None], done: mat.Changes | None = None):
        labels = "、".join(mat.FIELD_LABELS.get(k, k) for k in values)
        super().__init__(f"修改{labels}（{len(ids)} 件）")
        self.lib, self.ids, self.values, self.changed = lib, ids, values, changed
        self.before: dict[int, dict[str, Any]] = {}
        self._done = done  # the edit already made (checked against the versions shown)

    def redo(self) -> None:
        result, self._done = self._done, None
        if result is None:
            result = mat.update(self.lib, self.ids, **self.values)
        self.before = result.before
        self.changed(result)

    def undo(self) -> None:
        self.changed(mat.restore(self.lib, self.before))


class LinkCommand(QUndoCommand):
    """File materials under a standard; undo removes only the links it added."""

    def __init__(self, lib, ids: list[int], standard_id: int, label: str,
                 changed: Callable[[mat.Changes], None]):
        super().__init__(f"归档 {len(ids)} 件材料到 {label}")
        self.lib, self.ids, self.standard_id, self.changed = lib, ids, standard_id, changed
        self.added: list[int] = []

    def redo(self) -> None:
        result = mat.link(self.lib, self.ids, self.standard_id)
        self.added = [m for m, _ in result.links_added]
        self.changed(result)

    def undo(self) -> None:
        self.changed(mat.unlink(self.lib, self.added, self.standard_id))


class UnlinkCommand(QUndoCommand):
    def __init__(self, lib, ids: list[int], standard_id: int, label: str,
                 changed: Callable[[mat.Changes], None]):
        super().__init__(f"从 {label} 移除 {len(ids)} 件材料")
        self.lib, self.ids, self.standard_id, self.changed = lib, ids, standard_id, changed
        self.removed: list[int] = []

    def redo(self) -> None:
        result = mat.unlink(self.lib, self.ids, self.standard_id)
        self.removed = [m for m, _ in result.links_removed]
        self.changed(result)

    def undo(self) -> None:
        self.changed(mat.link(self.lib, self.removed, self.standard_id))
