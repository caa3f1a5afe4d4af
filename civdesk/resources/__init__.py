"""Data files that ship inside the package: the built-in sample checklist and whatever else
the core reads at run time.  They are found through ``importlib.resources`` so a wheel, an
editable install and the PyInstaller one-folder bundle all see them (each keeps them on disk)."""
from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def resource_path(*parts: str) -> Path:
    """The file ``civdesk/resources/<parts…>`` as a real path on disk."""
    return Path(str(files("civdesk").joinpath("resources", *parts)))


SAMPLE_CHECKLIST = resource_path("checklists", "sample.xlsx")
