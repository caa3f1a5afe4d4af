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

_CODE = re.compile(
    r"(?<![0-9A-Za-z])([ⅠⅡⅢⅣⅤ]|III|II|I|[1-3])\s*[-－—–_]\s*(\d{1,3})(?:\s*[-－—–_:：.]\s*(\d{1,2}))?(?!\d)")
_DOTTED = re.compile(r"(?<![\d.])(\d{1,2}\.\d{1,2}\.\d{1,2})(?:[.-](\d{1,2}))?(?![\d])")


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
        text = unicodedata.normalize("NFKC", part)
        for m in _CODE.finditer(text):
            level = m.group(1)
            if level.isdigit():
                level = ROMAN_NUMERALS[int(level) - 1]
            code = normalise_code(f"{level}-{int(m.group(2))}")
            if not code.startswith("Ⅲ") or code not in self.by_item:
                continue
            # quote the checklist's own code: NFKC turned a typed 「Ⅲ」 into 「III」
            shown = f"{code}:{int(m.group(3))}" if m.group(3) else code
            return self._pick(self.by_item[code], m.group(3), stem, f"名称含编号「{shown}」")
        for m in _DOTTED.finditer(text):
            refs = self.by_source.get(m.group(1))
            if refs:
                return self._pick(refs, m.group(2), stem, f"名称含编号「{m.group(0)}」")
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
