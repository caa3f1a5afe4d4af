"""A shared library: catalog on a PostgreSQL server, vault on a share, several clerks.

Runs against the throwaway cluster of :mod:`tests.pgcluster` whatever ``--backend`` says;
skipped where PostgreSQL is not installed (failed in CI, which installs it).  The two-clerk
tests run two processes (:mod:`tests.clerk`) against the same server and vault.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from civdesk import db, materials, text_keys
from civdesk.conflicts import ConflictError
from civdesk.errors import LibraryError
from civdesk.library import Library
from civdesk.models import ImportRun, Material
from civdesk.shared import POINTER_NAME
from tests.conftest import ROOT, alive, run_cli


@pytest.fixture
def server(pg_cluster, request):
    """A fresh database (migrated template copy): its URL without the password."""
    made = []

    def new(template=True) -> str:
        url = pg_cluster.new_database(None if not template else "civdesk_tmpl")
        made.append(url)
        return url.replace(f":{pg_cluster.password}@", "@")

    yield new
    for url in made:
        pg_cluster.drop_database(url)


def _open_as(folder: Path, clerk: str, monkeypatch) -> Library:
    monkeypatch.setenv("CIVDESK_CLERK", clerk)
    monkeypatch.setenv("CIVDESK_WORKSTATION", f"PC-{clerk}")
    return Library.open(folder)


def _clerk_env(name: str) -> dict:
    return {"CIVDESK_CLERK": name, "CIVDESK_WORKSTATION": f"PC-{name}",
            "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}


def _clerk(*args: str, name: str, **kw) -> subprocess.Popen:
    env = dict(os.environ, **_clerk_env(name))
    return subprocess.Popen([sys.executable, "-m", "tests.clerk", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8", **kw)


def _texts(folder: Path, numbers: range) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in numbers:
        p = folder / f"通知{i:03d}.txt"
        p.write_text(f"关于开展第{i}次志愿服务活动的通知\n" * 20, encoding="utf-8")
        out.append(p)
    return out


# ------------------------------------------------------------------ the server and migrations
def test_migrations_run_up_and_down_on_postgresql(pg_cluster, server):
    url = server(template=False)
    engine = db.make_engine(url)
    try:
        db.upgrade(engine, None, "0002")
        with engine.begin() as conn:  # a DOCX from before 0003: its page count becomes an estimate
            conn.execute(text("INSERT INTO materials (sha256, size, original_name, kind, mime, category, title, "
                              "date_source, doc_number, secrecy, caption_time, caption_place, caption_people, "
                              "caption_event, caption_background, caption_photographer, notes, pages, text_status, "
                              "encrypted, problem, meta, imported_at, updated_at, version) VALUES ('a', 1, 'x.docx',"
                              " 'docx', '', '', '', '', '', '', '', '', '', '', '', '', '', 3, 'ok', false, '', '{}',"
                              " now(), now(), 1)"))
            conn.execute(text("INSERT INTO material_texts (material_id, page, text, source) SELECT id, 1, :t, 'text'"
                              " FROM materials"), {"t": "关于开展第三次志愿服务活动的通知。" * 40})
        db.upgrade(engine, None)
        assert db.current_revision(engine) == db.head_revision()
        with engine.connect() as conn:
            assert conn.execute(text("SELECT pages_estimated, edit_version FROM materials")).one() == (True, 1)
            # revision 0010 worked out the text key of the older document, as the session would
            assert conn.execute(text("SELECT text_key FROM materials")).scalar() == \
                text_keys.fingerprint("关于开展第三次志愿服务活动的通知。" * 40)
        from alembic import command

        cfg = db.alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0006")
        assert db.current_revision(engine) == "0006"
        db.upgrade(engine, None)
        assert db.current_revision(engine) == db.head_revision()
    finally:
        engine.dispose()


def test_init_writes_a_pointer_without_password(pg_cluster, server, tmp_path):
    url = server()
    r = run_cli("init", "--library", str(tmp_path / "本机"), "--database", url, "--vault", str(tmp_path / "共享"),
                "--json")
    assert r.returncode == 0, r.stderr
    pointer = (tmp_path / "本机" / POINTER_NAME).read_text(encoding="utf-8")
    assert pg_cluster.password not in pointer and json.loads(pointer)["database"] == url
    assert not (tmp_path / "本机" / "library.db").exists()
    assert (tmp_path / "共享" / "vault").is_dir()
    info = json.loads(r.stdout)
    assert info["standards"] > 0 and info["database"] == url
    # a second workstation joins the same server: nothing loaded twice
    with Library.create(tmp_path / "另一台", database=url, vault=tmp_path / "共享") as lib:
        assert lib.info().checklists == info["checklists"]


def test_password_in_url_refused_and_bad_login_explained(pg_cluster, server, tmp_path, monkeypatch):
    url = server()
    with_pw = url.replace("civdesk@", f"civdesk:{pg_cluster.password}@")
    r = run_cli("init", "--library", str(tmp_path / "a"), "--database", with_pw, "--vault", str(tmp_path / "s"))
    assert r.returncode == 1 and "不能写密码" in r.stderr and pg_cluster.password not in r.stderr
    assert not (tmp_path / "a" / POINTER_NAME).exists()
    empty = tmp_path / "pgpass-empty"
    empty.write_text("")
    empty.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(empty))
    with pytest.raises(LibraryError, match="拒绝了登录"):
        Library.create(tmp_path / "b", database=url, vault=tmp_path / "s")


# ------------------------------------------------------------------ presence, conflicts, audit
def test_presence_lists_the_other_clerks_until_they_close(server, tmp_path, monkeypatch):
    url = server()
    Library.create(tmp_path / "a", database=url, vault=tmp_path / "share", sample=False).close()
    Library.create(tmp_path / "b", database=url, vault=tmp_path / "share", sample=False).close()
    a = _open_as(tmp_path / "a", "张三", monkeypatch)
    b = _open_as(tmp_path / "b", "李四", monkeypatch)
    try:
        assert [c.label() for c in a.others()] == ["李四（PC-李四）"]
        assert [c.clerk for c in b.others()] == ["张三"]
    finally:
        b.close()
    assert a.others() == []
    a.close()


def test_second_writer_gets_the_first_clerks_name_and_current_values(server, tmp_path, monkeypatch, fixtures):
    url = server()
    Library.create(tmp_path / "a", database=url, vault=tmp_path / "share", sample=False).close()
    Library.create(tmp_path / "b", database=url, vault=tmp_path / "share", sample=False).close()
    a = _open_as(tmp_path / "a", "张三", monkeypatch)
    b = _open_as(tmp_path / "b", "李四", monkeypatch)
    try:
        mid = a.import_paths(_texts(tmp_path / "in", range(1))).entries[0].material_id
        seen_by_b = materials.get_row(b, mid)
        materials.update(a, [mid], expected={mid: materials.get_row(a, mid).edit_version}, title="张三改的题名")
        with pytest.raises(ConflictError) as err:
            materials.update(b, [mid], expected={mid: seen_by_b.edit_version}, title="李四改的题名")
        assert err.value.clerk == "张三" and "张三（PC-张三）" in str(err.value)
        assert "张三改的题名" in str(err.value)  # the current values are shown
        assert materials.get_row(b, mid).title == "张三改的题名"  # nothing overwritten
        history = materials.history(b, mid)
        assert [(h.clerk, h.workstation) for h in history][-1] == ("张三", "PC-张三")
    finally:
        a.close()
        b.close()


def test_simultaneous_edits_in_two_processes(server, tmp_path):
    url = server()
    with Library.create(tmp_path / "a", database=url, vault=tmp_path / "share", sample=False) as lib:
        mid = lib.import_paths(_texts(tmp_path / "in", range(1))).entries[0].material_id
    Library.create(tmp_path / "b", database=url, vault=tmp_path / "share", sample=False).close()
    go, ready_a, ready_b = tmp_path / "go", tmp_path / "ra", tmp_path / "rb"
    common = ["--material", str(mid), "--wait", str(go)]
    pa = _clerk("edit", str(tmp_path / "a"), *common, "--ready", str(ready_a), "--title", "甲的题名", name="张三")
    pb = _clerk("edit", str(tmp_path / "b"), *common, "--ready", str(ready_b), "--title", "乙的题名", name="李四")
    for ready in (ready_a, ready_b):  # both clerks have read the material before either writes
        for _ in range(600):
            if ready.exists():
                break
            time.sleep(0.05)
    go.write_text("go")
    outs = [json.loads(p.communicate(timeout=60)[0]) for p in (pa, pb)]
    saved = [o for o in outs if "saved" in o]
    refused = [o for o in outs if "conflict" in o]
    assert len(saved) == 1 and len(refused) == 1, outs
    winner = "张三" if saved[0]["saved"] == "甲的题名" else "李四"
    assert refused[0]["clerk"] == winner and winner in refused[0]["conflict"]
    with Library.open(tmp_path / "a") as lib:
        assert materials.get_row(lib, mid).title == saved[0]["saved"]


# ------------------------------------------------------------------ imports by two clerks
def test_simultaneous_imports_of_overlapping_files(server, tmp_path):
    url = server()
    Library.create(tmp_path / "a", database=url, vault=tmp_path / "share", sample=False).close()
    Library.create(tmp_path / "b", database=url, vault=tmp_path / "share", sample=False).close()
    files = _texts(tmp_path / "in", range(40))
    go = tmp_path / "go"
    pa = _clerk("import", str(tmp_path / "a"), *map(str, files[:30]), "--wait", str(go), name="张三")
    pb = _clerk("import", str(tmp_path / "b"), *map(str, files[10:]), "--wait", str(go), name="李四")
    time.sleep(0.5)
    go.write_text("go")
    results = []
    for p in (pa, pb):
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        results.append(json.loads(out))
    assert all(r["counts"]["refused"] == 0 for r in results)
    assert sum(r["counts"]["imported"] for r in results) == 40  # each file once, by one clerk or the other
    assert [r["counts"]["imported"] + r["counts"]["duplicate"] for r in results] == [30, 30]
    with Library.open(tmp_path / "a") as lib:
        with lib.session() as s:
            assert s.scalar(select(func.count()).select_from(Material)) == 40
        report = lib.verify()
        assert report.ok, report.problems
        assert report.checked_files == 40
        assert _staged(tmp_path / "share") == []


def test_clerk_killed_mid_import_leaves_the_library_consistent(server, tmp_path):
    url = server()
    Library.create(tmp_path / "a", database=url, vault=tmp_path / "share", sample=False).close()
    Library.create(tmp_path / "b", database=url, vault=tmp_path / "share", sample=False).close()
    files = _texts(tmp_path / "in", range(200))
    p = _clerk("import", str(tmp_path / "a"), str(tmp_path / "in"), name="张三")
    engine = db.make_engine(url)
    try:
        for _ in range(600):  # kill once the first batch is committed
            with engine.connect() as conn:
                if conn.execute(select(func.count()).select_from(Material)).scalar():
                    break
            time.sleep(0.05)
        workers = [c for c in _children(p.pid)]
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=30)
    finally:
        engine.dispose()
    for _ in range(100):
        if not any(alive(w) for w in workers):
            break
        time.sleep(0.1)
    assert not any(alive(w) for w in workers), "extraction workers outlived the killed clerk"
    with Library.open(tmp_path / "b") as lib:  # the other clerk opens it
        with lib.session() as s:
            run = s.scalars(select(ImportRun)).one()
            n = s.scalar(select(func.count()).select_from(Material))
        assert run.status == "interrupted" and 0 < n < len(files)
        assert lib.verify().ok
        assert _staged(tmp_path / "share") == []
        again = lib.import_paths([tmp_path / "in"])  # the rest comes in, nothing twice
        assert again.counts == {"imported": len(files) - n, "duplicate": n, "refused": 0}


def _staged(share: Path) -> list[Path]:
    """Files waiting in any session's staging folder (each open session has an empty one)."""
    return [p for d in (share / "vault" / ".staging").iterdir() for p in d.iterdir()]


