"""Find the 形成日期 (date of formation) of a material.

Sources (the order is chosen in :func:`civdesk.extract._with_date`): EXIF
(``exif``), the 落款 in the text (``text``), the file name (``filename``),
document metadata (``metadata``), any date in the text (``text``).  Every
date is validated: a real calendar day in 1990..2100.

Recognised forms: ``20240315``, ``2024-03-15``, ``2024.3.15``,
``2024_03_15``, ``2024/3/15``, ``2024年3月15日``, full-width digits
(``２０２４年３月１５日``) and Chinese numerals (``二〇二四年三月十五日``);
in file names also WeChat export stamps (``mmexport1710480000000``).
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta, timezone

MIN_YEAR = 1990
MAX_YEAR = 2100
CHINA_TZ = timezone(timedelta(hours=8))

_COMPACT = re.compile(r"(?<!\d)((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])"
                      r"(?:[0-2]\d[0-5]\d(?:[0-5]\d)?)?(?!\d)")
_SEPARATED = re.compile(
    r"(?<!\d)((?:19|20)\d{2})\s*([-_./年])\s*(\d{1,2})\s*([-_./月])\s*(\d{1,2})(?!\d)\s*(日|号)?")
_EPOCH_MS = re.compile(r"(?:mmexport|wx_camera_|microMsg\.|IMG_)(1\d{12})(?!\d)", re.IGNORECASE)
_CN_VALUE = {"〇": 0, "零": 0, "○": 0, "Ｏ": 0, "０": 0, "O": 0, "o": 0,
             "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_DATE = re.compile(
    r"([〇零○OoＯ一二三四五六七八九]{4})\s*年\s*([一二三四五六七八九十]{1,3})\s*月\s*([一二三四五六七八九十]{1,4})\s*[日号]")
_EXIF_DT = re.compile(r"^\s*(\d{4})[:\-/.](\d{2})[:\-/.](\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?")
_PDF_DT = re.compile(r"^(?:D:)?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?")


def valid_date(year: int, month: int, day: int) -> date | None:
    """A ``date`` when it is a real day within 1990..2100, else None."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


_FULL_WIDTH = re.compile("[\uff01-\uff5e\u3000]")


def _normalise(text: str) -> str:
    """NFKC turns full-width digits and punctuation into ASCII (skipped, being
    slow on long texts, when the text has no full-width forms at all)."""
    if not _FULL_WIDTH.search(text):
        return text
    return unicodedata.normalize("NFKC", text)


def date_from_name(name: str) -> date | None:
    """The first valid date in a file name, or None."""
    text = _normalise(name)
    found = (_valid(_separated(text)) + _valid(_compact(text))
             + _epoch_dates(text) + _chinese_dates(text))
    return min(found)[1] if found else None


def date_from_text(text: str) -> date | None:
    """The date a text was written, or None.

    A date standing alone on a line (the 落款 under a letter or report) wins,
    the last one if there are several; otherwise the first date in the text.
    Only forms with 年/月/日 or separators are read from text, never bare
    8-digit numbers (too many are phone or serial numbers).
    """
    text = _normalise(text)
    found = sorted(_valid(_separated(text)) + _chinese_dates(text))
    if not found:
        return None
    alone = [d for pos, d in found if _alone_on_line(text, pos)]
    return alone[-1] if alone else found[0][1]


def edge_date(text: str, lines: int = 5) -> date | None:
    """A date written in the closing lines (the last one there) or, failing
    that, in the opening lines (the first one) of a text, or None.

    Catches what :func:`signed_date` leaves: ``——2023年3月5日`` under a
    speech, ``时间：2023年3月5日`` under a title.
    """
    kept = [line for line in _normalise(text).splitlines() if line.strip()]
    closing = _text_dates("\n".join(kept[-lines:]))
    if closing:
        return closing[-1]
    opening = _text_dates("\n".join(kept[:lines]))
    return opening[0] if opening else None


def _text_dates(text: str) -> list[date]:
    """Dates written with 年/月/日 or separators, in the order of the text."""
    return [d for _, d in sorted(_valid(_separated(text)) + _chinese_dates(text))]


def signed_date(text: str) -> date | None:
    """The 落款 date only: a date standing alone on a line (the last one), or None."""
    text = _normalise(text)
    found = sorted(_valid(_separated(text)) + _chinese_dates(text))
    alone = [d for pos, d in found if _alone_on_line(text, pos)]
    return alone[-1] if alone else None


