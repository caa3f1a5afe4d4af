"""The ``civdesk`` command line: fast start, search arguments, and the README's option table."""
from __future__ import annotations

import argparse
import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civdesk.cli import build_parser
from civdesk.library import Library
from tests.conftest import ROOT, run_cli

HEAVY = ("sqlalchemy", "alembic", "PySide6", "fitz", "pymupdf", "PIL", "docx", "openpyxl", "whoosh")
TEXTS = {
    "方案.txt": "文明创建工作方案，全市各单位共同推进。",
    "草稿.txt": "文明创建工作方案（草稿），请各单位提意见。",
    "检查.txt": "卫生检查记录草稿，河道保洁情况。",
}


@pytest.fixture(scope="module")
def small_lib(tmp_path_factory):
    """A library of three text materials, indexed."""
    root = tmp_path_factory.mktemp("cli")
    docs = root / "docs"
    docs.mkdir()
    for name, text in TEXTS.items():
        (docs / name).write_text(text, encoding="utf-8")
    with Library.create(root / "lib", sample=False) as lib:
        lib.import_paths([docs])
        lib.search_index.catch_up()
    return root / "lib"


def _imported(*args: str) -> set[str]:
    """Top-level packages a ``python -X importtime -m civdesk ARGS`` run imported."""
    proc = run_cli(*args, env={"PYTHONPROFILEIMPORTTIME": "1"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    names = re.findall(r"^import time:\s+\d+ \|\s+\d+ \|\s+(\S+)$", proc.stderr, re.MULTILINE)
    assert names, "no import timings on stderr"
    return {n.split(".")[0] for n in names}


def test_version_and_help_import_nothing_heavy():
    for args in (("--version",), ("--help",), ("search", "--help")):
        heavy = _imported(*args) & set(HEAVY)
        assert not heavy, f"civdesk {' '.join(args)} imported {sorted(heavy)}"


def test_search_imports_neither_file_formats_nor_migrations(small_lib):
    """A search in a library whose index is caught up reads the index and the database
    directly (civdesk.search.quick): not even SQLAlchemy is loaded."""
    loaded = _imported("search", "文明", "--json", "--library", str(small_lib))
    assert "whoosh" in loaded and "sqlite3" in loaded  # it did open the library and search
    needless = loaded & {"sqlalchemy", "alembic", "fitz", "pymupdf", "PIL", "docx", "openpyxl",
                         "PySide6"}
    assert not needless, f"civdesk search imported {sorted(needless)}"


def _titles(*args: str) -> set[str]:
    proc = run_cli("search", "--json", "--limit", "0", *args)
    assert proc.returncode == 0, proc.stderr
    return {h["original_name"] for h in json.loads(proc.stdout)}


def test_search_query_may_start_with_an_exclusion(small_lib):
    lib = ("--library", str(small_lib))
    assert _titles("-草稿", *lib) == {"方案.txt"}
    assert _titles(*lib, "--", "-草稿") == {"方案.txt"}
    assert _titles("-草稿 文明", *lib) == {"方案.txt"}
    assert _titles("-检查", "文明", *lib) == {"方案.txt", "草稿.txt"}
    assert _titles("文明", "-草稿", *lib) == {"方案.txt"}


def test_search_negative_limit_is_a_usage_error(small_lib):
    proc = run_cli("search", "文明", "--limit", "-1", "--library", str(small_lib))
    assert proc.returncode == 2
    assert "--limit" in proc.stderr and "不能为负数" in proc.stderr
    assert "Traceback" not in proc.stderr


QUERIES = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60),
    st.text(alphabet="-－\"“”'《》:：() \t\n\x00\x1b文明草稿创建ab", max_size=40),
    st.text(alphabet="文明-\" ", min_size=2000, max_size=5000),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(query=QUERIES)
def test_search_never_fails_on_any_typed_text(small_lib, query):
    with Library.open(small_lib) as lib:
        results = lib.search(query, limit=None, catch_up=False)
    assert isinstance(results, list)
    assert {r.original_name for r in results} <= set(TEXTS)


# --------------------------------------------------------------- README table
def _readme_table() -> dict[str, str]:
    """The rows of the command table in the README's 命令行 section: command → options cell."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## 命令行", 1)[1].split("\n## ", 1)[0]
    lines = section.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    end = next((i for i in range(start, len(lines)) if not lines[i].startswith("|")), len(lines))
    rows = [[c.strip() for c in re.split(r"(?<!\\)\|", line.strip()[1:-1])]
            for line in lines[start:end]]
    assert re.fullmatch(r"[-: ]+", "".join(rows[1])), "second row must be the header separator"
    assert all(len(r) == len(rows[0]) for r in rows), "every row has as many cells as the header"
    rest = lines[end:]
    assert not any(line.startswith("|") for line in rest), "the table must not be split in two"
    return {r[0].replace("`", ""): r[0] for r in rows[2:]}


def _subcommands(parser: argparse.ArgumentParser, prefix: str = ""):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                full = f"{prefix}{name}"
                if not any(isinstance(a, argparse._SubParsersAction) for a in sub._actions):
                    yield full, sub
                yield from _subcommands(sub, full + " ")


def test_readme_table_lists_every_option_of_every_subcommand():
    table = _readme_table()
    common = {"-h", "--help", "--library", "-L", "--json"}
    for name, sub in _subcommands(build_parser()):
        row = next((cell for cmd, cell in table.items()
                    if re.match(rf"civdesk {re.escape(name)}(\s|$)", cmd)), None)
        assert row is not None, f"README 命令行表缺少 civdesk {name}"
        for action in sub._actions:
            for option in action.option_strings:
                if option not in common:
                    assert re.search(re.escape(option) + r"(?![\w-])", row), \
                        f"README: civdesk {name} 缺少选项 {option}"
