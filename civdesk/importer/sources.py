"""Scan stage of an import: files, folders (recursive) and zip archives.

Every input file and every zip entry becomes exactly one :class:`Source`:
either something to read, or a refusal with its reason (path traversal,
encrypted entry, suspected zip bomb, system file, link …).  Zip names written
by Windows without the UTF-8 flag, and file names on disk that are not UTF-8,
are decoded as GBK/GB18030.

Links (symbolic links, and link entries in zips) are never followed: a link
inside a folder could pull any file of the computer into the library.
Archives are checked for bombs before anything is inflated: entries whose
data overlap (many entries inflating the same bytes), entries far larger than
their compressed data, and archives declaring more than :data:`MAX_RATIO`
times their own size in total; while inflating, no entry and no archive may
produce more than it declared.
"""
from __future__ import annotations

import os
import shutil
import stat
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from civdesk.fsnames import escaped, readable

SKIPPED_NAMES = {"thumbs.db", "desktop.ini", ".ds_store"}
MAX_ENTRY_BYTES = 8 * 1024**3          # one zip entry
MAX_RATIO = 200                        # uncompressed / compressed, beyond a small size
RATIO_FLOOR = 50 * 1024**2             # ratios only matter above 50 MB
MAX_ARCHIVE_BYTES = 64 * 1024**3       # all entries of one archive together
ARCHIVE_FLOOR = 256 * 1024**2          # an archive may always inflate to this much
MAX_NESTING = 3


@dataclass
class Source:
    """One file to import (or refuse)."""

    display: str                      # what the report shows
    name: str                         # the file name, as the clerk knows it
    folders: tuple[str, ...] = ()     # enclosing folder names (and the zip's name)
    size: int = 0
    opener: Callable[[], BinaryIO] | None = None
    refused: str | None = None
    path: Path | None = None          # a file on disk (not a zip entry)
    mtime_ns: int = 0
    raw_name: str = ""                # the name's bytes on disk (``\xNN`` escapes) when not UTF-8

    def open(self) -> BinaryIO:
        assert self.opener is not None
        return self.opener()

    def changed(self) -> bool:
        """Whether a file on disk was modified since it was scanned."""
        if self.path is None:
            return False
        try:
            st = self.path.stat()
        except OSError:
            return True
        return (st.st_size, st.st_mtime_ns) != (self.size, self.mtime_ns)


