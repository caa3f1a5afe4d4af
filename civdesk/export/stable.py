"""Byte-for-byte reproducible output: fixed times in zips and Office files.

openpyxl and python-docx stamp the current time into ``docProps/core.xml``
and into their zip entries; :func:`stable_ooxml` rewrites both from a fixed
time so the same data gives the same bytes.  Zip entries made here carry
that time, fixed Unix permissions and the UTF-8 name flag, so Windows
Explorer and 7-Zip show Chinese names.  The "made by" is Unix on purpose:
Info-ZIP ``unzip`` (Kylin/UOS) runs names of a FAT-made zip through the OEM
code page even when the UTF-8 flag is set, garbling them.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable

UTF8_FLAG = 0x800
UNIX = 3  # "made by"; fixed here so the bytes do not depend on the host
FILE_ATTR = (0o100644 << 16) | 0x20  # regular file rw-r--r--, DOS "archive"
STORED_EXTS = frozenset({"jpg", "jpeg", "png", "gif", "pdf", "ofd", "docx", "xlsx", "pptx", "zip",
                         "mp4", "mov", "heic", "webp", "avif", "rar", "7z", "gz"})
_CORE_DATE = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def zip_info(name: str, when: dt.datetime, *, compress: bool) -> zipfile.ZipInfo:
    """A zip entry header that depends only on its name, the time and the method."""
    info = zipfile.ZipInfo(name, date_time=_dos_time(when))
    info.create_system = UNIX
    info.create_version = 20
    info.external_attr = FILE_ATTR
    info.flag_bits |= UTF8_FLAG
    info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    return info


def compressible(name: str) -> bool:
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return ext not in STORED_EXTS


def _dos_time(when: dt.datetime) -> tuple[int, int, int, int, int, int]:
    when = max(when, dt.datetime(1980, 1, 1))
    return (when.year, when.month, when.day, when.hour, when.minute, when.second - when.second % 2)


def stable_ooxml(data: bytes, when: dt.datetime,
                 edit: Callable[[str, bytes], bytes] | None = None) -> bytes:
    """Rewrite an Office Open XML file with fixed core-property dates and entry times
    (and each part passed through ``edit``, when given)."""
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            body = src.read(item)
            if item.filename == "docProps/core.xml":
                body = _CORE_DATE.sub(lambda m: m.group(1) + stamp + m.group(3), body)
            if edit:
                body = edit(item.filename, body)
            info = zipfile.ZipInfo(item.filename, date_time=_dos_time(when))
            info.create_system = UNIX
            info.external_attr = FILE_ATTR
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, body)
    return out.getvalue()
