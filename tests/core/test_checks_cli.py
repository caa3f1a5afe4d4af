"""``civdesk check`` on the command line: JSON shape, reports, exit status."""
from __future__ import annotations

import json

from civdesk.checks import set_check_settings
from civdesk.library import Library
from tests.conftest import run_cli


def _lib(tmp_path, quiet: bool = False):
    path = tmp_path / "lib"
    with Library.create(path) as lib:
        if quiet:
            set_check_settings(lib, disabled=["requirement", "overdue"])
    return path


def test_json_has_standards_findings_units_and_exit_1_on_errors(tmp_path):
    path = _lib(tmp_path)
    p = run_cli("check", "-L", str(path), "--json")
    assert p.returncode == 1, p.stderr
    doc = json.loads(p.stdout)
    assert {"code": "Ⅲ-1:1", "number": 1, "status": "缺失"}.items() <= doc["standards"][0].items()
    f = doc["findings"][0]
    assert {"rule", "severity", "standard", "material_id", "message"} <= set(f)
    units = {u["unit"]: u for u in doc["units"]}
    owed = units["团市委"]["owed"]
    assert {o["standard"] for o in owed} == {"Ⅲ-7:1", "Ⅲ-7:2", "Ⅲ-8:1"}
    assert all(o["reasons"] for o in owed)


def test_exit_0_without_errors_and_unit_filter(tmp_path):
    path = _lib(tmp_path, quiet=True)
    p = run_cli("check", "-L", str(path), "--format", "json", "--unit", "市城管局")
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert [u["unit"] for u in doc["units"]] == ["市城管局"]
    assert doc["disabled_rules"] == ["overdue", "requirement"]


def test_reports_are_written(tmp_path):
    path = _lib(tmp_path)
    out = tmp_path / "报告" / "检查.xlsx"
    p = run_cli("check", "-L", str(path), "--out", str(out))
    assert p.returncode == 1 and out.is_file() and "已保存" in p.stdout
    notice = tmp_path / "团市委.docx"             # the old notice is gone: pointed to tasks notice
    p = run_cli("check", "-L", str(path), "--format", "docx", "--unit", "团市委", "--out", str(notice))
    assert p.returncode == 2 and not notice.exists()
    assert "civdesk tasks notice 补交 --unit 团市委 --deadline" in p.stderr


def test_usage_errors_exit_2(tmp_path):
    path = _lib(tmp_path)
    assert run_cli("check", "-L", str(path), "--format", "docx").returncode == 2
    p = run_cli("check", "-L", str(path), "--unit", "不存在的局")
    assert p.returncode == 2 and "不存在的局" in p.stderr
    assert run_cli("check", "-L", str(path), "--year", "1999").returncode == 2


def test_text_scoreboard(tmp_path):
    p = run_cli("check", "-L", str(_lib(tmp_path)))
    assert "Ⅲ-1:1" in p.stdout and "各责任单位尚欠" in p.stdout and "团市委" in p.stdout
