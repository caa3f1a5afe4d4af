"""Documents imported through the vault (whose files have no extension) keep their text."""
from __future__ import annotations

import docx
import openpyxl
import pymupdf
from sqlalchemy import select

from civdesk import materials as mat
from civdesk.importer import ImportOptions
from civdesk.models import Material


def test_office_pdf_and_text_files_are_read_after_import(empty_lib, tmp_path):
    folder = tmp_path / "报送材料"
    folder.mkdir()
    d = docx.Document()
    d.add_paragraph("关于开展道德模范评选表彰活动的情况说明")
    d.add_paragraph("二〇二四年三月十五日")
    d.save(folder / "情况说明.docx")
    wb = openpyxl.Workbook()
    wb.active.append(["单位", "志愿者人数"])
    wb.active.append(["团市委", 72593])
    wb.save(folder / "志愿服务统计表.xlsx")
    pdf = pymupdf.open()
    pdf.new_page().insert_text((72, 100), "文明实践阵地建设总结", fontname="china-s", fontsize=12)
    pdf.save(folder / "总结.pdf")
    (folder / "通知.txt").write_bytes("市文明办通知：请按时报送材料。".encode("gb18030"))
    report = empty_lib.import_paths([folder], ImportOptions(workers=1))
    assert report.counts == {"imported": 4, "duplicate": 0, "refused": 0}
    assert all(not e.reason for e in report.entries), [e.reason for e in report.entries]
    with empty_lib.session() as s:
        rows = {m.original_name: m for m in s.scalars(select(Material))}
    expected = {"情况说明.docx": "道德模范评选表彰", "志愿服务统计表.xlsx": "72593",
                "总结.pdf": "文明实践阵地建设", "通知.txt": "请按时报送材料"}
    for name, phrase in expected.items():
        m = rows[name]
        assert m.text_status == "ok", (name, m.problem)
        assert phrase in "".join(mat.text_pages(empty_lib, m.id)), name
    assert rows["志愿服务统计表.xlsx"].category == "数据表格"
    assert rows["情况说明.docx"].date.isoformat() == "2024-03-15"
