"""The notice and the check report as LibreOffice lays them out (PDF text per page)."""
from __future__ import annotations

import datetime as dt
import subprocess

from civdesk.checks import run_checks
from civdesk.reports import write_check_docx
from civdesk.tasks.notices import issue_notice
from civdesk.tasks.settings import get_task_settings, save_task_settings
from civdesk.tools import convert_to_pdf
from tests.conftest import needs_tool
from tests.core.checks_helpers import add_photo, fill_requirement

TODAY = dt.date(2024, 5, 10)


def pages(pdf) -> list[str]:
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True)
    return [p.replace(" ", "") for p in out.stdout.split("\f")[:-1]]  # no spaces LibreOffice puts around digits


def test_rendered_report_starts_with_the_summary_and_notice_keeps_its_parts(sample_lib, tmp_path):
    needs_tool("soffice")
    needs_tool("pdftotext")
    save_task_settings(sample_lib, get_task_settings(sample_lib).with_values(contact="张三", phone="12345"))
    fill_requirement(sample_lib, "Ⅲ-5:1", unit="市文明办")
    add_photo(sample_lib, "Ⅲ-1:1", unit="市委宣传部", caption_place="", blur=5.0)
    result = run_checks(sample_lib, today=TODAY)
    report = pages(convert_to_pdf(write_check_docx(result, tmp_path / "report.docx"), tmp_path))
    first = report[0]
    assert "呈阅" in first and "最需关注的五项" in first and "尚欠最多的单位" in first and "建议" in first
    assert "总体情况" not in first                      # the details start on page 2
    assert "一、总体情况" in report[1]
    assert any(p.lstrip().startswith("附件") for p in report[2:])
    rec = issue_notice(sample_lib, "补交", tmp_path / "notice.docx", unit="市委宣传部",
                       deadline=dt.date(2024, 5, 20), today=TODAY, result=result)
    notice = pages(convert_to_pdf(rec.path, tmp_path))
    assert "文明办〔2024〕1号" in notice[0] and "市委宣传部：" in notice[0]
    assert "联系人：张三" in notice[0] and "2024年5月10日" in notice[0]   # signed on the page of the text
    assert not notice[0].lstrip().startswith("附件")
    assert any(p.lstrip().startswith("附件") for p in notice[1:])      # the annex on a page of its own
