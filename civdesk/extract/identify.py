"""Identify a file's kind from its content (magic bytes), not its extension.

Kinds (the ``kind`` strings used everywhere in CivDesk):

=========  ==========================================================
jpeg png gif bmp tiff webp heic avif     photos and pictures
pdf ofd                                  fixed-layout documents (版式文件)
docx xlsx pptx                           Office Open XML (zip)
doc xls ppt                              legacy Office / WPS (OLE compound file)
txt                                      plain text, UTF-8 / UTF-16 / GB18030
zip                                      any other zip archive
video                                    mp4/mov/3gp, avi, mkv/webm, flv, wmv/asf, mpeg
empty                                    zero bytes
unknown                                  anything else
=========  ==========================================================

``mislabelled(kind, name)`` tells whether the file name's extension belongs
to another kind (a ``.pdf`` that is a JPEG).  Unknown or missing extensions
never count as mislabelled.
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path, PurePath

HEAD_SIZE = 64 * 1024
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OLE_SCAN_LIMIT = 64 * 1024 * 1024

OFFICE_KINDS = frozenset({"docx", "xlsx", "pptx", "doc", "xls", "ppt"})

MIME: dict[str, str] = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "bmp": "image/bmp",
    "tiff": "image/tiff",
    "webp": "image/webp",
    "heic": "image/heic",
    "avif": "image/avif",
    "pdf": "application/pdf",
    "ofd": "application/ofd",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
    "txt": "text/plain",
    "zip": "application/zip",
    "video": "video/mp4",
    "empty": "application/x-empty",
    "unknown": "application/octet-stream",
}

EXTENSIONS: dict[str, frozenset[str]] = {
    "jpeg": frozenset({"jpg", "jpeg", "jpe", "jfif"}),
    "png": frozenset({"png"}),
    "gif": frozenset({"gif"}),
    "bmp": frozenset({"bmp", "dib"}),
    "tiff": frozenset({"tif", "tiff"}),
    "webp": frozenset({"webp"}),
    "heic": frozenset({"heic", "heif", "hif"}),
    "avif": frozenset({"avif"}),
    "pdf": frozenset({"pdf"}),
    "ofd": frozenset({"ofd"}),
    "docx": frozenset({"docx", "docm", "dotx", "dotm"}),
    "xlsx": frozenset({"xlsx", "xlsm", "xltx", "xltm"}),
    "pptx": frozenset({"pptx", "pptm", "ppsx", "potx"}),
    "doc": frozenset({"doc", "dot", "wps"}),
    "xls": frozenset({"xls", "xlt", "et"}),
    "ppt": frozenset({"ppt", "pps", "pot", "dps"}),
    "txt": frozenset({"txt", "text", "csv", "tsv", "md", "log", "xml", "html", "htm",
                      "json", "ini", "cfg", "conf", "yaml", "yml", "rtf"}),
    "zip": frozenset({"zip"}),
    "video": frozenset({"mp4", "m4v", "mov", "qt", "3gp", "3g2", "avi", "mkv", "webm",
                        "flv", "wmv", "asf", "mpg", "mpeg", "vob", "ts", "mts", "m2ts"}),
}
_EXT_KIND: dict[str, str] = {ext: kind for kind, exts in EXTENSIONS.items() for ext in exts}

_HEIF_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis",
                          b"hevm", b"hevs", b"mif1", b"msf1"})
_ASF_GUID = bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c")
_QT_ATOMS = (b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot")


def read_head(path: Path, size: int = HEAD_SIZE) -> bytes:
    """The first ``size`` bytes of a file."""
    with open(path, "rb") as fh:
        return fh.read(size)


def extension(name: str) -> str:
    """Lower-case extension without the dot ('' when there is none)."""
    return PurePath(name).suffix.lower().lstrip(".")


def mislabelled(kind: str, name: str) -> bool:
    """True when the name's extension is known and belongs to another kind."""
    ext_kind = _EXT_KIND.get(extension(name))
    if ext_kind is None or kind in ("empty", "unknown"):
        return False
    if kind == "zip" and ext_kind in ("docx", "xlsx", "pptx", "ofd"):
        return True  # claims to be a document but is a plain archive
    return ext_kind != kind


def identify(path: Path, head: bytes | None = None, *, name: str | None = None) -> tuple[str, str]:
    """Return ``(kind, mime)`` judged from the file's content.

    ``head`` may carry the first bytes already read by the caller (at least
    64 KiB, or the whole file when shorter).  Zip and OLE containers are
    opened to tell Office formats apart; a bad container counts as ``zip`` /
    ``unknown`` instead of raising.  ``name`` (the original file name, default
    the path's) only guides the kind of a password-protected Office package.
    """
    if head is None:
        head = read_head(path)
    kind, mime = _identify_head(head)
    if kind == "zip":
        kind = _zip_kind(path)
        mime = MIME[kind]
    elif kind == "ole":
        kind = _ole_kind(path, name or path.name)
        mime = MIME[kind] if kind != "unknown" else "application/x-ole-storage"
    return kind, mime


