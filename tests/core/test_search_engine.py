"""The search index (civdesk.search.engine) on the real Chinese of fixtures/seeds.

Exactness is checked against brute force: a material matches a word iff the
folded word is a substring of one of its folded fields.
"""
from __future__ import annotations

import os
import random
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pytest

from civdesk.progress import Cancelled, NullProgress
from civdesk.search import IndexBusyError, IndexDoc, SearchIndex, fold, parse_query

FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures"
SEEDS = [p.read_text(encoding="utf-8") for p in sorted((FIXTURES / "seeds").glob("*.txt"))]
UNITS = ["民政局", "团市委", "城管局"]
KINDS = ["正式发文", "说明报告", "图片资料"]


def _wrap(text: str, rng: random.Random) -> str:
    """Insert PDF-style line breaks anywhere, including between CJK characters."""
    out = []
    for ch in text:
        out.append(ch)
        if rng.random() < 0.02:
            out.append("\n")
    return "".join(out)


def make_docs(n: int = 60, seed: int = 1) -> list[IndexDoc]:
    rng = random.Random(seed)
    docs = []
    for i in range(n):
        src = SEEDS[i % len(SEEDS)]
        a = rng.randrange(0, len(src) - 1200)
        body = _wrap(src[a:a + rng.randrange(300, 1200)], rng)
        cut = sorted(rng.sample(range(1, len(body)), 2))
        pages = (body[:cut[0]], body[cut[0]:cut[1]], body[cut[1]:])
        t = rng.randrange(0, len(src) - 20)
        docs.append(IndexDoc(
            material_id=i + 1, version=1 + i % 3,
            title=src[t:t + rng.randrange(6, 16)].replace("\n", ""),
            caption=f"第{i}张 QQ群 活动照片" if i % 7 == 0 else "",
            doc_number=f"宣宣发〔202{i % 4}〕{i}号",
            original_name=f"材料_{i:03d}.pdf",
            pages=pages,
            unit=UNITS[i % 3], kind=KINDS[i % 3],
            date=date(2021 + i % 3, 1 + i % 12, 1 + i % 28),
            standards=(f"Ⅲ-{i % 6}:{1 + i % 2}",) if i % 2 else (f"Ⅱ-{i % 4}",),
            filed=i % 5 == 0,
        ))
    return docs


def field_texts(doc: IndexDoc) -> list[str]:
    return [fold(doc.title), fold(doc.caption), fold(doc.doc_number), fold(doc.original_name),
            fold(" ".join(doc.standards)), fold("\n".join(doc.pages))]


def truth(docs: list[IndexDoc], query: str) -> set[int]:
    q = parse_query(query)
    out = set()
    for d in docs:
        texts = field_texts(d)
        if all(any(w in t for t in texts) for w in q.include) and not any(
                w in t for w in q.exclude for t in texts):
            out.add(d.material_id)
    return out


@pytest.fixture(scope="module")
def corpus() -> list[IndexDoc]:
    return make_docs()


@pytest.fixture(scope="module")
def index(corpus, tmp_path_factory) -> SearchIndex:
    ix = SearchIndex.open(tmp_path_factory.mktemp("search") / "ix")
    assert ix.status == "needs_rebuild"  # a new index is empty
    ix.rebuild(corpus, len(corpus), procs=1)
    assert ix.status == "rebuilt"
    yield ix
    ix.close()


def ids(hits) -> set[int]:
    return {h.material_id for h in hits}


def sample_queries(corpus: list[IndexDoc], rng: random.Random) -> list[str]:
    queries = []
    for length in (1, 2, 3, 4, 6, 12):
        for _ in range(12):
            d = rng.choice(corpus)
            text = fold("\n".join(d.pages))
            a = rng.randrange(0, len(text) - length)
            queries.append(text[a:a + length])
    return queries + ["不存在的词语", "安宁好人", "龘", "xyz不在", "文明城市", "2023年", "QQ群"]


