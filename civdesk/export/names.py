"""Windows-safe names for the package tree.

Every name a package holds must open on any Windows PC: no reserved
characters (``<>:"/\\|?*``), control characters or bidi controls (U+202E
before ``gpj.exe`` makes an ``.exe`` show as ``exe.jpg``), no trailing dots or
spaces, no device names (``CON``, ``PRN``, ``AUX``, ``NUL``, ``COM1``…,
``LPT1``…, also ``con.txt``), and every path within ``path_limit`` UTF-16
code units of the export root.  Each name also stays within 255 UTF-8 bytes,
the limit of Linux file systems (a Chinese character takes three).  Reserved characters become their full-width
forms (``：`` reads naturally in Chinese); long texts are cut at a fixed
length and end with ``…`` (deterministic); names that collide once case is
ignored (Windows does) get `` (2)``, `` (3)``….
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

RESERVED_CHARS = {
    "<": "＜", ">": "＞", ":": "：", '"': "＂", "/": "／", "\\": "＼", "|": "｜",
    "?": "？", "*": "＊",
}
# C0/C1 controls and the bidi marks, embeddings, overrides and isolates
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_SPACES = re.compile(r"\s+")
_DEVICE = re.compile(r"^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)$", re.I)
ELLIPSIS = "…"
MIN_STEM = 8  # a file name is never cut below this many code units of stem
COMPONENT_BYTES = 255  # Linux file systems (Kylin/UOS) allow 255 UTF-8 bytes per name
FILE_RESERVE = 24  # room a folder leaves for its files: stem 8, " (99)", an extension of 8


def units(text: str) -> int:
    """Length as Windows counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


_RESERVED_TABLE = str.maketrans(RESERVED_CHARS)


def clean_component(name: str) -> str:
    """One legal Windows path component (not yet shortened)."""
    text = unicodedata.normalize("NFC", name)
    text = _CONTROL.sub("", text)
    text = text.translate(_RESERVED_TABLE)
    text = _SPACES.sub(" ", text).strip()
    text = text.rstrip(". ")
    if not text:
        return "_"
    stem = text.split(".", 1)[0].rstrip(" ")
    if _DEVICE.match(stem):
        text = "_" + text
    return text


def shorten(text: str, limit: int, max_bytes: int = COMPONENT_BYTES) -> str:
    """``text`` cut to at most ``limit`` code units and ``max_bytes`` UTF-8 bytes,
    ending with ``…`` when cut."""
    if units(text) <= limit and len(text.encode("utf-8")) <= max_bytes:
        return text
    out, used, size = [], 0, len(ELLIPSIS.encode("utf-8"))
    for ch in text:
        w, b = units(ch), len(ch.encode("utf-8"))
        if used + w > limit - 1 or size + b > max_bytes:
            break
        out.append(ch)
        used += w
        size += b
    return "".join(out).rstrip(". ") + ELLIPSIS


def legal_name(text: str, limit: int) -> str:
    """Clean then shorten; the cut never leaves a trailing dot or space or a device name."""
    return clean_component(shorten(clean_component(text), limit))


_EXT = re.compile(r"^(.*?)(\.[A-Za-z0-9]{1,8})?$")


def split_ext(name: str) -> tuple[str, str]:
    """``("报告", ".pdf")``; an extension is a final dot and 1–8 ASCII letters/digits."""
    m = _EXT.match(name)
    assert m
    stem, ext = m.group(1), m.group(2) or ""
    if not stem:
        return name, ""
    return stem, ext


@dataclass
class NameSpace:
    """Names taken inside one folder (case-insensitive, as on Windows)."""

    taken: set[str] = field(default_factory=set)

    def claim(self, stem: str, ext: str, budget: int, floor: int = MIN_STEM) -> str:
        """A unique ``stem + ext`` within ``budget`` code units, numbered on collision."""
        n = 1
        while True:
            suffix = "" if n == 1 else f" ({n})"
            room = max(floor, budget - units(ext) - units(suffix) - 1)  # 1: a device-name prefix
            spare = COMPONENT_BYTES - len((ext + suffix).encode("utf-8")) - 1
            name = clean_component(shorten(stem, room, spare) + suffix + ext)
            key = name.casefold()
            if key not in self.taken:
                self.taken.add(key)
                return name
            n += 1


class PathPlanner:
    """Hands out legal, unique relative paths within ``limit`` of the root.

    Folders are claimed once per distinct key; files get what is left of the
    budget after their folder (never less than a short stem: folder names are
    capped so that this always fits).
    """

    def __init__(self, limit: int = 240, folder_cap: int | None = None, depth: int = 4):
        self.limit = limit
        # Folder names are capped so that ``depth`` levels still leave room for a file name.
        fair = (limit - FILE_RESERVE) // depth - 1
        self.folder_cap = min(folder_cap or 40, fair)
        self._spaces: dict[str, NameSpace] = {}
        self._folders: dict[tuple[str, str], str] = {}

    def _space(self, folder: str) -> NameSpace:
        return self._spaces.setdefault(folder.casefold(), NameSpace())

    def folder(self, parent: str, key: str, name: str) -> str:
        """The relative path of a sub-folder of ``parent`` (``""`` is the root)."""
        if (parent, key) in self._folders:
            return self._folders[(parent, key)]
        budget = min(self.folder_cap, self.limit - units(parent) - 1 - FILE_RESERVE)
        if budget < 2:
            raise ValueError(f"文件夹层级太深，无法在 {self.limit} 个字符内放下：{parent}")
        leaf = self._space(parent).claim(clean_component(name), "", budget, floor=1)
        path = f"{parent}/{leaf}" if parent else leaf
        self._folders[(parent, key)] = path
        return path

    def file(self, folder: str, name: str) -> str:
        """The relative path of a new file named like ``name`` inside ``folder``."""
        stem, ext = split_ext(clean_component(name))
        ext = clean_component(ext) if ext else ""
        budget = self.limit - (units(folder) + 1 if folder else 0)
        leaf = self._space(folder).claim(stem, ext, budget)
        return f"{folder}/{leaf}" if folder else leaf

    def reserve(self, folder: str, name: str) -> None:
        """Take a name in ``folder`` for a file written elsewhere (package documents)."""
        self._space(folder).taken.add(name.casefold())


_EXT_PREFIX = re.compile(r"^(?:(?:jpe?g|png|gif|bmp|tiff?|webp|heic|heif|avif|pdf|ofd|docx?|xlsx?|pptx?"
                         r"|txt|wps|zip|mp4|mov)_+)+", re.I)
_HASH = re.compile(r"(?<![0-9A-Za-z])(?:[0-9a-f]{16,}|[0-9A-F]{16,}|"
                   r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?![0-9A-Za-z])")
_SEPARATORS = re.compile(r"[_\s]+")


def clean_title(file_name: str) -> str:
    """A title made from a raw file name: ``jpg__Nikon_D70.jpg`` → ``Nikon D70``.

    Drops the extension, type prefixes such as ``jpg__`` (left by cameras, phones and
    collection tools), long hexadecimal hashes and UUIDs, and turns underscores into
    spaces.  A name that is nothing but those stays as its stem (a title is never empty).
    """
    stem, _ext = split_ext(file_name.strip())
    text = _EXT_PREFIX.sub("", stem)
    text = _HASH.sub(" ", text)
    text = _SEPARATORS.sub(" ", text).strip(" -_.")
    return text or stem.strip() or file_name.strip() or "未命名"
