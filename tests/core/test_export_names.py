"""Windows-safe names: reserved characters and names, trailing dots, length, collisions."""
from __future__ import annotations

import re

import pytest

from civdesk.export.names import PathPlanner, clean_component, legal_name, shorten, units

ILLEGAL = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]')
DEVICE = re.compile(r"^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])$", re.I)


def assert_legal(component: str) -> None:
    assert component, "empty name"
    assert not ILLEGAL.search(component), component
    assert not component.endswith((".", " ")), component
    assert not DEVICE.match(component.split(".", 1)[0].rstrip(" ")), component


@pytest.mark.parametrize("raw", [
    "CON", "con", "con.txt", "Con.Tar.gz", "PRN", "AUX", "NUL", "nul.pdf", "COM1", "com9.jpg",
    "LPT1", "lpt9", "COM¹", "CON .txt",
])
def test_device_names_are_renamed(raw):
    out = clean_component(raw)
    assert_legal(out)
    assert out != raw


@pytest.mark.parametrize("raw, expected", [
    ('会议纪要<第1期>: "定稿"', "会议纪要＜第1期＞： ＂定稿＂"),
    ("a/b\\c|d?e*f", "a／b＼c｜d？e＊f"),
    ("tab\there\x07bell", "tabherebell"),
    ("结尾有点...", "结尾有点"),
    ("结尾有空格   ", "结尾有空格"),
    ("  . ", "_"),
    ("", "_"),
    ("CONSOLE", "CONSOLE"),  # only the exact device names are reserved
    ("com10", "com10"),
])
def test_clean_component(raw, expected):
    assert clean_component(raw) == expected
    assert_legal(clean_component(raw))


@pytest.mark.parametrize("raw, expected", [
    ("照片\u202egpj.exe", "照片gpj.exe"),  # RLO: would show as 照片exe.jpg
    ("a\u202ab\u202bc\u202cd\u202de", "abcde"),
    ("\u2066隔离\u2067\u2068\u2069", "隔离"),
    ("\u200e左\u200f右\u061c", "左右"),
    ("C1\x80\x85\x9f控制", "C1控制"),
    ("ESC\x1b[31m\x0b\x01", "ESC[31m"),
])
def test_control_and_bidi_characters_are_dropped(raw, expected):
    assert clean_component(raw) == expected
    assert legal_name(raw + ".pdf", 100) == expected + ".pdf"


def test_shorten_is_deterministic_and_marked():
    text = "建立健全" * 100
    cut = shorten(text, 30)
    assert units(cut) <= 30 and cut.endswith("…")
    assert cut == shorten(text, 30)
    assert shorten("短", 30) == "短"
    assert legal_name("很长的标准文本。" * 20, 12).endswith("…")


def test_non_bmp_characters_count_double():
    assert units("𠀀") == 2  # Windows counts UTF-16 code units
    assert units(shorten("𠀀" * 50, 21)) <= 21


def test_long_chinese_names_fit_linux_byte_limit():
    p = PathPlanner(240)
    name = p.file("", "材料" * 200 + ".jpg")
    assert len(name.encode("utf-8")) <= 255 and name.endswith("….jpg")


def test_planner_numbers_collisions_case_insensitively():
    p = PathPlanner(240)
    folder = p.folder("", "a", "Ⅰ-1 重点工作")
    names = [p.file(folder, n) for n in ("Report.pdf", "report.pdf", "REPORT.PDF", "Report.pdf")]
    leaves = [n.rsplit("/", 1)[1] for n in names]
    assert leaves == ["Report.pdf", "report (2).pdf", "REPORT (3).PDF", "Report (4).pdf"]
    assert len({x.casefold() for x in leaves}) == 4


def test_planner_keeps_every_path_within_the_limit():
    p = PathPlanner(120)
    parent = ""
    for level in range(4):
        parent = p.folder(parent, f"k{level}", f"Ⅲ-{level} " + "很长的条目名称" * 30)
    paths = [p.file(parent, "材料题名特别长" * 40 + ".jpg") for _ in range(12)]
    assert len(set(paths)) == 12
    for path in paths:
        assert units(path) <= 120, path
        assert path.endswith(".jpg")
        for comp in path.split("/"):
            assert_legal(comp)


def test_reserved_root_documents_are_not_reused():
    p = PathPlanner(240)
    p.reserve("", "目录.xlsx")
    assert p.file("", "目录.xlsx") == "目录 (2).xlsx"
