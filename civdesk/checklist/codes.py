"""Checklist item codes: ``Ⅰ-1`` / ``Ⅱ-1`` / ``Ⅲ-1`` and the local variants.

The national checklist codes its three levels with a Roman numeral and a
number running through the whole checklist.  Local tables write ``Ⅲ－5``
(full-width dash), ``III-5`` (ASCII letters), ``1.1.1``, ``三-5``, ``一、``
or no code at all.  :func:`split_code` separates a code from the title in a
cell, :func:`normalise_code` cleans a code, :func:`roman_level` tells whether
a code is already in the national scheme, and :func:`make_code` builds one.
"""
from __future__ import annotations

import re
import unicodedata

from civdesk.vocabulary import ROMAN_NUMERALS

_ASCII_ROMAN = {"I": "Ⅰ", "II": "Ⅱ", "III": "Ⅲ", "IV": "Ⅳ", "V": "Ⅴ",
                "VI": "Ⅵ", "VII": "Ⅶ", "VIII": "Ⅷ", "IX": "Ⅸ", "X": "Ⅹ"}
_DASHES = "-－—–‐‑‒―_"
_CN_DIGITS = "一二三四五六七八九十"

_D = f"[{re.escape(_DASHES)}]"
_CODE_RE = re.compile(
    rf"""^\s*(?P<code>
        (?:[{ROMAN_NUMERALS}]|[IVX]{{1,4}})\s*{_D}\s*\d+          # Ⅲ-5, III-5, Ⅲ－5
      | [{_CN_DIGITS}]+\s*{_D}\s*\d+                     # 三-5
      | \d+(?:\s*[.．]\s*\d+)+                           # 1.1.1
      | [（(][{_CN_DIGITS}\d]+[)）]                       # （一）
      | [{_CN_DIGITS}]+(?=[、.．])                        # 一、
      | \d+(?=\s*[、.．:：]|\s+)                          # 1、 / 1 title
    )(?P<sep>[\s、.．:：]*)(?P<title>.*)$""",
    re.VERBOSE | re.DOTALL,
)
_ROMAN_CODE_RE = re.compile(rf"^([{ROMAN_NUMERALS}])-(\d+)$")


def _fold(text: str) -> str:
    """Full-width digits and letters to ASCII, keeping Chinese punctuation."""
    return "".join(
        unicodedata.normalize("NFKC", ch) if ("０" <= ch <= "９" or "Ａ" <= ch <= "ｚ") else ch
        for ch in text
    )


def normalise_code(text: object) -> str:
    """Clean a code: ``'Ⅲ－5'`` → ``'Ⅲ-5'``, ``'III - 5'`` → ``'Ⅲ-5'``, ``'１．１'`` → ``'1.1'``.

    Codes in other schemes come back cleaned but otherwise as written
    (``'三－5'`` → ``'三-5'``); ``None`` or blank gives ``''``.
    """
    if text is None:
        return ""
    code = _fold(str(text)).strip()
    code = re.sub(rf"\s*{_D}\s*", "-", code)
    code = re.sub(r"\s*[.．]\s*", ".", code)
    code = re.sub(r"\s+", "", code)
    match = re.match(r"^([IVX]{1,4})-(\d+)$", code)
    if match and match.group(1) in _ASCII_ROMAN:
        code = f"{_ASCII_ROMAN[match.group(1)]}-{match.group(2)}"
    return code


def split_code(text: str) -> tuple[str, str]:
    """Split ``'Ⅰ-1 重点工作'`` into ``('Ⅰ-1', '重点工作')``; ``('', text)`` when no code."""
    text = (text or "").strip()
    match = _CODE_RE.match(text)
    if not match:
        return "", text
    title = match.group("title").strip()
    if not title:
        return normalise_code(match.group("code")), ""
    return normalise_code(match.group("code")), title


def roman_level(code: str) -> int | None:
    """Level of a national code (``'Ⅱ-3'`` → 2), ``None`` for other schemes."""
    match = _ROMAN_CODE_RE.match(code or "")
    if not match:
        return None
    return ROMAN_NUMERALS.index(match.group(1)) + 1


def roman_number(code: str) -> int | None:
    """The running number of a national code (``'Ⅲ-12'`` → 12)."""
    match = _ROMAN_CODE_RE.match(code or "")
    return int(match.group(2)) if match else None


def make_code(level: int, number: int) -> str:
    """The national code for the ``number``-th item of ``level``: ``make_code(3, 5)`` → ``'Ⅲ-5'``."""
    return f"{ROMAN_NUMERALS[level - 1]}-{number}"
