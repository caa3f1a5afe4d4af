"""Free-text cells of a checklist turned into values: requirements, units, methods.

* 材料要求 → :class:`RequirementSpec`: ``图片≥3；正式发文``, ``活动图片不少于3张``,
  ``方案、总结和活动图片`` become rules (kind, minimum count); text that names
  no known kind is kept in ``unparsed`` so the preview shows it.
* 责任单位 → unit names, split on ``、，,;；/`` and newlines; ``（牵头）`` marks
  and ``牵头：…`` / ``配合：…`` prefixes tell lead from co-operating units.
* 测评方法 → canonical method names (``实地查看`` → ``实地考察`` …).
"""
from __future__ import annotations

import re

from civdesk.checklist.model import Requirement, RequirementSpec

# Keyword → material kind.  Longer keywords are tried first.
_KIND_WORDS: dict[str, tuple[str, ...]] = {
    "正式发文": ("正式发文", "红头文件", "文件", "发文", "方案", "通知", "制度", "办法",
             "规划", "意见书", "法规", "规章", "纪要", "公约", "计划"),
    "说明报告": ("说明报告", "情况说明", "说明", "报告", "总结", "汇报材料", "汇报"),
    "图片": ("图片", "照片", "相片", "截图", "剪报"),
    "数据表格": ("数据表格", "统计表", "一览表", "表格", "报表", "名册", "名单", "清单",
             "数据", "花名册"),
    "视频": ("视频", "录像", "影像", "短片"),
    "评价意见": ("评价意见", "评价", "鉴定意见", "测评意见"),
    "台账": ("台账", "记录", "登记簿", "登记表", "档案", "簿册"),
    "其他": ("其他", "其它", "佐证材料", "相关材料", "材料", "资料", "证书", "宣传册"),
}
_WORD_TO_KIND = {w: k for k, words in _KIND_WORDS.items() for w in words}
_KIND_RE = re.compile("|".join(sorted(map(re.escape, _WORD_TO_KIND), key=len, reverse=True)))

_SEGMENT_SPLIT = re.compile(r"[；;，,、。\n\r/|]+|以及|及|和|与|并|或")
_NONE_WORDS = {"", "无", "—", "-", "－", "/", "／", "不需要", "不涉及", "无需", "暂无"}

_CN_NUM = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
           "八": 8, "九": 9, "十": 10}
_NUM = r"(\d+|[一二两三四五六七八九十]{1,3})"
_MEASURE = r"[张份个条篇组段件幅套次期本项部]?"
_COUNT_PATTERNS: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(rf"(?:≥|>=|≧|＞=|不少于|不低于|至少|最少|不得少于)\s*{_NUM}"), 0),
    (re.compile(rf"(?:>|＞|多于|超过|大于)\s*{_NUM}"), 1),
    (re.compile(rf"{_NUM}\s*{_MEASURE}\s*(?:以上|及以上|或以上)"), 0),
    (re.compile(rf"[×xX*]\s*{_NUM}"), 0),
    (re.compile(rf"{_NUM}\s*[张份个条篇组段件幅套部]"), 0),
)


def _to_int(token: str) -> int:
    if token.isdigit():
        return int(token)
    if token == "十":
        return 10
    if token.startswith("十"):
        return 10 + _CN_NUM.get(token[1:], 0)
    if "十" in token:
        tens, _, ones = token.partition("十")
        return _CN_NUM.get(tens, 1) * 10 + _CN_NUM.get(ones, 0)
    return _CN_NUM.get(token, 1)


def _counts_in(segment: str) -> list[tuple[int, int]]:
    """(position, count) of every count phrase in a segment, overlaps removed."""
    found: list[tuple[int, int, int]] = []
    for pattern, extra in _COUNT_PATTERNS:
        for match in pattern.finditer(segment):
            if any(start < match.end() and match.start() < end for start, end, _ in found):
                continue
            found.append((match.start(), match.end(), max(1, _to_int(match.group(1)) + extra)))
    return sorted((start, n) for start, _, n in found)


def _normalise_text(text: str) -> str:
    return text.replace("（", "(").replace("）", ")").strip()


def parse_requirements(text: str | None) -> RequirementSpec:
    """Parse a 材料要求 cell into rules; see the module docstring for examples."""
    original = "" if text is None else str(text).strip()
    if original in _NONE_WORDS:
        return RequirementSpec(text=original)
    found: dict[str, int] = {}
    unparsed: list[str] = []
    for raw in _SEGMENT_SPLIT.split(_normalise_text(original)):
        segment = raw.strip(" \t:：()（）【】[]“”\"'等")
        if not segment or segment in _NONE_WORDS:
            continue
        matches = [(m.start(), _WORD_TO_KIND[m.group(0)]) for m in _KIND_RE.finditer(segment)]
        if len({k for _, k in matches}) > 1:         # "图片资料": 资料 only qualifies 图片
            matches = [(pos, k) for pos, k in matches if k != "其他"]
        if not matches:
            unparsed.append(raw.strip())
            continue
        counts = {k: 1 for _, k in matches}
        for pos, n in _counts_in(segment):
            # A count belongs to the kind named just before it ("图片≥3"), else just after
            # ("不少于3张图片").
            before = [k for p, k in matches if p < pos]
            kind = before[-1] if before else matches[0][1]
            counts[kind] = max(counts[kind], n)
        for kind, n in counts.items():
            found[kind] = max(found.get(kind, 0), n)
    rules = tuple(Requirement(kind, n) for kind, n in found.items())
    return RequirementSpec(text=original, rules=rules, unparsed="；".join(unparsed))


