"""The library's ``archive`` setting: how a year's records are arranged and numbered.

Values DOMAIN.md §4 gives are the defaults (门类代码 WS for 文书, "-" and "·" as
separators, 4-digit 件号, 保管期限 codes Y/D30/D10); what only the city archive can
tell (全宗号, the unit → 机构代码 table, which records are kept permanently) is empty
until the clerk enters it.  Stored through :mod:`civdesk.library_settings`.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from civdesk import library_settings
from civdesk.archive.codes import RETENTIONS, CodeRule, valid_part

if TYPE_CHECKING:
    from civdesk.library import Library

ARCHIVE_KEY = "archive"


class ArchiveSettingsError(ValueError):
    """An archive setting is unusable; the message is for the clerk."""


@dataclass(frozen=True)
class ArchiveSettings:
    fonds: str = ""  # 全宗号, given by the city archive
    category_code: str = "WS"  # 门类代码 (文书)
    level_sep: str = "-"
    code_sep: str = "·"
    number_width: int = 4
    default_retention: str = "D30"
    # 保管期限 by material 类别 or kind (e.g. {"正式发文": "Y"}), and by checklist item code
    # (e.g. {"Ⅲ-5": "Y"}; an item's code covers its standards); the item wins.
    retention_by_kind: dict[str, str] = field(default_factory=dict)
    retention_by_item: dict[str, str] = field(default_factory=dict)
    org_codes: dict[str, str] = field(default_factory=dict)  # 责任单位 → 机构(问题)代码
    default_org_code: str = ""  # for units not in the table; empty: no 机构 level
    responsible: str = ""  # 责任者 when a material has no unit (e.g. the 文明办 itself)
    transferring_unit: str = ""  # 移交单位
    receiving_unit: str = ""  # 接收单位
    maker: str = ""  # 制作人 / 整理人
    checker: str = ""  # 检查人
    carrier: str = "移动硬盘"  # 载体
    clamav_db: str = ""  # ClamAV signature database (file or folder); empty: clamscan's own

    def __post_init__(self) -> None:
        for label, value in (("门类代码", self.category_code),):
            if not valid_part(value):
                raise ArchiveSettingsError(f"{label}只能由字母和数字组成：「{value}」")
        if self.fonds and not valid_part(self.fonds):
            raise ArchiveSettingsError(f"全宗号只能由字母和数字组成：「{self.fonds}」")
        codes = {**self.org_codes, "": self.default_org_code}
        bad = [c for c in codes.values() if c and not valid_part(c)]
        if bad:
            raise ArchiveSettingsError(f"机构(问题)代码只能由字母和数字组成：{'、'.join(bad)}")
        rets = [self.default_retention, *self.retention_by_kind.values(),
                *self.retention_by_item.values()]
        if any(r not in RETENTIONS for r in rets):
            raise ArchiveSettingsError(f"保管期限代码只能是 {'、'.join(RETENTIONS)}")
        if not 3 <= self.number_width <= 6:
            raise ArchiveSettingsError("件号位数应在 3～6 之间")
        if not self.level_sep or not self.code_sep or self.level_sep == self.code_sep \
                or any(c.isalnum() for c in self.level_sep + self.code_sep):
            raise ArchiveSettingsError("档号的两个分隔符不能为空、相同或是字母数字")

    @property
    def rule(self) -> CodeRule:
        return CodeRule(self.level_sep, self.code_sep, self.number_width)

    def org_code(self, unit: str) -> str:
        return self.org_codes.get(unit, self.default_org_code)

    @classmethod
    def from_library(cls, lib: Library) -> ArchiveSettings:
        with lib.session() as s:
            saved = library_settings.read(s, ARCHIVE_KEY)
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in saved.items() if k in names})


def save_archive_settings(lib: Library, settings: ArchiveSettings | None = None,
                          **changes: Any) -> ArchiveSettings:
    """Store ``settings`` (or the saved ones with ``changes``); returns what was stored."""
    settings = dataclasses.replace(settings or ArchiveSettings.from_library(lib), **changes)
    data = dataclasses.asdict(settings)
    with lib.session() as s:
        library_settings.write(s, ARCHIVE_KEY, data)
        lib.audit(s, "settings_archive", "setting", None, archive=data)
    return settings
