"""Parsing what a clerk types into the search box.

Syntax (deliberately small):

- words separated by spaces must all match (``文明实践 志愿``);
- a quoted phrase is one word, spaces included (``"文明 实践"``; straight,
  full-width or Chinese quotes ``“…”`` all work); after folding, a space
  between two CJK characters disappears, so ``"文明 实践"`` finds ``文明实践``;
- a leading ``-`` (or ``－``) excludes a word or phrase (``-草稿``,
  ``-"征求意见稿"``); a lone ``-`` is ignored; ``Ⅲ-5`` is an ordinary word.

Filters (kind, unit, year, dates, standards, filed) are arguments of
``SearchIndex.search``, not syntax.  Words are folded with
:func:`civdesk.search.text.fold`; words that fold to nothing are dropped.
"""
from __future__ import annotations

from dataclasses import dataclass

from .text import fold

__all__ = ["ParsedQuery", "parse_query"]

_OPEN_CLOSE = {'"': '"', "＂": "＂", "“": "”", "”": "”", "「": "」", "『": "』"}
_MINUS = ("-", "－", "\u2212")


@dataclass(frozen=True)
class ParsedQuery:
    """Folded words that must all occur and words that must not occur."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.include and not self.exclude


def _tokens(text: str) -> list[tuple[bool, str]]:
    """Split into (negated, raw word) pairs, honouring quotes."""
    out: list[tuple[bool, str]] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        negated = False
        if ch in _MINUS and i + 1 < n and not text[i + 1].isspace():
            negated = True
            i += 1
            ch = text[i]
        if ch in _OPEN_CLOSE:
            close = _OPEN_CLOSE[ch]
            end = text.find(close, i + 1)
            if end < 0:
                end = n
            out.append((negated, text[i + 1 : end]))
            i = end + 1
            continue
        j = i
        while j < n and not text[j].isspace():
            j += 1
        out.append((negated, text[i:j]))
        i = j
    return out


def parse_query(text: str) -> ParsedQuery:
    """Parse a typed query into folded include/exclude words (duplicates removed)."""
    include: list[str] = []
    exclude: list[str] = []
    for negated, raw in _tokens(text):
        word = fold(raw)
        if not word or (not negated and raw in _MINUS):
            continue
        target = exclude if negated else include
        if word not in target:
            target.append(word)
    return ParsedQuery(tuple(include), tuple(exclude))