# --------------------------------------------------------------------- units
_UNIT_SPLIT = re.compile(r"[、，,;；/／\n\r|]+")
_LEAD_MARK = re.compile(r"[(（\[【]\s*牵头(?:单位)?\s*[)）\]】]|牵头$")
_COOP_MARK = re.compile(r"[(（\[【]\s*(?:配合|协办|参与|责任)(?:单位)?\s*[)）\]】]")
_ROLE_PREFIX = re.compile(r"^(牵头|配合|责任|协办|参与)(?:单位|部门)?\s*[:：]\s*")


_BRACKETS = str.maketrans({"(": "（", ")": "）", "[": "【", "]": "】", "\u3000": " "})


def normalise_unit_name(name: str) -> str:
    """One spelling per unit: no spaces, full-width brackets (``市 民政局(老龄办)`` → ``市民政局（老龄办）``)."""
    return re.sub(r"\s+", "", (name or "").translate(_BRACKETS))


def _clean_unit(name: str) -> str:
    name = _LEAD_MARK.sub("", name)
    name = _COOP_MARK.sub("", name)
    name = normalise_unit_name(name).strip("。.：:")
    if name.endswith("等") and len(name) > 2:
        name = name[:-1]
    return "" if name in _NONE_WORDS else name


def split_unit_roles(text: str | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Split a units cell into (lead units, other units).

    ``市文明办（牵头）、团市委`` → (("市文明办",), ("团市委",));
    ``牵头：市文明办；配合：市民政局、团市委`` → (("市文明办",), ("市民政局", "团市委")).
    Without marks every unit is in the second tuple.
    """
    if text is None:
        return (), ()
    lead: list[str] = []
    other: list[str] = []
    # A role prefix applies until the next prefix: split into role sections first.
    sections = re.split(r"(?=(?:牵头|配合|责任|协办|参与)(?:单位|部门)?\s*[:：])", str(text))
    for section in sections:
        prefix = _ROLE_PREFIX.match(section.strip())
        section_role = prefix.group(1) if prefix else ""
        body = section.strip()[prefix.end():] if prefix else section
        for part in _UNIT_SPLIT.split(body):
            is_lead = section_role == "牵头" or bool(_LEAD_MARK.search(part.strip()))
            name = _clean_unit(part)
            if name:
                (lead if is_lead else other).append(name)
    lead_t = tuple(dict.fromkeys(lead))
    return lead_t, tuple(u for u in dict.fromkeys(other) if u not in lead_t)


_ANY_ROLE_MARK = re.compile(r"牵头|配合|协办|参与")


def units_from_cell(text: str | None, lead_elsewhere: bool = False) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(lead units, co-operating units) of a single 责任单位 cell.

    The cell's own marks decide (``牵头：…／配合：…``, ``（牵头）``); without marks
    the first unit leads and the others co-operate, so a sole unit leads.  When
    the lead is named elsewhere (a 牵头单位 column), an unmarked cell lists
    co-operating units only.
    """
    if text is None or _ANY_ROLE_MARK.search(str(text)) or lead_elsewhere:
        return split_unit_roles(text)
    names = split_units(text)
    return names[:1], names[1:]


def split_units(text: str | None) -> tuple[str, ...]:
    """All unit names in a cell, in order, without repeats or role marks."""
    lead, other = split_unit_roles(text)
    return tuple(dict.fromkeys(lead + other))


# ------------------------------------------------------------------- methods
_METHOD_SYNONYMS: dict[str, str] = {
    "材料审核": "材料审核", "材料审查": "材料审核", "资料审核": "材料审核", "材料核查": "材料审核",
    "资料审查": "材料审核", "材料审阅": "材料审核", "审核材料": "材料审核",
    "网上申报": "网上申报", "网络申报": "网上申报", "网上填报": "网上申报",
    "实地考察": "实地考察", "实地查看": "实地考察", "实地检查": "实地考察", "实地测评": "实地考察",
    "实地暗访": "实地考察", "实地察看": "实地考察",
    "问卷调查": "问卷调查", "入户调查": "问卷调查", "入户问卷": "问卷调查", "问卷": "问卷调查",
    "电话调查": "问卷调查",
    "网络调查": "网络调查", "网上调查": "网络调查", "网络问卷": "网络调查",
    "听取汇报": "听取汇报", "听汇报": "听取汇报", "座谈": "听取汇报",
}
_METHOD_SPLIT = re.compile(r"[、，,;；/／\n\r|+＋\s]+|和|及|或")


def parse_methods(text: str | None) -> tuple[str, ...]:
    """``'实地查看、材料审核。'`` → ``('实地考察', '材料审核')``; unknown names kept as written."""
    if text is None:
        return ()
    result: list[str] = []
    for part in _METHOD_SPLIT.split(str(text)):
        part = part.strip(" 。.：:()（）")
        if not part or part in _NONE_WORDS:
            continue
        result.append(_METHOD_SYNONYMS.get(part, part))
    return tuple(dict.fromkeys(result))
