"""Receiving task packages: twice is once, the wrong package is refused with its reason,
a returned file sent again is not counted again; review refuses what makes no sense;
the command line (``civdesk import`` recognises a package, ``civdesk tasks …``)."""
from __future__ import annotations

import datetime as dt
import json
import shutil
import zipfile

import pytest
from sqlalchemy import func, select

from civdesk.library import Library
from civdesk.models import Link, Material, Submission, SubmissionItem
from civdesk.tasks import ReviewError, SubmissionRefused, export_package, receive, review
from civdesk.tasks.ledger import build_ledger
from tests.core.tasks_helpers import PHOTOS, caption, docx_file, gbk_zip, put

TODAY = dt.date(2024, 5, 10)


def counts(lib) -> tuple[int, ...]:
    with lib.session() as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) for m in
                     (Material, Link, Submission, SubmissionItem))


@pytest.fixture
def filled(sample_lib, tmp_path):
    """市民政局's package, filled with a photo and a report, zipped with GBK names."""
    info = export_package(sample_lib, "市民政局", tmp_path / "out", today=TODAY)
    put(info.path, "Ⅲ-3：2", PHOTOS / "jpg__Canon_40D.jpg", "宣传栏.jpg")
    put(info.path, "Ⅲ-3：2", docx_file(tmp_path, "a.docx", "居民公约情况说明"), "情况说明.docx")
    caption(info.path, [("宣传栏.jpg", "", "2024年3月1日", "幸福社区", "居民", "居民公约宣传", "", "", "")])
    return sample_lib, info, gbk_zip(info.path, tmp_path / "报送.zip")


def rewrite_task(folder, tmp_path, name: str, **changes) -> object:
    """A copy of the package with task.json changed, zipped."""
    copy = tmp_path / name / folder.name
    shutil.copytree(folder, copy)
    task = json.loads((copy / "task.json").read_text("utf-8"))
    task.update(changes)
    (copy / "task.json").write_text(json.dumps(task, ensure_ascii=False), "utf-8")
    return gbk_zip(copy, tmp_path / f"{name}.zip")


def test_receiving_twice_duplicates_nothing(filled, tmp_path):
    lib, info, zpath = filled
    first = receive(lib, zpath)
    assert len(first.filed) == 2 and first.counts["captions"] == 1
    after = counts(lib)
    second = receive(lib, zpath)
    assert second.already and second.submission_id == first.submission_id
    assert "此前已接收" in second.summary()
    assert counts(lib) == after
    # the same files zipped again (another zip, UTF-8 names, an extra folder): still nothing new
    rezip = tmp_path / "again.zip"
    with zipfile.ZipFile(rezip, "w") as zf:
        for p in sorted(info.path.rglob("*")):
            if p.is_file():
                zf.write(p, "外层/" + p.relative_to(info.path.parent).as_posix())
    third = receive(lib, rezip)
    assert third.already and counts(lib) == after
    assert build_ledger(lib, TODAY).row("市民政局", "Ⅲ-3:2").received == 2
    # an unzipped folder is a submission too, and also nothing new
    assert receive(lib, info.path).already and counts(lib) == after


def test_package_of_another_library_is_refused(filled, tmp_path):
    lib, _, _ = filled
    with Library.create(tmp_path / "other") as other:
        theirs = export_package(other, "市民政局", tmp_path / "theirs", today=TODAY, as_zip=True)
    before = counts(lib)
    with pytest.raises(SubmissionRefused, match="另一个资料库"):
        receive(lib, theirs.path)
    assert counts(lib) == before


def test_unit_not_in_the_task_is_refused(filled, tmp_path):
    lib, info, _ = filled
    before = counts(lib)
    forged = rewrite_task(info.path, tmp_path, "forged", unit="市财政局")
    with pytest.raises(SubmissionRefused, match="「市财政局」不在本任务中.*市民政局"):
        receive(lib, forged)
    unknown = rewrite_task(info.path, tmp_path, "unknown", package_id="0" * 32)
    with pytest.raises(SubmissionRefused, match="没有发出过"):
        receive(lib, unknown)
    assert counts(lib) == before


def test_not_a_task_package_is_refused(sample_lib, tmp_path):
    plain = tmp_path / "plain.zip"
    with zipfile.ZipFile(plain, "w") as zf:
        zf.writestr("材料/说明.txt", "一份材料")
        zf.writestr("task.json", "{不是 JSON")
    with pytest.raises(SubmissionRefused, match="不是 CivDesk 任务包"):
        receive(sample_lib, plain)
    with pytest.raises(SubmissionRefused, match="不存在"):
        receive(sample_lib, tmp_path / "missing.zip")


def test_a_renamed_standard_folder_still_files_its_material(sample_lib, tmp_path):
    info = export_package(sample_lib, "团市委", tmp_path / "out", today=TODAY)
    folder = next(d for d in info.path.iterdir() if d.name.startswith("Ⅲ-7：2"))
    folder.rename(info.path / "Ⅲ-7：2激励回馈（团委改）")
    put(info.path, "Ⅲ-7：2", docx_file(tmp_path, "a.docx", "志愿服务激励回馈办法"), "激励回馈办法.docx")
    put(info.path, "Ⅲ-7：21", docx_file(tmp_path, "b.docx", "另一份"), "另一份.docx")   # not Ⅲ-7:2
    r = receive(sample_lib, gbk_zip(info.path, tmp_path / "团市委.zip"))
    assert [(code, p.rsplit("/", 1)[1]) for _, code, p in r.filed] == [("Ⅲ-7:2", "激励回馈办法.docx")]
    assert [f.path for f in r.listed] == ["Ⅲ-7：21/另一份.docx"]


