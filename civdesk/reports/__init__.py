"""Report writers: data built in the core rendered to Word, Excel or JSON.

Each writer is small and takes a finished result value (STYLE §11).
"""
from civdesk.reports.check_docx import write_check_docx
from civdesk.reports.check_json import check_as_json
from civdesk.reports.check_xlsx import write_check_xlsx

__all__ = ["check_as_json", "write_check_docx", "write_check_xlsx"]
