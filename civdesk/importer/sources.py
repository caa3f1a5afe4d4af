"""Scan stage of an import: files, folders (recursive) and zip archives.

Every input file and every zip entry becomes exactly one :class:`Source`:
either something to read, or a refusal with its reason (path traversal,
encrypted entry, suspected zip bomb, system file …).  Zip names written by
Windows without the UTF-8 flag are decoded as GBK/GB18030.
"""
from __future__ import annotations

import os
import shutil
import stat
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Callable, Iterator

SKIPPED_NAMES = {"thumbs.db", "desktop.ini", ".ds_store"}
MAX_ENTRY_BYTES = 8 * 1024**3          # one zip entry
MAX_RATIO = 200                        # uncompressed / compressed, beyond a small size
RATIO_FLOOR = 50 * 1024**2             # ratios only matter above 50 MB
MAX_ARCHIVE_BYTES = 64 * 1024**3       # all entries of one archive together
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


def scan(paths: list[Path], tmp_dir: Path) -> Iterator[Source]:
    """Expand files, folders and zips into sources, in a stable order."""
    for path in paths:
        path = Path(path)
        if path.is_dir():
            yield from _scan_folder(path, tmp_dir)
        elif path.exists() or path.is_symlink():
            yield from _scan_file(path, (path.parent.name,), str(path), tmp_dir)
        else:
            yield Source(str(path), path.name, refused="文件或文件夹不存在")


def _scan_folder(root: Path, tmp_dir: Path) -> Iterator[Source]:
    unlisted: list[OSError] = []
    for dirpath, dirnames, filenames in os.walk(root, onerror=unlisted.append, followlinks=False):
        yield from _unlisted_folders(unlisted, root)
        dirnames.sort()
        rel = Path(dirpath).relative_to(root.parent)
        for fname in sorted(filenames):
            full = Path(dirpath) / fname
            yield from _scan_file(full, rel.parts, str(full), tmp_dir)
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
        yield Source(str(folder), folder.name, folders,
                     refused=f"文件夹无法打开，其中的文件未导入（{_os_reason(exc)}）")


def _scan_file(path: Path, folders: tuple[str, ...], display: str, tmp_dir: Path) -> Iterator[Source]:
    name = path.name
    if _system_file(name):
        yield Source(display, name, folders, refused="系统或临时文件（如 Thumbs.db、~$ 开头的文件），已跳过")
        return
    try:
        st = path.stat()
    except OSError as exc:
        reason = _os_reason(exc)
        if isinstance(exc, FileNotFoundError) and path.is_symlink():
            reason = "链接（快捷方式）指向的文件不存在，已跳过"
        yield Source(display, name, folders, refused=reason)
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
    yield Source(display, name, folders, st.st_size, opener=lambda p=path: open(p, "rb"), path=path,
                 mtime_ns=st.st_mtime_ns)


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
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        yield Source(display, Path(display).name, folders, refused=f"压缩包已损坏，无法打开（{exc}）")
        return
    total = 0
    for info in infos:
        if info.is_dir():
            continue
        name = decode_zip_name(info)
        entry_display = f"{display}/{name}"
        base = PurePosixPath(name.replace("\\", "/"))
        reason = unsafe_entry_reason(name)
        if reason is None and base.name and _system_file(base.name):
            reason = "系统或临时文件，已跳过"
        if reason is None and (base.parts and base.parts[0] == "__MACOSX"):
            reason = "苹果系统附加文件（__MACOSX），已跳过"
        if reason is None and info.flag_bits & 0x1:
            reason = "压缩包条目已加密（需要密码），无法读取"
        total += info.file_size
        if reason is None and (info.file_size > MAX_ENTRY_BYTES or total > MAX_ARCHIVE_BYTES or (
                info.file_size > RATIO_FLOOR
                and info.file_size > MAX_RATIO * max(info.compress_size, 1))):
            reason = (f"疑似压缩炸弹：条目声明解压后 {info.file_size / 1024**2:.0f} MB，"
                      f"压缩后仅 {info.compress_size / 1024:.0f} KB，已拒绝")
        entry_folders = folders + tuple(base.parts[:-1])
        if reason:
            yield Source(entry_display, base.name or name, entry_folders, refused=reason)
            continue
        if base.suffix.lower() == ".zip" and depth < MAX_NESTING:
            inner = _extract_nested(zf, info, tmp_dir)
            if inner is not None and _is_zip(inner):
                for src in _scan_zip(inner, entry_folders + (base.stem,), entry_display, tmp_dir,
                                     depth + 1):
                    yield src
                try:
                    inner.unlink(missing_ok=True)
                except OSError:  # Windows: still open; removed with the temp files at next open
                    pass
                continue
        yield Source(entry_display, base.name, entry_folders, info.file_size,
                     opener=lambda zf=zf, info=info: _open_entry(zf, info))


def _extract_nested(zf: zipfile.ZipFile, info: zipfile.ZipInfo, tmp_dir: Path) -> Path | None:
    tmp_dir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(suffix=".zip", dir=tmp_dir)
    try:
        with os.fdopen(fd, "wb") as out, zf.open(info) as src:
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


def _open_entry(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> _BoundedEntry:
    try:
        return _BoundedEntry(zf.open(info), info.file_size)
    except _ENTRY_ERRORS as exc:
        raise _damaged(exc) from exc


class _BoundedEntry:
    """A zip entry stream that refuses to produce more than it declared, and
    turns decoding errors (CRC, bad deflate data) into :class:`DamagedEntry`."""

    def __init__(self, raw: BinaryIO, declared: int):
        self.raw, self.left = raw, declared

    def read(self, n: int = -1) -> bytes:
        try:
            data = self.raw.read(n)
        except _ENTRY_ERRORS as exc:
            raise _damaged(exc) from exc
        self.left -= len(data)
        if self.left < 0:
            raise OSError("压缩包条目的实际大小超过声明大小（可能是压缩炸弹）")
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
    return f"无法读取文件（{exc.strerror or exc}）"


os_reason = _os_reason
