"""Comparing two editions of a checklist so evidence follows its standard.

When the national list changes, a clerk re-imports it and expects material
filed under unchanged standards to stay filed.  :func:`diff_editions` pairs
the standards of the old edition with those of the new one:

1. same item code, number and text → unchanged;
2. same text elsewhere (the standard moved to another code) → unchanged;
3. the remaining pairs similar enough, most similar first (same code and
   number, then same item, break ties) → reworded;
4. the rest are added (new only) or removed (old only).

Each old standard is matched at most once.  Texts are compared without
whitespace, numbering marks, trailing ``。`` and with ASCII/full-width
punctuation folded; similarity is :class:`difflib.SequenceMatcher` on
characters.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from civdesk.checklist.model import ParsedChecklist

_PUNCT = str.maketrans({"(": "（", ")": "）", ",": "，", ";": "；", ":": "：", "?": "？",
                        "!": "！", "．": "。"})
_LEADING_NUMBER = re.compile(r"^\s*(?:[(（]?\d{1,2}[)）.．、]|[①-⑳])\s*")


@dataclass(frozen=True)
class StandardKey:
    """What identifies a standard across editions; ``ref`` is the caller's id (not compared)."""

    item_code: str
    number: int
    text: str
    ref: object = field(default=None, compare=False)

    @property
    def label(self) -> str:
        return f"{self.item_code} 第{self.number}条"


def comparable_text(text: str) -> str:
    """The text as compared: ``'1）建立机制。'`` → ``'建立机制'``."""
    clean = _LEADING_NUMBER.sub("", text or "")
    clean = re.sub(r"\s+", "", clean).translate(_PUNCT)
    return clean.rstrip("。；，、")


def similarity(a: str, b: str) -> float:
    """Character similarity of two standard texts, 0…1."""
    ca, cb = comparable_text(a), comparable_text(b)
    if ca == cb:
        return 1.0
    return SequenceMatcher(None, ca, cb, autojunk=False).ratio()


@dataclass(frozen=True)
class EditionDiff:
    unchanged: tuple[tuple[StandardKey, StandardKey], ...]
    reworded: tuple[tuple[StandardKey, StandardKey, float], ...]
    added: tuple[StandardKey, ...]
    removed: tuple[StandardKey, ...]

    @property
    def pairs(self) -> tuple[tuple[StandardKey, StandardKey], ...]:
        """Every (old, new) match, unchanged first: where links should follow."""
        return self.unchanged + tuple((o, n) for o, n, _ in self.reworded)

    @property
    def moved(self) -> tuple[tuple[StandardKey, StandardKey], ...]:
        """Matches whose code or number changed."""
        return tuple((o, n) for o, n in self.pairs
                     if (o.item_code, o.number) != (n.item_code, n.number))

    def summary(self) -> str:
        """One Chinese line: ``未变 20 条，改写 2 条（其中编号变动 1 条），新增 1 条，删除 1 条``."""
        moved = len(self.moved)
        extra = f"（其中编号变动 {moved} 条）" if moved else ""
        return (f"未变 {len(self.unchanged)} 条，改写 {len(self.reworded)} 条{extra}，"
                f"新增 {len(self.added)} 条，删除 {len(self.removed)} 条")


def standard_keys(parsed: ParsedChecklist) -> list[StandardKey]:
    """Keys of every standard in a parsed checklist (``ref`` = (item code, number))."""
    return [StandardKey(node.code, std.number, std.text, (node.code, std.number))
            for node, std in parsed.all_standards()]


def diff_editions(old: Sequence[StandardKey], new: Sequence[StandardKey],
                  threshold: float = 0.6) -> EditionDiff:
    """Pair old standards with new ones; see the module docstring for the order of rules."""
    old_text = [comparable_text(k.text) for k in old]
    new_text = [comparable_text(k.text) for k in new]
    free_old = set(range(len(old)))
    free_new = set(range(len(new)))
    unchanged: list[tuple[int, int]] = []
    reworded: list[tuple[int, int, float]] = []

    def take(i: int, j: int) -> None:
        free_old.discard(i)
        free_new.discard(j)

    by_place = {(k.item_code, k.number): j for j, k in enumerate(new)}
    for i, key in enumerate(old):                              # 1. same place, same text
        j = by_place.get((key.item_code, key.number))
        if j is not None and j in free_new and new_text[j] == old_text[i]:
            unchanged.append((i, j))
            take(i, j)
    by_text: dict[str, list[int]] = {}
    for j, text in enumerate(new_text):
        by_text.setdefault(text, []).append(j)
    for i in sorted(free_old):                                 # 2. same text, moved
        candidates = [j for j in by_text.get(old_text[i], []) if j in free_new]
        if candidates:
            same_item = [j for j in candidates if new[j].item_code == old[i].item_code]
            j = (same_item or candidates)[0]
            unchanged.append((i, j))
            take(i, j)
    while free_old and free_new:                               # 3. most similar pairs first
        edges = _candidate_edges(old, new, old_text, new_text, free_old, free_new, threshold)
        taken_before = len(reworded)
        for _, _, _, i, j, score in sorted(edges):
            if i in free_old and j in free_new:
                reworded.append((i, j, score))
                take(i, j)
        if len(reworded) == taken_before:
            break
    unchanged.sort()
    reworded.sort()
    return EditionDiff(
        unchanged=tuple((old[i], new[j]) for i, j in unchanged),
        reworded=tuple((old[i], new[j], round(s, 3)) for i, j, s in reworded),
        added=tuple(new[j] for j in sorted(free_new)),
        removed=tuple(old[i] for i in sorted(free_old)),
    )


def _candidate_edges(old: Sequence[StandardKey], new: Sequence[StandardKey], old_text: list[str],
                     new_text: list[str], free_old: Iterable[int], free_new: Iterable[int],
                     threshold: float, per_old: int = 3) -> list[tuple[float, bool, bool, int, int, float]]:
    """The ``per_old`` most similar free new standards of each free old one, as sortable edges.

    ``quick_ratio`` (an upper bound of ``ratio``) filters the pairs, so the full
    comparison runs only for the best few candidates of each old standard.
    Edges sort by similarity, then same code and number, then same item.
    """
    olds = [i for i in sorted(free_old) if old_text[i]]
    bounds: dict[int, list[tuple[float, int]]] = {i: [] for i in olds}
    matcher = SequenceMatcher(None, autojunk=False)
    for j in sorted(free_new):
        b = new_text[j]
        if not b:
            continue
        matcher.set_seq2(b)
        for i in olds:
            a = old_text[i]
            if 2 * min(len(a), len(b)) / (len(a) + len(b)) < threshold:
                continue
            matcher.set_seq1(a)
            bound = matcher.quick_ratio()
            if bound >= threshold:
                bounds[i].append((bound, j))
    edges = []
    for i, candidates in bounds.items():
        candidates.sort(key=lambda c: (-c[0], c[1]))
        best: list[tuple[float, int]] = []
        for bound, j in candidates:
            if len(best) >= per_old and bound <= best[-1][0]:
                break
            score = SequenceMatcher(None, old_text[i], new_text[j], autojunk=False).ratio()
            if score >= threshold:
                best = sorted(best + [(score, j)], key=lambda c: -c[0])[:per_old]
        for score, j in best:
            same_place = (old[i].item_code, old[i].number) == (new[j].item_code, new[j].number)
            same_item = old[i].item_code == new[j].item_code
            edges.append((-score, not same_place, not same_item, i, j, score))
    return edges
