"""Bad input through the import pipeline: each case ends in a clear entry of
the report (refused with a reason, or imported and flagged), never in a
crashed import or an inconsistent library."""
from __future__ import annotations

import errno
import os
import shutil
import struct
import zlib
from pathlib import Path

import pytest
from sqlalchemy import select

from civdesk.importer import ImportAborted, ImportOptions, pipeline, sources
from civdesk.models import ImportEntry, Material
from civdesk.vault import Vault
from tests.conftest import FIXTURES

PHOTOS = FIXTURES / "corpus" / "photos"
PDFS = FIXTURES / "corpus" / "pdf"


def _entry(report, name: str):
    found = [e for e in report.entries if e.path.endswith(name)]
    assert len(found) == 1, (name, report.entries)
    return found[0]


def _material(lib, mid: int) -> Material:
    with lib.session() as s:
        m = s.get(Material, mid)
        s.expunge(m)
        return m


def _texts(folder: Path, n: int, prefix: str = "f") -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        p = folder / f"{prefix}{i:05d}.txt"
        p.write_text(f"材料 {prefix} {i}\n", encoding="utf-8")
        out.append(p)
    return out


# ---------------------------------------------------------------- refused

def test_zero_byte_file_refused_with_reason(empty_lib, tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "空文件.docx").write_bytes(b"")
    report = empty_lib.import_paths([tmp_path / "in"])
    e = _entry(report, "空文件.docx")
    assert e.status == "refused" and "0 字节" in e.reason and e.material_id is None
    assert empty_lib.verify().checked_files == 0


def test_missing_path_refused(empty_lib, tmp_path):
    report = empty_lib.import_paths([tmp_path / "nowhere.jpg"])
    e = _entry(report, "nowhere.jpg")
    assert e.status == "refused" and "不存在" in e.reason


def test_dangling_link_refused_not_crashing(empty_lib, tmp_path):
    (tmp_path / "in").mkdir()
    os.symlink(tmp_path / "gone.jpg", tmp_path / "in" / "快捷方式.jpg")
    (tmp_path / "in" / "ok.txt").write_text("正文", encoding="utf-8")
    report = empty_lib.import_paths([tmp_path / "in"])
    e = _entry(report, "快捷方式.jpg")
    assert e.status == "refused" and "不存在" in e.reason
    assert _entry(report, "ok.txt").status == "imported"


def test_pipe_refused(empty_lib, tmp_path):
    (tmp_path / "in").mkdir()
    os.mkfifo(tmp_path / "in" / "管道.txt")
    report = empty_lib.import_paths([tmp_path / "in"])
    e = _entry(report, "管道.txt")
    assert e.status == "refused" and "不是普通文件" in e.reason


def test_unreadable_file_refused(empty_lib, tmp_path, monkeypatch):
    """Root can read a chmod-000 file, so the opener is made to fail the way
    Windows and non-root users see it (PermissionError)."""
    files = _texts(tmp_path / "in", 3)
    real_open = open

    def guarded(path, *args, **kwargs):
        if Path(path).name == files[1].name:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(sources, "open", guarded, raising=False)
    report = empty_lib.import_paths([tmp_path / "in"])
    e = _entry(report, files[1].name)
    assert e.status == "refused" and "权限" in e.reason
    assert report.counts == {"imported": 2, "duplicate": 0, "refused": 1}
    assert empty_lib.verify().ok


def test_unreadable_folder_reported(empty_lib, tmp_path, monkeypatch):
    """A sub-folder that cannot be listed must appear in the report, not vanish."""
    _texts(tmp_path / "in", 2)
    locked = tmp_path / "in" / "锁定的文件夹"
    _texts(locked, 2)
    real_scandir = os.scandir

    def guarded(path="."):
        if Path(path) == locked:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", guarded)
    report = empty_lib.import_paths([tmp_path / "in"])
    refused = [e for e in report.entries if e.status == "refused"]
    assert len(refused) == 1 and "锁定的文件夹" in refused[0].path and "权限" in refused[0].reason
    assert report.count("imported") == 2


def test_file_disappearing_after_scan(empty_lib, tmp_path, monkeypatch):
    files = _texts(tmp_path / "in", 3)
    real_scan = pipeline.scan

    def scan_then_delete(paths, tmp):
        found = list(real_scan(paths, tmp))
        files[0].unlink()  # moved away by the clerk while the import runs
        return iter(found)

    monkeypatch.setattr(pipeline, "scan", scan_then_delete)
    report = empty_lib.import_paths([tmp_path / "in"])
    e = _entry(report, files[0].name)
    assert e.status == "refused" and "消失" in e.reason
    assert report.count("imported") == 2
    assert empty_lib.verify().ok