_YMD = tuple[int, str, str, str]


def _compact(text: str) -> list[_YMD]:
    """``20240315`` (optionally followed by a time ``103000``)."""
    return [(m.start(), m.group(1), m.group(2), m.group(3)) for m in _COMPACT.finditer(text)]


def _separated(text: str) -> list[_YMD]:
    """``2024-03-15``, ``2024.3.15``, ``2024年3月15日``: separators must pair up."""
    out = []
    for m in _SEPARATED.finditer(text):
        first, second = m.group(2), m.group(4)
        if (second == "月") if first == "年" else (first == second):
            out.append((m.start(), m.group(1), m.group(3), m.group(5)))
    return out


def _valid(matches: list[_YMD]) -> list[tuple[int, date]]:
    """(position, date) for each match that is a real day."""
    out = []
    for pos, y, mo, d in matches:
        day = valid_date(int(y), int(mo), int(d))
        if day:
            out.append((pos, day))
    return out


def _epoch_dates(text: str) -> list[tuple[int, date]]:
    """WeChat-style millisecond stamps, read in China time."""
    out = []
    for m in _EPOCH_MS.finditer(text):
        moment = datetime.fromtimestamp(int(m.group(1)) / 1000, tz=CHINA_TZ)
        day = valid_date(moment.year, moment.month, moment.day)
        if day:
            out.append((m.start(), day))
    return out


def _cn_number(s: str) -> int | None:
    """一..九, 十, 十一..十九, 二十.., 三十一 → int."""
    if "十" not in s:
        return _CN_VALUE.get(s) if len(s) == 1 else None
    tens, _, ones = s.partition("十")
    t = 1 if tens == "" else _CN_VALUE.get(tens)
    o = 0 if ones == "" else _CN_VALUE.get(ones)
    if t is None or o is None or len(tens) > 1 or len(ones) > 1:
        return None
    return t * 10 + o


def _chinese_dates(text: str) -> list[tuple[int, date]]:
    """二〇二四年三月十五日 and the like."""
    out = []
    for m in _CN_DATE.finditer(text):
        digits = [_CN_VALUE.get(c) for c in m.group(1)]
        month, day = _cn_number(m.group(2)), _cn_number(m.group(3))
        if None in digits or month is None or day is None:
            continue
        year = int("".join(str(x) for x in digits))
        found = valid_date(year, month, day)
        if found:
            out.append((m.start(), found))
    return out


def _alone_on_line(text: str, pos: int) -> bool:
    """The date at ``pos`` is the only thing on its line (allowing spaces)."""
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    line = text[start:end if end >= 0 else len(text)].strip()
    return len(line) <= 16 and line[:1] == text[pos:pos + 1]


def parse_exif_datetime(value: object) -> datetime | None:
    """EXIF ``2024:03:15 10:30:00`` → datetime (naive local time) or None."""
    if isinstance(value, bytes):
        value = value.decode("ascii", "ignore")
    if not isinstance(value, str):
        return None
    m = _EXIF_DT.match(value.strip("\x00 "))
    if not m:
        return None
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if not valid_date(y, mo, d):
        return None
    hh, mm, ss = (int(g) if g else 0 for g in m.group(4, 5, 6))
    try:
        return datetime(y, mo, d, hh, mm, ss)
    except ValueError:
        return datetime(y, mo, d)


def parse_pdf_datetime(value: str | None) -> datetime | None:
    """PDF ``D:20240315103000+08'00'`` → naive datetime, or None."""
    if not value:
        return None
    m = _PDF_DT.match(value.strip())
    if not m:
        return None
    parts = [int(g) if g else None for g in m.groups()]
    y, mo, d = parts[0], parts[1] or 1, parts[2] or 1
    if not valid_date(y, mo, d):
        return None
    try:
        return datetime(y, mo, d, parts[3] or 0, parts[4] or 0, parts[5] or 0)
    except ValueError:
        return datetime(y, mo, d)


def parse_iso_datetime(value: str | None) -> datetime | None:
    """ISO 8601 (OOXML/OFD core properties) → naive datetime, or None."""
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return parse_exif_datetime(text)
    if moment.tzinfo is not None:
        moment = moment.astimezone(CHINA_TZ).replace(tzinfo=None)
    return moment if valid_date(moment.year, moment.month, moment.day) else None
