"""Start the CivDesk window (``python main.py [--library PATH]``)."""
import sys

from ui.app import main

if __name__ == "__main__":
    sys.exit(main())
