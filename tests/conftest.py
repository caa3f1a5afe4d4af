"""Fixtures shared by the core and UI tests."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path_factory, monkeypatch):
    """Never touch the real user's settings or default library."""
    home = tmp_path_factory.mktemp("civdesk-home")
    monkeypatch.setenv("CIVDESK_HOME", str(home))
    monkeypatch.delenv("CIVDESK_LIBRARY", raising=False)
    yield


@pytest.fixture
def fixtures() -> Path:
    if not FIXTURES.is_dir():
        pytest.fail(f"fixtures/ data not found beside the checkout: {FIXTURES}")
    return FIXTURES


@pytest.fixture
def empty_lib(tmp_path):
    from civdesk.library import Library

    lib = Library.create(tmp_path / "lib", sample=False)
    yield lib
    lib.close()


@pytest.fixture
def sample_lib(tmp_path):
    from civdesk.library import Library

    lib = Library.create(tmp_path / "lib")
    yield lib
    lib.close()


def needs_tool(name: str) -> str:
    """The path of an outside program a test needs (``soffice``, ``pdftoppm``, ``clamscan``).

    Where it is missing the test is skipped, except under ``CIVDESK_REQUIRE_TOOLS=1`` (set by
    ``.ci/run``, which installs them): there a missing tool fails the test instead of hiding it.
    """
    import shutil

    if name == "soffice":
        from civdesk.tools import find_soffice

        found = find_soffice()
        path = str(found) if found else None
    else:
        path = shutil.which(name)
    if path:
        return path
    if os.environ.get("CIVDESK_REQUIRE_TOOLS") == "1":
        pytest.fail(f"{name} is required here (CIVDESK_REQUIRE_TOOLS=1) but not installed")
    pytest.skip(f"{name} not installed")


def run_cli(*args: str, env: dict | None = None, timeout: float = 120):
    """Run ``python -m civdesk ARGS`` in a subprocess; returns CompletedProcess."""
    import subprocess

    full_env = dict(os.environ)
    full_env.update(env or {})
    full_env["PYTHONPATH"] = str(ROOT) + os.pathsep + full_env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-m", "civdesk", *args], capture_output=True,
                          text=True, encoding="utf-8", env=full_env, timeout=timeout, cwd=ROOT)


def children(pid: int) -> list[int]:
    """The live child processes of ``pid`` (Linux: read from /proc)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            out.append(int(stat.parent.name))
    return out


def alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (a zombie does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
