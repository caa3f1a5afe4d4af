"""The Qt bindings keep Python's reference counts straight.

PySide6 6.12.0 on Python 3.10/3.11 drops a reference to ``None`` on every ``setEnabled`` and
to ``True`` on every ``emit(True)``; after some thousands of clicks the interpreter aborts
("Fatal Python error: bool_dealloc") — in a clerk's window as in the test suite.  pyproject.toml
keeps such a release out; this test fails if one is installed anyway.
"""
from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QCheckBox, QWidget

CALLS = 2000


class _Emitter(QObject):
    flag = Signal(bool)


def _drift(obj: object, call) -> int:  # noqa: ANN001
    before = sys.getrefcount(obj)
    for _ in range(CALLS):
        call()
    return sys.getrefcount(obj) - before


def test_void_methods_and_bool_signals_keep_reference_counts(qtbot):
    w, box, e = QWidget(), QCheckBox(), _Emitter()
    qtbot.addWidget(w)
    qtbot.addWidget(box)
    seen = [0]
    e.flag.connect(lambda value: seen.__setitem__(0, seen[0] + value))
    # a few references may be cached; a binding that drops one per call loses ~CALLS
    assert _drift(None, lambda: w.setEnabled(True)) > -CALLS // 2
    assert _drift(None, lambda: box.setChecked(False)) > -CALLS // 2
    assert _drift(True, lambda: e.flag.emit(True)) > -CALLS // 2
    assert seen[0] == CALLS
