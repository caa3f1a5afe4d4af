"""Checklists (测评体系): parsing Word/Excel tables and comparing editions.

Pure functions and frozen values, no database:

* :func:`parse_checklist` reads a .docx or .xlsx checklist into a
  :class:`ParsedChecklist` (tree of items, standards, problems);
* :func:`format_preview` renders what was recognised for the clerk;
* :func:`diff_editions` maps the standards of an old edition onto a new one.

Two layers: the structure (the national table, imported as above) and the
assignment (the city's task table: 责任单位, 材料要求, 完成时限, 分值, 联系人),
read as flat rows by :mod:`civdesk.checklist.tasks`, matched to standards by
:mod:`civdesk.checklist.merge` and applied in the library by
:mod:`civdesk.checklist.layers`.  Codes in every form (``三-9:2``, ``Ⅲ-9:2``,
``III-9:2``, ``3-9:2``) are resolved by :func:`civdesk.checklist.codes.parse_address`.
"""
from civdesk.checklist.codes import make_code, normalise_code, roman_level, split_code
from civdesk.checklist.diff import EditionDiff, StandardKey, diff_editions, standard_keys
from civdesk.checklist.model import (
    LEVEL_NAMES,
    MATERIAL_METHODS,
    METHOD_KINDS,
    REQUIREMENT_KINDS,
    ChecklistFormatError,
    ParsedChecklist,
    ParsedNode,
    ParsedStandard,
    Requirement,
    RequirementSpec,
    RowProblem,
)
from civdesk.checklist.parse import parse_checklist, parse_deadline
from civdesk.checklist.preview import format_preview, preview_data
from civdesk.checklist.requirements import (
    parse_methods,
    parse_requirements,
    split_unit_roles,
    split_units,
)

__all__ = [
    "ChecklistFormatError", "EditionDiff", "LEVEL_NAMES", "MATERIAL_METHODS", "METHOD_KINDS",
    "ParsedChecklist", "ParsedNode", "ParsedStandard", "REQUIREMENT_KINDS", "Requirement",
    "RequirementSpec", "RowProblem", "StandardKey", "diff_editions", "format_preview",
    "make_code", "normalise_code", "parse_checklist", "parse_deadline", "parse_methods",
    "parse_requirements", "preview_data", "roman_level", "split_code", "split_unit_roles",
    "split_units", "standard_keys",
]
