"""Export options, kept as the library's ``export`` setting.

How a package is laid out is a JSON object whose keys are the field names of
:class:`ExportOptions`; unknown keys are ignored.  The platform's format and
size limits change each year with the platform notice; they are the checks'
``platform`` setting (:class:`civdesk.checks.PlatformLimits`), entered in one
place and used by both.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from civdesk import library_settings
from civdesk.checks import PlatformLimits, get_check_settings

if TYPE_CHECKING:
    from civdesk.library import Library

EXPORT_KEY = "export"
PATTERN_FIELDS = ("序号", "题名", "日期", "单位", "类别", "文号", "原名", "标准", "标准编号", "ext")
CATEGORY_ORDER = ("正式发文", "说明报告", "数据表格", "台账", "图片")


class OptionsError(ValueError):
    """An export setting is unusable; the message is for the clerk."""


@dataclass(frozen=True)
class ExportOptions:
    """How a package is laid out.

    ``name_pattern`` fields: {序号} (position under the standard, 2 digits),
    {题名}, {日期} (8 digits), {单位}, {类别}, {文号}, {原名} (original name
    without extension), {标准} or {标准编号} (code such as Ⅲ-1:2), {ext}.
    ``category_order``: the order of files inside a standard by category
    (类别); photos count as 图片 and go by date.
    ``shared`` says what to do with a material cited under several
    standards: ``copy`` puts the file under each, ``note`` puts the file under
    the first and a short ``.txt`` note pointing at it under the others.
    """

    name_pattern: str = "{标准编号}_{序号}_{题名}.{ext}"
    shared: str = "copy"  # 'copy' | 'note'
    captions: bool = True  # 图文说明 PDF per standard with photos
    photos_per_page: int = 1  # 1 or 2
    title_chars: int = 24  # item folder titles are cut to this many characters
    standard_chars: int = 30  # standard texts in folder names are cut to this
    path_limit: int = 240
    keep_folder: bool = False  # with a zip, also keep the folder
    overwrite: bool = False  # replace an existing package of the same name
    timestamp: str = ""  # fixed time for zip entries and documents; default from the data
    convert_kinds: tuple[str, ...] = ("heic", "avif", "tiff")  # photos always converted to JPEG
    jpeg_quality: int = 90  # of converted photos
    category_order: tuple[str, ...] = CATEGORY_ORDER
    compilation: bool = False  # also write 材料汇编.pdf (the whole package in one PDF)
    city: str = ""  # on the 材料汇编's cover
    documents_to_pdf: bool = True  # documents in a format the platform refuses → PDF (LibreOffice)
    limits: PlatformLimits = field(default_factory=PlatformLimits)

    def __post_init__(self) -> None:
        if self.shared not in ("copy", "note"):
            raise OptionsError(f"多处引用材料的处理方式应为 copy 或 note，而不是「{self.shared}」")
        if self.photos_per_page not in (1, 2):
            raise OptionsError("图文说明每页照片数只能是 1 或 2")
        if not 120 <= self.path_limit <= 400:
            raise OptionsError(f"路径长度上限 {self.path_limit} 不合理（应在 120～400 之间）")
        check_pattern(self.name_pattern)

    @classmethod
    def from_library(cls, lib: Library, **overrides: Any) -> ExportOptions:
        """The library's saved settings, with ``overrides`` on top."""
        with lib.session() as s:
            saved = library_settings.read(s, EXPORT_KEY)
        values = {**_known(cls, saved), **overrides}
        values.setdefault("limits", get_check_settings(lib).platform)
        return cls(**values)


def save_options(lib: Library, options: ExportOptions) -> None:
    """Store ``options`` as the library's export setting (platform limits belong to the checks)."""
    data = dataclasses.asdict(options)
    del data["limits"]
    data["convert_kinds"] = list(options.convert_kinds)
    with lib.session() as s:
        library_settings.write(s, EXPORT_KEY, data)
        lib.audit(s, "settings_export", "setting", None, export=data)


def _known(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    names = {f.name for f in dataclasses.fields(cls)} - {"limits"}
    return {k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in names}


def check_pattern(pattern: str) -> None:
    """Refuse a file-name pattern with unknown fields or without an extension."""
    import string

    try:
        names = [f for _, f, _, _ in string.Formatter().parse(pattern) if f is not None]
    except ValueError as exc:
        raise OptionsError(f"文件命名规则格式错误：{pattern}（{exc}）") from None
    unknown = [n for n in names if n not in PATTERN_FIELDS]
    if unknown:
        raise OptionsError(f"文件命名规则中有未知字段：{'、'.join(unknown)}；"
                           f"可用字段：{'、'.join('{' + f + '}' for f in PATTERN_FIELDS)}")
    if "ext" not in names:
        raise OptionsError("文件命名规则必须以 .{ext} 结尾，保留文件扩展名")
