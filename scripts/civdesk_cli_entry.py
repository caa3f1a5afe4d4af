"""Entry of the frozen command line ``civdesk`` in the PyInstaller bundle (see build.spec)."""
import multiprocessing
import sys

if __name__ == "__main__":
    # first: a spawned import worker (or multiprocessing helper) runs this executable again
    multiprocessing.freeze_support()
    from civdesk.cli import main

    sys.exit(main())
