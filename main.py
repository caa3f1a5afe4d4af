"""Start the CivDesk window (``python main.py [--library PATH]``)."""
import multiprocessing
import sys

from civdesk_ui.app import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # import workers in the PyInstaller build
    sys.exit(main())
