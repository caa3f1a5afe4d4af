"""Outside programs CivDesk uses when they are installed: LibreOffice (documents → PDF) and
ClamAV's ``clamscan`` (virus scan of an archive carrier).

Neither is required.  Each is found on PATH or in its usual Windows install folder; a caller
asks :func:`find_soffice` / :func:`find_clamscan` and says plainly when it is missing
(:data:`SOFFICE_MISSING`).  A conversion runs in its own process group with a private
LibreOffice profile (two conversions at once, or a clerk's open LibreOffice, do not clash) and
is killed, with everything it started, on timeout or cancel.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

SOFFICE_MISSING = "未安装 LibreOffice（或未在常用位置找到），文档未转换为 PDF"
CLAMSCAN_MISSING = "未安装 ClamAV（clamscan），未做病毒检测"

_WINDOWS_SOFFICE = (
    r"C:\Program Files\LibreOffice\program\soffice.exe",
    r"C:\Program Files (x86)\LibreOffice\program\soffice.exe",
)
_WINDOWS_CLAMSCAN = (
    r"C:\Program Files\ClamAV\clamscan.exe",
    r"C:\Program Files (x86)\ClamAV\clamscan.exe",
)


class ToolError(RuntimeError):
    """An outside program failed; the message is for the clerk."""


def _find(names: tuple[str, ...], windows: tuple[str, ...], env_var: str) -> Path | None:
    given = os.environ.get(env_var)
    if given:
        return Path(given) if Path(given).is_file() else None
    for name in names:
        found = shutil.which(name)
        if found:
            return Path(found)
    if sys.platform == "win32":
        for candidate in windows:
            if Path(candidate).is_file():
                return Path(candidate)
    return None


def find_soffice() -> Path | None:
    """LibreOffice's ``soffice`` (``CIVDESK_SOFFICE`` overrides the search), or None."""
    return _find(("soffice", "libreoffice"), _WINDOWS_SOFFICE, "CIVDESK_SOFFICE")


def find_clamscan() -> Path | None:
    """ClamAV's ``clamscan`` (``CIVDESK_CLAMSCAN`` overrides the search), or None."""
    return _find(("clamscan",), _WINDOWS_CLAMSCAN, "CIVDESK_CLAMSCAN")


def run_tool(args: list[str], timeout: float, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Runs an outside program in its own process group; on timeout the whole group is killed
    (LibreOffice starts a child that would otherwise outlive us)."""
    kwargs: dict = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "cwd": cwd}
    if sys.platform == "win32":
        kwargs["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP
    else:
        kwargs["start_new_session"] = True
    proc = subprocess.Popen(args, **kwargs)
    try:
        out, err = proc.communicate(timeout=timeout)
    except BaseException:
        _kill_group(proc)
        raise
    return subprocess.CompletedProcess(args, proc.returncode, out, err)


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        if sys.platform == "win32":
            proc.kill()
        else:
            os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


def convert_to_pdf(source: Path, out_dir: Path, timeout: float = 180) -> Path:
    """``source`` (DOCX, XLSX, TXT, …) converted to ``out_dir/<stem>.pdf`` by LibreOffice.

    Raises :class:`ToolError` when LibreOffice is missing, fails or times out.
    """
    soffice = find_soffice()
    if soffice is None:
        raise ToolError(SOFFICE_MISSING)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="civdesk-lo-") as profile:
        args = [str(soffice), f"-env:UserInstallation={Path(profile).as_uri()}", "--headless",
                "--norestore", "--nologo", "--convert-to", "pdf", "--outdir", str(out_dir), str(source)]
        try:
            done = run_tool(args, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise ToolError(f"LibreOffice 转换超时（{timeout:.0f} 秒）：{source.name}") from None
    target = out_dir / (source.stem + ".pdf")
    if done.returncode != 0 or not target.is_file() or target.stat().st_size == 0:
        detail = (done.stderr or b"").decode("utf-8", "replace").strip().splitlines()
        raise ToolError(f"LibreOffice 无法转换 {source.name}" + (f"：{detail[-1]}" if detail else ""))
    return target