def _children(pid: int) -> list[int]:
    from tests.conftest import children

    return children(pid)


def test_vanished_share_stops_the_import_cleanly(server, tmp_path):
    url = server()
    share = tmp_path / "share"
    files = _texts(tmp_path / "in", range(200))
    moved = tmp_path / "share-offline"

    class Unplug:
        def update(self, done, total, message=""):
            if done >= 80 and share.exists():
                share.rename(moved)  # the network share goes away mid-import

        def check_cancelled(self):
            pass

    with Library.create(tmp_path / "a", database=url, vault=share, sample=False) as lib:
        from civdesk.importer.pipeline import ImportAborted

        with pytest.raises(ImportAborted, match="共享文件夹无法访问") as err:
            lib.import_paths(files, progress=Unplug())
        committed = err.value.report.counts["imported"]
        moved.rename(share)
        assert lib.verify().ok  # every committed row has its whole file, nothing stray
        with lib.session() as s:
            assert s.scalar(select(func.count()).select_from(Material)) == committed


# ------------------------------------------------------------------ search per workstation
def test_each_workstation_indexes_the_other_clerks_imports(server, tmp_path, monkeypatch):
    url = server()
    Library.create(tmp_path / "a", database=url, vault=tmp_path / "share", sample=False).close()
    Library.create(tmp_path / "b", database=url, vault=tmp_path / "share", sample=False).close()
    a = _open_as(tmp_path / "a", "张三", monkeypatch)
    b = _open_as(tmp_path / "b", "李四", monkeypatch)
    try:
        assert b.search("志愿服务") == []
        a.import_paths(_texts(tmp_path / "in", range(3)))
        assert len(b.search("志愿服务")) == 3  # b's own index caught up from the catalog
        assert (tmp_path / "b" / "index" / "marks.sqlite").is_file()
        mid = b.search("第1次")[0].material_id
        materials.update(a, [mid], notes="文明实践站", title="第一次志愿服务记录")
        assert [(h.material_id, h.title) for h in b.search("文明实践站")] == [(mid, "第一次志愿服务记录")]
    finally:
        a.close()
        b.close()