def _identify_head(head: bytes) -> tuple[str, str]:
    """Magic-byte rules that need only the head of the file."""
    if not head:
        return "empty", MIME["empty"]
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg", MIME["jpeg"]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png", MIME["png"]
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif", MIME["gif"]
    if head.startswith(b"BM") and len(head) >= 26 and head[14] in (12, 40, 52, 56, 64, 108, 124):
        return "bmp", MIME["bmp"]
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "tiff", MIME["tiff"]
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp", MIME["webp"]
    if head[:4] == b"RIFF" and head[8:12] in (b"AVI ", b"AVIX"):
        return "video", "video/x-msvideo"
    if b"%PDF-" in head[:1024]:
        return "pdf", MIME["pdf"]
    if head[4:8] == b"ftyp":
        return _ftyp_kind(head)
    if head[4:8] in _QT_ATOMS and len(head) >= 8:
        return "video", "video/quicktime"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        mime = "video/webm" if b"webm" in head[:64] else "video/x-matroska"
        return "video", mime
    if head.startswith(b"FLV\x01"):
        return "video", "video/x-flv"
    if head.startswith(_ASF_GUID):
        return "video", "video/x-ms-asf"
    if head[:4] in (b"\x00\x00\x01\xba", b"\x00\x00\x01\xb3"):
        return "video", "video/mpeg"
    if len(head) > 376 and head[0] == 0x47 and head[188] == 0x47 and head[376] == 0x47:
        return "video", "video/mp2t"
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return "zip", MIME["zip"]
    if head.startswith(OLE_MAGIC):
        return "ole", ""
    if looks_like_text(head):
        return "txt", MIME["txt"]
    return "unknown", MIME["unknown"]


def _ftyp_kind(head: bytes) -> tuple[str, str]:
    """ISO base media: HEIF/AVIF images or MP4/MOV/3GP video."""
    size = int.from_bytes(head[:4], "big")
    box = head[8:max(16, min(size, len(head)))]
    brands = {box[i:i + 4] for i in range(0, len(box) - 3, 4)}
    major = head[8:12]
    if major == b"avif" or major == b"avis" or (b"avif" in brands and major in (b"mif1", b"msf1")):
        return "avif", MIME["avif"]
    if major in _HEIF_BRANDS or brands & _HEIF_BRANDS:
        mime = "image/heic" if major.startswith(b"he") else "image/heif"
        return "heic", mime
    if major == b"qt  ":
        return "video", "video/quicktime"
    if major.startswith(b"3g"):
        return "video", "video/3gpp"
    return "video", "video/mp4"


def _zip_kind(path: Path) -> str:
    """docx/xlsx/pptx/ofd by the names inside the archive, else zip."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return "zip"
    nameset = set(names)
    if "OFD.xml" in nameset or "ofd.xml" in nameset:
        return "ofd"
    if "[Content_Types].xml" in nameset:
        for prefix, kind in (("word/", "docx"), ("xl/", "xlsx"), ("ppt/", "pptx")):
            if any(n.startswith(prefix) for n in names):
                return kind
    return "zip"


def ole_stream_names(path: Path) -> set[str]:
    """Names of the directory entries of an OLE compound file.

    Directory entries are 128-byte records aligned on sector boundaries; we
    look for the handful of names we care about at aligned offsets instead of
    walking the FAT, which is enough to tell Word, Excel, PowerPoint and
    encrypted OOXML packages apart.
    """
    wanted = ("WordDocument", "Workbook", "Book", "PowerPoint Document",
              "EncryptedPackage", "EncryptionInfo")
    with open(path, "rb") as fh:
        data = fh.read(_OLE_SCAN_LIMIT)
    found: set[str] = set()
    for name in wanted:
        raw = name.encode("utf-16-le") + b"\x00\x00"
        for m in re.finditer(re.escape(raw), data):
            pos = m.start()
            if (pos >= 512 and pos % 128 == 0 and len(data) >= pos + 68
                    and int.from_bytes(data[pos + 64:pos + 66], "little") == len(raw)):
                found.add(name)
                break
    return found


def _ole_kind(path: Path, name: str) -> str:
    names = ole_stream_names(path)
    if "WordDocument" in names:
        return "doc"
    if "Workbook" in names or "Book" in names:
        return "xls"
    if "PowerPoint Document" in names:
        return "ppt"
    if "EncryptedPackage" in names:  # a password-protected docx/xlsx/pptx
        ext_kind = _EXT_KIND.get(extension(name))
        return ext_kind if ext_kind in ("docx", "xlsx", "pptx") else "docx"
    return "unknown"


def looks_like_text(head: bytes) -> bool:
    """Decodable as UTF-8/UTF-16 (BOM) or GB18030, with no NULs or odd controls."""
    return text_encoding(head) is not None


def text_encoding(head: bytes) -> str | None:
    """The encoding to read a text file with, or None when it is not text."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if b"\x00" in head:
        return None
    if any(b < 0x20 and b not in (9, 10, 12, 13, 26, 27) for b in head[:4096]):
        return None
    for enc in ("utf-8-sig", "gb18030"):
        if _decodes(head, enc):
            return enc
    return None


def _decodes(data: bytes, encoding: str) -> bool:
    """Decodes cleanly, allowing a multibyte character cut at the end."""
    try:
        data.decode(encoding)
        return True
    except UnicodeDecodeError as exc:
        return len(data) >= HEAD_SIZE and exc.start >= len(data) - 4
