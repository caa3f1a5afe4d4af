"""A damaged, read-only or foreign library folder ends in a clear Chinese
message (a LibraryError), never a traceback, and nothing in it is changed."""
from __future__ import annotations

import errno
import io
import os
import shutil
import subprocess
import sys

import pytest

from civdesk import lock
from civdesk.errors import DamagedLibraryError, LibraryError, LibraryNotWritableError
from civdesk.library import Library
from civdesk.models import Material
from tests.conftest import ROOT, run_cli

OLD_BACKUP = "library.db.bak-20240105-093000-0001"
NEW_BACKUP = "library.db.bak-20250310-154500-0002"


def _library(tmp_path, *, backups: bool = False):
    """A library with one registered original (and, if asked, two dated backups)."""
    path = tmp_path / "资料库"
    with Library.create(path, sample=True) as lib:
        stored = lib.vault.store_stream(io.BytesIO("文明城市创建工作方案".encode()))
        with lib.session() as s:
            s.add(Material(sha256=stored.sha256, size=stored.size, original_name="方案.docx",
                           kind="docx"))
    if backups:
        shutil.copy(path / "library.db", path / OLD_BACKUP)
        shutil.copy(path / "library.db", path / NEW_BACKUP)
    return path


def _snapshot(path):
    """Every file of the folder with its bytes (the lock file holds only the holder's pid)."""
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*"))
            if p.is_file() and p.name != "library.lock"}


def _truncate(db):
    data = db.read_bytes()
    db.write_bytes(data[:len(data) // 2])


DAMAGES = {
    "truncated": (_truncate, "不完整"),
    "hello": (lambda db: db.write_bytes(b"hello"), "不是 SQLite 数据库"),
    "random": (lambda db: db.write_bytes(os.urandom(64 * 1024)), "不是 SQLite 数据库"),
    "empty": (lambda db: db.write_bytes(b""), "是空的（0 字节）"),
}


@pytest.mark.parametrize("damage", sorted(DAMAGES))
def test_damaged_database_refused_and_left_untouched(tmp_path, damage):
    path = _library(tmp_path)
    spoil, cause = DAMAGES[damage]
    spoil(path / "library.db")
    before = _snapshot(path)
    with pytest.raises(DamagedLibraryError) as caught:
        Library.open(path)
    message = str(caught.value)
    assert "资料库已损坏" in message and str(path) in message and cause in message
    assert "没有数据库备份" in message and "副本" in message  # what to do without a backup
    assert _snapshot(path) == before  # nothing written, not even SQLite's -wal/-shm files
    assert not (path / "library.db-wal").exists() and not (path / "library.db-shm").exists()


def test_empty_database_beside_full_vault_is_not_a_new_library(tmp_path):
    path = _library(tmp_path)
    (path / "library.db").write_bytes(b"")
    with pytest.raises(DamagedLibraryError, match="vault 中已有原件"):
        Library.open(path, create=True)
    assert (path / "library.db").stat().st_size == 0  # not re-created as an empty library
    with pytest.raises(LibraryError, match="已有资料库"):
        Library.create(path)


def test_message_names_newest_backup_to_restore(tmp_path):
    path = _library(tmp_path, backups=True)
    _truncate(path / "library.db")
    with pytest.raises(DamagedLibraryError) as caught:
        Library.open(path)
    message = str(caught.value)
    assert NEW_BACKUP in message and OLD_BACKUP not in message
    # following the advice works: the restored backup opens with its material
    (path / "library.db").rename(path / "library.db.损坏")
    shutil.copy(path / NEW_BACKUP, path / "library.db")
    with Library.open(path) as lib:
        assert lib.info().materials == 1


def test_sqlite_file_of_another_program_refused(tmp_path):
    import sqlite3

    path = tmp_path / "other"
    path.mkdir()
    con = sqlite3.connect(path / "library.db")
    con.execute("create table contacts (name text)")
    con.commit()
    con.close()
    with pytest.raises(DamagedLibraryError, match="没有 CivDesk 的版本记录"):
        Library.open(path)
    con = sqlite3.connect(path / "library.db")
    tables = {r[0] for r in con.execute("select name from sqlite_master where type='table'")}
    con.close()
    assert tables == {"contacts"}  # no CivDesk tables were added to it


def _refuse_lock_file(monkeypatch, err: int):
    real_open = os.open

    def fake_open(path, flags, *args):
        if str(path).endswith("library.lock"):
            raise OSError(err, os.strerror(err), str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(lock.os, "open", fake_open)


def test_read_only_folder_says_copy_it_somewhere_writable(tmp_path, monkeypatch):
    path = _library(tmp_path)
    before = _snapshot(path)
    _refuse_lock_file(monkeypatch, errno.EROFS)
    with pytest.raises(LibraryNotWritableError) as caught:
        Library.open(path)
    message = str(caught.value)
    assert "只读" in message and str(path) in message and "复制到本机可写的位置" in message
    assert _snapshot(path) == before


def test_folder_of_another_user_says_ask_for_rights_or_copy(tmp_path, monkeypatch):
    path = _library(tmp_path)
    _refuse_lock_file(monkeypatch, errno.EACCES)
    with pytest.raises(LibraryNotWritableError) as caught:
        Library.open(path)
    message = str(caught.value)
    assert "没有写入资料库文件夹的权限" in message and "library.lock" in message
    assert "管理员" in message and "复制" in message
    # creating a library there fails the same way
    with pytest.raises(LibraryNotWritableError, match="权限"):
        Library.create(tmp_path / "新资料库")


def test_immutable_folder_refused_by_sqlite_with_clear_message(tmp_path):
    """A real unwritable folder (root ignores chmod, not the immutable flag):
    the lock file can be rewritten but SQLite cannot make its -wal file."""
    path = _library(tmp_path)
    if shutil.which("chattr") is None or subprocess.run(
            ["chattr", "+i", str(path)], capture_output=True, check=False).returncode != 0:
        pytest.skip("chattr +i is not available here")
    try:
        with pytest.raises(LibraryNotWritableError, match="library.db") as caught:
            Library.open(path)
        assert "复制到本机可写的位置" in str(caught.value)
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)
    with Library.open(path) as lib:  # and the lock was released
        assert lib.info().materials == 1


@pytest.mark.parametrize("damage", ["truncated", "hello", "empty"])
def test_cli_damaged_library_exit_1_without_traceback(tmp_path, damage):
    path = _library(tmp_path, backups=True)
    DAMAGES[damage][0](path / "library.db")
    r = run_cli("info", "--library", str(path))
    assert r.returncode == 1
    assert "资料库已损坏" in r.stderr and NEW_BACKUP in r.stderr
    assert "Traceback" not in r.stderr and r.stdout == ""


def test_cli_read_only_folder_exit_1_without_traceback(tmp_path):
    path = _library(tmp_path)
    code = ("import errno, os, runpy, sys\n"
            "real = os.open\n"
            "def fake(p, flags, *a):\n"
            "    if str(p).endswith('library.lock'):\n"
            "        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(p))\n"
            "    return real(p, flags, *a)\n"
            "os.open = fake\n"
            f"sys.argv = ['civdesk', 'info', '--library', {str(path)!r}]\n"
            "runpy.run_module('civdesk', run_name='__main__')\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True,
                       encoding="utf-8", env=env, cwd=ROOT, timeout=120)
    assert r.returncode == 1
    assert "只读" in r.stderr and "复制到本机可写的位置" in r.stderr
    assert "Traceback" not in r.stderr
