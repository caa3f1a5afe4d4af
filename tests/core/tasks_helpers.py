"""Helpers for the task round-trip tests: fill a task package as a department would,
and zip it the way Windows' built-in "send to compressed folder" does (GBK names)."""
from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

from openpyxl import load_workbook

FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures"
PHOTOS = FIXTURES / "corpus" / "photos"
PDFS = FIXTURES / "corpus" / "pdf"


class GbkInfo(zipfile.ZipInfo):
    """A zip entry whose name is stored in code page 936 with the UTF-8 flag (bit 11) clear."""

    def _encodeFilenameFlags(self):  # noqa: N802 - zipfile's own name
        return self.filename.encode("cp936"), self.flag_bits & ~0x800


def gbk_zip(folder: Path, out: Path, wrap: str = "") -> Path:
    """Zip ``folder`` (and its empty subfolders) with GBK names, optionally inside ``wrap/``."""
    prefix = f"{wrap}/" if wrap else ""
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(folder.rglob("*")):
            name = prefix + f"{folder.name}/" + p.relative_to(folder).as_posix()
            if p.is_dir():
                zf.writestr(GbkInfo(name + "/"), b"")
            else:
                info = GbkInfo(name)
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, p.read_bytes())
    with zipfile.ZipFile(out) as zf:  # really written as a non-UTF-8 zip
        assert all(not i.flag_bits & 0x800 for i in zf.infolist())
    return out


def put(package: Path, folder_prefix: str, source: Path, name: str) -> str:
    """Copy ``source`` as ``name`` into the package folder starting with ``folder_prefix``
    (a code like ``Ⅲ-3：2``) or, when none does, into a new folder of that name."""
    hits = [d for d in package.iterdir() if d.is_dir() and d.name.startswith(folder_prefix)]
    target = hits[0] if hits else package / folder_prefix
    target.mkdir(exist_ok=True)
    shutil.copyfile(source, target / name)
    return target.name


def caption(package: Path, rows: list[tuple]) -> None:
    """Fill 图片说明.xlsx: (文件名, 所在文件夹, 时间, 地点, 人物, 事由, 背景, 摄影者, 提供单位)."""
    path = package / "图片说明.xlsx"
    wb = load_workbook(path)
    ws = wb["图片说明"]
    for row in rows:
        ws.append(list(row))
    wb.save(path)


def docx_file(tmp: Path, name: str, text: str) -> Path:
    import docx

    d = docx.Document()
    d.add_paragraph(text)
    path = tmp / name
    d.save(path)
    return path
