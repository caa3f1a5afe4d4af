"""Text folding for search: what "contains the typed text" means.

Every searchable field and every typed word goes through :func:`fold`; a
material matches a word when the folded word is a substring of a folded field.
Folding is, in order:

1. per character: NFKC (full-width → half-width, ``２０２３`` → ``2023``,
   ``ＡＢＣ`` → ``ABC``, ideographic space → space), then case-fold; control
   and format characters (zero-width space, soft hyphen, BOM) vanish.
   Roman-numeral characters ``Ⅰ``–``Ⅻ`` (and ``ⅰ``–``ⅻ``) are kept as single
   upper-case characters instead of NFKC's letters, so ``Ⅱ-5`` is not found
   inside ``Ⅲ-5`` (``ii-5`` would be a substring of ``iii-5``);
2. whitespace: a run of whitespace touching a CJK character (a PDF line break
   inside ``文明城\\n市``, the space in ``2021 年``) is removed, any other run
   becomes one space; leading and trailing whitespace is dropped;
3. checklist codes: an ASCII Roman numeral I–XII directly followed by
   ``-`` and a digit becomes the Roman-numeral character, so ``III-5``,
   ``Ⅲ-5`` and ``Ⅲ－５`` all fold to ``Ⅲ-5``.

The folding is done per character (NFKC of each character on its own), so a
decomposed accent does not compose; nothing in this domain depends on that.
:func:`fold_with_map` gives the same text plus, for each folded character, the
index of the original character it came from (for snippets in the original
text).  :func:`grams` gives the distinct bigrams that feed the candidate
index.
"""
from __future__ import annotations

import re
import unicodedata
from functools import cache

from civdesk.vocabulary import ROMAN_NUMERALS

__all__ = ["FIELD_SEP", "fold", "fold_with_map", "grams", "is_cjk", "join_fields", "join_pages"]

#: Joins fields in the stored folded text; :func:`fold` never produces it.
FIELD_SEP = "\x00"

_ROMAN_UPPER = list(ROMAN_NUMERALS)
_ROMAN_ASCII = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii"]
_ASCII_TO_ROMAN = dict(zip(_ROMAN_ASCII, _ROMAN_UPPER))

# Anything at or above U+2E80 (CJK radicals, punctuation, kana, Han, Hangul,
# compatibility forms) plus the curly quotes used in Chinese text.
_CJK_FLOOR = 0x2E80
_CJK_EXTRA = "\u2018\u2019\u201c\u201d\u2026\u2014\u00b7"
_CJK_CLASS = "\u2e80-\U0010ffff" + _CJK_EXTRA

_WS_RUN = re.compile(r"\s+")
# A whitespace run with a CJK character on at least one side.
_WS_CJK = re.compile(rf"(?<=[{_CJK_CLASS}])\s+|\s+(?=[{_CJK_CLASS}])")
_ROMAN_CODE = re.compile(r"(?<![a-z0-9])(xii|xi|ix|x|viii|vii|vi|iv|v|iii|ii|i)(?=-[0-9])")


def is_cjk(ch: str) -> bool:
    """True for characters that need no spaces around them (Han, CJK punctuation…)."""
    return ord(ch) >= _CJK_FLOOR or ch in _CJK_EXTRA


@cache
def _fold_char(ch: str) -> str:
    code = ord(ch)
    if 0x2160 <= code <= 0x216B:
        return ch
    if 0x2170 <= code <= 0x217B:
        return chr(code - 0x10)
    if unicodedata.category(ch) in ("Cc", "Cf") and not ch.isspace():
        return ""
    out = unicodedata.normalize("NFKC", ch).casefold()
    # NFKC may itself produce Roman numerals' letters or control characters
    # (it never produces FIELD_SEP); keep the result.
    return out


class _FoldTable(dict):
    """A ``str.translate`` table that fills itself on first sight of a character."""

    def __missing__(self, code: int) -> int | str:
        ch = chr(code)
        out = _fold_char(ch)
        value: int | str = code if out == ch else out
        self[code] = value
        return value


_TABLE = _FoldTable()


class _RegularTable(dict):
    """``str.translate`` table deleting characters that fold to zero or several."""

    def __missing__(self, code: int) -> int | None:
        value = code if len(_fold_char(chr(code))) == 1 else None
        self[code] = value
        return value


