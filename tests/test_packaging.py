"""The wheel is what `pip install` gives an office: it must carry the migrations and the sample
checklist (and nothing from tests/), and its `civdesk` / `civdesk-gui` must work in a fresh venv."""
from __future__ import annotations

import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from tests.packaging_scenario import ROOT, clean_env, cli_session, run

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

SOURCES = ["pyproject.toml", "README.md", "civdesk", "civdesk_ui"]


def build_wheel(tmp_path: Path) -> Path:
    """Build from a copy of the sources so no build/ or egg-info is left in the checkout."""
    src = tmp_path / "src"
    src.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(ROOT / name, src / name)
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                    "-q", "-w", str(dist), str(src)], check=True, timeout=300)
    (wheel,) = dist.glob("civdesk-*.whl")
    return wheel


def test_wheel_installs_and_runs(tmp_path):
    wheel = build_wheel(tmp_path)
    names = zipfile.ZipFile(wheel).namelist()
    assert "civdesk/resources/checklists/sample.xlsx" in names
    assert "civdesk/migrations/env.py" in names and "civdesk/migrations/script.py.mako" in names
    assert any(n.startswith("civdesk/migrations/versions/0001_") for n in names)
    assert "civdesk_ui/app.py" in names
    assert not [n for n in names if n.startswith(("tests/", "bench/", "scripts/"))]

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    bin_dir = env_dir / ("Scripts" if sys.platform == "win32" else "bin")
    python = bin_dir / "python"
    work = tmp_path / "work"
    work.mkdir()
    env = clean_env(tmp_path / "home", bin_dir)
    # dependencies come from the package index (pip's cache makes a repeat quick)
    run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(wheel)],
        work, env, timeout=600)

    civdesk = bin_dir / "civdesk"
    assert civdesk.is_file()
    assert run([str(civdesk), "--version"], work, env).stdout.strip().endswith("0.1.0")
    cli_session([str(civdesk)], work, env)

    assert (bin_dir / "civdesk-gui").is_file()
    probe = ("import civdesk, civdesk_ui.app, pathlib; "
             "print(civdesk_ui.app.main.__module__, pathlib.Path(civdesk.__file__).parent)")
    module, location = run([str(python), "-c", probe], work, env).stdout.split()
    assert module == "civdesk_ui.app"
    assert Path(location).is_relative_to(env_dir)  # the installed copy, not the checkout
