"""Documents the platform refuses (TXT, PPTX, DOC… by the limits) converted to PDF.

LibreOffice does the conversion (:func:`civdesk.tools.convert_to_pdf`, headless, a private
profile, killed on timeout).  A conversion takes seconds, so each result is kept in the
library's cache (``cache/pdf/<sha256>.pdf``, one per original) and later exports reuse it.
The PDF's creation and modification dates are removed before it is cached, so a second
conversion of the same original gives the same bytes and exports stay byte-identical.
Without LibreOffice the document stays as it is and the export lists it as not converted.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from civdesk.tools import ToolError, convert_to_pdf, find_soffice

if TYPE_CHECKING:
    from civdesk.library import Library

CONVERTIBLE = frozenset({"txt", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "wps", "et", "dps", "rtf",
                         "odt", "ods", "odp"})


SOFFICE_HINT = "未找到 LibreOffice；安装 LibreOffice 后重新导出即可自动转换，或用 CIVDESK_SOFFICE 指定 soffice 的位置"


def available() -> bool:
    return find_soffice() is not None


def cache_path(lib: Library, sha256: str) -> Path:
    return lib.path / "cache" / "pdf" / f"{sha256}.pdf"


def cached_pdf(lib: Library, sha256: str, ext: str) -> bytes:
    """The PDF of the vault original ``sha256`` (with extension ``ext``), converted once.

    Raises :class:`~civdesk.tools.ToolError` when LibreOffice is missing or fails.
    """
    target = cache_path(lib, sha256)
    if target.is_file():
        return target.read_bytes()
    with tempfile.TemporaryDirectory(prefix="civdesk-pdf-") as tmp:
        source = Path(tmp) / f"document.{ext}"
        shutil.copyfile(lib.vault.path_for(sha256), source)
        produced = convert_to_pdf(source, Path(tmp) / "out")
        data = strip_dates(produced.read_bytes())
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(f".{target.name}.{os.getpid()}")
    part.write_bytes(data)
    os.replace(part, target)
    return data


def strip_dates(data: bytes) -> bytes:
    """The PDF without its creation/modification dates and with a fixed document ID."""
    import pymupdf

    try:
        doc = pymupdf.open("pdf", data)
    except Exception as exc:  # noqa: BLE001 - MuPDF raises its own error types
        raise ToolError(f"LibreOffice 生成的 PDF 无法打开：{exc}") from None
    meta = {k: v for k, v in (doc.metadata or {}).items() if k in
            ("title", "author", "subject", "keywords", "creator", "producer")}
    meta.update(creationDate="", modDate="")
    doc.set_metadata(meta)
    return doc.tobytes(garbage=3, deflate=True, no_new_id=True)


def page_count(data: bytes) -> int:
    import pymupdf

    with pymupdf.open("pdf", data) as doc:
        return doc.page_count
