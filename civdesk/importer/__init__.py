"""Importing materials: see :mod:`civdesk.importer.pipeline`."""
from civdesk.importer.pipeline import (
    EntryResult,
    ImportAborted,
    ImportOptions,
    ImportReport,
    import_paths,
)

__all__ = ["EntryResult", "ImportAborted", "ImportOptions", "ImportReport", "import_paths"]
