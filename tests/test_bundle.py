"""The Windows offices get the PyInstaller one-folder bundle, so the bundle itself is tested: it is
built fresh (into tmp_path) with scripts/build-bundle.sh and its frozen programs run from a clean
environment outside the checkout: the command line through a whole session, the window offscreen."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from civdesk.export.package import PDF_POOL_MIN
from tests.packaging_scenario import ROOT, STANDARD, clean_env, cli_session, run, run_json

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]

CLI_NAME = "civdesk" if sys.platform.startswith("linux") else "civdesk-cli"
EXE_SUFFIX = ".exe" if sys.platform == "win32" else ""


def du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def spawned_export(cli: Path, tmp_path: Path, env: dict[str, str]) -> None:
    """An export with enough photos makes its caption PDFs in *spawned* workers, which run the
    frozen program again (as every worker does on Windows): freeze_support must turn that run into
    a worker instead of the command line."""
    photos = tmp_path / "photos"
    photos.mkdir()
    for i in range(PDF_POOL_MIN + 5):
        Image.new("RGB", (640, 480), (i * 5 % 256, 200, i * 37 % 256)).save(
            photos / f"活动照片{i:02d}.jpg", quality=85)
    lib = ["--library", str(tmp_path / "photo-lib")]
    run([str(cli), "init"] + lib, tmp_path, env)
    imported = run_json([str(cli), "import", "--json", "--standard", STANDARD, str(photos)] + lib,
                        tmp_path, env)
    assert {r["status"] for r in imported} == {"imported"}
    exported = run_json([str(cli), "export", "--json", "--allow-errors", "--out",
                         str(tmp_path / "photo-package")] + lib, tmp_path, env)
    assert exported["ok"] and exported["materials"] == PDF_POOL_MIN + 5
    assert exported["captions"] >= 1  # the 图文说明 PDF the workers made


def test_bundle_builds_and_runs_frozen(tmp_path, capsys):
    dist, work = tmp_path / "dist", tmp_path / "work"
    env = dict(os.environ, DIST=str(dist), WORK=str(work), PYTHON=sys.executable)
    started = time.perf_counter()
    subprocess.run(["bash", str(ROOT / "scripts" / "build-bundle.sh")], env=env, check=True,
                   timeout=1500)
    build_s = time.perf_counter() - started
    app = dist / "CivDesk"
    window, cli = app / f"CivDesk{EXE_SUFFIX}", app / f"{CLI_NAME}{EXE_SUFFIX}"
    assert window.is_file() and cli.is_file()
    internal = app / "_internal"
    assert (internal / "civdesk" / "migrations" / "versions").is_dir()
    assert not list(internal.rglob("__pycache__"))  # nothing from the checkout's byte-code
    assert list((internal / "PySide6" / "Qt" / "translations").glob("qtbase_zh_CN.qm"))
    platforms = {p.name for p in (internal / "PySide6" / "Qt" / "plugins" / "platforms").iterdir()}
    assert any("offscreen" in n for n in platforms) and any(n.startswith(("libqxcb", "qwindows"))
                                                            for n in platforms), platforms

    home = tmp_path / "home"
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    clean = clean_env(home)

    started = time.perf_counter()
    version = run([str(cli), "--version"], run_dir, clean).stdout
    cli_start_s = time.perf_counter() - started
    assert version.strip() == "civdesk 0.1.0"

    cli_session([str(cli)], run_dir, clean)  # import forks the frozen program as its workers
    spawned_export(cli, tmp_path, clean)

    # the window: started, shown and closed by itself once its event loop runs
    started = time.perf_counter()
    run([str(window), "--library", str(run_dir / "lib"), "--quit-after", "1"], run_dir, clean,
        timeout=120)
    window_start_s = time.perf_counter() - started

    # … and it stays up (no crash after start, e.g. a missing plugin or data file)
    log = tmp_path / "window.log"
    db = tmp_path / "lib2" / "library.db"
    with open(log, "wb") as out:
        proc = subprocess.Popen([str(window), "--library", str(db.parent)], cwd=run_dir,
                                env=clean, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 120
            while not db.is_file() and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.1)
            assert db.is_file(), f"the window opened no library\n{log.read_text()}"
            time.sleep(5)
            assert proc.poll() is None, f"the window ended: {proc.returncode}\n{log.read_text()}"
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
    assert "Traceback" not in log.read_text(errors="replace")

    with capsys.disabled():
        print(f"\n[bundle] size {du(app) / 2**20:.0f} MB, build {build_s:.0f} s, "
              f"frozen `civdesk --version` {cli_start_s:.2f} s, window start+close "
              f"{window_start_s:.2f} s")
