"""Screenshots of 「导入任务分解表到现有测评体系」, offscreen:
python scripts/screenshot_checklist_merge.py [DOCS_DIR]

Builds a library holding a Word structure table, then opens the wizard on an
Excel task table with a grouped two-row header (the merge preview) and on a
table whose header is not recognised (the column-mapping step).  Writes
``screenshot-checklist-merge.png`` and ``screenshot-checklist-mapping.png``.
"""
from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    docs = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "docs")
    docs.mkdir(parents=True, exist_ok=True)
    import openpyxl
    from PySide6.QtWidgets import QApplication

    from civdesk.checklist import store as cl
    from civdesk.library import Library
    from civdesk_ui.app import setup_app
    from tests.core.test_checklist_layers import write_structure_docx, write_task_xlsx

    app = QApplication.instance() or QApplication([])
    setup_app(app)
    from civdesk_ui.main_window import MainWindow
    from civdesk_ui.task_merge_dialog import TaskMergeWizard

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CIVDESK_HOME"] = tmp
        tmp_path = Path(tmp)
        lib = Library.create(tmp_path / "示例资料库", sample=False)
        preview = cl.preview_import(lib, write_structure_docx(tmp_path / "全国文明城市测评体系.docx"))
        cid = cl.commit_import(lib, preview).checklist_id
        cl.set_period(lib, cid, dt.date(2024, 8, 1), dt.date(2025, 7, 31))
        win = MainWindow(lib)
        win.resize(1200, 760)
        win.show()

        def settle(dialog: TaskMergeWizard) -> None:
            while dialog.job is not None and not dialog.job.finished:   # the preview job
                app.processEvents()
            for _ in range(30):
                app.processEvents()

        def shoot(dialog: TaskMergeWizard, name: str) -> None:
            dialog.show()
            settle(dialog)
            target = docs / f"screenshot-checklist-{name}.png"
            dialog.grab().save(str(target))
            print(target)
            dialog.close()

        dlg = TaskMergeWizard(win, write_task_xlsx(tmp_path / "2025年度责任分工表.xlsx"), cid)
        settle(dlg)
        dlg.tabs.setCurrentIndex(2)                     # 将修改
        shoot(dlg, "merge")
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.append(["条目", "工作任务", "责任科室", "办结日期", "经办人"])
        ws.append(["Ⅲ-1", "建立党委（党组）理论学习中心组学习制度", "市委宣传部", "2025-06-30", "王五"])
        wb.save(tmp_path / "科室任务清单.xlsx")
        mapping = TaskMergeWizard(win, tmp_path / "科室任务清单.xlsx", cid)
        settle(mapping)
        for r, role in enumerate(("code", "standard", "units")):   # the clerk has chosen three so far
            combo = mapping.map_table.cellWidget(r, 3)
            combo.setCurrentIndex(combo.findData(role))
        shoot(mapping, "mapping")
        win.close()
        lib.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