# ------------------------------------------------------------------ moving a library to the server
def test_move_to_server_keeps_every_file_search_and_check_result(server, tmp_path, fixtures):
    from civdesk.checklist.store import find_standard
    from civdesk.checks import run_checks
    from civdesk.importer import ImportOptions
    from civdesk.move import MOVED_NAME

    old = tmp_path / "旧资料库"
    pdfs = sorted((fixtures / "corpus" / "pdf").glob("*.pdf"))[:4]
    photos = sorted((fixtures / "corpus" / "photos").glob("*.jpg"))[:3]
    today = dt.date(2024, 3, 15)
    queries = ["志愿服务", "通知", "Canon", "pdf"]
    with Library.create(old) as lib:  # a library folder (this module manages its servers itself)
        sid = find_standard(lib, "Ⅲ-1:1").id
        lib.import_paths(photos, ImportOptions(standard_ids=(sid,), unit="市文明办"))
        lib.import_paths(pdfs + _texts(tmp_path / "in", range(3)))
        before_search = {q: [(h.material_id, h.title) for h in lib.search(q)] for q in queries}
        before_check = _check_summary(run_checks(lib, today=today))
    url = server(template=False)  # an empty database, as IT hands it over
    r = run_cli("library", "move-to-server", "--library", str(old), "--database", url,
                "--vault", str(tmp_path / "共享"), "--new-library", str(tmp_path / "新"), "--json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["files"] == 10 and report["tables"]["materials"] == 10
    assert (old / "library.db").is_file() and (old / MOVED_NAME).is_file()  # the old folder stays
    with pytest.raises(LibraryError, match="已迁移到服务器"):
        Library.open(old)
    with Library.open(tmp_path / "新") as lib:
        assert lib.is_shared and lib.verify().ok
        assert {q: [(h.material_id, h.title) for h in lib.search(q)] for q in queries} == before_search
        assert _check_summary(run_checks(lib, today=today)) == before_check
        assert any(before_search.values())
    # moving into a database that already holds a library is refused
    r = run_cli("library", "move-to-server", "--library", str(tmp_path / "新"), "--database", url,
                "--vault", str(tmp_path / "x"))
    assert r.returncode == 1


def _check_summary(result) -> list:
    return [(s.id, s.status, s.counts, s.material_ids, s.findings) for s in result.standards] + list(result.rollup)
