"""Build the built-in sample checklist ``civdesk/resources/checklists/sample.xlsx``.

A 网上申报任务分解表 with the shape of a real one: a title row merged across
the table, one row per standard, 测评项目/指标名称/测评内容 merged down their
rows, 牵头单位 and 配合单位 apart, dated deadlines and a 备注 column.  The
content is the example checklist used in the tests (3 测评项目, 7 指标,
13 测评内容, 23 standards).

The output is byte-for-byte reproducible: zip entry times and the document's
timestamps are fixed.  Run: ``python scripts/make_sample_checklist.py [out.xlsx]``.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import sys
import zipfile
from pathlib import Path

TITLE = "全国文明城市网上申报任务分解表（示例）"
HEADER = ("序号", "测评项目", "指标名称", "测评内容", "标准序号", "测评标准", "测评方法",
          "材料要求", "牵头单位", "配合单位", "完成时限", "备注")
FIXED_TIME = (2024, 1, 1, 0, 0, 0)
FIXED_STAMP = "2024-01-01T00:00:00Z"

D1, D2 = dt.date(2024, 3, 31), dt.date(2024, 4, 30)
L1 = {1: "Ⅰ-1 重点工作", 2: "Ⅰ-2 思想道德建设", 3: "Ⅰ-3 公共文明环境"}
L2 = {1: "Ⅱ-1 理论学习与宣传", 2: "Ⅱ-2 社会主义核心价值观建设", 3: "Ⅱ-3 道德模范与身边好人",
      4: "Ⅱ-4 志愿服务", 5: "Ⅱ-5 新时代文明实践", 6: "Ⅱ-6 城市环境卫生", 7: "Ⅱ-7 公共秩序"}
L3 = {  # code number: (title, level 1, level 2)
    1: ("健全理论学习制度", 1, 1), 2: ("面向基层开展理论宣讲", 1, 1),
    3: ("核心价值观融入法治建设和社会治理", 1, 2), 4: ("公益广告宣传", 1, 2),
    5: ("开展道德模范评选表彰", 2, 3), 6: ("推荐宣传身边好人", 2, 3),
    7: ("志愿服务组织体系", 2, 4), 8: ("学雷锋志愿服务站建设", 2, 4),
    9: ("文明实践阵地建设", 2, 5), 10: ("农贸市场规范管理", 3, 6),
    11: ("公共厕所建设管理", 3, 6), 12: ("文明交通", 3, 7), 13: ("督查整改", 3, 7),
}
# (测评内容, 标准序号, 测评标准, 测评方法, 材料要求, 牵头单位, 配合单位, 完成时限, 备注)
STANDARDS: tuple[tuple[int, int, str, str, str, str, str, object, str], ...] = (
    (1, 1, "市委理论学习中心组制定年度学习计划，按计划开展集体学习", "材料审核",
     "正式发文；学习记录；图片≥2", "市委宣传部", "市委组织部", D1, ""),
    (1, 2, "各级党组织开展专题学习研讨并形成学习记录", "材料审核", "说明报告；图片≥3",
     "市委组织部", "", D2, ""),
    (2, 1, "组建理论宣讲队伍，全年开展宣讲活动不少于50场", "材料审核",
     "说明报告；数据表格；图片≥4", "市委宣传部", "市社科联", D2, ""),
    (2, 2, "宣讲活动覆盖社区、村、学校和企业", "材料审核、问卷调查", "说明报告；图片≥4",
     "市委宣传部", "市教育局", D2, ""),
    (3, 1, "出台文明行为促进地方性法规或政府规章", "材料审核", "正式发文",
     "市司法局", "市人大常委会法工委", D1, ""),
    (3, 2, "核心价值观内容写入居民公约、村规民约", "材料审核、实地考察", "说明报告；图片≥3",
     "市民政局", "市农业农村局", D2, ""),
    (4, 1, "主要街道、公园、广场、车站设置公益广告", "实地考察", "", "市城管局", "",
     "长期坚持", "实地考察项目，无需上传材料"),
    (4, 2, "报纸、电视、网站开设公益广告专栏并常态化刊播", "材料审核", "图片≥3；说明报告",
     "市融媒体中心", "", D2, ""),
    (5, 1, "定期开展道德模范评选表彰活动", "材料审核", "正式发文；图片≥2", "市文明办", "", D1, ""),
    (5, 2, "建立礼遇帮扶道德模范制度并落实", "材料审核", "正式发文；说明报告",
     "市文明办", "市民政局", D2, ""),
    (6, 1, "持续开展身边好人推荐评议，按季度发布", "材料审核", "说明报告；数据表格",
     "市文明办", "", D2, ""),
    (7, 1, "注册志愿者人数占城市常住人口比例达到要求", "材料审核", "数据表格；说明报告",
     "团市委", "市民政局", D1, ""),
    (7, 2, "建立志愿服务激励回馈制度", "材料审核", "正式发文", "团市委", "", D1, ""),
    (8, 1, "在车站、广场、景区等场所设立学雷锋志愿服务站并正常运行", "实地考察、材料审核",
     "图片≥4；数据表格", "团市委", "市文旅局", D2, ""),
    (9, 1, "建成市、街道、社区三级文明实践中心（所、站）", "材料审核",
     "说明报告；图片≥3；数据表格", "市文明办", "", D1, ""),
    (9, 2, "文明实践活动常态化开展，每月不少于1次", "材料审核", "活动图片不少于6张；说明报告",
     "市文明办", "各街道", D2, ""),
    (10, 1, "农贸市场划行归市、环境整洁、秩序良好", "实地考察", "", "市市场监管局", "",
     "长期坚持", "实地考察项目，无需上传材料"),
    (10, 2, "建立农贸市场管理长效机制", "材料审核", "正式发文；说明报告",
     "市市场监管局", "市商务局", D1, ""),
    (11, 1, "公共厕所数量布局合理，保洁管理规范", "实地考察、材料审核", "数据表格；图片≥4",
     "市城管局", "", D2, ""),
    (12, 1, "机动车礼让斑马线，行人遵守交通信号", "实地考察", "", "市公安局交警支队", "",
     "长期坚持", "实地考察项目，无需上传材料"),
    (12, 2, "常态化开展文明交通宣传教育活动", "材料审核", "方案、总结和活动图片≥3",
     "市公安局交警支队", "市交通运输局", D2, ""),
    (13, 1, "建立常态化督查和问题整改机制", "材料审核", "正式发文", "市文明办", "", D1, ""),
    (13, 2, "对督查发现问题限期整改、对账销号", "材料审核", "数据表格；说明报告",
     "市文明办", "各责任单位", D2, ""),
)


def rows() -> list[tuple[object, ...]]:
    """The data rows, one per standard, in table order."""
    result = []
    for seq, (item, number, text, method, req, lead, coop, deadline, note) in enumerate(STANDARDS, 1):
        title, l1, l2 = L3[item]
        result.append((seq, L1[l1], L2[l2], f"Ⅲ-{item} {title}", number, text, method, req,
                       lead, coop, deadline, note))
    return result


def build_workbook() -> bytes:
    """The workbook as saved by openpyxl (timestamps not yet fixed)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    wb = Workbook()
    ws = wb.active
    ws.title = "网上申报任务分解"
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="center")
    ws.append([TITLE])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    ws["A1"].font = Font(bold=True, size=16)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 32
    ws.append(list(HEADER))
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = border
    data = rows()
    for values in data:
        ws.append(list(values))
    for r in range(3, 3 + len(data)):
        for cell in ws[r]:
            cell.alignment = wrap
            cell.border = border
        ws.cell(row=r, column=11).number_format = "yyyy-mm-dd"
    for col in (2, 3, 4):                       # merge equal level cells down their rows
        start = 3
        for r in range(4, 4 + len(data) + 1):
            same = r < 3 + len(data) and ws.cell(row=r, column=col).value == ws.cell(row=start, column=col).value
            if not same:
                if r - 1 > start:
                    ws.merge_cells(start_row=start, start_column=col, end_row=r - 1, end_column=col)
                start = r
    widths = (6, 16, 20, 22, 8, 40, 16, 26, 16, 20, 12, 20)
    for i, width in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + i)].width = width
    ws.freeze_panes = "A3"
    wb.properties.creator = "CivDesk"
    wb.properties.title = TITLE
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def fix_timestamps(xlsx: bytes) -> bytes:
    """Rewrite the zip with fixed entry times and fixed document dates."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = data.decode("utf-8")
                text = re.sub(r"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)", rf"\g<1>{FIXED_STAMP}\g<2>", text)
                data = text.encode("utf-8")
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            dst.writestr(entry, data)
    return out.getvalue()


def build(path: Path) -> Path:
    """Write the sample to ``path`` and return it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(fix_timestamps(build_workbook()))
    return path


def main(argv: list[str]) -> int:
    default = Path(__file__).resolve().parents[1] / "civdesk" / "resources" / "checklists" / "sample.xlsx"
    target = Path(argv[1]) if len(argv) > 1 else default
    build(target)
    print(f"已生成示例测评体系：{target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