_REGULAR = _RegularTable()


def _has_irregular(text: str) -> bool:
    """Does ``text`` hold a character that folds to zero or several characters?"""
    return len(text.translate(_REGULAR)) != len(text)


def _chars(text: str) -> str:
    return text.translate(_TABLE)


def _roman(match: re.Match[str]) -> str:
    return _ASCII_TO_ROMAN[match.group(1)]


def fold(text: str) -> str:
    """Fold ``text`` for matching (see the module docstring)."""
    s = _chars(text)
    s = _WS_CJK.sub("", s)
    s = _WS_RUN.sub(" ", s).strip()
    return _ROMAN_CODE.sub(_roman, s)


def _apply(
    s: str, starts: list[int], ends: list[int], pattern: re.Pattern[str], repl
) -> tuple[str, list[int], list[int]]:
    """``pattern.sub(repl, s)`` that also carries each character's original span."""
    out: list[str] = []
    new_starts: list[int] = []
    new_ends: list[int] = []
    pos = 0
    for m in pattern.finditer(s):
        a, b = m.span()
        out.append(s[pos:a])
        new_starts.extend(starts[pos:a])
        new_ends.extend(ends[pos:a])
        r = repl(m) if callable(repl) else repl
        out.append(r)
        new_starts.extend([starts[a]] * len(r))
        new_ends.extend([ends[b - 1]] * len(r))
        pos = b
    out.append(s[pos:])
    new_starts.extend(starts[pos:])
    new_ends.extend(ends[pos:])
    return "".join(out), new_starts, new_ends


def fold_with_map(text: str) -> tuple[str, list[int], list[int]]:
    """Fold ``text``; also return, per folded character, its original span.

    Returns ``(folded, starts, ends)``: folded character ``i`` comes from
    ``text[starts[i]:ends[i]]``.  ``fold_with_map(t)[0] == fold(t)`` always.
    """
    s = _chars(text)
    if len(s) == len(text) and not _has_irregular(text):
        starts = list(range(len(text)))  # every character folds to exactly one
        return _fold_mapped(s, starts, [i + 1 for i in starts])
    pieces: list[str] = []
    starts = []
    table = _TABLE
    for i, ch in enumerate(text):
        v = table[ord(ch)]
        if v.__class__ is int:
            pieces.append(ch)
            starts.append(i)
        elif v:
            pieces.append(v)
            starts.extend([i] * len(v))
    return _fold_mapped("".join(pieces), starts, [i + 1 for i in starts])


def _fold_mapped(s: str, starts: list[int], ends: list[int]) -> tuple[str, list[int], list[int]]:
    """Steps 2 and 3 of folding on per-character folded text, keeping the map."""
    s, starts, ends = _apply(s, starts, ends, _WS_CJK, "")
    s, starts, ends = _apply(s, starts, ends, _WS_RUN, " ")
    lead = len(s) - len(s.lstrip())
    trail = len(s.rstrip())
    s, starts, ends = s[lead:trail], starts[lead:trail], ends[lead:trail]
    return _apply(s, starts, ends, _ROMAN_CODE, _roman)


def grams(folded: str) -> set[str]:
    """Distinct character bigrams of already folded text.

    Bigrams never span :data:`FIELD_SEP`.  (Single characters are not
    indexed: one-character queries are checked against the text directly.)
    """
    out: set[str] = set()
    for part in folded.split(FIELD_SEP):
        out.update(map(str.__add__, part, part[1:]))
    return out


def join_fields(parts: list[str]) -> str:
    """Join folded field texts with :data:`FIELD_SEP`."""
    return FIELD_SEP.join(parts)


def join_pages(folded_pages: list[str]) -> tuple[str, tuple[int, ...]]:
    """Join folded pages as ``fold('\\n'.join(pages))`` would, with page start offsets.

    A page break between two CJK characters disappears (a word may wrap across
    pages), otherwise it becomes one space.
    """
    text = ""
    starts: list[int] = []
    for page in folded_pages:
        if text and page and not (is_cjk(text[-1]) or is_cjk(page[0])):
            text += " "
        starts.append(len(text))
        text += page
    return text, tuple(starts)
