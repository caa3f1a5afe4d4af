"""The library folder: creation, reopening, the process lock, verify."""
from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys

import pytest

from civdesk.library import Library, LibraryError
from civdesk.lock import LibraryLockedError
from civdesk.models import Material
from tests.conftest import ROOT, run_cli


def test_create_makes_portable_folder(tmp_path):
    with Library.create(tmp_path / "资料库", sample=False) as lib:
        info = lib.info()
    for name in ("library.db", "vault", "thumbs", "index", "exports"):
        assert (tmp_path / "资料库" / name).exists(), name
    assert info.schema_revision
    # a copy of the folder opens elsewhere ("copied to another PC")
    import shutil

    shutil.copytree(tmp_path / "资料库", tmp_path / "copy")
    with Library.open(tmp_path / "copy") as lib2:
        assert lib2.info().schema_revision == info.schema_revision


def test_create_refuses_existing_library(empty_lib):
    with pytest.raises(LibraryError, match="已有资料库"):
        Library.create(empty_lib.path)


def test_open_missing_library_is_clear(tmp_path):
    with pytest.raises(LibraryError, match="没有 CivDesk 资料库"):
        Library.open(tmp_path / "nothing")


def test_second_open_in_same_process_refused(empty_lib):
    with pytest.raises(LibraryLockedError, match="另一个程序"):
        Library.open(empty_lib.path)


def test_second_process_refused_with_clear_message(empty_lib):
    proc = run_cli("info", "--library", str(empty_lib.path))
    assert proc.returncode == 1
    assert "正被另一个程序使用" in proc.stderr
    assert str(os.getpid()) in proc.stderr  # names the holder


def test_lock_released_on_close_and_on_kill(tmp_path):
    path = tmp_path / "lib"
    Library.create(path, sample=False).close()
    # a process holding the library is killed: the lock goes with it
    code = (f"import sys,time; sys.path.insert(0, {str(ROOT)!r});"
            f"from civdesk.library import Library; lib = Library.open({str(path)!r});"
            "print('open', flush=True); time.sleep(60)")
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(LibraryLockedError):
            Library.open(path)
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    with Library.open(path) as lib:
        assert lib.info().materials == 0


def _add_material(lib: Library, content: bytes, name: str) -> int:
    stored = lib.vault.store_stream(io.BytesIO(content))
    with lib.session() as s:
        m = Material(sha256=stored.sha256, size=stored.size, original_name=name, kind="txt")
        s.add(m)
        s.flush()
        return m.id


def test_verify_clean_library(empty_lib):
    _add_material(empty_lib, "文明城市".encode(), "a.txt")
    report = empty_lib.verify()
    assert report.ok and report.checked_files == 1


def test_verify_names_altered_file(empty_lib):
    mid = _add_material(empty_lib, "原始内容".encode(), "通知.txt")
    with empty_lib.session() as s:
        sha = s.get(Material, mid).sha256
    p = empty_lib.vault.path_for(sha)
    p.chmod(0o644)
    p.write_bytes("被篡改的内容".encode())
    problems = empty_lib.verify().problems
    assert [(x.kind, x.material_id) for x in problems] == [("altered", mid)]
    assert "通知.txt" in problems[0].message


def test_verify_names_missing_vault_file(empty_lib):
    mid = _add_material(empty_lib, b"photo bytes", "照片.jpg")
    with empty_lib.session() as s:
        sha = s.get(Material, mid).sha256
    empty_lib.vault.path_for(sha).unlink()
    problems = empty_lib.verify().problems
    assert [(x.kind, x.material_id) for x in problems] == [("missing", mid)]
    assert "照片.jpg" in problems[0].message


def test_verify_names_row_without_file(empty_lib):
    with empty_lib.session() as s:
        m = Material(sha256="ab" * 32, size=3, original_name="幽灵.pdf", kind="pdf")
        s.add(m)
        s.flush()
        mid = m.id
    problems = empty_lib.verify().problems
    assert [(x.kind, x.material_id) for x in problems] == [("missing", mid)]
    assert "幽灵.pdf" in problems[0].message


def test_verify_names_unknown_extra_file(empty_lib):
    _add_material(empty_lib, b"known", "k.txt")
    extra = empty_lib.vault.root / "12" / ("12" + "0" * 62)
    extra.parent.mkdir()
    extra.write_bytes(b"stray")
    loose = empty_lib.vault.root / "随手放的.docx"
    loose.write_bytes(b"x")
    problems = empty_lib.verify().problems
    assert sorted(x.kind for x in problems) == ["unknown", "unknown"]
    assert any("随手放的.docx" in x.message for x in problems)


def test_stray_temp_files_removed_at_open(tmp_path):
    path = tmp_path / "lib"
    Library.create(path, sample=False).close()
    (path / "vault" / ".tmp" / "abc.part").write_bytes(b"half written")
    with Library.open(path) as lib:
        assert not any((path / "vault" / ".tmp").iterdir())
        assert lib.verify().ok


def test_cli_init_info_verify(tmp_path):
    path = tmp_path / "lib"
    r = run_cli("init", "--library", str(path), "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["path"] == str(path.resolve())
    r = run_cli("info", "--library", str(path), "--json")
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["schema_revision"] and info["materials"] == 0
    r = run_cli("verify", "--library", str(path), "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["ok"] is True
    # init remembers the library: later commands find it without --library
    r = run_cli("info", "--json", env={"CIVDESK_HOME": os.environ["CIVDESK_HOME"]})
    assert r.returncode == 0 and json.loads(r.stdout)["path"] == str(path.resolve())


def test_cli_verify_reports_problem_with_status_1(tmp_path):
    path = tmp_path / "lib"
    with Library.create(path, sample=False) as lib:
        _add_material(lib, b"abc", "x.txt")
        sha = next(lib.vault.iter_files()).name
        lib.vault.path_for(sha).unlink()
    r = run_cli("verify", "--library", str(path))
    assert r.returncode == 1
    assert "原件缺失" in r.stdout and "x.txt" in r.stdout
    r = run_cli("verify", "--library", str(path), "--json")
    assert r.returncode == 1
    assert json.loads(r.stdout)["problems"][0]["kind"] == "missing"


def test_cli_wrong_usage_exit_2(tmp_path):
    assert run_cli("no-such-command").returncode == 2
    assert run_cli("info", "--no-such-flag").returncode == 2


def test_cli_missing_library_exit_1(tmp_path):
    r = run_cli("info", "--library", str(tmp_path / "none"))
    assert r.returncode == 1 and "没有 CivDesk 资料库" in r.stderr