def decode_zip_name(info: zipfile.ZipInfo) -> str:
    """The entry's real name: UTF-8 flag, Info-ZIP unicode path, else GBK."""
    if info.flag_bits & 0x800:
        return info.filename
    unicode_path = _unicode_path_extra(info)
    if unicode_path:
        return unicode_path
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    for encoding in ("utf-8", "gb18030", "big5"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def _unicode_path_extra(info: zipfile.ZipInfo) -> str | None:
    extra = info.extra
    i = 0
    while i + 4 <= len(extra):
        tag = int.from_bytes(extra[i:i + 2], "little")
        size = int.from_bytes(extra[i + 2:i + 4], "little")
        if tag == 0x7075 and size > 5:
            try:
                return extra[i + 9:i + 4 + size].decode("utf-8")
            except UnicodeDecodeError:
                return None
        i += 4 + size
    return None


def unsafe_entry_reason(name: str) -> str | None:
    """Why a zip entry name must not be extracted, or None when it is safe."""
    norm = name.replace("\\", "/")
    if norm.startswith("/") or (len(norm) > 1 and norm[1] == ":"):
        return "压缩包条目使用了绝对路径，可能覆盖系统文件，已拒绝"
    if any(part == ".." for part in norm.split("/")):
        return "压缩包条目路径含「../」，会跳出解压目录，已拒绝"
    return None


def _system_file(name: str) -> bool:
    lower = name.lower()
    return lower in SKIPPED_NAMES or name.startswith("~$") or name.startswith("._")


LINK_REASON = "这是一个链接（快捷方式），为安全起见不跟随链接导入，已拒绝；请直接导入它指向的文件或文件夹"
DANGLING_LINK_REASON = "链接（快捷方式）指向的文件不存在，已跳过"


def _link_reason(path: Path) -> str:
    return LINK_REASON if path.exists() else DANGLING_LINK_REASON


def _folder_names(parts: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(readable(p) for p in parts)


def scan(paths: list[Path], tmp_dir: Path) -> Iterator[Source]:
    """Expand files, folders and zips into sources, in a stable order."""
    for path in paths:
        path = Path(path)
        if path.is_symlink():
            yield Source(readable(str(path)), readable(path.name), refused=_link_reason(path))
        elif path.is_dir():
            yield from _scan_folder(path, tmp_dir)
        elif path.exists():
            yield from _scan_file(path, _folder_names((path.parent.name,)), tmp_dir)
        else:
            yield Source(readable(str(path)), readable(path.name), refused="文件或文件夹不存在")


def _scan_folder(root: Path, tmp_dir: Path) -> Iterator[Source]:
    unlisted: list[OSError] = []
    for dirpath, dirnames, filenames in os.walk(root, onerror=unlisted.append, followlinks=False):
        yield from _unlisted_folders(unlisted, root)
        rel = _folder_names(Path(dirpath).relative_to(root.parent).parts)
        links = sorted(d for d in dirnames if (Path(dirpath) / d).is_symlink())
        dirnames[:] = sorted(d for d in dirnames if d not in links)
        for fname in sorted(filenames + links):
            yield from _scan_file(Path(dirpath) / fname, rel, tmp_dir)
    yield from _unlisted_folders(unlisted, root)


def _unlisted_folders(errors: list[OSError], root: Path) -> Iterator[Source]:
    """A folder that could not be listed is reported, not silently left out."""
    while errors:
        exc = errors.pop(0)
        folder = Path(exc.filename or root)
        try:
            folders = folder.parent.relative_to(root.parent).parts
        except ValueError:
            folders = ()
        yield Source(readable(str(folder)), readable(folder.name), _folder_names(folders),
                     refused=f"文件夹无法打开，其中的文件未导入（{_os_reason(exc)}）")


def _scan_file(path: Path, folders: tuple[str, ...], tmp_dir: Path) -> Iterator[Source]:
    name, display = readable(path.name), readable(str(path))
    raw_name = escaped(path.name) if name != path.name else ""
    if _system_file(name):
        yield Source(display, name, folders, refused="系统或临时文件（如 Thumbs.db、~$ 开头的文件），已跳过")
        return
    try:
        st = path.lstat()
    except OSError as exc:
        yield Source(display, name, folders, refused=_os_reason(exc))
        return
    if stat.S_ISLNK(st.st_mode):
        yield Source(display, name, folders, refused=_link_reason(path))
        return
    if not stat.S_ISREG(st.st_mode):
        yield Source(display, name, folders, refused="不是普通文件（设备、管道或链接），已跳过")
        return
    if name.lower().endswith(".zip"):
        if _is_zip(path):
            yield from _scan_zip(path, folders + (Path(name).stem,), display, tmp_dir, 1)
            return
        if _zip_signature(path):
            yield Source(display, name, folders,
                         refused="压缩包已损坏（不完整，可能只下载或复制了一部分），无法解压")
            return
    yield Source(display, name, folders, st.st_size, path=path, mtime_ns=st.st_mtime_ns,
                 raw_name=raw_name, opener=lambda p=path: open(p, "rb", opener=_open_no_link))  # noqa: SIM115 - the caller closes it


def _open_no_link(path: str, flags: int) -> int:
    """Open without following a link put in the file's place after the scan."""
    return os.open(path, flags | getattr(os, "O_NOFOLLOW", 0))


def _zip_signature(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(4) in (b"PK\x03\x04", b"PK\x05\x06")
    except OSError:
        return False


def _is_zip(path: Path) -> bool:
    try:
        return zipfile.is_zipfile(path)
    except OSError:
        return False


def _scan_zip(path: Path, folders: tuple[str, ...], display: str, tmp_dir: Path,
              depth: int) -> Iterator[Source]:
    try:
        zf = zipfile.ZipFile(path)
        infos = zf.infolist()
        size = path.stat().st_size
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        yield Source(display, Path(display).name, folders, refused=f"压缩包已损坏，无法打开（{exc}）")
        return
    overlapping = _overlapping_entries(path, infos)
    limit = min(MAX_ARCHIVE_BYTES, max(MAX_RATIO * size, ARCHIVE_FLOOR))
    budget = _Budget(limit)  # what the entries may inflate to, enforced while reading
    declared = 0
    if all(info.is_dir() for info in infos):
        yield Source(display, Path(display).name, folders,
                     refused="压缩包是空的（其中没有文件），没有可导入的内容")
        return
    for i, info in enumerate(infos):
        if info.is_dir():
            continue
        name = decode_zip_name(info)
        entry_display = f"{display}/{name}"
        base = PurePosixPath(name.replace("\\", "/"))
        reason = unsafe_entry_reason(name)
        if reason is None and i in overlapping:
            reason = "疑似压缩炸弹：压缩包中多个条目的数据互相重叠（同一段数据被反复解压），已拒绝"
        if reason is None and stat.S_ISLNK(info.external_attr >> 16):
            reason = "压缩包条目是链接（符号链接），为安全起见不导入，已拒绝"
        if reason is None and base.name and _system_file(base.name):
            reason = "系统或临时文件，已跳过"
        if reason is None and (base.parts and base.parts[0] == "__MACOSX"):
            reason = "苹果系统附加文件（__MACOSX），已跳过"
        if reason is None and info.flag_bits & 0x1:
            reason = "压缩包条目已加密（需要密码），无法读取"
        if reason is None and (info.file_size > MAX_ENTRY_BYTES or (
                info.file_size > RATIO_FLOOR
                and info.file_size > MAX_RATIO * max(info.compress_size, 1))):
            reason = (f"疑似压缩炸弹：条目声明解压后 {info.file_size / 1024**2:.0f} MB，"
                      f"压缩后仅 {info.compress_size / 1024:.0f} KB，已拒绝")
        if reason is None and declared + info.file_size > limit:
            reason = (f"疑似压缩炸弹：压缩包仅 {size / 1024**2:.1f} MB，条目合计解压后超过 "
                      f"{limit / 1024**2:.0f} MB，超出部分的条目已拒绝")
        entry_folders = folders + tuple(base.parts[:-1])
        if reason:
            yield Source(entry_display, base.name or name, entry_folders, refused=reason)
            continue
        declared += info.file_size
        if base.suffix.lower() == ".zip" and depth < MAX_NESTING:
            inner = _extract_nested(zf, info, tmp_dir, budget)
            if inner is not None and _is_zip(inner):
                yield from _scan_zip(inner, entry_folders + (base.stem,), entry_display, tmp_dir,
                                     depth + 1)
                try:
                    inner.unlink(missing_ok=True)
                except OSError:  # Windows: still open; removed with the temp files at next open
                    pass
                continue
        yield Source(entry_display, base.name, entry_folders, info.file_size,
                     opener=lambda zf=zf, info=info: _open_entry(zf, info, budget))


@dataclass
class _Budget:
    """Bytes an archive may still inflate to (all its entries together)."""

    left: int


def _overlapping_entries(path: Path, infos: list[zipfile.ZipInfo]) -> set[int]:
    """Indexes of entries whose local header and data overlap another entry's:
    the mark of an overlapping-entry bomb (many entries, one deflate kernel)."""
    spans = []
    try:
        with open(path, "rb") as fh:
            for i, info in enumerate(infos):
                fh.seek(info.header_offset)
                head = fh.read(30)
                if len(head) < 30 or head[:4] != b"PK\x03\x04":
                    continue  # reading the entry reports the damage
                name_len, extra_len = struct.unpack("<HH", head[26:30])
                start = info.header_offset
                spans.append((start, start + 30 + name_len + extra_len + info.compress_size, i))
    except (OSError, ValueError):
        return set()
    spans.sort()
    found: set[int] = set()
    reach, reach_i = -1, -1
    for start, end, i in spans:
        if start < reach:
            found.update((i, reach_i))
        if end > reach:
            reach, reach_i = end, i
    return found


def _extract_nested(zf: zipfile.ZipFile, info: zipfile.ZipInfo, tmp_dir: Path,
                    budget: _Budget) -> Path | None:
    tmp_dir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(suffix=".zip", dir=tmp_dir)
    try:
        with os.fdopen(fd, "wb") as out, _open_entry(zf, info, budget) as src:
            shutil.copyfileobj(src, out, 1 << 20)
        return Path(name)
    except (OSError, zipfile.BadZipFile, RuntimeError, ValueError):
        Path(name).unlink(missing_ok=True)
        return None


_ENTRY_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError,
                 ValueError)


class DamagedEntry(OSError):
    """A zip entry could not be read (CRC error, bad data, unsupported method)."""


def _damaged(exc: BaseException) -> DamagedEntry:
    if isinstance(exc, NotImplementedError):
        return DamagedEntry(f"压缩包条目使用了不支持的压缩方式，无法读取（{exc}）")
    if isinstance(exc, RuntimeError) and "password" in str(exc).lower():
        return DamagedEntry("压缩包条目已加密（需要密码），无法读取")
    return DamagedEntry(f"压缩包条目已损坏，无法读取（{type(exc).__name__}: {str(exc)[:80]}）")


def _open_entry(zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: _Budget) -> _BoundedEntry:
    try:
        return _BoundedEntry(zf.open(info), info.file_size, budget)
    except _ENTRY_ERRORS as exc:
        raise _damaged(exc) from exc


class _BoundedEntry:
    """A zip entry stream that refuses to produce more than it declared (or
    more than its archive's budget), and turns decoding errors (CRC, bad
    deflate data) into :class:`DamagedEntry`."""

    def __init__(self, raw: BinaryIO, declared: int, budget: _Budget):
        self.raw, self.left, self.budget = raw, declared, budget

    def read(self, n: int = -1) -> bytes:
        try:
            data = self.raw.read(n)
        except _ENTRY_ERRORS as exc:
            raise _damaged(exc) from exc
        self.left -= len(data)
        self.budget.left -= len(data)
        if self.left < 0:
            raise OSError("压缩包条目的实际大小超过声明大小（可能是压缩炸弹）")
        if self.budget.left < 0:
            raise OSError("压缩包解压后的总大小超过上限（可能是压缩炸弹）")
        return data

    def close(self) -> None:
        self.raw.close()

    def __enter__(self) -> _BoundedEntry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _os_reason(exc: OSError) -> str:
    import errno

    if isinstance(exc, DamagedEntry):
        return str(exc)
    if isinstance(exc, FileNotFoundError):
        return "文件在导入过程中消失（可能被移动或删除）"
    if isinstance(exc, PermissionError):
        return "没有读取权限，无法读取文件"
    if exc.errno == errno.ENAMETOOLONG:
        return "文件路径过长，无法读取"
    if exc.errno == errno.ELOOP:
        return LINK_REASON
    return f"无法读取文件（{exc.strerror or exc}）"


os_reason = _os_reason
