"""The package manifest (BagIt ``manifest-sha256.txt``) and its verification.

One line per file other than the manifest: ``<sha256>  <relative path>``,
``/`` between folders, UTF-8, LF line ends; ``%``, CR and LF in a path are
percent-encoded as RFC 8493 asks.  :func:`verify_package` checks a folder or
a zip against it and names every missing, altered and extra file.  In a
zip it also names what an unzip tool would hide: a name stored twice (one copy
overwrites the other, a second manifest included) and a folder entry that
carries data.
"""
from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

MANIFEST = "manifest-sha256.txt"
CHUNK = 1 << 20


class PackageError(ValueError):
    """Not a package (no readable manifest); the message is for the clerk."""


@dataclass(frozen=True)
class PackageProblem:
    kind: str  # 'missing' | 'altered' | 'extra' | 'duplicate'
    path: str
    message: str


@dataclass(frozen=True)
class PackageReport:
    path: str
    checked: int  # files listed in the manifest
    problems: tuple[PackageProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def _encode(path: str) -> str:
    return path.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _decode(path: str) -> str:
    return path.replace("%0A", "\n").replace("%0a", "\n").replace("%0D", "\r") \
        .replace("%0d", "\r").replace("%25", "%")


def manifest_bytes(hashes: list[tuple[str, str]]) -> bytes:
    return "".join(f"{h}  {_encode(p)}\n" for h, p in hashes).encode("utf-8")


def parse_manifest(data: bytes) -> dict[str, str]:
    """``{relative path: sha256}``; refuses anything that is not a manifest."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PackageError("校验清单不是 UTF-8 文本") from None
    out: dict[str, str] = {}
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        digest, sep, path = line.partition(" ")
        path = path.lstrip(" *")
        if not sep or len(digest) != 64 or not path or any(c not in "0123456789abcdefABCDEF" for c in digest):
            raise PackageError(f"校验清单第 {n} 行格式错误：{line[:80]}")
        out[_decode(path)] = digest.lower()
    return out


def verify_package(path: Path | str) -> PackageReport:
    """Check a package folder or zip against its manifest."""
    path = Path(path)
    if path.is_dir():
        manifest_file = path / MANIFEST
        if not manifest_file.is_file():
            raise PackageError(f"这里没有校验清单 {MANIFEST}：{path}")
        listed = parse_manifest(manifest_file.read_bytes())
        hidden: list[PackageProblem] = []  # a folder cannot hold a name twice
        present = {p: _hash_file(path / p) for p in _folder_files(path)}
    elif zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            try:
                listed = parse_manifest(zf.read(MANIFEST))
            except KeyError:
                raise PackageError(f"压缩包中没有校验清单 {MANIFEST}：{path}") from None
            infos = zf.infolist()
            hidden = list(_hidden_entries(infos))
            present = {i.filename: _hash_entry(zf, i) for i in infos
                       if not i.is_dir() and i.filename != MANIFEST}
    elif path.exists():
        raise PackageError(f"不是材料包文件夹或 zip 压缩包：{path}")
    else:
        raise PackageError(f"找不到：{path}")
    return PackageReport(str(path), len(listed), tuple(hidden) + tuple(_compare(listed, present)))


def _hidden_entries(infos: list[zipfile.ZipInfo]) -> Iterator[PackageProblem]:
    """Zip entries an unzip tool would not show: repeated names, folders with data."""
    counts: dict[str, int] = {}
    for i in infos:
        counts[i.filename] = counts.get(i.filename, 0) + 1
    for name, n in counts.items():
        if n > 1:
            what = "校验清单" if name == MANIFEST else "文件"
            yield PackageProblem("duplicate", name, f"压缩包中同名{what}出现 {n} 次"
                                 f"（解压时只留下一个，其余被隐藏）：{name}")
    for i in infos:  # (an empty deflated entry still takes 2 compressed bytes)
        stored = i.compress_size if i.compress_type == zipfile.ZIP_STORED else 0
        if i.is_dir() and max(i.file_size, stored):
            yield PackageProblem("extra", i.filename, f"压缩包中的文件夹条目带有数据"
                                 f"（{max(i.file_size, stored)} 字节，解压时被隐藏）：{i.filename}")


def _compare(listed: dict[str, str], present: dict[str, str | None]) -> Iterator[PackageProblem]:
    for rel, digest in listed.items():
        if rel not in present:
            yield PackageProblem("missing", rel, f"缺少文件：{rel}")
        elif present[rel] != digest:
            yield PackageProblem("altered", rel, f"文件被改动（校验值不符）：{rel}")
    for rel in sorted(set(present) - set(listed)):
        yield PackageProblem("extra", rel, f"清单之外的多余文件：{rel}")


def _folder_files(root: Path) -> Iterator[str]:
    for p in sorted(root.rglob("*")):
        if p.is_file() or p.is_symlink():
            rel = p.relative_to(root).as_posix()
            if rel != MANIFEST:
                yield rel


def _hash_file(path: Path) -> str | None:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            while chunk := f.read(CHUNK):
                h.update(chunk)
    except OSError:
        return None
    return h.hexdigest()


def _hash_entry(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> str | None:
    h = hashlib.sha256()
    try:
        with zf.open(info) as f:
            while chunk := f.read(CHUNK):
                h.update(chunk)
    except (zipfile.BadZipFile, OSError, EOFError):  # CRC error, damaged entry
        return None
    return h.hexdigest()
