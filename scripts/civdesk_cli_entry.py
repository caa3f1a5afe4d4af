"""Entry of the frozen command line ``civdesk`` in the PyInstaller bundle (see build.spec)."""
import multiprocessing
import sys

if __name__ == "__main__":
    # first: a spawned worker (import, export) or multiprocessing helper runs this program again
    multiprocessing.freeze_support()
    from civdesk.cli import main

    sys.exit(main())