def test_a_returned_file_sent_again_is_listed_and_a_new_one_counts(filled, tmp_path):
    lib, info, zpath = filled
    first = receive(lib, zpath)
    report = next(m for m, _, p in first.filed if p.endswith(".docx"))
    review(lib, first.submission_id, returned=[report], reason="材料与测评标准要求不相符")
    # the department adds a new report but leaves the returned one in the folder
    put(info.path, "Ⅲ-3：2", docx_file(tmp_path, "b.docx", "居民公约修订情况的具体数据说明"), "情况说明（修改）.docx")
    second = receive(lib, gbk_zip(info.path, tmp_path / "第二次.zip"))
    assert not second.already and [p for _, _, p in second.filed] == [
        next(d.name for d in info.path.iterdir() if d.name.startswith("Ⅲ-3：2")) + "/情况说明（修改）.docx"]
    [again] = [f for f in second.listed if f.material_id == report]
    assert "此前已被退回" in again.reason
    row = build_ledger(lib, TODAY).row("市民政局", "Ⅲ-3:2")
    assert (row.received, row.returned, row.pending) == (3, 1, 2)


def test_review_refuses_what_makes_no_sense(filled, tmp_path):
    lib, info, _ = filled
    put(info.path, "杂项", docx_file(tmp_path, "c.docx", "别的东西"), "别的.docx")
    r = receive(lib, gbk_zip(info.path, tmp_path / "with-astray.zip"))
    mid = r.filed[0][0]
    with pytest.raises(ReviewError, match="须写明原因"):
        review(lib, r.submission_id, returned=[mid])
    with pytest.raises(ReviewError, match="不在第"):
        review(lib, r.submission_id, accept=[99999])
    with pytest.raises(ReviewError, match="未归入任何测评标准"):
        review(lib, r.submission_id, accept=[r.listed[0].material_id])
    with pytest.raises(ReviewError, match="同时"):
        review(lib, r.submission_id, accept=[mid], returned=[mid], reason="x")
    with pytest.raises(ReviewError, match="没有第"):
        review(lib, 12345, accept=[mid])


def test_command_line_round(filled, tmp_path, capsys):
    from civdesk.cli import main

    lib, info, zpath = filled
    path = str(lib.path)
    lib.close()

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err

    code, out, err = run("import", "-L", path, str(zpath))      # `civdesk import` recognises the package
    assert code == 0 and "已接收 市民政局 的报送（第 1 号）" in out, err
    code, out, _ = run("tasks", "submissions", "-L", path, "--json")
    [sub] = json.loads(out)
    assert (sub["id"], sub["pending"]) == (1, 2)
    code, _, err = run("tasks", "review", "1", "-L", path, "--return", "1")
    assert code == 2 and "须写明原因" in err
    assert run("tasks", "review", "1", "-L", path, "--accept", "1", "2")[0] == 0
    code, out, _ = run("tasks", "status", "-L", path, "--json", "--date", "2024-05-10",
                       "--xlsx", str(tmp_path / "台账.xlsx"))
    doc = json.loads(out)
    rows = {(r["unit"], r["code"]): r for r in doc["rows"]}
    assert rows[("市民政局", "Ⅲ-3:2")]["accepted"] == 2
    assert doc["units"][0]["rank"] == 1 and (tmp_path / "台账.xlsx").is_file()
    code, out, err = run("tasks", "notice", "催办", "-L", path, "--deadline", "2024-05-20",
                         "--date", "2024-05-10", "--out", str(tmp_path / "催办.docx"))
    assert code == 0 and "〔2024〕1号" in out, err
    code, out, _ = run("tasks", "notice", "退回", "-L", path, "--deadline", "2024-05-20",
                       "--out", str(tmp_path / "x.docx"))
    assert code == 2                                             # 退回 needs --unit
    code, out, _ = run("tasks", "receive", "-L", path, str(tmp_path / "nothing.zip"))
    assert code == 1 and "拒收" in out


def test_import_json_lists_received_packages_beside_ordinary_files(filled, tmp_path, capsys):
    """`civdesk import --json` with task packages and ordinary files together: every input
    once — the packages as received submissions (or refused, with why), the files imported."""
    from civdesk.cli import main

    lib, info, zpath = filled
    path = str(lib.path)
    forged = rewrite_task(info.path, tmp_path, "冒名", unit="团市委")
    lib.close()
    plain = docx_file(tmp_path, "工作简报.docx", "本月工作简报")
    code = main(["import", "-L", path, str(zpath), str(plain), str(forged), "--json"])
    entries = {e["path"]: e for e in json.loads(capsys.readouterr().out)}
    assert set(entries) == {str(zpath), str(plain), str(forged)}
    got = entries[str(zpath)]
    assert got["status"] == "received" and got["submission"]["unit"] == "市民政局"
    assert sorted(f["standard"] for f in got["submission"]["filed"]) == ["Ⅲ-3:2", "Ⅲ-3:2"]
    assert entries[str(plain)]["status"] == "imported" and entries[str(plain)]["material_id"]
    assert entries[str(forged)]["status"] == "refused" and entries[str(forged)]["reason"]
    assert code == 1                                  # one package was refused
