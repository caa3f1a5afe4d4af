"""Per-library settings of the checks, kept in the ``settings`` table.

* key ``checks``   → rules switched off, severities overridden, thresholds;
* key ``platform`` → the national upload platform's limits (allowed formats,
  maximum file size, minimum photo resolution), which change each year with
  the platform notice.

Thresholds were calibrated on the shared corpus photos: sharp originals have a
Laplacian variance of 74–4,100 (at the 512 px analysis size), copies blurred
with a 2 px Gaussian 8–26, so the default ``blur_min`` is 30.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from civdesk import library_settings
from civdesk.checks.model import SEVERITIES

if TYPE_CHECKING:
    from civdesk.library import Library

CHECKS_KEY, PLATFORM_KEY = "checks", "platform"


@dataclass(frozen=True)
class PlatformLimits:
    """What the upload platform accepts (from the year's platform notice).

    The checks report files outside these limits; the export converts or
    downscales photos to fit them.
    """

    formats: tuple[str, ...] = ("jpg", "png", "pdf", "doc", "docx", "xls", "xlsx", "ofd", "mp4")
    max_mb: float = 20.0  # per file
    min_width: int = 800  # a downscaled photo keeps at least this resolution
    min_height: int = 600

    @property
    def max_bytes(self) -> int:
        return int(self.max_mb * 1024 * 1024)

    def allows(self, fmt: str) -> bool:
        return normalise_format(fmt) in _format_set(self.formats)


@dataclass(frozen=True)
class CheckSettings:
    disabled: frozenset[str] = frozenset()
    severities: dict[str, str] = field(default_factory=dict)  # rule id → severity override
    blur_min: float = 30.0  # variance of the Laplacian below this = 模糊
    jpeg_quality_min: int = 40  # estimated JPEG quality below this = 过度压缩
    near_duplicate_bits: int = 4  # dHash Hamming distance counted as 近似重复
    date_tolerance_days: int = 2  # EXIF date vs stated date
    relevance_min_share: float = 0.3  # share of the standard's key terms a report must contain
    relevance_min_terms: int = 2
    platform: PlatformLimits = PlatformLimits()

    def enabled(self, rule: str) -> bool:
        return rule not in self.disabled

    def severity(self, rule: str, default: str) -> str:
        return self.severities.get(rule, default)


_ALIASES = {"jpeg": "jpg", "jpe": "jpg", "tif": "tiff", "htm": "html"}


@lru_cache(maxsize=32)
def _format_set(formats: tuple[str, ...]) -> frozenset[str]:
    return frozenset(normalise_format(f) for f in formats)


@lru_cache(maxsize=256)
def normalise_format(fmt: str) -> str:
    f = fmt.strip().lower().lstrip(".")
    return _ALIASES.get(f, f)


def get_check_settings(lib: Library) -> CheckSettings:
    """The library's check settings (defaults for anything not stored)."""
    with lib.session() as s:
        checks = library_settings.read(s, CHECKS_KEY)
        platform = library_settings.read(s, PLATFORM_KEY)
    return settings_from_json(checks, platform)


def settings_from_json(checks: dict[str, Any], platform: dict[str, Any]) -> CheckSettings:
    base = CheckSettings()
    known = {f.name for f in fields(CheckSettings)} - {"disabled", "severities", "platform"}
    values: dict[str, Any] = {k: type(getattr(base, k))(v) for k, v in checks.items() if k in known}
    limits = PlatformLimits()
    pvalues: dict[str, Any] = {}
    for f in fields(PlatformLimits):
        if f.name in platform:
            v = platform[f.name]
            pvalues[f.name] = tuple(str(x) for x in v) if f.name == "formats" else type(getattr(limits, f.name))(v)
    sev = {str(k): str(v) for k, v in (checks.get("severities") or {}).items() if v in SEVERITIES}
    return replace(base, disabled=frozenset(checks.get("disabled") or ()), severities=sev,
                   platform=replace(limits, **pvalues), **values)


def settings_as_json(settings: CheckSettings) -> tuple[dict[str, Any], dict[str, Any]]:
    checks = asdict(settings)
    platform = checks.pop("platform")
    checks["disabled"] = sorted(settings.disabled)
    platform["formats"] = list(settings.platform.formats)
    return checks, platform


def set_check_settings(lib: Library, settings: CheckSettings | None = None, /, **changes: Any) -> CheckSettings:
    """Store settings (a whole value, or changes to the stored one).

    ``changes`` may name any :class:`CheckSettings` field, and ``platform``
    may be a dict of :class:`PlatformLimits` fields.  Unknown rule ids in
    ``disabled`` are refused so a typo does not silently keep a rule on.
    """
    from civdesk.checks.rules import RULES  # here: the rules import this module's types

    current = settings or get_check_settings(lib)
    if isinstance(changes.get("platform"), dict):
        changes["platform"] = replace(current.platform, **changes["platform"])
    if "disabled" in changes:
        changes["disabled"] = frozenset(changes["disabled"])
    new = replace(current, **changes)
    unknown = sorted(r for r in set(new.disabled) | set(new.severities) if r not in RULES)
    if unknown:
        raise ValueError(f"没有这些检查规则：{'、'.join(unknown)}（可用：{'、'.join(RULES)}）")
    bad = [v for v in new.severities.values() if v not in SEVERITIES]
    if bad:
        raise ValueError(f"严重程度只能是 错误、警告、提示，而不是：{'、'.join(bad)}")
    checks, platform = settings_as_json(new)
    with lib.session() as s:
        library_settings.write(s, CHECKS_KEY, checks)
        library_settings.write(s, PLATFORM_KEY, platform)
        lib.audit(s, "check_settings", "settings", None, checks=checks, platform=platform)
    return new

