"""The command line's quick search (no ORM) gives exactly the full path's answers, and steps
aside whenever the library is not ready for it."""
from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest

from civdesk import materials as mat
from civdesk.checklist import store as cl
from civdesk.library import Library
from civdesk.lock import LibraryLockedError
from civdesk.search.quick import quick_search
from tests.conftest import run_cli

TEXTS = {
    "方案.txt": "关于深化文明城市创建工作的实施方案，志愿服务常态化。",
    "草稿.txt": "文明城市创建检查草稿，未定稿。",
    "总结.txt": "新时代文明实践中心建设工作总结，志愿服务队伍壮大。",
    "通知.txt": "关于开展垃圾分类宣传周活动的通知。",
}

QUERIES = [
    ("文明", {}), ("志愿服务", {}), ("文明 -草稿", {}), ('"文明城市创建"', {}), ("垃圾", {}),
    ("文明", {"standards": "Ⅲ-9"}), ("文明", {"unit": "市文明办"}), ("文明", {"kind": "txt"}),
    ("文明", {"filed": True}), ("文明", {"filed": False}), ("文明", {"year": 2024}),
    ("文明", {"date_from": dt.date(2024, 1, 1), "date_to": dt.date(2024, 12, 31)}),
    ("文明", {"limit": 1}), ("不存在的词语", {}),
]


@pytest.fixture(scope="module")
def lib_path(tmp_path_factory):
    root = tmp_path_factory.mktemp("quick")
    docs = root / "docs"
    docs.mkdir()
    for name, text in TEXTS.items():
        (docs / name).write_text(text, encoding="utf-8")
    with Library.create(root / "lib") as lib:
        lib.import_paths([docs])
        ids = {r.original_name: r.material_id for r in lib.search("", kind="txt", limit=0)} or {
            r.original_name: r.material_id for r in lib.search("。", limit=0)}
        unit = cl.unit_id(lib, "市文明办") if hasattr(cl, "unit_id") else None
        mat.link(lib, [ids["方案.txt"], ids["总结.txt"]], cl.find_standard(lib, "Ⅲ-9:1").id)
        mat.update(lib, [ids["总结.txt"]], date=dt.date(2024, 5, 1))
        if unit is not None:
            mat.update(lib, [ids["方案.txt"]], unit_id=unit)
        lib.search_index.catch_up()
    return root / "lib"


def _full(path, query, **filters):
    with Library.open(path) as lib:
        return lib.search(query, **{"limit": 20, **filters})


@pytest.mark.parametrize(("query", "filters"), QUERIES)
def test_same_results_as_the_full_path(lib_path, query, filters):
    quick = quick_search(lib_path, query, **filters)
    assert quick is not None, "a caught-up library takes the quick path"
    assert quick == _full(lib_path, query, **filters)


def test_a_relative_or_chinese_library_path(tmp_path, lib_path, monkeypatch):
    """As typed in a shell: ``--library 资料库 2024`` from the folder above it."""
    import shutil

    shutil.copytree(lib_path, tmp_path / "资料库 2024")
    monkeypatch.chdir(tmp_path)
    quick = quick_search(Path("资料库 2024"), "志愿服务")
    assert quick is not None
    assert {r.original_name for r in quick} == {"方案.txt", "总结.txt"}


def test_the_fixture_finds_what_it_should(lib_path):
    """Guard for the comparison above: the filters do select something."""
    assert {r.original_name for r in quick_search(lib_path, "文明", standards="Ⅲ-9")} == {"方案.txt", "总结.txt"}
    assert {r.original_name for r in quick_search(lib_path, "文明", filed=False)} == {"草稿.txt"}
    assert {r.original_name for r in quick_search(lib_path, "文明 -草稿", limit=0)} == {"方案.txt", "总结.txt"}


def test_steps_aside_when_an_edit_is_not_indexed_yet(tmp_path, lib_path):
    import shutil

    path = tmp_path / "lib"
    shutil.copytree(lib_path, path)
    with Library.open(path) as lib:
        (hit,) = lib.search("垃圾分类", limit=0)
        mat.update(lib, [hit.material_id], title="改过的题名垃圾分类宣传")
    assert quick_search(path, "改过的题名") is None  # the index lags: only the full path knows
    out = run_cli("search", "改过的题名", "--json", "--library", str(path))
    assert out.returncode == 0, out.stderr
    assert [h["title"] for h in json.loads(out.stdout)] == ["改过的题名垃圾分类宣传"]
    assert quick_search(path, "改过的题名") is not None  # the full path caught up


def test_steps_aside_for_an_older_schema_or_a_damaged_index(tmp_path, lib_path):
    import shutil

    old = tmp_path / "old"
    shutil.copytree(lib_path, old)
    with sqlite3.connect(old / "library.db") as con:
        con.execute("UPDATE alembic_version SET version_num = '0001'")
    assert quick_search(old, "文明") is None

    damaged = tmp_path / "damaged"
    shutil.copytree(lib_path, damaged)
    (damaged / "index" / "whoosh" / "CURRENT").write_text("{garbage", encoding="utf-8")
    assert quick_search(damaged, "文明") is None
    out = run_cli("search", "志愿服务", "--json", "--library", str(damaged))
    assert out.returncode == 0, out.stderr
    assert {h["original_name"] for h in json.loads(out.stdout)} == {"方案.txt", "总结.txt"}


def test_a_library_open_elsewhere_is_reported_as_by_the_full_path(lib_path):
    with Library.open(lib_path):
        assert quick_search(lib_path, "文明") is None
        out = run_cli("search", "文明", "--library", str(lib_path))
        assert out.returncode == 1 and "正被另一个程序使用" in out.stderr
    with pytest.raises(LibraryLockedError), Library.open(lib_path), Library.open(lib_path):
        pass


def test_not_a_library(tmp_path):
    assert quick_search(tmp_path, "文明") is None
    assert not (tmp_path / "library.lock").exists()  # nothing written into a random folder


def test_an_empty_index_left_by_an_interrupted_repair_is_refilled(tmp_path, lib_path):
    """A process that put an empty index in place of a damaged one and died before clearing
    the materials' index marks: the next open notices and indexes everything again."""
    import shutil

    from civdesk.search.engine import SearchIndex

    path = tmp_path / "lib"
    shutil.copytree(lib_path, path)
    (path / "index" / "whoosh" / "CURRENT").write_text("{garbage", encoding="utf-8")
    SearchIndex.open(path / "index" / "whoosh").close()  # repaired to empty, marks untouched
    assert quick_search(path, "志愿服务") is None
    with Library.open(path) as lib:
        assert {r.original_name for r in lib.search("志愿服务")} == {"方案.txt", "总结.txt"}
