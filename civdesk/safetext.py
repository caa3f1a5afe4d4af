"""Text made safe for the documents CivDesk writes.

Titles, unit names and standard texts come from file names, document
metadata and checklists, so they may hold anything.  Every writer passes its
text through here:

* :func:`xml_text` drops the characters XML 1.0 cannot hold (control
  characters, lone surrogates, U+FFFE/U+FFFF); lxml and openpyxl refuse them,
  which would stop a whole report or export.
* :func:`sheet_cell` makes one worksheet cell: text is always a string cell,
  never a formula, and text that a spreadsheet would take for a formula
  (starting with ``= + - @``, a tab or a CR, as OWASP lists) also gets the
  ``quotePrefix`` style, Excel's own form of a leading ``'``: the cell shows
  the text as it is and stays text when the clerk edits it.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from openpyxl.cell import Cell

_XML_ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot hold."""
    return _XML_ILLEGAL.sub("", text)


def sheet_cell(ws: object, value: object) -> Cell:
    """A cell of worksheet ``ws`` (normal or write-only) holding ``value``; append it
    with ``ws.append``.  Numbers, dates and ``None`` keep their type."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(ws)
    if isinstance(value, str):
        text = xml_text(value)
        cell.value = text
        cell.data_type = "s"  # openpyxl would make "=…" a formula and "#N/A" an error
        if text.startswith(FORMULA_STARTS):
            cell.quotePrefix = True
    else:
        cell.value = value
    return cell


def sheet_row(ws: object, values: Iterable[object]) -> list[Cell]:
    """One row of :func:`sheet_cell` cells."""
    return [sheet_cell(ws, v) for v in values]
