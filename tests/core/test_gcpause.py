"""The collector pause shared by checks and exports: overlapping pauses (a check in the window
while an export runs) keep it off until the last ends, and leave it as it was before."""
import gc
import threading

from civdesk.gcpause import gc_paused


def test_overlapping_pauses_end_with_the_last_and_restore_the_state() -> None:
    assert gc.isenabled()
    entered, release = threading.Event(), threading.Event()

    def other() -> None:
        with gc_paused():
            entered.set()
            release.wait(10)

    worker = threading.Thread(target=other)
    with gc_paused():
        worker.start()
        assert entered.wait(10)
    try:
        assert not gc.isenabled(), "the other thread's pause still runs"
    finally:
        release.set()
        worker.join(10)
    assert gc.isenabled()


def test_a_pause_leaves_a_disabled_collector_disabled() -> None:
    gc.disable()
    try:
        with gc_paused(), gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
