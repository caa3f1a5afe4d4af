"""The round trip with departments (责任单位): task packages out, submissions in,
review, return, remind, and the ledger of it all.

Glossary (one English name per Chinese term):

=================  ===============================================================
task package       任务包: what one unit owes, exported for it (任务清单.xlsx, one
                   folder per owed standard, 图片说明.xlsx, 填报说明.docx, task.json)
submission         报送: a task package coming back filled, received once
submission item    one material of a submission under one standard, with the
                   clerk's decision: pending 待审 / accepted 采用 / returned 退回 /
                   unfiled 未归位 (wrong place, not in the task: kept, listed)
notice             通知: 补交通知 / 退回通知 (one unit), 催办通知 (all late units),
                   each with its 文号 (文明办〔2025〕12号, numbered per year)
ledger             台账: per unit and standard, issued / received / accepted /
                   returned / outstanding / days late (对账销号)
=================  ===============================================================

Modules: :mod:`.settings` (issuer, 文号 prefix, contact), :mod:`.package`,
:mod:`.receive`, :mod:`.review`, :mod:`.ledger`, :mod:`.notices`.
A returned material stays in the library; the checks leave it out
(:func:`civdesk.checks.data.load_links`).
"""
from civdesk.tasks.package import PackageInfo, export_all, export_package
from civdesk.tasks.receive import ReceiveResult, SubmissionRefused, is_task_package, receive
from civdesk.tasks.review import ReviewError, list_submissions, review, submission_detail

__all__ = ["PackageInfo", "ReceiveResult", "ReviewError", "SubmissionRefused", "export_all",
           "export_package", "is_task_package", "list_submissions", "receive", "review",
           "submission_detail"]