def test_exact_against_brute_force(index, corpus) -> None:
    rng = random.Random(5)
    for q in sample_queries(corpus, rng):
        quoted = '"' + q.replace('"', "") + '"' if " " in q else q
        got = ids(index.search(quoted, limit=None))
        assert got == truth(corpus, quoted), q


def test_mixed_scripts_and_full_width(index, corpus) -> None:
    for q in ["2023", "２０２３", "2021", "Ⅲ-5", "III-5", "ⅲ－５", "QQ群", "ｑｑ群", "宣宣发〔2022〕",
              "材料_00", "ＰＤＦ", ".pdf", "〔202"]:
        got = ids(index.search(q, limit=0))
        assert got == truth(corpus, q), q
        assert got, q
    assert ids(index.search("Ⅱ-5", limit=None)).isdisjoint(ids(index.search("Ⅲ-5", limit=None)))


def test_and_phrase_and_exclusion(index, corpus) -> None:
    for q in ["文明 城市", "文明 -城市", '"文明 城市"', "创建 工作 -督查", '-"文明城市" 工作',
              "-文明"]:
        assert ids(index.search(q, limit=None)) == truth(corpus, q), q
    both = ids(index.search("文明 工作", limit=None))
    assert both == ids(index.search("文明", limit=None)) & ids(index.search("工作", limit=None))


def test_filters(index, corpus) -> None:
    hits = ids(index.search("文明", unit="民政局", kind=["正式发文", "说明报告"], limit=None))
    assert hits == {d.material_id for d in corpus if d.unit == "民政局"
                    and d.kind in ("正式发文", "说明报告") and d.material_id in truth(corpus, "文明")}
    by_year = ids(index.search("", year=2022, limit=None))
    assert by_year == {d.material_id for d in corpus if d.date.year == 2022}
    rng = ids(index.search("", date_from=date(2021, 3, 1), date_to=date(2021, 6, 30), limit=None))
    assert rng == {d.material_id for d in corpus if date(2021, 3, 1) <= d.date <= date(2021, 6, 30)}
    item = ids(index.search("", standards="Ⅲ-5", limit=None))
    assert item == {d.material_id for d in corpus if d.standards[0].startswith("Ⅲ-5:")}
    assert ids(index.search("", standards="III-5:1", limit=None)) == {
        d.material_id for d in corpus if d.standards == ("Ⅲ-5:1",)}
    subtree = ids(index.search("", standards=["Ⅱ-1", "Ⅲ-3"], limit=None))
    assert subtree == {d.material_id for d in corpus
                       if d.standards[0] == "Ⅱ-1" or d.standards[0].startswith("Ⅲ-3:")}
    assert ids(index.search("", filed=True, limit=None)) == {d.material_id for d in corpus
                                                              if d.filed}
    assert index.search("") == []


def test_ranking_title_above_body_and_more_above_fewer(tmp_path) -> None:
    ix = SearchIndex.open(tmp_path / "ix")
    ix.update([
        IndexDoc(1, 1, title="普通材料", pages=("这里提到安宁好人一次。",)),
        IndexDoc(2, 1, title="安宁好人评选通知", pages=("正文无关。",)),
        IndexDoc(3, 1, title="其他", pages=("安宁好人，安宁好人，再说安宁好人。",)),
        IndexDoc(4, 1, caption="安宁好人表彰现场", pages=()),
    ])
    assert [h.material_id for h in ix.search("安宁好人")] == [2, 4, 3, 1]
    hits = ix.search("安宁好人", limit=2)
    assert [h.field for h in hits] == ["title", "caption"]
    ix.close()


