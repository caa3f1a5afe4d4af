"""Crash safety (acceptance 3): an import killed at any moment leaves a library
that verifies clean, and running the same import again completes it."""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import FIXTURES, ROOT, run_cli

KILLS = 4


def _inputs(dest: Path) -> list[Path]:
    """~64 files of distinct content: the shared corpus twice, the second copy
    with a few bytes after the end (still valid JPEG/PDF/HEIC to readers)."""
    out = []
    for variant in (0, 1):
        for src in sorted((FIXTURES / "corpus").rglob("*")):
            if not src.is_file():
                continue
            folder = dest / f"批次{variant}" / src.parent.name
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / src.name
            data = src.read_bytes()
            target.write_bytes(data + (b"\n%% copy %d\n" % variant if variant else b""))
            out.append(target)
    return out


def _start_import(lib: Path, src: Path) -> subprocess.Popen:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.Popen([sys.executable, "-m", "civdesk", "import", str(src), "--json",
                             "--library", str(lib)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)


def _kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL the import and its extraction workers (its own process group)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.communicate(timeout=30)


def test_killed_imports_leave_a_consistent_library(tmp_path):
    files = _inputs(tmp_path / "in")
    assert len(files) >= 60
    lib = tmp_path / "lib"
    assert run_cli("init", "--empty", "--library", str(lib)).returncode == 0

    # how long an uninterrupted import takes here, on a scratch library
    scratch = tmp_path / "scratch"
    run_cli("init", "--empty", "--library", str(scratch))
    start = time.monotonic()
    proc = _start_import(scratch, tmp_path / "in")
    proc.communicate(timeout=300)
    typical = time.monotonic() - start
    assert proc.returncode == 0

    seed = int.from_bytes(os.urandom(4), "little")
    rng = random.Random(seed)
    delays = sorted(rng.uniform(0.3, max(0.4, typical)) for _ in range(KILLS))
    for delay in delays:
        proc = _start_import(lib, tmp_path / "in")
        time.sleep(delay)
        _kill_group(proc)
        verify = run_cli("verify", "--library", str(lib))
        assert verify.returncode == 0, (
            f"seed {seed}, kill after {delay:.2f}s of {typical:.2f}s: {verify.stdout}{verify.stderr}")

    proc = _start_import(lib, tmp_path / "in")
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, (seed, err.decode()[-2000:])
    entries = json.loads(out)
    assert sorted(Path(e["path"]).name for e in entries) == sorted(f.name for f in files)
    assert {e["status"] for e in entries} <= {"imported", "duplicate"}, seed
    assert len({e["material_id"] for e in entries}) == len(files)  # every file is in the library
    info = run_cli("info", "--json", "--library", str(lib))
    assert json.loads(info.stdout)["materials"] == len(files), seed
    verify = run_cli("verify", "--library", str(lib))
    assert verify.returncode == 0, verify.stdout
