"""Start the CivDesk window (``python main.py [--library PATH]``)."""
import multiprocessing
import sys

if __name__ == "__main__":
    # first, before Qt loads: in the PyInstaller build the window's import workers are spawned
    # by running this program again, and freeze_support turns that run into the worker
    multiprocessing.freeze_support()
    from civdesk_ui.app import main

    sys.exit(main())
