"""Zip archives as departments send them: GBK names from Windows, nested
archives, and hostile entries (path traversal, encryption, bombs, damage)."""
from __future__ import annotations

import io
import subprocess
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from civdesk.models import Material
from tests.conftest import FIXTURES

PHOTO = FIXTURES / "corpus" / "photos" / "jpg__Canon_40D.jpg"


class _GbkInfo(zipfile.ZipInfo):
    """Writes its name as GBK bytes without the UTF-8 flag, as Windows Explorer does."""

    def _encodeFilenameFlags(self):  # noqa: N802 - zipfile's own hook
        return self.filename.encode("cp437"), self.flag_bits & ~0x800


def _write_gbk_zip(path: Path, entries: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(_GbkInfo(name.encode("gbk").decode("cp437"), (2024, 3, 15, 9, 30, 0)), data)


def _names(lib) -> set[str]:
    with lib.session() as s:
        return set(s.scalars(select(Material.original_name)))


def _by_suffix(report, suffix: str):
    found = [e for e in report.entries if e.path.endswith(suffix)]
    assert len(found) == 1, (suffix, [e.path for e in report.entries])
    return found[0]


def test_gbk_entry_names_decoded(empty_lib, tmp_path):
    z = tmp_path / "民政局材料.zip"
    _write_gbk_zip(z, {"Ⅲ-5 道德模范/评选表彰通知.txt": "通知正文".encode(),
                       "照片/颁奖现场.jpg": PHOTO.read_bytes()})
    with zipfile.ZipFile(z) as zf:  # what a Chinese Windows writes: GBK bytes, no flag
        assert not any(i.flag_bits & 0x800 for i in zf.infolist())
        assert zf.infolist()[0].filename.encode("cp437") == "Ⅲ-5 道德模范/评选表彰通知.txt".encode("gbk")
    report = empty_lib.import_paths([z])
    assert {e.status for e in report.entries} == {"imported"}
    assert _names(empty_lib) == {"评选表彰通知.txt", "颁奖现场.jpg"}
    assert _by_suffix(report, "民政局材料.zip/Ⅲ-5 道德模范/评选表彰通知.txt")
    assert empty_lib.verify().ok


def test_utf8_flagged_names_kept(empty_lib, tmp_path):
    z = tmp_path / "utf8.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("志愿服务/活动总结.txt", "总结".encode())
    report = empty_lib.import_paths([z])
    assert report.entries[0].status == "imported"
    assert _names(empty_lib) == {"活动总结.txt"}


def test_traversal_and_absolute_entries_refused(empty_lib, tmp_path):
    z = tmp_path / "恶意.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("正常.txt", b"fine")
        zf.writestr("../../etc/passwd.txt", b"evil 1")
        zf.writestr("a/../../逃逸.txt", b"evil 2")
        zf.writestr("/etc/cron.d/absolute.txt", b"evil 3")
        zf.writestr("C:/Windows/win.txt", b"evil 4")
    report = empty_lib.import_paths([z])
    assert len(report.entries) == 5
    status = {e.path.split("恶意.zip/")[1]: (e.status, e.reason) for e in report.entries}
    assert status["正常.txt"][0] == "imported"
    for name in ("../../etc/passwd.txt", "a/../../逃逸.txt"):
        assert status[name][0] == "refused" and "../" in status[name][1]
    for name in ("/etc/cron.d/absolute.txt", "C:/Windows/win.txt"):
        assert status[name][0] == "refused" and "绝对路径" in status[name][1]
    assert _names(empty_lib) == {"正常.txt"}
    # nothing was written outside the library either
    assert not (tmp_path / "逃逸.txt").exists() and not (tmp_path.parent / "逃逸.txt").exists()


def test_encrypted_entry_refused(empty_lib, tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "secret.txt").write_text("机密", encoding="utf-8")
    (tmp_path / "src" / "open.txt").write_text("公开", encoding="utf-8")
    z = tmp_path / "加密.zip"
    subprocess.run(["zip", "-q", "-P", "pw", str(z), "secret.txt"], cwd=tmp_path / "src", check=True)
    subprocess.run(["zip", "-q", str(z), "open.txt"], cwd=tmp_path / "src", check=True)
    report = empty_lib.import_paths([z])
    secret = _by_suffix(report, "/secret.txt")
    assert secret.status == "refused" and "加密" in secret.reason
    assert _by_suffix(report, "/open.txt").status == "imported"


def test_nested_zip_entries_each_reported(empty_lib, tmp_path):
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("内层/说明.txt", "内层说明".encode())
        zf.writestr("内层/照片.jpg", PHOTO.read_bytes())
    z = tmp_path / "外层.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("外层说明.txt", "外层".encode())
        zf.writestr("子包/inner.zip", inner.getvalue())
    report = empty_lib.import_paths([z])
    paths = sorted(e.path.split("外层.zip/")[1] for e in report.entries)
    assert paths == ["外层说明.txt", "子包/inner.zip/内层/照片.jpg", "子包/inner.zip/内层/说明.txt"]
    assert report.counts["imported"] == 3
    assert _names(empty_lib) == {"外层说明.txt", "说明.txt", "照片.jpg"}
    assert not list(empty_lib.vault.tmp.iterdir())  # the extracted inner zip is gone


def test_zip_bomb_entry_refused(empty_lib, tmp_path):
    z = tmp_path / "炸弹.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("small.txt", "正常文件".encode())
        with zf.open("zeros.bin", "w", force_zip64=True) as out:
            block = bytes(1 << 20)
            for _ in range(60):  # 60 MB that compresses to ~60 KB
                out.write(block)
    assert z.stat().st_size < 1_000_000
    report = empty_lib.import_paths([z])
    bomb = _by_suffix(report, "/zeros.bin")
    assert bomb.status == "refused" and "压缩炸弹" in bomb.reason
    assert _by_suffix(report, "/small.txt").status == "imported"
    assert len(report.entries) == 2


def test_entry_larger_than_declared_refused(empty_lib, tmp_path):
    """An entry whose header understates its size (a bomb that lies) stops at
    the declared size instead of filling the disk."""
    z = tmp_path / "lie.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("liar.txt", b"A" * 5000)
    raw = bytearray(z.read_bytes())
    for sig, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        pos = raw.find(sig)
        raw[pos + size_at:pos + size_at + 4] = (100).to_bytes(4, "little")
    z.write_bytes(bytes(raw))
    report = empty_lib.import_paths([z])
    assert [e.status for e in report.entries] == ["refused"]
    assert empty_lib.verify().ok and not _names(empty_lib)


def test_damaged_entry_refused_others_imported(empty_lib, tmp_path):
    """A CRC error in one entry must not stop the import of the others."""
    z = tmp_path / "坏包.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("好.txt", "好的文件".encode())
        zf.writestr("坏.txt", b"B" * 4000)
        zf.writestr("也好.txt", "另一个好文件".encode())
    raw = bytearray(z.read_bytes())
    pos = raw.find(b"B" * 4000)
    raw[pos + 100:pos + 110] = b"X" * 10  # flip bytes inside the stored data
    z.write_bytes(bytes(raw))
    report = empty_lib.import_paths([z])
    bad = _by_suffix(report, "/坏.txt")
    assert bad.status == "refused" and "损坏" in bad.reason
    assert report.counts["imported"] == 2
    assert empty_lib.verify().ok


def test_corrupt_zip_file_reported(empty_lib, tmp_path):
    z = tmp_path / "半个包.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("a.txt", b"a" * 1000)
    z.write_bytes(z.read_bytes()[:-30])  # central directory cut off
    report = empty_lib.import_paths([z])
    assert len(report.entries) == 1
    e = report.entries[0]
    assert e.status == "refused" and "损坏" in e.reason


@pytest.mark.parametrize("count", [30])
def test_every_entry_exactly_once(empty_lib, tmp_path, count):
    z = tmp_path / "混合.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for i in range(count):
            zf.writestr(f"文件夹{i % 3}/文件{i}.txt", f"内容{i % 20}".encode())  # 10 duplicates
        zf.writestr("../bad.txt", b"x")
        zf.writestr("__MACOSX/._x.txt", b"x")
        zf.writestr("Thumbs.db", b"x")
        zf.writestr("空目录/", b"")
    report = empty_lib.import_paths([z])
    paths = [e.path for e in report.entries]
    assert len(paths) == len(set(paths)) == count + 3
    assert report.counts == {"imported": 20, "duplicate": 10, "refused": 3}
