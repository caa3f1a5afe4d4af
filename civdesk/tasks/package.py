"""Export a unit's task package (任务包): a folder (or zip) it can fill without CivDesk.

::

    任务包_市民政局_20250310/
        任务清单.xlsx      each standard it leads or supports: 测评方法, 材料要求 with
                           counts, 完成时限, what is already accepted, what is owed and why
        图片说明.xlsx      one row per photo: file name, folder, the six caption elements, 提供单位
        填报说明.docx      how to fill and return the package
        task.json          library id, package id, unit, standards (read back on receipt)
        Ⅲ-3：2 核心价值观内容写入居民公约…/    one empty folder per owed standard

The package is recorded (:class:`civdesk.models.TaskPackage`) so that a
submission can be matched to it.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from civdesk.checks.model import MET
from civdesk.export.names import clean_component, shorten
from civdesk.models import Submission, SubmissionItem, TaskPackage, Unit
from civdesk.progress import NullProgress, Progress
from civdesk.safetext import sheet_row
from civdesk.tasks.settings import get_task_settings, library_id

if TYPE_CHECKING:
    from civdesk.checklist.store import StandardView
    from civdesk.checks.model import CheckResult
    from civdesk.library import Library

FORMAT = "civdesk-task-package"
TASK_JSON = "task.json"
TASK_LIST, CAPTIONS, GUIDE = "任务清单.xlsx", "图片说明.xlsx", "填报说明.docx"
PACKAGE_FILES = frozenset({TASK_JSON, TASK_LIST, CAPTIONS, GUIDE})
CAPTION_HEADERS = ("文件名", "所在文件夹", "时间", "地点", "人物", "事由", "背景", "摄影者", "提供单位")
LIST_HEADERS = ("序号", "编号", "测评标准", "本单位角色", "测评方法", "材料要求", "完成时限",
                "已采用", "状态", "尚欠及原因", "材料放入文件夹")
FOLDER_TEXT = 18  # characters of the standard's text in its folder name


@dataclass(frozen=True)
class PackageStandard:
    id: int
    code: str
    text: str
    role: str
    methods: str
    requirement: str
    deadline: dt.date | None
    accepted: int
    status: str
    reasons: tuple[str, ...]
    folder: str            # '' when nothing is owed

    @property
    def owed(self) -> bool:
        return bool(self.folder)


@dataclass(frozen=True)
class PackageInfo:
    package_id: str
    unit: str
    path: Path
    standards: tuple[PackageStandard, ...]

    @property
    def owed(self) -> tuple[PackageStandard, ...]:
        return tuple(s for s in self.standards if s.owed)


def folder_name(code: str, text: str) -> str:
    """``Ⅲ-3：2 核心价值观内容写入居民公约、村规民约`` (Windows-safe, short)."""
    return shorten(clean_component(f"{code} {text[:FOLDER_TEXT]}"), 40)


def unit_standards(result: CheckResult, unit: str) -> list[tuple[StandardView, str]]:
    """(standard, 牵头/配合) for each standard needing material that ``unit`` leads or supports."""
    tree = result.state.tree
    out = []
    for st in tree.all_standards():
        if not st.needs_materials or unit not in st.all_units:
            continue
        out.append((st, "牵头" if unit in st.lead_units else "配合"))
    return out


def plan_package(lib: Library, unit: str, result: CheckResult | None = None) -> list[PackageStandard]:
    """What the package of ``unit`` lists (the check says what is owed and why)."""
    from civdesk.checks import run_checks

    result = result or run_checks(lib)
    statuses = {s.id: s for s in result.standards}
    owed = {i.code: i for u in result.units if u.unit == unit for i in u.items}
    with lib.session() as s:
        uid = s.scalar(select(Unit.id).where(Unit.name == unit))
        accepted = dict(s.execute(
            select(SubmissionItem.standard_id, func.count())
            .join(Submission, Submission.id == SubmissionItem.submission_id)
            .where(Submission.unit_id == uid, SubmissionItem.status == "accepted")
            .group_by(SubmissionItem.standard_id)).all()) if uid is not None else {}
    out = []
    for st, role in unit_standards(result, unit):
        status = statuses[st.id].status if st.id in statuses else ""
        item = owed.get(st.code)
        is_owed = item is not None or status != MET
        reasons = item.reasons if item is not None else (() if status == MET else (f"状态为「{status}」",))
        out.append(PackageStandard(
            st.id, st.code, st.text, role, "、".join(st.methods), st.requirement_text or
            "；".join(f"{r.kind}{r.min_count}份" for r in st.requirements), st.deadline,
            accepted.get(st.id, 0), status, tuple(reasons),
            folder_name(st.code, st.text) if is_owed else ""))
    return out


def export_package(lib: Library, unit: str, out_dir: Path | str, *, as_zip: bool = False,
                   today: dt.date | None = None, result: CheckResult | None = None) -> PackageInfo:
    """Write the task package of ``unit`` into ``out_dir`` (a folder, or a .zip with ``as_zip``)."""
    from civdesk.checks import run_checks

    today = today or dt.date.today()
    result = result or run_checks(lib)
    standards = plan_package(lib, unit, result)
    if not standards:
        raise ValueError(f"责任单位「{unit}」没有负责任何需要提交材料的测评标准，无法生成任务包")
    settings = get_task_settings(lib)
    package_id = uuid.uuid4().hex
    with lib.session() as s:
        uid = s.scalar(select(Unit.id).where(Unit.name == unit))
        s.add(TaskPackage(package_id=package_id, unit_id=uid, checklist_id=result.checklist_id,
                          issued_at=dt.datetime.combine(today, dt.datetime.now().time()).replace(microsecond=0),
                          standard_ids=[p.id for p in standards],
                          owed_ids=[p.id for p in standards if p.owed]))
        lib.audit(s, "task_export", "unit", uid, package_id=package_id,
                  owed=[p.code for p in standards if p.owed])
    task = {
        "format": FORMAT, "version": 1, "library_id": library_id(lib), "package_id": package_id,
        "unit": unit, "issued": today.isoformat(), "issuer": settings.issuer,
        "contact": settings.contact, "phone": settings.phone,
        "standards": [{"id": p.id, "code": p.code, "text": p.text, "folder": p.folder,
                       "owed": p.owed} for p in standards],
    }
    files: dict[str, bytes] = {
        TASK_JSON: json.dumps(task, ensure_ascii=False, indent=2).encode("utf-8"),
        TASK_LIST: _task_list_xlsx(unit, standards, today),
        CAPTIONS: _captions_xlsx(unit, standards),
        GUIDE: _guide_docx(unit, standards, settings, today),
    }
    name = clean_component(f"任务包_{unit}_{today:%Y%m%d}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    folders = [p.folder for p in standards if p.owed]
    if as_zip:
        path = out_dir / f"{name}.zip"
        tmp = path.with_name(path.name + ".part")
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
            for fname, data in files.items():
                zf.writestr(f"{name}/{fname}", data)
            for folder in folders:
                zf.writestr(f"{name}/{folder}/", b"")
        tmp.replace(path)
    else:
        path = out_dir / name
        if path.exists():
            shutil.rmtree(path)
        path.mkdir()
        for fname, data in files.items():
            (path / fname).write_bytes(data)
        for folder in folders:
            (path / folder).mkdir()
    return PackageInfo(package_id, unit, path, tuple(standards))


def export_all(lib: Library, out_dir: Path | str, *, as_zip: bool = True, today: dt.date | None = None,
               progress: Progress | None = None) -> list[PackageInfo]:
    """A task package for every unit responsible for a standard needing material."""
    from civdesk.checks import run_checks

    progress = progress or NullProgress()
    result = run_checks(lib)
    units: list[str] = []
    for st in result.state.tree.all_standards():
        if st.needs_materials:
            units.extend(u for u in st.all_units if u not in units)
    out = []
    for n, unit in enumerate(units):
        progress.check_cancelled()
        progress.update(n, len(units), unit)
        out.append(export_package(lib, unit, out_dir, as_zip=as_zip, today=today, result=result))
    progress.update(len(units), len(units), "完成")
    return out


# ------------------------------------------------------------------ documents
def _task_list_xlsx(unit: str, standards: list[PackageStandard], today: dt.date) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "任务清单"
    ws.append([f"{unit} 文明城市测评申报任务清单（{today:%Y年%m月%d日}）"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(list(LIST_HEADERS))
    for c in ws[2]:
        c.font = Font(bold=True)
    for n, p in enumerate(standards, 1):
        ws.append(sheet_row(ws, (
            n, p.code, p.text, p.role, p.methods, p.requirement,
            p.deadline.isoformat() if p.deadline else "", p.accepted, p.status,
            "\n".join(p.reasons) if p.owed else "已完成", p.folder or "（无需再交）")))
    for col, width in zip("ABCDEFGHIJK", (5, 9, 36, 8, 12, 24, 11, 7, 8, 44, 30)):
        ws.column_dimensions[col].width = width
    wrap = Alignment(wrap_text=True, vertical="top")
    centre = Alignment(horizontal="center", vertical="top")
    for row in ws.iter_rows(min_row=3):
        for c in row:
            c.alignment = centre if isinstance(c.value, int) else wrap
    ws.freeze_panes = "A3"
    from civdesk.tasks.ledger import print_landscape

    print_landscape(ws)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _captions_xlsx(unit: str, standards: list[PackageStandard]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = "图片说明"
    ws.append(list(CAPTION_HEADERS))
    for c in ws[1]:
        c.font = Font(bold=True)
    for col, width in zip("ABCDEFGHI", (28, 30, 14, 18, 18, 28, 24, 10, 14)):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    folders = [p.folder for p in standards if p.owed]
    lists = wb.create_sheet("文件夹")
    for f in folders:
        lists.append([f])
    if folders:
        dv = DataValidation(type="list", formula1=f"=文件夹!$A$1:$A${len(folders)}", allow_blank=True)
        ws.add_data_validation(dv)
        dv.add("B2:B2000")
    guide = wb.create_sheet("填写说明")
    for line in ("每张照片填一行：文件名须与放入文件夹的照片文件名一致（含扩展名）。",
                 "所在文件夹：照片放在哪个测评标准的文件夹里（可从下拉列表选择）。",
                 "时间、地点、人物、事由为必填；背景、摄影者尽量填写。",
                 f"提供单位：默认为{unit}；由其他单位提供的照片请写明。"):
        guide.append([line])
    guide.column_dimensions["A"].width = 80
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _guide_docx(unit: str, standards: list[PackageStandard], settings, today: dt.date) -> bytes:  # noqa: ANN001
    from civdesk.reports import gongwen as gw

    doc = gw.new_document()
    gw.title(doc, "文明城市测评申报材料填报说明")
    gw.addressee(doc, unit)
    owed = [p for p in standards if p.owed]
    gw.body(doc, f"本任务包列出贵单位牵头或配合的{len(standards)}条测评标准，其中{len(owed)}条尚需"
                 "报送材料（见《任务清单》）。请按以下要求填报：")
    steps = (
        "一、把材料放入对应测评标准的文件夹（文件夹名以标准编号开头，请勿改动编号）。一份材料"
        "适用于多条标准时，分别放入各自文件夹。",
        "二、照片须清晰、无水印，形成时间在测评周期内；每张照片在《图片说明》中填写一行：时间、"
        "地点、人物、事由、背景、摄影者。",
        "三、正式发文请提供带红头和印章的扫描件（PDF），说明报告用 Word 格式，数据表格用 Excel 格式。",
        "四、不要删除或改动 task.json 文件。填好后把整个文件夹压缩为一个 zip 文件报送，"
        "压缩包名称可以修改。",
    )
    for text in steps:
        gw.body(doc, text)
    who = "，".join(x for x in (f"联系人：{settings.contact}" if settings.contact else "",
                                f"电话：{settings.phone}" if settings.phone else "") if x)
    if who:
        gw.body(doc, who + "。")
    gw.signature(doc, settings.issuer, today)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
