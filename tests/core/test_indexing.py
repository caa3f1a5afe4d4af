"""The library's search index: never stale, rebuilt when damaged, complete after a kill."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import func, select

from civdesk import materials as mat
from civdesk.checklist import store as cl
from civdesk.importer import ImportOptions
from civdesk.library import Library
from civdesk.models import Material
from tests.conftest import ROOT, run_cli


def _seed_texts(fixtures, count: int, size: int = 600) -> list[str]:
    text = "".join(p.read_text(encoding="utf-8") for p in sorted((fixtures / "seeds").glob("*.txt")))
    text = "".join(text.split())
    step = max((len(text) - size) // count, 1)
    return [text[i * step:i * step + size] for i in range(count)]


def _write_docs(folder, texts):
    folder.mkdir(parents=True, exist_ok=True)
    for i, t in enumerate(texts):
        # a line break inside a phrase, as PDFs and scans have them
        (folder / f"材料{i:04d}.txt").write_text(t[:50] + "\n" + t[50:], encoding="utf-8")


def _truth(lib: Library, phrase: str) -> set[int]:
    from civdesk.search.text import fold

    with lib.session() as s:
        rows = s.execute(select(Material.id, Material.original_name, Material.title)).all()
    out = set()
    for mid, name, title in rows:
        body = "".join(mat.text_pages(lib, mid))
        if any(fold(phrase) in fold(x) for x in (body, name, title)):
            out.add(mid)
    return out


def test_imported_and_edited_materials_are_found(sample_lib, fixtures, tmp_path):
    texts = _seed_texts(fixtures, 30)
    _write_docs(tmp_path / "docs", texts)
    sample_lib.import_paths([tmp_path / "docs"], ImportOptions(workers=1))
    phrase = texts[3][45:53]  # spans the line break
    hits = {r.material_id for r in sample_lib.search(phrase, limit=0)}
    assert hits and hits == _truth(sample_lib, phrase)
    mid = min(hits)
    mat.update(sample_lib, [mid], title="安宁好人推荐评议情况", caption_place="人民广场")
    assert [r.material_id for r in sample_lib.search("安宁好人推荐评议")] == [mid]
    # results carry the material's current title and file name (as the list shows them)
    found = sample_lib.search(phrase, limit=0)
    with sample_lib.session() as s:
        names = {i: (t or "", n) for i, t, n in s.execute(select(Material.id, Material.title, Material.original_name))}
    assert [(r.title, r.original_name) for r in found] == [names[r.material_id] for r in found]
    assert names[mid][0] == "安宁好人推荐评议情况"
    assert [r.material_id for r in sample_lib.search("人民广场")] == [mid]
    st = cl.find_standard(sample_lib, "Ⅲ-6:1")
    mat.link(sample_lib, [mid], st.id)
    assert {r.material_id for r in sample_lib.search(phrase, standards="Ⅲ-6", limit=0)} == {mid}
    assert sample_lib.search(phrase, standards="Ⅲ-5", limit=0) == []
    mat.update(sample_lib, [mid], title="改过的题名")
    assert sample_lib.search("安宁好人推荐评议") == []  # the old title is gone
    assert [r.title for r in sample_lib.search(phrase, limit=0) if r.material_id == mid] == ["改过的题名"]


def _corrupt(index_dir, how: str) -> None:
    root = index_dir / "whoosh"
    live = root / json.loads((root / "CURRENT").read_text(encoding="utf-8"))["dir"] \
        if (root / "CURRENT").read_text(encoding="utf-8").strip().startswith("{") else None
    if live is None or not live.is_dir():
        live = max((p for p in root.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime)
    if how == "segment":
        next(iter(sorted(live.glob("*.seg")))).unlink()
    elif how == "toc":
        toc = sorted(live.glob("_MAIN_*.toc"))[-1]
        toc.write_bytes(toc.read_bytes()[:40])
    elif how == "lock":
        (live / "MAIN_WRITELOCK").write_text("stale")


@pytest.mark.parametrize("how", ["segment", "toc", "lock"])
def test_damaged_index_recovers_at_open(tmp_path, fixtures, how):
    path = tmp_path / "lib"
    texts = _seed_texts(fixtures, 40)
    _write_docs(tmp_path / "docs", texts)
    with Library.create(path, sample=False) as lib:
        lib.import_paths([tmp_path / "docs"], ImportOptions(workers=1))
        lib.search_index.catch_up()
        phrase = texts[7][10:16]
        before = {r.material_id for r in lib.search(phrase, limit=0)}
        assert before
    _corrupt(path / "index", how)
    with Library.open(path) as lib:
        after = {r.material_id for r in lib.search(phrase, limit=0)}
        assert after == before == _truth(lib, phrase)
        assert lib.search_index.index.check() is None


def test_kill_mid_indexing_then_reopen_catches_up(tmp_path, fixtures):
    path = tmp_path / "lib"
    texts = _seed_texts(fixtures, 1500, size=1500)
    _write_docs(tmp_path / "docs", texts)
    with Library.create(path, sample=False) as lib:
        lib.search_index.catch_up()  # the index exists: later changes go in batches
        lib.import_paths([tmp_path / "docs"])
        with lib.session() as s:
            total = s.scalar(select(func.count()).select_from(Material))
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "civdesk", "index", "update", "--library", str(path)],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # kill once some batches are in
        time.sleep(0.2)
        import sqlite3

        con = sqlite3.connect(path / "library.db", timeout=30)
        done = con.execute("select count(*) from materials where indexed_version = version").fetchone()[0]
        con.close()
        if done >= 500:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert 0 < done < total, "the kill must land mid-indexing"
    with Library.open(path) as lib:
        assert lib.search_index.stale_ids()  # what was not finished is known to be stale
        for phrase in (texts[10][5:9], texts[1400][30:36], "文明"):
            assert {r.material_id for r in lib.search(phrase, limit=0)} == _truth(lib, phrase)
        assert not lib.search_index.stale_ids()


def test_cli_search_json(tmp_path, fixtures):
    path = tmp_path / "lib"
    texts = _seed_texts(fixtures, 10)
    _write_docs(tmp_path / "docs", texts)
    assert run_cli("init", "--library", str(path)).returncode == 0
    assert run_cli("import", str(tmp_path / "docs"), "--library", str(path)).returncode == 0
    phrase = texts[2][20:26]
    r = run_cli("search", phrase, "--json", "--limit", "0", "--library", str(path))
    assert r.returncode == 0, r.stderr
    hits = json.loads(r.stdout)
    assert hits and all(set(h) == {"material_id", "title", "original_name", "score", "snippet", "page"}
                        for h in hits)
    assert any(phrase in h["snippet"].replace("\n", "") for h in hits)
    assert run_cli("search", phrase, "--standard", "Ⅲ-99:1", "--library", str(path)).returncode == 2


def test_cli_search_filters_by_date_and_filing(tmp_path, fixtures):
    path = tmp_path / "lib"
    texts = _seed_texts(fixtures, 6)
    folder = tmp_path / "docs"
    folder.mkdir()
    for i, t in enumerate(texts):  # the date comes from the file name
        (folder / f"2024030{i + 1} 情况说明{i}.txt").write_text("文明创建" + t, encoding="utf-8")
    assert run_cli("init", "--library", str(path)).returncode == 0
    r = run_cli("import", str(folder), "--standard", "Ⅲ-5:1", "--json", "--library", str(path))
    assert r.returncode == 0, r.stderr
    first = json.loads(r.stdout)[0]["material_id"]
    with Library.open(path) as lib:
        mat.unlink(lib, [first], cl.find_standard(lib, "Ⅲ-5:1").id)

    def ids(*extra):
        out = run_cli("search", "文明创建", "--json", "--limit", "0", *extra, "--library", str(path))
        assert out.returncode == 0, out.stderr
        return {h["material_id"] for h in json.loads(out.stdout)}

    everything = ids()
    assert len(everything) == 6
    assert len(ids("--from", "2024-03-03", "--to", "2024-03-04")) == 2
    assert ids("--unfiled") == {first}
    assert ids("--filed") == everything - {first}
    assert ids("--year", "2023") == set()


def test_duplicate_filing_during_import_reaches_the_search_filters(sample_lib, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "通知.txt").write_text("关于开展道德模范评选活动的通知", encoding="utf-8")
    first = sample_lib.import_paths([src], ImportOptions(workers=1))
    mid = first.entries[0].material_id
    assert sample_lib.search("道德模范评选", filed=True) == []  # indexed as unfiled
    std = cl.find_standard(sample_lib, "Ⅲ-5:1")
    again = sample_lib.import_paths([src], ImportOptions(workers=1, standard_ids=(std.id,)))
    assert again.counts["duplicate"] == 1
    assert [r.material_id for r in sample_lib.search("道德模范评选", standards="Ⅲ-5:1")] == [mid]
    assert [r.material_id for r in sample_lib.search("道德模范评选", filed=True)] == [mid]


def test_renamed_unit_is_a_search_filter_at_once(sample_lib, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "台账.txt").write_text("志愿服务活动台账", encoding="utf-8")
    report = sample_lib.import_paths([src], ImportOptions(workers=1, unit="市民政局"))
    mid = report.entries[0].material_id
    assert [r.material_id for r in sample_lib.search("志愿服务", unit="市民政局")] == [mid]
    unit = next(u for u in cl.list_units(sample_lib) if u.name == "市民政局")
    cl.update_unit(sample_lib, unit.id, name="市民政局（社会组织管理局）")
    assert [r.material_id for r in sample_lib.search("志愿服务", unit="市民政局（社会组织管理局）")] == [mid]
    assert sample_lib.search("志愿服务", unit="市民政局") == []


def test_bulk_statements_on_units_bump_versions(empty_lib, tmp_path):
    from sqlalchemy import delete, update

    from civdesk.models import Unit

    src = tmp_path / "in"
    src.mkdir()
    (src / "台账.txt").write_text("志愿服务活动台账", encoding="utf-8")
    mid = empty_lib.import_paths([src], ImportOptions(workers=1, unit="市民政局")).entries[0].material_id
    assert [r.material_id for r in empty_lib.search("志愿服务", unit="市民政局")] == [mid]
    with empty_lib.session() as s:
        s.execute(update(Unit).where(Unit.name == "市民政局").values(name="市民政局（新）"))
    assert [r.material_id for r in empty_lib.search("志愿服务", unit="市民政局（新）")] == [mid]
    with empty_lib.session() as s:
        s.execute(delete(Unit))
    assert empty_lib.search("志愿服务", unit="市民政局（新）") == []
    # the indexer's own bookkeeping is no change (on a shared library it is kept beside the index)
    assert empty_lib.search_index.stale_ids() == []


def test_search_skips_the_stale_scan_until_something_is_written(empty_lib, tmp_path):
    """A search after a search reads no material versions (a scan of every row at 100,000
    materials); any write, even one made straight on the connection, is seen at once."""
    from sqlalchemy import event, text

    src = tmp_path / "in"
    src.mkdir()
    (src / "台账.txt").write_text("志愿服务活动台账", encoding="utf-8")
    mid = empty_lib.import_paths([src], ImportOptions(workers=1)).entries[0].material_id
    assert [r.material_id for r in empty_lib.search("志愿服务")] == [mid]
    scans = []

    def seen(_conn, _cursor, statement, *_args):  # noqa: ANN001, ANN202
        if "indexed_version" in statement:
            scans.append(statement)

    event.listen(empty_lib.engine, "before_cursor_execute", seen)
    empty_lib.search("志愿服务")
    empty_lib.search("活动台账")
    assert scans == []
    with empty_lib.session() as s:
        s.execute(text("UPDATE materials SET title = '文明实践站台账', version = version + 1 WHERE id = :i"),
                  {"i": mid})
    assert [r.material_id for r in empty_lib.search("文明实践站")] == [mid]
    assert scans
