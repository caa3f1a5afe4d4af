"""The vault: original files addressed by their SHA-256, never modified.

A file enters through a temporary file in ``vault/.tmp``: it is copied while
hashed, flushed to disk (fsync), verified, then renamed to
``vault/ab/abcdef…`` (the full hex digest).  A crash leaves at most a stray
temporary file, which :meth:`Vault.clean_temp` removes at the next open.

Imports go one step further: a new file is stored under ``vault/.staging``
and moved to its place only after the database row that refers to it has been
committed (:meth:`Vault.promote`).  At the next open, :meth:`Vault.recover`
promotes staged files whose rows exist and deletes the others, so a kill at
any moment leaves no row without its file and no file without its row.
"""
from __future__ import annotations

import errno
import hashlib
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

CHUNK = 1 << 20


class VaultError(OSError):
    """A file could not be stored; the message names the file and the reason."""


@dataclass(frozen=True)
class Stored:
    sha256: str
    size: int
    path: Path
    new: bool  # False when the same content was already in the vault


def hash_file(path: Path) -> tuple[str, int]:
    """SHA-256 hex digest and size of a file, streamed."""
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def _fsync_dir(path: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Vault:
    """With ``session`` (a shared vault, several clerks at once) each program session has its
    own ``.tmp/<session>`` and ``.staging/<session>`` folders: cleaning up after a crash
    touches only the folders of sessions that are gone (:meth:`recover_sessions`)."""

    def __init__(self, root: Path, session: str | None = None):
        self.root = root
        self.session = session
        self.tmp = root / ".tmp" / session if session else root / ".tmp"
        self.staging = root / ".staging" / session if session else root / ".staging"

    def ensure(self) -> None:
        if self.session and not self.root.is_dir():
            # a shared vault that went away (share disconnected): never recreate it on the local disk
            raise VaultError(errno.ENOENT, f"原件库的共享文件夹无法访问：{self.root}")
        self.tmp.mkdir(parents=True, exist_ok=True)
        self.staging.mkdir(parents=True, exist_ok=True)

    def staged_path(self, sha256: str) -> Path:
        return self.staging / sha256

    def make_durable(self, sha256s: list[str]) -> None:
        """Flush staged files (and the staging folder) to disk before rows refer to them."""
        if not sha256s:
            return
        if hasattr(os, "sync") and len(sha256s) > 4:
            os.sync()  # one flush for the batch (POSIX)
            return
        for sha in sha256s:
            p = self.staged_path(sha)
            fd = os.open(p, os.O_RDONLY | getattr(os, "O_BINARY", 0))
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(self.staging)

    def promote(self, sha256: str) -> None:
        """Move a staged file to its place (its database row is committed).

        The rename is not flushed: after a crash, :meth:`recover` finds the file
        still staged with its row committed and promotes it again.
        """
        src = self.staged_path(sha256)
        dest = self.path_for(sha256)
        if dest.is_file():
            if src.exists():
                _make_writable(src)
                src.unlink()
            return
        dest.parent.mkdir(parents=not self.session, exist_ok=True)  # a vanished share is not recreated
        os.replace(src, dest)

    def discard_staged(self, sha256: str) -> None:
        p = self.staged_path(sha256)
        if p.exists():
            _make_writable(p)
            p.unlink()

    def recover(self, known: set[str] | frozenset[str]) -> tuple[int, int]:
        """Finish or undo interrupted imports; returns (promoted, removed)."""
        promoted = removed = 0
        if not self.staging.is_dir():
            return 0, 0
        for p in list(self.staging.iterdir()):
            if p.name in known and p.name == hash_file(p)[0]:
                self.promote(p.name)
                promoted += 1
            else:
                _make_writable(p)
                p.unlink()
                removed += 1
        return promoted, removed

    def recover_sessions(self, live: set[str], known: set[str] | frozenset[str]) -> tuple[int, int]:
        """Shared vault: finish or undo the staged files of sessions no longer alive."""
        promoted = removed = 0
        for base in (self.root / ".staging", self.root / ".tmp"):
            if not base.is_dir():
                continue
            for d in list(base.iterdir()):
                if not d.is_dir() or d.name in live or d.name == self.session:
                    continue
                for p in list(d.iterdir()):
                    if base.name == ".staging" and p.name in known and p.name == hash_file(p)[0]:
                        dest = self.path_for(p.name)
                        if not dest.is_file():
                            dest.parent.mkdir(parents=True, exist_ok=True)
                            os.replace(p, dest)
                            promoted += 1
                            continue
                    _make_writable(p)
                    try:
                        p.unlink()
                        removed += 1
                    except FileNotFoundError:
                        pass
                try:
                    d.rmdir()
                except OSError:
                    pass
        return promoted, removed

    def remove_session_dirs(self) -> None:
        """At close: this session's own (empty) folders on the share go."""
        if self.session:
            for d in (self.tmp, self.staging):
                try:
                    d.rmdir()
                except OSError:
                    pass

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def clean_temp(self) -> int:
        """Remove temporary files left by an interrupted store; returns how many."""
        removed = 0
        if self.tmp.is_dir():
            for p in self.tmp.iterdir():
                try:
                    p.unlink()
                    removed += 1
                except OSError:
                    pass
        return removed

    def store_stream(self, src: BinaryIO, expected_sha256: str | None = None,
                     staged: bool = False) -> Stored:
        """Copy a stream into the vault, hashing as it goes; verify before the rename.

        With ``staged`` the file lands in ``.staging`` and waits for :meth:`promote`;
        it is not flushed to disk yet: the caller calls :meth:`make_durable` for a
        whole batch before any database row refers to the files (one disk flush
        per batch instead of one per file).
        """
        self.ensure()
        tmp = self.tmp / f"{uuid.uuid4().hex}.part"
        h = hashlib.sha256()
        size = 0
        try:
            with open(tmp, "wb") as out:
                while chunk := src.read(CHUNK):
                    h.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
                out.flush()
                if not staged:
                    os.fsync(out.fileno())
            digest = h.hexdigest()
            if expected_sha256 is not None and digest != expected_sha256:
                raise VaultError("文件在导入过程中被修改（前后校验值不一致）")
            dest = self.staged_path(digest) if staged else self.path_for(digest)
            if dest.is_file() and self._matches(dest, digest):
                tmp.unlink()
                return Stored(digest, size, dest, new=False)
            dest.parent.mkdir(parents=True, exist_ok=True)
            # Verify what landed on disk, not what we meant to write.
            if hash_file(tmp)[0] != digest:
                raise VaultError("写入原件库后校验失败（磁盘可能有问题）")
            os.replace(tmp, dest)
            if not staged:
                _fsync_dir(dest.parent)
            _make_readonly(dest)
            return Stored(digest, size, dest, new=True)
        except BaseException:
            try:
                tmp.unlink()
            except OSError:
                pass
            raise

    def store_file(self, path: Path, expected_sha256: str | None = None,
                   staged: bool = False) -> Stored:
        with open(path, "rb") as f:
            return self.store_stream(f, expected_sha256, staged)

    def _matches(self, path: Path, digest: str) -> bool:
        return hash_file(path)[0] == digest

    def iter_files(self) -> Iterator[Path]:
        """Every file in the vault proper (temporary files excluded)."""
        if not self.root.is_dir():
            return
        for sub in sorted(self.root.iterdir()):
            if sub.name in (".tmp", ".staging"):
                continue
            if sub.is_file():
                yield sub
                continue
            yield from sorted(sub.iterdir())


def _make_readonly(path: Path) -> None:
    try:
        path.chmod(0o444)
    except OSError:
        pass


def _make_writable(path: Path) -> None:
    try:
        path.chmod(0o644)
    except OSError:
        pass
