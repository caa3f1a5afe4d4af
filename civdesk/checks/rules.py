"""The rules: small named functions over one material or one standard.

A *material rule* looks at one material (its row only) and returns
:class:`Issue` values; the engine computes them once per material and
attributes them to every standard the material is filed under.  A
*standard rule* looks at a standard with its materials (:class:`StandardFacts`).

Rule ids are stable: they name rules in settings, reports and ``--json``.
Messages are for the clerk (Chinese), each with how to fix it.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from operator import attrgetter
from typing import NamedTuple

from civdesk.checklist.merge import STALE_DEADLINE
from civdesk.checklist.store import StandardView
from civdesk.checks.data import REPORT, TEXT_STATUSES, MaterialRow
from civdesk.checks.model import ERROR, NOTICE, WARNING, KindCount, PeriodInfo
from civdesk.checks.settings import CheckSettings, normalise_format
from civdesk.vocabulary import CAPTION_LABELS, CAPTION_REQUIRED, CONVERTED_TO_JPEG


class Issue(NamedTuple):
    """A finding before it is attributed to a standard (a named tuple: a check makes tens of
    thousands of them)."""

    rule: str
    severity: str
    message: str
    fix: str
    material_id: int | None = None


ContentKey = tuple  # see content_key()


@dataclass(frozen=True)
class Context:
    """What every rule may read besides its own material or standard."""

    settings: CheckSettings
    period: PeriodInfo | None
    today: dt.date
    texts: Mapping[int, str]  # report id → head of its text
    content_keys: Mapping[int, ContentKey]  # material id → content fingerprint
    key_standards: Mapping[ContentKey, frozenset[int]]  # fingerprint → standards holding it
    codes: Mapping[int, str]  # standard id → code


@dataclass(frozen=True)
class StandardFacts:
    standard: StandardView
    node_title: str
    materials: tuple[MaterialRow, ...]
    invalid: frozenset[int]  # materials with an error of their own (they count for nothing)
    counts: tuple[KindCount, ...]

    @property
    def requirement_met(self) -> bool:
        if not self.standard.needs_materials:
            return True
        if not self.counts:
            return len(self.materials) > len(self.invalid)
        return all(c.met for c in self.counts)


MaterialRuleFn = Callable[[MaterialRow, Context], Iterable[Issue]]
StandardRuleFn = Callable[[StandardFacts, Context], Iterable[Issue]]


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    scope: str  # 'material' | 'standard'
    severity: str  # the usual severity (some findings of a rule may differ)
    fn: MaterialRuleFn | StandardRuleFn


# ------------------------------------------------------------ material rules
# A material rule runs once per material (100,000 times in a big library): it returns a tuple
# (empty when all is well) rather than being a generator, and caches the messages it formats.
NO_ISSUES: tuple[Issue, ...] = ()


def _day(d: dt.date) -> str:
    """``2024-03-01`` (isoformat: a tenth of strftime's cost, the same text from year 1000)."""
    return d.isoformat() if d.year >= 1000 else f"{d:%Y-%m-%d}"


@lru_cache(maxsize=8192)
def _out_of_period(day: dt.date, start: dt.date, end: dt.date) -> str:
    return f"形成日期 {_day(day)} 不在测评周期（{_day(start)} 至 {_day(end)}）内，不得分"


def period_rule(m: MaterialRow, ctx: Context) -> Iterable[Issue]:
    p = ctx.period
    if p is None:
        return NO_ISSUES
    day = m.date or (m.taken_at.date() if m.taken_at else None)
    if day is None:
        return (Issue("period", WARNING, "未标注形成日期，无法判断是否在测评周期内",
                      "补填材料的形成日期", m.id),)
    if not p.start <= day <= p.end:
        return (Issue("period", ERROR, _out_of_period(day, p.start, p.end),
                      "更换为测评周期内形成的材料，或更正形成日期", m.id),)
    return NO_ISSUES


def date_mismatch_rule(m: MaterialRow, ctx: Context) -> Iterable[Issue]:
    if not m.is_photo or m.taken_at is None or m.date is None:
        return NO_ISSUES
    days = abs(m.date.toordinal() - m.taken_at.toordinal())
    if days <= ctx.settings.date_tolerance_days:
        return NO_ISSUES
    taken = m.taken_at.date()
    p = ctx.period
    outside = p is not None and not p.start <= taken <= p.end
    extra = "，且拍摄时间不在测评周期内" if outside else ""
    return (Issue("date_mismatch", ERROR if outside else WARNING,
                  f"照片拍摄时间（EXIF）为 {_day(taken)}，与标注日期 {_day(m.date)} 相差 {days} 天{extra}",
                  "核实照片的实际拍摄时间，更正标注日期或更换照片", m.id),)


@lru_cache(maxsize=64)
def _caption_missing(missing: tuple[str, ...]) -> str:
    return f"图片说明不完整，缺少：{'、'.join(missing)}"


_captions = attrgetter(*CAPTION_REQUIRED)  # the four as a tuple


def caption_rule(m: MaterialRow, ctx: Context) -> Iterable[Issue]:
    if not m.is_photo:
        return NO_ISSUES
    values = _captions(m)
    if all(values) and not any(v.isspace() for v in values):
        return NO_ISSUES  # the usual case: all four filled in
    missing = tuple(CAPTION_LABELS[attr] for attr in CAPTION_REQUIRED if not (getattr(m, attr) or "").strip()
                    and not (attr == "caption_time" and m.taken_at))  # the EXIF time counts as 时间
    if missing:
        return (Issue("caption", WARNING, _caption_missing(missing),
                      "补全图片说明（时间、地点、人物、事由，最好还有背景和摄影者）", m.id),)
    return NO_ISSUES


def resolution_rule(m: MaterialRow, ctx: Context) -> Iterable[Issue]:
    if not m.is_photo or not m.width or not m.height:
        return NO_ISSUES
    lim = ctx.settings.platform
    need_long, need_short = max(lim.min_width, lim.min_height), min(lim.min_width, lim.min_height)
    if max(m.width, m.height) < need_long or min(m.width, m.height) < need_short:
        return (Issue("resolution", ERROR,
                      f"照片分辨率 {m.width}×{m.height} 低于平台要求的 {lim.min_width}×{lim.min_height}",
                      "换用原始照片（不要用微信等转发压缩后的图片）", m.id),)
    return NO_ISSUES


def blur_rule(m: MaterialRow, ctx: Context) -> Iterable[Issue]:
    if m.is_photo and m.blur is not None and m.blur < ctx.settings.blur_min:
        return (Issue("blur", WARNING,
                      f"照片模糊（清晰度 {m.blur:.1f}，低于 {ctx.settings.blur_min:g}）",
                      "换用清晰的照片", m.id),)
    return NO_ISSUES


def compression_rule(m: MaterialRow, ctx: Context) -> Iterable[Issue]:
    q = m.jpeg_quality
    if m.is_photo and q is not None and q < ctx.settings.jpeg_quality_min:
        return (Issue("compression", WARNING,
                      f"照片压缩过度（JPEG 质量约 {q}，低于 {ctx.settings.jpeg_quality_min}），画面可能有色块",
                      "换用未经压缩的原始照片", m.id),)
    return NO_ISSUES


_KIND_FORMAT = {"jpeg": "jpg", "video": "", "unknown": "", "ole": "", "txt": "txt", "zip": "zip"}


def material_format(m: MaterialRow) -> str:
    """The file format as a platform notice names it (by content, else by extension)."""
    fmt = _KIND_FORMAT.get(m.kind, m.kind)
    return normalise_format(fmt or m.extension or m.kind)


def format_rule(m: MaterialRow, ctx: Context) -> Iterable[Issue]:
    lim = ctx.settings.platform
    fmt = material_format(m)
    if lim.allows(fmt):
        return NO_ISSUES
    if m.is_photo and m.kind in CONVERTED_TO_JPEG and lim.allows("jpg"):
        return (Issue("format", NOTICE, f"照片格式 {fmt} 不在平台允许的格式内，导出时会自动转换为 JPG",
                      "无需处理（导出的上报版中为 JPG）", m.id),)
    return (Issue("format", ERROR,
                  f"文件格式 {fmt or '未知'} 不在平台允许的格式内（{'、'.join(lim.formats)}）",
                  "转换为平台允许的格式（如照片转为 JPG、文档转为 PDF）", m.id),)


def size_rule(m: MaterialRow, ctx: Context) -> Iterable[Issue]:
    limit = ctx.settings.platform.max_mb
    if m.size <= limit * 1024 * 1024:
        return NO_ISSUES
    if m.is_photo and m.kind in ("jpeg", "png", *CONVERTED_TO_JPEG):
        return (Issue("size", NOTICE, f"照片 {m.size / 1048576:.1f} MB 超过平台上限 {limit:g} MB，"
                      "导出时会自动缩小（不低于最低分辨率）", "无需处理（导出的上报版中已缩小）", m.id),)
    return (Issue("size", ERROR,
                  f"文件大小 {m.size / 1048576:.1f} MB 超过平台上限 {limit:g} MB",
                  "压缩或拆分文件后重新导入", m.id),)


def unreadable_rule(m: MaterialRow, ctx: Context) -> Iterable[Issue]:
    if m.encrypted or m.text_status == "encrypted":
        return (Issue("unreadable", ERROR, "文件已加密，平台和评审无法打开",
                      "取消密码保护后重新导入", m.id),)
    if m.text_status == "error":
        why = m.problem or "文件已损坏或格式无法识别"
        return (Issue("unreadable", ERROR, f"文件无法读取：{why}", "找到完好的原件重新导入", m.id),)
    if m.problem:
        parts = [x for x in m.problem.split("；") if x]
        only_name = all(x.startswith(MISLABEL_PREFIX) for x in parts)
        return (Issue("unreadable", WARNING if only_name else ERROR, f"文件有问题：{m.problem}",
                      "按实际格式更正扩展名" if only_name else "找到完好的原件重新导入", m.id),)
    return NO_ISSUES


MISLABEL_PREFIX = "扩展名与内容不符"  # written by the importer; the file itself is fine


# ------------------------------------------------------------ standard rules
def requirement_rule(f: StandardFacts, ctx: Context) -> Iterable[Issue]:
    if not f.standard.needs_materials:
        return
    if not f.counts:
        if len(f.materials) <= len(f.invalid):
            yield Issue("requirement", ERROR, "尚未归档任何有效材料",
                        f"按材料要求（{f.standard.requirement_text or '见测评体系'}）补交材料")
        return
    for c in f.counts:
        if c.met:
            continue
        bad = c.linked - c.valid
        extra = f"（另有 {bad} 件有错误，不计入）" if bad else ""
        yield Issue("requirement", ERROR,
                    f"{c.kind}：需要 {c.required} 件，有效 {c.valid} 件{extra}",
                    f"补交{c.kind} {c.required - c.valid} 件")


def duplicate_rule(f: StandardFacts, ctx: Context) -> Iterable[Issue]:
    first: dict[ContentKey, MaterialRow] = {}
    own = f.standard.id
    for m in f.materials:
        key = ctx.content_keys.get(m.id)
        if key is None:
            continue
        if key in first:
            orig = first[key]
            yield Issue("duplicate", ERROR,
                        f"与「{orig.label}」（#{orig.id}）内容相同，在本标准中重复计数",
                        "删除重复的材料，换成另一份不同的材料", m.id)
            continue
        first[key] = m
        others = sorted(ctx.key_standards.get(key, frozenset()) - {own})
        if others:
            codes = "、".join(ctx.codes[s] for s in others if s in ctx.codes)
            yield Issue("duplicate", NOTICE, f"同一材料也用于测评标准 {codes}",
                        "确认该材料确实能同时证明这些标准", m.id)


def near_duplicate_rule(f: StandardFacts, ctx: Context) -> Iterable[Issue]:
    hashes = {m.id: int(m.phash, 16) for m in f.materials if m.is_photo and m.phash}
    if len(hashes) < 2:
        return
    by_id = {m.id: m for m in f.materials}
    flagged: set[int] = set()
    for a, b, dist in near_pairs(hashes, ctx.settings.near_duplicate_bits):
        ka, kb = ctx.content_keys.get(a), ctx.content_keys.get(b)
        if ka is not None and ka == kb or b in flagged:
            continue  # exact duplicates are the duplicate rule's
        flagged.add(b)
        yield Issue("near_duplicate", WARNING,
                    f"与「{by_id[a].label}」（#{a}）几乎相同（差异 {dist} 位），可能是同一场景的重复照片",
                    "换用能体现不同活动或场景的照片", b)


def near_pairs(hashes: Mapping[int, int], bits: int) -> list[tuple[int, int, int]]:
    """Pairs (a, b, distance) of 64-bit hashes at most ``bits`` apart, a < b.

    Pigeonhole: split the hash into ``bits + 1`` bands; two hashes that close
    agree exactly on at least one band, so only bucket-mates are compared.
    """
    bands = _bands(bits)
    seen: set[tuple[int, int]] = set()
    out: list[tuple[int, int, int]] = []
    items = sorted(hashes.items())
    for shift, mask in bands:
        first: dict[int, int] = {}  # band value → first id with it
        shared: dict[int, list[int]] = {}  # band value → all ids, when more than one
        for mid, h in items:
            key = (h >> shift) & mask
            other = first.setdefault(key, mid)
            if other != mid:
                group = shared.get(key)
                if group is None:
                    shared[key] = [other, mid]
                else:
                    group.append(mid)
        for members in shared.values():  # in id order already
            for i, a in enumerate(members):
                for b in members[i + 1:]:
                    if (a, b) in seen:
                        continue
                    seen.add((a, b))
                    dist = (hashes[a] ^ hashes[b]).bit_count()
                    if dist <= bits:
                        out.append((a, b, dist))
    out.sort()
    return out


def _bands(bits: int) -> list[tuple[int, int]]:
    n = max(1, min(bits + 1, 64))
    widths = [64 // n + (1 if i < 64 % n else 0) for i in range(n)]
    out, shift = [], 0
    for w in widths:
        out.append((shift, (1 << w) - 1))
        shift += w
    return out


def _reports(f: StandardFacts) -> list[MaterialRow]:
    return [m for m in f.materials if m.category == REPORT and m.id not in f.invalid]


def _needs_report(f: StandardFacts) -> bool:
    return any(r.kind == REPORT for r in f.standard.requirements)


def no_text_rule(f: StandardFacts, ctx: Context) -> Iterable[Issue]:
    if not f.standard.needs_materials or not _needs_report(f):
        return
    for m in _reports(f):
        if m.text_status not in TEXT_STATUSES:
            yield Issue("no_text", WARNING, "说明报告没有可读文字（扫描件尚未文字识别），无法核对内容",
                        "运行文字识别（OCR），或换用 Word/PDF 文字版", m.id)


def relevance_rule(f: StandardFacts, ctx: Context) -> Iterable[Issue]:
    if not f.standard.needs_materials:
        return
    terms = key_terms(f.node_title + " " + f.standard.text)
    if len(terms) < 3:
        return
    s = ctx.settings
    need = max(s.relevance_min_terms, round(len(terms) * s.relevance_min_share))
    for m in _reports(f):
        text = ctx.texts.get(m.id)
        if not text:
            continue
        text = m.title + " " + text
        shared = sum(1 for term in terms if term in text)  # substring search, in C
        if shared < need:
            yield Issue("relevance", WARNING,
                        f"说明报告与测评标准的关键词重合很少（{shared}/{len(terms)}），可能与测评标准不符",
                        "对照测评标准逐条说明做法和数据，写成说明式而非总结式", m.id)


def no_unit_rule(f: StandardFacts, ctx: Context) -> Iterable[Issue]:
    if f.standard.needs_materials and not f.standard.all_units:
        yield Issue("no_unit", WARNING, "未指定责任单位，无人负责提交材料",
                    "在测评体系中为该标准指定牵头单位和责任单位")


def overdue_rule(f: StandardFacts, ctx: Context) -> Iterable[Issue]:
    d = f.standard.deadline
    p = ctx.period
    if d is not None and p is not None and d < p.start:
        # a deadline from before the period: last year's task table, not "逾期 975 天"
        yield Issue("overdue", WARNING,
                    f"完成时限 {d:%Y-%m-%d} {STALE_DEADLINE}（测评周期自 {p.start:%Y-%m-%d} 开始）",
                    "导入本年度的任务分解表（测评体系 → 导入任务分解表到现有测评体系），更新完成时限")
        return
    if f.standard.needs_materials and d is not None and ctx.today > d and not f.requirement_met:
        yield Issue("overdue", ERROR,
                    f"完成时限 {d:%Y-%m-%d} 已过（逾期 {(ctx.today - d).days} 天），材料仍未齐全",
                    "督办责任单位尽快补齐材料")


# -------------------------------------------------------------- key terms
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")
STOP_WORDS = frozenset({
    "开展", "建立", "工作", "活动", "情况", "进行", "有关", "相关", "落实", "加强", "推进",
    "组织", "要求", "按照", "实施", "完善", "健全", "各级", "常态化", "以上", "不少于",
    "达到", "定期", "持续", "全年", "每月", "形成", "制度", "机制", "我们", "一是", "二是",
    "三是", "为了", "通过", "以及", "其中", "主要", "积极",
    # words every 文明办 text uses: they prove nothing about one standard
    "文明", "市委", "建设", "管理", "宣传", "教育", "社区", "创建", "城市", "全市", "我市",
    "规范", "合理", "发布", "街道",
})
STOP_TERMS = STOP_WORDS | {"常态", "态化"}
_GLUE = re.compile("|".join(sorted(STOP_WORDS, key=len, reverse=True)) + "|[的和与及并在对为以等了是]")


def key_terms(text: str) -> frozenset[str]:
    """Character bigrams of the Chinese runs in ``text``.

    Common words and function characters are cut out first, so no bigram
    straddles them (``开展专题`` gives ``专题``, not ``展专``).
    """
    out: set[str] = set()
    for run in _CJK_RUN.findall(text):
        for piece in _GLUE.split(run):
            out.update(piece[i:i + 2] for i in range(len(piece) - 1))
    return frozenset(out - STOP_TERMS)


def content_key(m: MaterialRow) -> ContentKey | None:
    """A fingerprint equal for two files with the same content (not bytes), to compare and
    group by (a tuple: no string built or hashed through for each of 100,000 materials).

    Photos: the same pixels give the same dHash, size and Laplacian variance
    (re-saved with other metadata).  Documents: the same number of pages and the same
    text on the first pages (its stored fingerprint, :mod:`civdesk.text_keys`).
    """
    if m.is_photo:
        if m.phash and m.blur is not None and m.width:
            return ("p", m.phash, m.width, m.height, m.blur)
        return None
    if m.text_status in TEXT_STATUSES:
        return document_key(m.pages, m.text_key)
    return None


def document_key(pages: int | None, text_key: str | None) -> ContentKey | None:
    """The fingerprint of a document with text (see :func:`content_key`)."""
    return ("t", pages, text_key) if text_key else None


# ---------------------------------------------------------------- registry
def _rules(*rules: Rule) -> dict[str, Rule]:
    return {r.id: r for r in rules}


RULES: dict[str, Rule] = _rules(
    Rule("requirement", "材料要求", "standard", ERROR, requirement_rule),
    Rule("period", "测评周期", "material", ERROR, period_rule),
    Rule("date_mismatch", "拍摄时间不符", "material", WARNING, date_mismatch_rule),
    Rule("caption", "图片说明", "material", WARNING, caption_rule),
    Rule("resolution", "分辨率", "material", ERROR, resolution_rule),
    Rule("blur", "模糊", "material", WARNING, blur_rule),
    Rule("compression", "压缩过度", "material", WARNING, compression_rule),
    Rule("duplicate", "重复材料", "standard", ERROR, duplicate_rule),
    Rule("near_duplicate", "近似重复照片", "standard", WARNING, near_duplicate_rule),
    Rule("format", "文件格式", "material", ERROR, format_rule),
    Rule("size", "文件大小", "material", ERROR, size_rule),
    Rule("unreadable", "无法读取", "material", ERROR, unreadable_rule),
    Rule("no_text", "无文字", "standard", WARNING, no_text_rule),
    Rule("relevance", "内容相关性", "standard", WARNING, relevance_rule),
    Rule("no_unit", "责任单位", "standard", WARNING, no_unit_rule),
    Rule("overdue", "完成时限", "standard", ERROR, overdue_rule),
)

MATERIAL_RULES: tuple[Rule, ...] = tuple(r for r in RULES.values() if r.scope == "material")
STANDARD_RULES: tuple[Rule, ...] = tuple(r for r in RULES.values() if r.scope == "standard")


def apply_severity(issues: Sequence[Issue], settings: CheckSettings) -> list[Issue]:
    """Severity overrides from the settings."""
    sev = settings.severities
    if not sev:
        return list(issues)
    return [i._replace(severity=sev[i.rule]) if i.rule in sev else i for i in issues]
