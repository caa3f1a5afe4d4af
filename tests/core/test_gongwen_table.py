"""The report tables are written as one piece of XML; Word/LibreOffice must get exactly
what python-docx's cell-by-cell path gives (text escaping, line breaks, spaces, widths)."""
from __future__ import annotations

import pytest
from lxml import etree

from civdesk.reports import gongwen as gw


def _xml(build, header, rows, widths) -> bytes:  # noqa: ANN001
    doc = gw.new_document()
    build(doc, header, rows, widths)
    return etree.tostring(doc.element)


@pytest.mark.parametrize("header,rows,widths", [
    (["编号", "问题"], [["1.1", "文件无法打开 & <损坏> \"引号\""], ["", "两行\n第二行"]], (18, 62)),
    (["a", "b", "c"], [[" 前后空格 ", "\n", 7], ["x\x01y", "\n\n尾", "&amp;"]], (14, 22.5, 40)),
    (["只有表头"], [], (78,)),
    (["制表符"], [["a\tb"], ["c\rd"]], (30,)),  # python-docx path
    (["少一列", "b"], [["only one"]], (18, 20)),  # python-docx path
])
def test_table_xml_is_what_python_docx_builds(header, rows, widths) -> None:  # noqa: ANN001
    assert _xml(gw.table, header, rows, widths) == _xml(gw._table_by_rows, header, rows, widths)
