"""Checks before upload: what is missing and what would lose points.

Glossary (one English name per Chinese term):

- rule (检查规则): a small named function with a stable id (``blur`` …);
- finding (检查结果条目): severity 错误 / 警告 / 提示, message, fix, the
  standard and material concerned;
- status (达标 / 部分 / 缺失 / 有错误, or 无需材料 when the 测评方法 needs no
  uploaded material) per standard (测评标准), rolled up per 测评内容, 指标 and
  测评项目;
- owed (尚欠): per unit (责任单位), the standards it still has work on, and why;
- platform limits (平台限制): allowed formats, maximum size, minimum resolution.

Use :func:`run_checks` for a full check and :func:`recheck` after an edit.
"""
from civdesk.checks.engine import pick_period, recheck, rollup_status, run_checks
from civdesk.checks.model import (
    ERROR,
    FAULTY,
    MET,
    MISSING,
    NOT_NEEDED,
    NOTICE,
    PARTIAL,
    SEVERITIES,
    STATUSES,
    WARNING,
    CheckResult,
    Finding,
    KindCount,
    NodeRollup,
    OwedItem,
    PeriodInfo,
    StandardStatus,
    UnitOwed,
)
from civdesk.checks.rules import RULES, Rule, key_terms
from civdesk.checks.settings import (
    CheckSettings,
    PlatformLimits,
    get_check_settings,
    set_check_settings,
)

__all__ = [
    "ERROR", "FAULTY", "MET", "MISSING", "NOT_NEEDED", "NOTICE", "PARTIAL", "RULES", "SEVERITIES",
    "STATUSES", "WARNING", "CheckResult", "CheckSettings", "Finding", "KindCount", "NodeRollup",
    "OwedItem", "PeriodInfo", "PlatformLimits", "Rule", "StandardStatus", "UnitOwed",
    "get_check_settings", "key_terms", "pick_period", "recheck", "rollup_status", "run_checks",
    "set_check_settings",
]
