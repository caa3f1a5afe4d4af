"""Folding and query parsing for search (civdesk.search.text / .query)."""
from __future__ import annotations

import random
from pathlib import Path

import pytest

from civdesk.search.query import parse_query
from civdesk.search.text import FIELD_SEP, fold, fold_with_map, grams, join_pages

FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures"
SEEDS = sorted((FIXTURES / "seeds").glob("*.txt"))


@pytest.mark.parametrize(
    "raw, folded",
    [
        ("文明城\n市", "文明城市"),
        ("文明城 \r\n 市", "文明城市"),
        ("2021 年预算", "2021年预算"),
        ("２０２３年", "2023年"),
        ("ＡＢＣ Def", "abc def"),
        ("Ⅲ-5", "Ⅲ-5"),
        ("III-5", "Ⅲ-5"),
        ("ⅲ－５：1", "Ⅲ-5:1"),
        ("Ⅱ-5", "Ⅱ-5"),
        ("QQ群", "qq群"),
        ("a  b\n\tc", "a b c"),
        ("  前后  ", "前后"),
        ("零\u200b宽", "零宽"),
        ("“强短板 创精品”", "“强短板创精品”"),
        ("version iv", "version iv"),
    ],
)
def test_fold(raw: str, folded: str) -> None:
    assert fold(raw) == folded


def test_roman_codes_do_not_overlap() -> None:
    assert fold("Ⅱ-5") not in fold("Ⅲ-5")
    assert fold("II-5") not in fold("III-5 和 Ⅲ-5")
    assert fold("Ⅲ-5") in fold("见测评内容 III-5:1")


def _noisy(text: str, rng: random.Random) -> str:
    out = []
    for ch in text:
        out.append(ch)
        r = rng.random()
        if r < 0.03:
            out.append("\n")
        elif r < 0.04:
            out.append(" \u3000")
    return "".join(out)


def test_fold_with_map_agrees_with_fold() -> None:
    rng = random.Random(7)
    for seed, tail in zip(SEEDS, ["", " ＡＢＣ ⅲ-5 ß", " III-5 ㈠\u200b", "", " ＱＱ群"]):
        text = _noisy(seed.read_text(encoding="utf-8")[:3000], rng) + tail
        folded, starts, ends = fold_with_map(text)
        assert folded == fold(text)
        assert len(starts) == len(ends) == len(folded)
        for i in range(0, len(folded), 37):
            assert fold(text[starts[i]:ends[i]]) == folded[i] or folded[i] in "Ⅰ ss"


def test_join_pages_matches_folding_the_joined_text() -> None:
    rng = random.Random(3)
    text = SEEDS[0].read_text(encoding="utf-8")
    for _ in range(20):
        cuts = sorted(rng.sample(range(len(text)), 5))
        pages = [text[a:b] for a, b in zip([0] + cuts, cuts + [len(text)])] + ["", "  abc "]
        joined, starts = join_pages([fold(p) for p in pages])
        assert joined == fold("\n".join(pages))
        assert len(starts) == len(pages)
        for page, start in zip(pages, starts):
            assert joined[start:start + len(fold(page))] == fold(page)


def test_grams_do_not_cross_fields() -> None:
    g = grams(FIELD_SEP.join(["ab", "cd"]))
    assert g == {"ab", "cd"}


def test_parse_query() -> None:
    q = parse_query('文明实践  志愿 "文明 实践" -草稿 -"征求 意见稿" － Ⅲ-5 “安宁 好人”')
    assert q.include == ("文明实践", "志愿", "Ⅲ-5", "安宁好人")
    assert q.exclude == ("草稿", "征求意见稿")
    assert parse_query("２０２３").include == ("2023",)
    assert parse_query('"abc def"').include == ("abc def",)
    assert parse_query("  ").is_empty
    assert parse_query('"未闭合 引号').include == ("未闭合引号",)
