"""Several numbered parts inside one cell: ``1）…\\n2）…``, ``(1)``, ``①②``, ``1.``.

:func:`split_numbered` finds a run of markers in one style numbered
consecutively from the start of the text and cuts the text there.  Numbers
that do not continue the run (``不少于50场``, ``第2）项`` out of sequence) stay
part of the text.  :func:`distribute` then gives each standard of a cell its
own part of another column (``1）材料审核 2）材料审核、问卷调查``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_PAREN_DIGITS = "⑴⑵⑶⑷⑸⑹⑺⑻⑼⑽⑾⑿⒀⒁⒂⒃⒄⒅⒆⒇"
_BOUNDARY = " \t\n。；;，,、：:"

_STYLES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("paren", re.compile(r"[(（]\s*(\d{1,2})\s*[)）]")),
    ("close", re.compile(r"(?<![(（\d])(\d{1,2})\s*[)）]")),
    ("circled", re.compile(f"([{_CIRCLED}])")),
    ("pdigit", re.compile(f"([{_PAREN_DIGITS}])")),
    ("dot", re.compile(r"(?:^|(?<=[\s。；;]))(\d{1,2})\s*[.．、](?![\d.．])")),
)


@dataclass(frozen=True)
class _Marker:
    style: str
    number: int
    start: int
    end: int


def _number(style: str, token: str) -> int:
    if style == "circled":
        return _CIRCLED.index(token) + 1
    if style == "pdigit":
        return _PAREN_DIGITS.index(token) + 1
    return int(token)


def _markers(text: str) -> list[_Marker]:
    found = []
    for style, pattern in _STYLES:
        for m in pattern.finditer(text):
            start = m.start(1) if style in ("close", "dot") else m.start()
            if style == "close" and start > 0 and text[start - 1] not in _BOUNDARY:
                continue
            found.append(_Marker(style, _number(style, m.group(1)), start, m.end()))
    return sorted(found, key=lambda mk: mk.start)


def split_numbered(text: str) -> list[tuple[int | None, str]]:
    """Cut ``text`` at consecutive markers; ``[(None, text)]`` when it is not numbered.

    >>> split_numbered("1）甲。\\n2）乙。")
    [(1, '甲。'), (2, '乙。')]
    """
    text = (text or "").strip()
    markers = _markers(text)
    first = next((m for m in markers if m.start == 0), None)
    if first is None:
        return [(None, text)]
    chain = [first]
    for marker in markers:
        if marker.style == first.style and marker.start >= chain[-1].end \
                and marker.number == chain[-1].number + 1:
            chain.append(marker)
    parts = []
    for i, marker in enumerate(chain):
        end = chain[i + 1].start if i + 1 < len(chain) else len(text)
        parts.append((marker.number, _clean(text[marker.end:end])))
    return parts


def _clean(part: str) -> str:
    return part.strip().rstrip("；;，,").strip()


def distribute(text: str, numbers: list[int]) -> tuple[dict[int, str], list[int]]:
    """Give each standard number its part of ``text``.

    Unnumbered text goes to every number.  Numbered text goes by number; when
    there is a single standard and a single part, they belong together even if
    the numbers differ.  Returns the mapping and the numbers left without a
    part (for a warning).
    """
    parts = split_numbered(text)
    if parts[0][0] is None:
        return {n: parts[0][1] for n in numbers}, []
    if len(numbers) == 1 and len(parts) == 1:
        return {numbers[0]: parts[0][1]}, []
    by_number = {n: part for n, part in parts if n is not None}
    missing = [n for n in numbers if n not in by_number]
    return {n: by_number.get(n, "") for n in numbers}, missing
