"""Filing suggestions from folder and file names.

Departments name their folders after checklist codes (``Ⅲ-5``, ``3-5``,
``1.2.3``), item or standard names, and themselves (``市民政局``).  These
become suggested links and a suggested unit, which the clerk confirms.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePath

from civdesk.checklist.codes import normalise_code
from civdesk.vocabulary import ROMAN_NUMERALS

# A checklist code inside a folder or file name, read only as a whole token:
# ``Ⅲ-5`` / ``III-5`` / ``三-5`` / ``3-5`` (optionally ``:2`` / ``-2`` for the standard).
_LEVEL = r"III|II|I|[一二三]|[1-3]"
_CODE = re.compile(
    rf"(?P<level>{_LEVEL})\s*[-－—–]\s*(?P<item>\d{{1,3}})(?:\s*[-－—–:：]\s*(?P<std>\d{{1,2}}))?")
_DOTTED = re.compile(r"(?P<code>\d{1,2}\.\d{1,2}\.\d{1,2})(?:[.-](?P<std>\d{1,2}))?")
# what may stand right before a code: the start of the name, a blank or a bracket-like separator
_SEPARATORS = set(" \t_（()【】[]「」《》〔〕、，,;；/\\#·")
# a number followed by one of these counts something (3-5月, 第3-5页), it is not a code
_COUNTERS = set("年月日号页天次人个件张期届周时点分秒岁米元")
_CJK = re.compile(r"[\u3400-\u9fff]")
_CHINESE_LEVELS = {"一": "Ⅰ", "二": "Ⅱ", "三": "Ⅲ"}


@dataclass(frozen=True)
class CodeToken:
    """A code read from a name: ``code`` as the checklist writes it (``Ⅲ-5``), the standard's
    number when the name gives one, and the text it was read from."""

    code: str
    number: int | None
    text: str


def _left_ok(text: str, start: int, digit_level: bool) -> bool:
    """A code starts the name, or follows a separator (a hyphen only after a word, never after a
    number: ``2024-3-5`` is a date); a Roman or Chinese level may also follow Chinese text."""
    if start == 0:
        return True
    before = text[start - 1]
    if before in _SEPARATORS:
        return not (start >= 2 and text[start - 2].isdigit() and before in "_/\\")
    if before in "-－—–.":
        return start >= 2 and bool(_CJK.match(text[start - 2]))
    return not digit_level and bool(_CJK.match(before))


def _right_ok(text: str, end: int) -> bool:
    """Nothing that continues a number or a word follows (``3-5.1``, ``3-5a``, ``3-5月``)."""
    if end >= len(text):
        return True
    after = text[end]
    if after.isdigit() or after.isascii() and after.isalpha() or after in _COUNTERS:
        return False
    # a longer dotted or dashed number is a version or a date
    return not (after in ".-－—–:：" and end + 1 < len(text) and text[end + 1].isdigit())


def codes_in_name(name: str) -> list[CodeToken]:
    """Checklist codes written in a name, each as a whole token in a code form.

    ``Ⅲ-5``, ``三-5``, ``III-5`` anywhere a word may start; ``3-5`` only after a separator.
    Never a version (``v3-5``, ``1.3-5.2``), a model name (``Nokia 8.3``, ``P30-3``), a date
    (``2024-3-5``, ``2024.03.05``) or a count (``3-5月``, ``第3-5页``).
    """
    text = unicodedata.normalize("NFKC", name)
    out: list[CodeToken] = []
    for m in _CODE.finditer(text):
        level = m.group("level")
        digit_level = level.isdigit()
        if not _left_ok(text, m.start(), digit_level) or not _right_ok(text, m.end()):
            continue
        if digit_level:
            level = ROMAN_NUMERALS[int(level) - 1]
        level = _CHINESE_LEVELS.get(level, level)
        code = normalise_code(f"{level}-{int(m.group('item'))}")
        std = m.group("std")
        out.append(CodeToken(code, int(std) if std else None, m.group(0)))
    return out


def dotted_codes_in_name(name: str) -> list[CodeToken]:
    """A task table's own ``1.2.3`` codes (optionally ``.4`` for the standard), as whole tokens."""
    text = unicodedata.normalize("NFKC", name)
    out = []
    for m in _DOTTED.finditer(text):
        if not _left_ok(text, m.start(), True) or not _right_ok(text, m.end()):
            continue
        std = m.group("std")
        out.append(CodeToken(m.group("code"), int(std) if std else None, m.group(0)))
    return out


@dataclass(frozen=True)
class StandardRef:
    id: int
    item_code: str
    item_source_code: str
    item_title: str
    number: int
    text: str
    needs_materials: bool


