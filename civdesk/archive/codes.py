"""档号 (archival code) after DA/T 22-2015: ``全宗号-门类代码·年度-保管期限-机构(问题)代码-件号``.

"-" joins levels and "·" separates codes at the same level; 年度 has 4 digits; 件号 is
zero-padded (4 digits by default) from 0001 within the lowest class.  The separators and
the width are settings (:class:`CodeRule`), written into ``文件目录.XML`` so a checker on
another PC reads codes by the rule they were made with.  When no 机构(问题) class is used
that level is left out.  Nothing here touches the library: the carrier check uses it too.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

RETENTIONS: dict[str, str] = {"Y": "永久", "D30": "定期30年", "D10": "定期10年"}
_CODE_PART = re.compile(r"^[A-Za-z0-9]+$")


@dataclass(frozen=True)
class CodeRule:
    level_sep: str = "-"
    code_sep: str = "·"
    width: int = 4


@dataclass(frozen=True)
class CodeParts:
    fonds: str  # 全宗号
    category: str  # 门类代码
    year: int
    retention: str
    org: str  # 机构(问题)代码, may be empty
    number: int  # 件号

    @property
    def class_key(self) -> tuple[str, str, int, str, str]:
        """The lowest class the 件号 runs in."""
        return (self.fonds, self.category, self.year, self.retention, self.org)


def format_code(rule: CodeRule, parts: CodeParts) -> str:
    levels = [parts.fonds, f"{parts.category}{rule.code_sep}{parts.year:04d}", parts.retention]
    if parts.org:
        levels.append(parts.org)
    levels.append(f"{parts.number:0{rule.width}d}")
    return rule.level_sep.join(levels)


def class_label(rule: CodeRule, parts: CodeParts) -> str:
    """The class a 件 belongs to, written like its code without the 件号."""
    return format_code(rule, parts).rpartition(rule.level_sep)[0]


def parse_code(rule: CodeRule, code: str) -> CodeParts | None:
    """The parts of a well-formed code, or None (wrong shape, unknown 保管期限, bad 件号)."""
    levels = code.split(rule.level_sep)
    if len(levels) not in (4, 5):
        return None
    fonds, cat_year, retention, *rest = levels
    org, number = (rest[0], rest[1]) if len(rest) == 2 else ("", rest[0])
    category, sep, year = cat_year.partition(rule.code_sep)
    if not sep or not (len(year) == 4 and year.isdigit() and year.isascii()):
        return None
    if not all(_CODE_PART.match(p) for p in (fonds, category) + ((org,) if org else ())):
        return None
    if retention not in RETENTIONS:
        return None
    if len(number) != rule.width or not (number.isdigit() and number.isascii()) or int(number) == 0:
        return None
    return CodeParts(fonds, category, int(year), retention, org, int(number))


def valid_part(text: str) -> bool:
    """Whether ``text`` can be a 全宗号, 门类代码 or 机构代码 (letters and digits only)."""
    return bool(_CODE_PART.match(text))