def test_snippet_spans_and_page(tmp_path) -> None:
    ix = SearchIndex.open(tmp_path / "ix")
    pages = ("第一页没有要找的内容。" * 5, "前文说明，开展“安宁好\n人”评选活动，后文继续" + "。" * 80)
    ix.update([IndexDoc(7, 1, title="年度报告", pages=pages)])
    [hit] = ix.search("安宁好人")
    assert hit.field == "text" and hit.page == 2
    assert hit.snippet.endswith("…")
    assert [hit.snippet[a:b] for a, b in hit.spans] == ["安宁好人"]
    assert "【安宁好人】" in hit.marked()
    assert hit.snippet.startswith("…") and "开展“安宁好人”评选" in hit.snippet
    [hit] = ix.search("年度 安宁好人")  # the title hit leads; the page is the first body hit's
    assert hit.field == "title" and hit.page == 2
    assert [hit.snippet[a:b] for a, b in hit.spans] == ["年度"]
    ix.close()


def test_page_boundary_and_cross_page_word(tmp_path) -> None:
    ix = SearchIndex.open(tmp_path / "ix")
    ix.update([IndexDoc(9, 1, pages=("甲乙丙文明城", "市创建丁戊", "第三页 2023 年"))])
    [hit] = ix.search("文明城市")
    assert hit.page == 1 and hit.spans
    assert hit.snippet[hit.spans[0][0]:hit.spans[0][1]] == "文明城市"
    assert ix.search("2023年")[0].page == 3
    assert ix.search("丁戊第三页")[0].page == 2
    ix.close()


def test_update_replaces_and_delete_removes(tmp_path) -> None:
    ix = SearchIndex.open(tmp_path / "ix")
    ix.update([IndexDoc(1, 1, title="旧标题", pages=("旧的正文内容",)),
               IndexDoc(2, 1, title="第二份")])
    assert ids(ix.search("旧的正文")) == {1}
    ix.update([IndexDoc(1, 2, title="新标题", pages=("改过的正文",))])
    assert ix.search("旧的正文") == [] and ix.search("旧标题") == []
    assert ids(ix.search("改过")) == {1}
    assert ix.indexed_versions() == {1: 2, 2: 1}
    ix.delete([2])
    assert ix.search("第二份") == []
    assert ix.indexed_versions() == {1: 2}
    ix.close()
    again = SearchIndex.open(tmp_path / "ix")  # persisted, catalog reloaded from disk
    assert again.status == "ok"
    assert again.indexed_versions() == {1: 2}
    assert ids(again.search("改过")) == {1} and again.search("旧标题") == []
    again.update([IndexDoc(3, 1, title="重复一"), IndexDoc(3, 2, title="重复二")])
    assert again.indexed_versions()[3] == 2
    assert [h.snippet for h in again.search("重复")] == ["重复二"]
    again.close()
    assert SearchIndex.open(tmp_path / "ix").indexed_versions() == {1: 2, 3: 2}


def _damaged(tmp_path: Path, corpus: list[IndexDoc], how: str) -> Path:
    path = tmp_path / how
    ix = SearchIndex.open(path)
    ix.update(corpus[:20])
    ix.update(corpus[20:30])
    live = path / ix._dirname
    ix.close()
    if how == "segment":
        seg = sorted(live.glob("*.seg"))[0]
        seg.unlink()
    elif how == "toc":
        toc = sorted(live.glob("_MAIN_*.toc"))[-1]
        toc.write_bytes(toc.read_bytes()[:40])
    elif how == "current":
        (path / "CURRENT").write_text("{garbage", encoding="utf-8")
    return path


@pytest.mark.parametrize("how", ["segment", "toc", "current"])
def test_damaged_index_is_detected_and_rebuilt(tmp_path, corpus, how) -> None:
    path = _damaged(tmp_path, corpus, how)
    ix = SearchIndex.open(path)
    assert ix.status == "needs_rebuild" and ix.problem
    assert ix.search("文明") == []  # an empty index stands in; no crash
    ix.rebuild(corpus[:30], 30, procs=1)
    assert ix.check() is None
    assert ids(ix.search("文明", limit=None)) == truth(corpus[:30], "文明")
    ix.close()
    assert SearchIndex.open(path).status == "ok"


