"""The whole round trip with two departments: task packages out, filled and zipped on
"Windows" (GBK names), received, reviewed, returned, reminded — the ledger right at each step."""
from __future__ import annotations

import datetime as dt
import json

import docx
import pytest
from openpyxl import load_workbook

from civdesk.checks import run_checks
from civdesk.models import Material, Unit
from civdesk.tasks import export_package, list_submissions, receive, review, submission_detail
from civdesk.tasks.ledger import build_ledger
from civdesk.tasks.notices import NoticeError, issue_notice
from civdesk.tasks.settings import get_task_settings, library_id, save_task_settings
from tests.core.tasks_helpers import PDFS, PHOTOS, caption, docx_file, gbk_zip, put

TODAY = dt.date(2024, 5, 10)          # inside the 测评周期 2023-08-01 … 2024-07-31
ISSUER = "某某市精神文明建设指导委员会办公室"


def docx_text(path) -> str:
    d = docx.Document(str(path))
    cells = [c.text for t in d.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in d.paragraphs] + cells)


def test_round_trip_with_two_departments(sample_lib, tmp_path):
    lib = sample_lib
    save_task_settings(lib, get_task_settings(lib).with_values(
        issuer=ISSUER, doc_prefix="文明办", contact="张三", phone="0000-1234567"))

    # ---- task packages out
    mz = export_package(lib, "市民政局", tmp_path / "out", today=TODAY)
    tw = export_package(lib, "团市委", tmp_path / "out", today=TODAY)
    assert [s.code for s in mz.standards] == ["Ⅲ-3:2", "Ⅲ-5:2", "Ⅲ-7:1"]
    task = json.loads((mz.path / "task.json").read_text("utf-8"))
    assert task["library_id"] == library_id(lib) and task["unit"] == "市民政局"
    assert task["package_id"] == mz.package_id
    assert {d.name for d in mz.path.iterdir() if d.is_dir()} == {s.folder for s in mz.owed}
    assert all(d.name.startswith("Ⅲ-") and ":" not in d.name for d in mz.path.iterdir() if d.is_dir())
    sheet = load_workbook(mz.path / "任务清单.xlsx")["任务清单"]
    listed = {row[1]: row for row in sheet.iter_rows(min_row=3, values_only=True)}
    assert set(listed) == {"Ⅲ-3:2", "Ⅲ-5:2", "Ⅲ-7:1"}
    assert listed["Ⅲ-3:2"][3] == "牵头" and listed["Ⅲ-7:1"][3] == "配合"
    assert "说明报告" in listed["Ⅲ-3:2"][5] and listed["Ⅲ-3:2"][6] == "2024-04-30"
    assert "说明报告" in listed["Ⅲ-3:2"][9]          # what is owed, and why
    ledger = build_ledger(lib, TODAY)
    assert ledger.unit("市民政局").issued == 3 and ledger.unit("市民政局").received == 0
    assert ledger.row("市民政局", "Ⅲ-3:2").issued_on == TODAY
    assert ledger.row("市文明办", "Ⅲ-5:1").issued_on is None          # no package for it

    # ---- filled as a department would: files into folders, captions, one file astray
    put(mz.path, "Ⅲ-3：2", PHOTOS / "jpg__Canon_40D.jpg", "居民公约宣传栏.jpg")
    put(mz.path, "Ⅲ-3：2", docx_file(tmp_path, "a.docx", "核心价值观写入居民公约的情况说明"), "居民公约情况说明.docx")
    put(mz.path, "其他材料", docx_file(tmp_path, "b.docx", "本局年度工作总结"), "年度工作总结.docx")
    caption(mz.path, [("居民公约宣传栏.jpg", "", "2024年3月1日", "幸福社区", "社区居民", "居民公约宣传",
                       "新时代文明实践", "李四", "")])
    put(tw.path, "Ⅲ-7：2", PDFS / "minimal-document.pdf", "志愿服务激励回馈办法.pdf")
    put(tw.path, "Ⅲ-8：1", PHOTOS / "jpg__Nikon_D70.jpg", "火车站志愿服务站.jpg")
    caption(tw.path, [("火车站志愿服务站.jpg", "", "2024年3月5日", "火车站", "青年志愿者", "学雷锋志愿服务",
                       "", "王五", "团市委")])
    mz_zip = gbk_zip(mz.path, tmp_path / "民政局材料（终稿）.zip", wrap="新建文件夹")   # renamed, wrapped
    tw_zip = gbk_zip(tw.path, tmp_path / "团市委.zip")

    # ---- submissions in
    r1 = receive(lib, mz_zip)
    r2 = receive(lib, tw_zip)
    assert not r1.already and r1.unit == "市民政局"
    assert sorted(code for _, code, _ in r1.filed) == ["Ⅲ-3:2", "Ⅲ-3:2"]
    [astray] = r1.listed
    assert astray.path == "其他材料/年度工作总结.docx" and "其他材料" in astray.reason
    assert sorted(code for _, code, _ in r2.filed) == ["Ⅲ-7:2", "Ⅲ-8:1"]
    with lib.session() as s:
        kept = s.get(Material, astray.material_id)             # listed, not lost
        assert kept.original_name == "年度工作总结.docx"
        mz_id = s.query(Unit.id).filter(Unit.name == "市民政局").scalar()
        assert kept.unit_id == mz_id
        photo = s.query(Material).filter(Material.original_name == "居民公约宣传栏.jpg").one()
        assert (photo.caption_place, photo.caption_event, photo.caption_photographer) == (
            "幸福社区", "居民公约宣传", "李四")
        assert photo.unit_id == mz_id
        report = s.query(Material).filter(Material.original_name == "居民公约情况说明.docx").one()
        photo_id, report_id = photo.id, report.id
    ledger = build_ledger(lib, TODAY)
    row = ledger.row("市民政局", "Ⅲ-3:2")
    assert (row.received, row.pending, row.accepted, row.state) == (2, 2, 0, "待审核")
    assert ledger.row("团市委", "Ⅲ-8:1").received == 1
    assert ledger.row("市民政局", "Ⅲ-5:2").received == 0

    # ---- review: accept some, return one
    subs = {v.unit: v for v in list_submissions(lib)}
    assert (subs["市民政局"].pending, subs["市民政局"].unfiled) == (2, 1)
    detail = submission_detail(lib, subs["市民政局"].id, run_checks(lib, today=TODAY))
    assert {i.material_id for i in detail.items if i.status == "pending"} == {photo_id, report_id}
    review(lib, subs["市民政局"].id, accept=[photo_id], returned=[report_id],
           reason="说明报告为总结式写法，缺少具体数据")
    review(lib, subs["团市委"].id, accept=[m for m, _, _ in r2.filed])
    ledger = build_ledger(lib, TODAY)
    row = ledger.row("市民政局", "Ⅲ-3:2")
    assert (row.received, row.accepted, row.returned, row.pending) == (2, 1, 1, 0)
    assert row.outstanding and row.days_late == 10               # 完成时限 2024-04-30
    done = ledger.row("团市委", "Ⅲ-7:2")
    assert (done.accepted, done.required, done.outstanding, done.state) == (1, 1, False, "已销号")
    assert ledger.unit("团市委").outstanding == 2 and ledger.unit("市民政局").outstanding == 3
    status = run_checks(lib, today=TODAY).standard("Ⅲ-3:2")
    assert photo_id in status.material_ids and report_id not in status.material_ids  # returned: not counted
    from civdesk.export import ExportOptions
    from civdesk.export.plan import build_plan

    declared = {r.title for r in build_plan(lib, ExportOptions()).catalog if r.standard == "Ⅲ-3:2"}
    assert "居民公约宣传栏" in declared and "居民公约情况说明" not in declared       # nor declared

    # ---- notices: 退回 to one unit, 催办 to all late units, then the second 催办
    back = issue_notice(lib, "退回", tmp_path / "退回通知.docx", unit="市民政局",
                        deadline=dt.date(2024, 5, 20), today=TODAY)
    assert back.doc_number == "文明办〔2024〕1号" and back.units == ("市民政局",)
    text = docx_text(back.path)
    for words in (ISSUER, "文明办〔2024〕1号", "市民政局：", "2024年5月20日前", "联系人：张三",
                  "0000-1234567", "（印章）", "居民公约情况说明", "缺少具体数据", "附件"):
        assert words in text, words
    assert "年度工作总结" not in text and "居民公约宣传栏" not in text

    remind = issue_notice(lib, "催办", tmp_path / "催办通知.docx", deadline=dt.date(2024, 5, 20), today=TODAY)
    assert remind.doc_number == "文明办〔2024〕2号" and remind.round == 1
    assert {"市民政局", "团市委"} <= set(remind.units)
    assert "第二次" not in docx_text(remind.path)
    ledger = build_ledger(lib, TODAY)
    row = ledger.row("市民政局", "Ⅲ-5:2")
    assert (row.reminders, row.due, row.days_late) == (1, dt.date(2024, 5, 20), 0)   # new deadline
    assert "Ⅲ-7:2" not in {r.code for r in ledger.rows_of("团市委") if r.reminders}  # done: not chased
    later = build_ledger(lib, dt.date(2024, 5, 25))
    assert later.row("市民政局", "Ⅲ-5:2").days_late == 5

    again = issue_notice(lib, "催办", tmp_path / "催办通知2.docx", deadline=dt.date(2024, 6, 5),
                         today=dt.date(2024, 5, 25))
    assert again.doc_number == "文明办〔2024〕3号" and again.round == 2
    assert "第二次催办" in docx_text(again.path)
    assert build_ledger(lib, dt.date(2024, 5, 25)).row("市民政局", "Ⅲ-5:2").reminders == 2
    with pytest.raises(NoticeError, match="早于发文日期"):
        issue_notice(lib, "补交", tmp_path / "x.docx", unit="市民政局", deadline=dt.date(2024, 5, 1),
                     today=dt.date(2024, 5, 25))
    with pytest.raises(NoticeError, match="没有被退回"):
        issue_notice(lib, "退回", tmp_path / "x.docx", unit="团市委", deadline=dt.date(2024, 6, 5),
                     today=dt.date(2024, 5, 25))
