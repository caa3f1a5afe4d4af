"""Start-up of a worker process (the import's extraction, the export's caption PDFs): it dies
with the program that started it.

A worker outliving a killed import or export would run on forever, orphaned.  Linux
kills it the moment its parent dies (``PR_SET_PDEATHSIG``: strictly, when the
thread that started it ends; each pool lives and dies within its job's thread); elsewhere a
watcher thread notices that the parent changed (the orphan was adopted).
This module imports nothing of the database layer, so a spawned worker
starts light.
"""
from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1


def start(parent: int) -> None:
    """The pool's initializer; ``parent`` is the id of the process that made the pool."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)