def test_stale_lock_of_killed_process(tmp_path, corpus) -> None:
    path = tmp_path / "ix"
    ix = SearchIndex.open(path)
    ix.update(corpus[:5])
    live = path / ix._dirname
    ix.close()
    script = textwrap.dedent(f"""
        import os, sys, time
        from whoosh import index
        ix = index.open_dir({str(live)!r})
        w = ix.writer()
        print("locked", flush=True)
        time.sleep(60)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "locked"
        busy = SearchIndex.open(path, lock_timeout=0.3)
        assert busy.status == "ok"
        with pytest.raises(IndexBusyError):
            busy.update([IndexDoc(99, 1, title="写不进去")])
        proc.kill()  # a killed writer leaves its lock file behind
        proc.wait()
        assert any(p.name.endswith("WRITELOCK") for p in live.iterdir())
        busy.update([IndexDoc(99, 1, title="现在可以写")])
        assert ids(busy.search("现在可以写")) == {99}
        busy.close()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_rebuild_cancel_keeps_old_index(tmp_path, corpus) -> None:
    ix = SearchIndex.open(tmp_path / "ix")
    ix.update(corpus[:10])
    progress = NullProgress()

    def docs():
        for i, d in enumerate(corpus):
            if i == 25:
                progress.cancel()
            yield d

    with pytest.raises(Cancelled):
        ix.rebuild(docs(), len(corpus), progress, procs=1)
    assert set(ix.indexed_versions()) == set(range(1, 11))
    assert [p.name for p in (tmp_path / "ix").iterdir() if p.name.endswith(".tmp")] == []
    ix.rebuild(corpus, len(corpus), progress=NullProgress(), procs=1)
    assert len(ix.indexed_versions()) == len(corpus)
    ix.close()


@pytest.mark.skipif(os.cpu_count() == 1, reason="needs two processes")
def test_parallel_rebuild_gives_same_results(tmp_path, corpus, index) -> None:
    ix = SearchIndex.open(tmp_path / "ix")
    ix.rebuild(corpus, len(corpus), procs=2)
    for q in ["文明", "工作", "2021年", "QQ群", "Ⅲ-3"]:
        assert ids(ix.search(q, limit=None)) == ids(index.search(q, limit=None))
    ix.close()


def test_new_document_is_searchable_at_once(index, corpus) -> None:
    index.update([IndexDoc(1000, 1, title="刚刚导入的安宁好人材料")])
    try:
        assert ids(index.search("刚刚导入")) == {1000}
        assert index.indexed_versions()[1000] == 1
    finally:
        index.delete([1000])
    assert index.search("刚刚导入") == []


def test_half_written_rebuild_is_discarded_and_clear_empties(tmp_path, corpus) -> None:
    path = tmp_path / "ix"
    ix = SearchIndex.open(path)
    ix.update(corpus[:5])
    ix.close()
    junk = path / "ix-999999.tmp"  # a rebuild killed before its swap
    junk.mkdir()
    (junk / "_MAIN_1.toc").write_bytes(b"half")
    ix = SearchIndex.open(path)
    assert ix.status == "ok" and not junk.exists()
    assert len(ix.indexed_versions()) == 5
    ix.clear()
    assert ix.status == "needs_rebuild" and ix.indexed_versions() == {}
    assert ix.search("文明") == []
    ix.close()


# ------------------------------------------------------------------ speed paths, same answers


QUERIES = ["文明", "工作", "2021年", "QQ群", "Ⅲ-3", "志愿", "的", "创建 -文明", "城市 活动"]


def test_small_batches_merges_and_rewrites_give_the_same_index_as_a_rebuild(tmp_path, corpus, index) -> None:
    """Commits of a few documents each (Whoosh merges their segments, gram postings and all),
    rewrites and deletions: the same hits, in the same order, as one rebuild of the result."""
    from whoosh.reading import TermNotFound

    ix = SearchIndex.open(tmp_path / "ix", batch_size=4)
    for k in range(0, len(corpus), 7):
        ix.update(corpus[k:k + 7])
    rewritten = [IndexDoc(d.material_id, d.version + 1, title=d.title + "改写", pages=d.pages[::-1])
                 for d in corpus[::5]]
    ix.update(rewritten)
    ix.delete([d.material_id for d in corpus[1::9]])
    final = {d.material_id: d for d in corpus}
    final.update({d.material_id: d for d in rewritten})
    for d in corpus[1::9]:
        final.pop(d.material_id)
    fresh = SearchIndex.open(tmp_path / "fresh")
    fresh.rebuild(list(final.values()), len(final))
    for q in QUERIES + ["改写"]:
        got = [(h.material_id, h.score, h.snippet) for h in ix.search(q, limit=None)]
        assert got == [(h.material_id, h.score, h.snippet) for h in fresh.search(q, limit=None)], q
        assert {h[0] for h in got} == truth(list(final.values()), q), q
    # the postings are plain Whoosh: Whoosh's own matcher reads the same documents
    with ix._state_lock:
        reader = ix._reader
        for gram in ["文明", "工作", "志愿"]:
            try:
                found = {ix._docmid[d]
                         for d in reader.postings("grams", gram.encode()).all_ids()}
            except TermNotFound:
                found = set()
            want = {mid for mid, d in final.items() if any(gram in t for t in field_texts(d))}
            assert found == want, gram
    ix.close()
    fresh.close()


def test_index_with_whooshs_default_number_terms_still_updates_in_place(tmp_path, corpus, monkeypatch) -> None:
    """Indexes written before numbers became one term each keep working (their own schema)."""
    from whoosh import fields

    from civdesk.search import engine

    new_schema = engine._schema

    def old_schema():
        schema = new_schema()
        for name, bits in (("mid", 64), ("version", 64)):
            schema.remove(name)
            schema.add(name, fields.NUMERIC(int, bits=bits, unique=name == "mid", sortable=True))
        return schema

    monkeypatch.setattr(engine, "_schema", old_schema)
    ix = SearchIndex.open(tmp_path / "ix")
    ix.rebuild(corpus[:20], 20)
    ix.close()
    monkeypatch.setattr(engine, "_schema", new_schema)
    ix = SearchIndex.open(tmp_path / "ix")
    assert ix.status == "ok"
    ix.update([IndexDoc(3, 9, title="旧索引里改过的标题")])
    ix.delete([4])
    assert ids(ix.search("旧索引里改过")) == {3}
    assert ix.indexed_versions()[3] == 9 and 4 not in ix.indexed_versions()
    assert len(ix.indexed_versions()) == 19
    ix.close()


def test_snippet_from_a_stretch_of_the_page_equals_folding_the_whole_page(corpus, monkeypatch) -> None:
    from civdesk.search import engine

    rng = random.Random(3)
    docs = corpus + [IndexDoc(900 + i, 1, pages=(
        "".join(rng.choice(["文明", "城市", "，", " ", "\n", "\n\n", "III-5", "Ⅲ", "ＡＢＣ", "２０２３", "\u200b", "x"])
                for _ in range(rng.randrange(50, 400))),)) for i in range(40)]
    whole = engine._page_window_snippet
    checked = 0
    for doc in docs:
        entry, _orig = engine._prepare(doc)
        body = entry.folded[entry.bounds[5]:]
        for _ in range(5):
            if len(body) < 6:
                break
            a = rng.randrange(len(body) - 4)
            word = body[a:a + rng.randrange(2, 5)].strip()
            if not word:
                continue
            pos = engine._first_body_pos(entry, (word,))
            monkeypatch.setattr(engine, "_page_window_snippet", lambda *a, **k: None)
            want = engine._body_snippet(entry, doc.pages, (word,), pos)
            monkeypatch.setattr(engine, "_page_window_snippet", whole)
            assert engine._body_snippet(entry, doc.pages, (word,), pos) == want
            checked += 1
    assert checked > 200


def test_best_n_by_score_bounds_equals_the_head_of_the_full_ranking(index, corpus) -> None:
    """Top-N searches check candidates best bound first and stop early: same hits, same order,
    same scores as the head of the full ranking, with filters and excluded words too."""
    words = ["文明", "工作", "城市", "志愿服务", "活动", "建设", "QQ群", "2021", "宣发"]
    for q in words + ["文明 -城市", "工作 -志愿"]:
        everything = [(h.material_id, h.score) for h in index.search(q, limit=None)]
        for limit in (1, 3, 10):
            assert [(h.material_id, h.score) for h in index.search(q, limit=limit)] == everything[:limit], q
        filtered = [(h.material_id, h.score) for h in index.search(q, unit="民政局", limit=None)]
        assert [(h.material_id, h.score) for h in index.search(q, unit="民政局", limit=4)] == filtered[:4], q


def test_best_n_reads_only_the_blocks_that_can_hold_a_winner(tmp_path, monkeypatch) -> None:
    """A top-N search of one word reads its rarest gram's posting blocks best (bound, id) first
    and stops early, over several blocks and segments: hits, order and scores are the head of
    the full ranking, also when an update gives an old material a new, high document number,
    when materials are deleted, and among the many ties of a word in every title."""
    import civdesk.search.engine as engine

    docs = make_docs(700, seed=5)
    # a word in every title: all its materials tie on the title score, newest first
    docs = [IndexDoc(**{**d.__dict__, "title": f"龘龘会文明创建活动{d.material_id}"}) if d.material_id % 3 else d
            for d in docs]
    ix = SearchIndex.open(tmp_path / "ix", batch_size=200)
    ix.rebuild(docs[:500], 500)
    ix.update(docs[500:])  # more segments
    old = [IndexDoc(**{**d.__dict__, "version": d.version + 1, "title": d.title + " 文明创建活动 文明创建活动"})
           for d in docs[10:40]]
    # the newest material re-indexed before older ones: its block ends on a low material id
    by_id = {d.material_id: d for d in docs}
    ix.update([IndexDoc(**{**by_id[m].__dict__, "version": 9}) for m in (700, 5, 7, 8)])
    # among equal titles the newest material comes first, wherever its block is
    assert ix.search("龘龘会", limit=None, snippets=False)[0].material_id == 700
    assert [h.material_id for h in ix.search("龘龘会", limit=3, snippets=False)] == [700, 698, 697]
    ix.update(old)  # low material ids, new high document numbers
    ix.delete([d.material_id for d in docs[600:620]])
    decoded = []
    real = engine._block_postings
    monkeypatch.setattr(engine, "_block_postings", lambda b: decoded.append(b) or real(b))
    for q in ["龘龘会", "创建活动", "文明", "活动", "工作", "志愿服务", "建设", "宣发", "材料"]:
        everything = [(h.material_id, h.score) for h in ix.search(q, limit=None, snippets=False)]
        assert len(everything) > 20 or q in ("志愿服务",), q
        for limit in (1, 5, 20):
            decoded.clear()
            top = [(h.material_id, h.score) for h in ix.search(q, limit=limit, snippets=False)]
            assert top == everything[:limit], (q, limit)
        filtered = [(h.material_id, h.score) for h in ix.search(q, unit="民政局", limit=None, snippets=False)]
        assert [(h.material_id, h.score) for h in ix.search(q, unit="民政局", limit=7, snippets=False)] == filtered[:7]
    # the updated old materials win "创建活动" (three title hits); a few blocks are enough
    decoded.clear()
    top = ix.search("创建活动", limit=5, snippets=False)
    assert {h.material_id for h in top} <= {d.material_id for d in old}
    assert 0 < len(decoded) < 4
    ix.close()
