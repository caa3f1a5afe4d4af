"""The command-line session both install tests run: an installed wheel (test_packaging) and the
PyInstaller bundle (test_bundle) must each create a library, import photos and a PDF, find the
PDF's text, check and export, all from a clean environment outside the checkout."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from civdesk.migrations import head_from_files

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "fixtures" / "corpus"
IMPORTED = [
    CORPUS / "photos" / "jpg__Canon_40D.jpg",
    CORPUS / "photos" / "jpg__gps__DSCN0010.jpg",
    CORPUS / "photos" / "heic__IMG_5195.HEIC",  # pillow-heif
    CORPUS / "pdf" / "pdflatex-4-pages.pdf",  # PyMuPDF text → Whoosh index
]
PDF_TEXT = "without a meaning"  # on page 1 of pdflatex-4-pages.pdf
STANDARD = "Ⅲ-9:1"  # a standard of the sample checklist that asks for photos


def clean_env(home: Path, bin_dir: Path | None = None) -> dict[str, str]:
    """An environment that cannot reach the checkout: no PYTHONPATH, no user site, own settings."""
    path = os.pathsep.join(p for p in (str(bin_dir) if bin_dir else "", "/usr/bin", "/bin") if p)
    env = {"PATH": path, "HOME": str(home), "CIVDESK_HOME": str(home / "civdesk"),
           "LANG": "C.UTF-8", "PYTHONNOUSERSITE": "1", "QT_QPA_PLATFORM": "offscreen"}
    for key in ("TMPDIR", "SYSTEMROOT", "LOCALAPPDATA", "APPDATA"):  # Windows needs the last three
        if key in os.environ:
            env[key] = os.environ[key]
    return env


def run(cmd: list[str], cwd: Path, env: dict[str, str], ok=(0,), timeout: float = 180):
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True,
                          encoding="utf-8", timeout=timeout)
    assert proc.returncode in ok, (
        f"{' '.join(cmd)} → exit {proc.returncode}\nstdout:\n{proc.stdout[-3000:]}\n"
        f"stderr:\n{proc.stderr[-3000:]}")
    return proc


def run_json(cmd: list[str], cwd: Path, env: dict[str, str], ok=(0,)):
    return json.loads(run(cmd, cwd, env, ok).stdout)


def cli_session(civdesk: list[str], work: Path, env: dict[str, str]) -> None:
    """Drive ``civdesk`` (a command line, e.g. ``[".../bin/civdesk"]``) through a whole session."""
    lib = ["--library", str(work / "lib")]
    assert ROOT not in work.parents

    info = run_json(civdesk + ["init", "--json"] + lib, work, env)
    # the Alembic migrations ran from the install, up to the checkout's newest revision
    assert info["schema_revision"] == head_from_files()
    assert info["checklists"] == 1 and info["standards"] > 0  # the sample checklist is inside

    # the photos under a standard (so the export has material); the PDF with them
    results = run_json(civdesk + ["import", "--json", "--standard", STANDARD] + lib
                       + [str(p) for p in IMPORTED], work, env)
    assert [r["status"] for r in results] == ["imported"] * len(IMPORTED), results
    assert {Path(r["path"]).name for r in results} == {p.name for p in IMPORTED}

    hits = run_json(civdesk + ["search", "--json", PDF_TEXT] + lib, work, env)
    assert [h["original_name"] for h in hits] == ["pdflatex-4-pages.pdf"], hits

    report = run_json(civdesk + ["check", "--format", "json"] + lib, work, env, ok=(0, 1))
    codes = {s["code"]: s["status"] for s in report["standards"]}
    assert codes[STANDARD] in ("部分", "达标", "有错误"), codes[STANDARD]  # it sees the photos
    assert report["summary"]["statuses"]["缺失"] < len(codes)

    out = work / "package"
    exported = run_json(civdesk + ["export", "--json", "--allow-errors", "--out", str(out)] + lib,
                        work, env)
    assert exported["ok"] and exported["materials"] >= 1, exported
    assert (out / "manifest-sha256.txt").is_file()

    verified = run_json(civdesk + ["verify-package", "--json", str(out)], work, env)
    assert verified["ok"] and verified["checked"] == exported["files"], verified
