"""Outside programs: found where installed, said plainly when missing, never left running."""
from __future__ import annotations

import os
import sys
import time

import pytest

from civdesk import tools
from tests.conftest import alive, needs_tool


def test_missing_soffice_is_said_plainly(tmp_path, monkeypatch):
    monkeypatch.setenv("CIVDESK_SOFFICE", str(tmp_path / "nowhere" / "soffice"))
    assert tools.find_soffice() is None
    src = tmp_path / "a.txt"
    src.write_text("正文", encoding="utf-8")
    with pytest.raises(tools.ToolError, match="未安装 LibreOffice"):
        tools.convert_to_pdf(src, tmp_path / "out")


def test_txt_converts_to_pdf_with_chinese_text(tmp_path):
    needs_tool("soffice")
    import fitz

    src = tmp_path / "通知.txt"
    src.write_text("关于报送测评材料的通知\n", encoding="utf-8")
    pdf = tools.convert_to_pdf(src, tmp_path / "out")
    assert pdf.name == "通知.pdf"
    with fitz.open(pdf) as doc:
        assert "测评材料" in doc[0].get_text()


def test_a_broken_document_is_a_clear_error(tmp_path):
    needs_tool("soffice")
    src = tmp_path / "坏.docx"
    src.write_bytes(b"PK\x03\x04 not really a docx")
    with pytest.raises(tools.ToolError, match="坏.docx"):
        tools.convert_to_pdf(src, tmp_path / "out")


@pytest.mark.skipif(sys.platform == "win32", reason="process groups: POSIX")
def test_timeout_kills_the_whole_group(tmp_path):
    script = tmp_path / "spawn.py"
    pidfile = tmp_path / "child.pid"
    script.write_text(
        "import subprocess, sys, time\n"
        f"p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        f"open({str(pidfile)!r}, 'w').write(str(p.pid))\n"
        "time.sleep(60)\n")
    with pytest.raises(tools.subprocess.TimeoutExpired):
        tools.run_tool([sys.executable, str(script)], timeout=2)
    child = int(pidfile.read_text())
    deadline = time.monotonic() + 5
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(child), "the grandchild outlived the timeout"
    assert os.getpgid(os.getpid()) != child
