"""Office documents (DOCX, XLSX, …) as PDF for the preview, made by LibreOffice and cached.

The cache lives beside the thumbnails (``thumbs/pdf/<sha256>.pdf``): rebuildable, never
the original.  Seconds of work: call it from a worker thread.
"""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path, PurePath
from typing import TYPE_CHECKING

from civdesk.tools import convert_to_pdf, find_soffice

if TYPE_CHECKING:
    from civdesk.library import Library

CONVERTIBLE = frozenset({"docx", "doc", "xlsx", "xls", "pptx", "odt", "ods", "rtf", "txt"})


def can_convert(kind: str) -> bool:
    return kind in CONVERTIBLE and find_soffice() is not None


def cached_pdf(lib: Library, sha256: str) -> Path:
    return lib.thumbs_dir / "pdf" / f"{sha256}.pdf"


def preview_pdf(lib: Library, sha256: str, original_name: str, timeout: float = 120) -> Path:
    """The document as PDF (converted once, then read from the cache).

    Raises :class:`civdesk.tools.ToolError` when LibreOffice is missing or fails.
    """
    target = cached_pdf(lib, sha256)
    if target.is_file() and target.stat().st_size:
        return target
    suffix = PurePath(original_name).suffix.lower() or ".docx"
    with tempfile.TemporaryDirectory(prefix="civdesk-preview-") as tmp:
        source = Path(tmp) / f"document{suffix}"
        shutil.copyfile(lib.vault.path_for(sha256), source)  # a copy: the original stays untouched
        made = convert_to_pdf(source, Path(tmp) / "out", timeout=timeout)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".part")
        shutil.copyfile(made, partial)
        partial.replace(target)
    return target
