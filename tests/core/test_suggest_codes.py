"""Codes read from folder and file names: only whole tokens in a code form suggest a standard."""
from __future__ import annotations

import pytest

from civdesk.importer.suggest import StandardRef, Suggester, codes_in_name, dotted_codes_in_name


def _codes(name: str) -> list[tuple[str, int | None]]:
    return [(t.code, t.number) for t in codes_in_name(name)]


@pytest.mark.parametrize("name, expected", [
    ("Ⅲ-5 志愿服务", [("Ⅲ-5", None)]),
    ("三-5志愿服务活动", [("Ⅲ-5", None)]),
    ("III-5_活动照片", [("Ⅲ-5", None)]),
    ("Ⅲ－5：2 颁奖现场", [("Ⅲ-5", 2)]),
    ("材料（3-5）颁奖现场", [("Ⅲ-5", None)]),
    ("市民政局_3-5_活动", [("Ⅲ-5", None)]),
    ("3-5 颁奖现场", [("Ⅲ-5", None)]),
    ("测评Ⅲ-12补充材料", [("Ⅲ-12", None)]),
    ("活动-3-5", [("Ⅲ-5", None)]),
])
def test_real_codes_are_read(name, expected):
    assert _codes(name) == expected


@pytest.mark.parametrize("name", [
    "Nokia 8.3 5G",  # a model name
    "IMG_20240305_Nokia 8.3",
    "HUAWEI P30-3",  # model with a dash
    "iPhone13-5",
    "v3-5 安装包",  # versions
    "setup_v1.3-5.2",
    "CivDesk 1.3-5",
    "软件版本3.5.1",
    "2024-3-5 活动",  # dates
    "2024_3-5 活动",
    "2024.03.05",
    "20240305_135501",
    "3-5月工作总结",  # counts: months, pages
    "第3-5页",
    "活动3-5",  # a number glued to a word is no code
    "3-5-2024",
    "IMG_3-5a",
])
def test_versions_models_dates_and_counts_are_not_codes(name):
    assert codes_in_name(name) == []


def test_dotted_codes_only_as_whole_tokens():
    assert [t.code for t in dotted_codes_in_name("1.2.3 志愿服务")] == ["1.2.3"]
    assert [(t.code, t.number) for t in dotted_codes_in_name("任务_1.2.3.4_照片")] == [("1.2.3", 4)]
    for name in ("v1.2.3", "版本 1.2.3.4.5", "Nokia 8.3", "2024.3.5"):
        assert dotted_codes_in_name(name) == [], name


def _suggester() -> Suggester:
    refs = [StandardRef(i, "Ⅲ-5", "1.2.3", "志愿服务", i, f"标准{i}", True) for i in (1, 2)]
    refs.append(StandardRef(3, "Ⅲ-8", "", "公共文明引导", 1, "文明引导", True))
    return Suggester(refs, {"市民政局": 7})


@pytest.mark.parametrize("folders, name", [
    (("Nokia 8.3",), "IMG_20240305_101010.jpg"),
    (("2024-3-5 拍摄",), "DSC_0001.jpg"),
    (("v3-5",), "readme.txt"),
    (("照片",), "3-5月工作.jpg"),
])
def test_suggester_ignores_names_without_codes(folders, name):
    assert _suggester().suggest(folders, name) is None


def test_suggestion_names_the_code_it_read():
    hit = _suggester().suggest(("三-5 志愿服务",), "Nokia 8.3 颁奖.jpg")
    assert hit is not None and set(hit.standard_ids) <= {1, 2}
    assert "Ⅲ-5" in hit.reason and "三-5" in hit.reason
    hit = _suggester().suggest(("市民政局",), "Ⅲ-5:2 现场.jpg")
    assert hit.standard_ids == (2,) and hit.unit_id == 7 and "市民政局" in hit.reason
