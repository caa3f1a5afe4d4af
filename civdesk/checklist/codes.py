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
      | \d{{1,2}}\s*{_D}\s*\d{{1,3}}(?![\d.．])              # 3-5 (a level number, not a year)
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


# ------------------------------------------------------------------ addresses
#: How a clerk may write the level of a national code: ``Ⅲ``, ``III``, ``三``, ``3``.
_LEVEL_FORMS = (rf"[{ROMAN_NUMERALS}]|XII|XI|IX|X|VIII|VII|VI|IV|V|III|II|I"
                r"|十[一二]|十|[一二三四五六七八九]|1[0-2]|[1-9]")
_ADDRESS_RE = re.compile(
    rf"^\s*(?P<level>{_LEVEL_FORMS})\s*{_D}\s*(?P<item>\d+)\s*(?:[:：]\s*(?P<number>\d+))?\s*$",
    re.IGNORECASE)


def _level_number(token: str) -> int | None:
    token = token.upper()
    if token in ROMAN_NUMERALS:
        return ROMAN_NUMERALS.index(token) + 1
    if token in _ASCII_ROMAN:
        return ROMAN_NUMERALS.index(_ASCII_ROMAN[token]) + 1
    if token.isdigit():
        return int(token)
    if token.startswith("十"):
        return 10 + (_CN_DIGITS.index(token[1]) + 1 if len(token) > 1 else 0)
    return _CN_DIGITS.index(token) + 1 if token in _CN_DIGITS else None


def parse_address(text: object) -> tuple[str, int | None] | None:
    """An item or standard address in any of the forms clerks write, in the national scheme.

    ``'三-9:2'``, ``'Ⅲ-9:2'``, ``'III-9:2'``, ``'iii－9：2'`` and ``'3-9:2'`` all give
    ``('Ⅲ-9', 2)``; ``'Ⅲ-9'`` gives ``('Ⅲ-9', None)``.  ``None`` when the text is
    no such address (``'1.1.1'``, a title).  Every command resolves codes through
    this function.
    """
    if text is None:
        return None
    match = _ADDRESS_RE.match(_fold(str(text)))
    if not match:
        return None
    level = _level_number(match.group("level"))
    if level is None or not 1 <= level <= len(ROMAN_NUMERALS):
        return None
    number = match.group("number")
    return make_code(level, int(match.group("item"))), (int(number) if number else None)


def canonical_code(text: object) -> str:
    """An item code in the national scheme when it is one in any form (``'三-9'`` → ``'Ⅲ-9'``),
    otherwise as :func:`normalise_code` cleans it (``'1.1.1'``)."""
    address = parse_address(text)
    if address is not None and address[1] is None:
        return address[0]
    return normalise_code(text)


def code_forms(code: str) -> tuple[str, ...]:
    """Every way a clerk may type a national code: ``'Ⅲ-9:2'`` → ``('Ⅲ-9:2', 'III-9:2', '三-9:2', '3-9:2')``.

    A code in another scheme comes back alone.  Used to index a filed material
    under each form, so searching ``三-9`` or ``3-9`` finds it as ``Ⅲ-9`` does.
    """
    address = parse_address(code)
    if address is None:
        return (code,)
    item, number = address
    level = roman_level(item) or 0
    n = item.split("-", 1)[1]
    tail = f":{number}" if number is not None else ""
    ascii_roman = {v: k for k, v in _ASCII_ROMAN.items()}.get(item[0], item[0])
    cn = _CN_DIGITS[level - 1] if level <= 10 else f"十{_CN_DIGITS[level - 11]}"
    return tuple(dict.fromkeys((f"{item}{tail}", f"{ascii_roman}-{n}{tail}", f"{cn}-{n}{tail}",
                                f"{level}-{n}{tail}")))
