"""File names as the clerk should read them.

On Linux a file name that is not valid UTF-8 (a GBK-named file copied from a
Windows disk) reaches Python as a ``str`` holding lone surrogates
(``surrogateescape``).  SQLite, JSON and the search index refuse those, so
every name that is stored or shown goes through :func:`readable` first; the
bytes as they were on disk are kept by :func:`escaped`.
"""
from __future__ import annotations

import os

_ENCODINGS = ("gb18030", "big5")


def readable(text: str) -> str:
    """``text`` with each undecodable path component decoded as GB18030 (or
    Big5); bytes no encoding explains become ``\\xNN`` escapes.  The result
    never holds a lone surrogate."""
    if _valid(text):
        return text
    return "/".join(_component(part) for part in text.split("/"))


def escaped(text: str) -> str:
    """The raw bytes of ``text`` with non-UTF-8 bytes written as ``\\xNN``."""
    return _raw(text).decode("utf-8", "backslashreplace")


def _valid(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _raw(text: str) -> bytes:
    try:
        return os.fsencode(text) if os.name == "posix" else text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate that is no escaped byte (Windows names)
        return text.encode("utf-8", "surrogatepass")


def _component(part: str) -> str:
    if _valid(part):
        return part
    raw = _raw(part)
    for encoding in _ENCODINGS:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", "backslashreplace")