@dataclass(frozen=True)
class SuggestionHit:
    standard_ids: tuple[int, ...]
    unit_id: int | None
    reason: str


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def _bigrams(text: str) -> set[str]:
    t = re.sub(r"[\s\W_]+", "", _fold(text))
    return {t[i:i + 2] for i in range(len(t) - 1)}


def _similar(a: str, b: str) -> float:
    """Share of the shorter text's bigrams found in the longer one."""
    ga, gb = _bigrams(a), _bigrams(b)
    if not ga or not gb:
        return 0.0
    return len(ga & gb) / min(len(ga), len(gb))


class Suggester:
    def __init__(self, standards: list[StandardRef], units: dict[str, int]):
        self.standards = standards
        self.by_item: dict[str, list[StandardRef]] = {}
        self.by_source: dict[str, list[StandardRef]] = {}
        for s in standards:
            self.by_item.setdefault(s.item_code, []).append(s)
            if s.item_source_code:
                self.by_source.setdefault(s.item_source_code, []).append(s)
        self.units = sorted(units.items(), key=lambda kv: -len(kv[0]))

    def suggest(self, folders: tuple[str, ...], name: str) -> SuggestionHit | None:
        parts = [p for p in folders if p] + [PurePath(name).stem]
        standards, why = self._standards(parts, PurePath(name).stem)
        unit_id, unit_name = self._unit(parts)
        if not standards and unit_id is None:
            return None
        reasons = []
        if standards:
            reasons.append(why)
        if unit_name:
            reasons.append(f"名称含单位「{unit_name}」")
        return SuggestionHit(tuple(s.id for s in standards), unit_id, "；".join(reasons))

    # ----------------------------------------------------------- standards
    def _standards(self, parts: list[str], stem: str) -> tuple[list[StandardRef], str]:
        for part in reversed(parts):  # the innermost folder (or the file name) wins
            found = self._by_code(part, stem)
            if found:
                return found
        for part in reversed(parts):
            found = self._by_title(part, stem)
            if found:
                return found
        return [], ""

    def _by_code(self, part: str, stem: str) -> tuple[list[StandardRef], str] | None:
        for token in codes_in_name(part):
            if not token.code.startswith("Ⅲ") or token.code not in self.by_item:
                continue
            # quote the checklist's own code: NFKC turned a typed 「Ⅲ」 into 「III」
            shown = f"{token.code}:{token.number}" if token.number else token.code
            number = str(token.number) if token.number else None
            return self._pick(self.by_item[token.code], number, stem,
                              f"名称含编号「{shown}」（原文「{token.text}」）")
        for token in dotted_codes_in_name(part):
            refs = self.by_source.get(token.code)
            if refs:
                number = str(token.number) if token.number else None
                return self._pick(refs, number, stem, f"名称含编号「{token.text}」")
        return None

    def _by_title(self, part: str, stem: str) -> tuple[list[StandardRef], str] | None:
        if len(re.sub(r"\W", "", part)) < 4:
            return None
        best: tuple[float, str] | None = None
        for code, refs in self.by_item.items():
            score = _similar(part, refs[0].item_title)
            if score >= 0.75 and (best is None or score > best[0]):
                best = (score, code)
        if best is None:
            for s in self.standards:
                score = _similar(part, s.text)
                if score >= 0.8 and len(_bigrams(part)) >= 4 and (best is None or score > best[0]):
                    best = (score, f"{s.item_code}:{s.number}")
            if best is None:
                return None
            code, number = best[1].split(":")
            refs = [s for s in self.by_item[code] if s.number == int(number)]
            return refs, f"名称与测评标准「{refs[0].text[:16]}」相近"
        refs = self.by_item[best[1]]
        return self._pick(refs, None, stem, f"名称与测评内容「{refs[0].item_title}」相近")

    def _pick(self, refs: list[StandardRef], number: str | None, stem: str,
              why: str) -> tuple[list[StandardRef], str]:
        if number:
            exact = [s for s in refs if s.number == int(number)]
            if exact:
                return exact, why
        candidates = [s for s in refs if s.needs_materials] or refs
        if len(candidates) == 1:
            return candidates, why
        scored = sorted(((_similar(stem, s.text), s) for s in candidates), key=lambda x: -x[0])
        top = scored[0][0]
        if top > 0:
            return [s for score, s in scored if score == top], why
        return candidates, why

    # ---------------------------------------------------------------- units
    def _unit(self, parts: list[str]) -> tuple[int | None, str | None]:
        folded = [_fold(p) for p in parts]
        for name, uid in self.units:
            key = _fold(name)
            short = key[1:] if key[:1] in "市区县" and len(key) >= 4 else None
            for p in reversed(folded):
                if key in p or (short and short in p):
                    return uid, name
        return None, None