def test_file_changing_while_stored(empty_lib, tmp_path, monkeypatch):
    """Content changed between hashing and copying: refused, nothing stored."""
    files = _texts(tmp_path / "in", 2)
    real_store = Vault.store_stream

    def store_after_edit(self, src, expected_sha256=None, staged=False):
        files[0].write_text("被别人改过了", encoding="utf-8")
        return real_store(self, src, expected_sha256, staged)

    monkeypatch.setattr(Vault, "store_stream", store_after_edit)
    report = empty_lib.import_paths([files[0]])
    e = _entry(report, files[0].name)
    assert e.status == "refused" and "修改" in e.reason
    assert empty_lib.verify().ok and not list(empty_lib.vault.iter_files())
    assert not list(empty_lib.vault.staging.iterdir())


# ---------------------------------------------------------------- flagged

def test_truncated_jpeg_imported_and_flagged(empty_lib, tmp_path):
    data = (PHOTOS / "jpg__gps__DSCN0010.jpg").read_bytes()
    bad = tmp_path / "半张照片.jpg"
    bad.write_bytes(data[: len(data) // 2])
    report = empty_lib.import_paths([bad])
    e = _entry(report, "半张照片.jpg")
    assert e.status == "imported" and "截断" in e.reason
    m = _material(empty_lib, e.material_id)
    assert m.kind == "jpeg" and m.problem == e.reason
    assert empty_lib.vault.path_for(m.sha256).read_bytes() == bad.read_bytes()


def test_truncated_pdf_imported_and_flagged(empty_lib, tmp_path):
    data = (PDFS / "pdflatex-4-pages.pdf").read_bytes()
    bad = tmp_path / "不完整的通知.pdf"
    bad.write_bytes(data[: len(data) // 3])
    report = empty_lib.import_paths([bad])
    e = _entry(report, "不完整的通知.pdf")
    assert e.status == "imported" and e.reason
    m = _material(empty_lib, e.material_id)
    assert m.kind == "pdf" and m.problem and empty_lib.vault.path_for(m.sha256).is_file()


def test_password_pdf_imported_and_flagged(empty_lib, tmp_path):
    report = empty_lib.import_paths([PDFS / "libreoffice-writer-password.pdf"])
    e = _entry(report, "libreoffice-writer-password.pdf")
    m = _material(empty_lib, e.material_id)
    assert e.status == "imported" and m.encrypted and "加密" in e.reason


def test_wrong_extension_flagged_as_mislabelled(empty_lib, tmp_path):
    fake = tmp_path / "会议通知.pdf"
    shutil.copy(PHOTOS / "jpg__Canon_40D.jpg", fake)
    report = empty_lib.import_paths([fake])
    e = _entry(report, "会议通知.pdf")
    m = _material(empty_lib, e.material_id)
    assert e.status == "imported" and "扩展名与内容不符" in e.reason and "jpeg" in e.reason
    assert m.kind == "jpeg" and m.original_name == "会议通知.pdf" and m.width == 100


def _png_bomb(path: Path, side: int = 30000) -> None:
    """A real 1-bit PNG of side×side white pixels: a few hundred KB on disk."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + b"\xff" * ((side + 7) // 8)
    comp = zlib.compressobj(9)
    body = b"".join(comp.compress(row) for _ in range(side)) + comp.flush()
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0))
                     + chunk(b"IDAT", body) + chunk(b"IEND", b""))


def test_decompression_bomb_kept_without_thumbnail(empty_lib, tmp_path):
    bomb = tmp_path / "巨幅海报.png"
    _png_bomb(bomb)
    assert bomb.stat().st_size < 2_000_000
    report = empty_lib.import_paths([bomb])
    e = _entry(report, "巨幅海报.png")
    assert e.status == "imported" and "解压炸弹" in e.reason
    m = _material(empty_lib, e.material_id)
    assert m.meta.get("bomb") is True and (m.width, m.height) == (30000, 30000)
    assert m.thumb == "none" and not empty_lib.thumb_path(m.sha256).exists()
    assert empty_lib.vault.path_for(m.sha256).read_bytes() == bomb.read_bytes()


def test_bomb_limit_applies_in_worker_processes(empty_lib, tmp_path):
    """With enough files the extraction runs in spawned workers: the bomb must
    still be caught there (the limit is Pillow's default, not a test patch)."""
    _texts(tmp_path / "in", 7)
    _png_bomb(tmp_path / "in" / "巨幅海报.png")
    report = empty_lib.import_paths([tmp_path / "in"])
    assert len(report.entries) == 8
    e = _entry(report, "巨幅海报.png")
    m = _material(empty_lib, e.material_id)
    assert m.meta.get("bomb") is True and m.thumb == "none"


def test_small_limit_monkeypatched_in_process(empty_lib, tmp_path, monkeypatch):
    """Few files are extracted in-process, so a lowered limit applies to them."""
    from PIL import Image

    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 10_000)
    report = empty_lib.import_paths([PHOTOS / "jpg__gps__DSCN0010.jpg"])  # 640×480
    e = report.entries[0]
    m = _material(empty_lib, e.material_id)
    assert e.status == "imported" and m.meta.get("bomb") and m.thumb == "none"
    assert not empty_lib.thumb_path(m.sha256).exists()


# ---------------------------------------------------------------- names

def test_very_long_chinese_name_preserved(empty_lib, tmp_path):
    name = ("关于开展道德模范评选表彰活动的通知" * 5)[:80] + ".txt"
    assert len(name.encode("utf-8")) <= 255
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / name).write_text("正文", encoding="utf-8")
    report = empty_lib.import_paths([tmp_path / "in"])
    e = _entry(report, name)
    m = _material(empty_lib, e.material_id)
    assert e.status == "imported" and m.original_name == name and m.title == name[:-4]


@pytest.mark.parametrize("name", ["a:b?c*.txt", "con.txt", "报告<终稿>|v2.txt", "trailing dot."])
def test_names_windows_forbids_preserved(empty_lib, tmp_path, name):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / name).write_text(f"内容 {name}", encoding="utf-8")
    report = empty_lib.import_paths([tmp_path / "in"])
    e = _entry(report, name)
    assert e.status == "imported"
    assert _material(empty_lib, e.material_id).original_name == name


def test_system_files_skipped_with_reason(empty_lib, tmp_path):
    (tmp_path / "in").mkdir()
    for n in ("Thumbs.db", "~$工作总结.docx", "desktop.ini"):
        (tmp_path / "in" / n).write_bytes(b"x" * 10)
    report = empty_lib.import_paths([tmp_path / "in"])
    assert [e.status for e in report.entries] == ["refused"] * 3
    assert all("跳过" in e.reason for e in report.entries)


# ---------------------------------------------------------------- disk full

@pytest.mark.parametrize("workers", [1, 2])
def test_disk_full_aborts_cleanly(empty_lib, tmp_path, monkeypatch, workers):
    files = _texts(tmp_path / "in", 100)
    real_store = Vault.store_stream
    calls = {"n": 0}

    def store(self, src, expected_sha256=None, staged=False):
        calls["n"] += 1
        if calls["n"] == 80:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_store(self, src, expected_sha256, staged)

    monkeypatch.setattr(Vault, "store_stream", store)
    with pytest.raises(ImportAborted) as info:
        empty_lib.import_paths([tmp_path / "in"], ImportOptions(workers=workers))
    message, report = str(info.value), info.value.report
    assert "磁盘空间不足" in message and "79" in message
    assert report.count("imported") == 79
    full = _entry(report, files[79].name)
    assert full.status == "refused" and "磁盘空间不足" in full.reason
    assert len(report.entries) == 80  # nothing after the full disk is claimed
    assert empty_lib.verify().ok
    assert not list(empty_lib.vault.staging.iterdir())
    with empty_lib.session() as s:
        names = set(s.scalars(select(Material.original_name)))
        logged = s.scalar(select(ImportEntry.id).where(ImportEntry.run_id == report.run_id).limit(1))
    assert names == {f.name for f in files[:79]} and logged
    # after the clerk frees space, the same import completes
    monkeypatch.setattr(Vault, "store_stream", real_store)
    again = empty_lib.import_paths([tmp_path / "in"])
    assert again.counts == {"imported": 21, "duplicate": 79, "refused": 0}
    assert empty_lib.verify().ok


# ---------------------------------------------------------------- scale

def test_ten_thousand_files_in_one_folder(empty_lib, tmp_path, monkeypatch):
    """10,000 tiny text files in one folder, in-process extraction (one disk flush per batch)."""
    _texts(tmp_path / "big", 10_000)
    report = empty_lib.import_paths([tmp_path / "big"], ImportOptions(workers=1))
    assert report.counts == {"imported": 10_000, "duplicate": 0, "refused": 0}
    assert len({e.path for e in report.entries}) == 10_000
    with empty_lib.session() as s:
        assert s.scalar(select(Material.id).order_by(Material.id.desc()).limit(1)) == 10_000
