"""Fuzzing the import (issue #12): random folders and zips with hostile names
(Chinese, control characters, very long, Windows-illegal, reserved, trailing
dots), random bytes (empty, truncated JPEG/PDF, garbage) and random zip
structures (nested folders, ``../`` and absolute entries, GBK names, duplicate
names, empty archives, damaged central directories).  Whatever comes in: no
exception, every file and every zip entry reported exactly once, a library
that verifies clean, names that are valid Unicode."""
from __future__ import annotations

import io
import zipfile
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from civdesk.importer import ImportOptions
from civdesk.library import Library
from civdesk.models import ImportEntry, Material
from tests.conftest import FIXTURES

JPEG = (FIXTURES / "corpus" / "photos" / "jpg__Canon_40D.jpg").read_bytes()
PDF = (FIXTURES / "corpus" / "pdf" / "minimal-document.pdf").read_bytes()

STEMS = ["材料", "关于开展文明创建的通知（终稿）", "CON", "nul", "con.", "a<b>c", 'x:"y"|z',
         "what?*", "报告...", " 空格 ", "制\t表", "换\n行", "\x1b[31m红", "名" * 80, "-", "#1%s",
         "é", "~$临时", "Thumbs.db", "._苹果", ".隐藏"]
EXTS = ["", ".jpg", ".JPG", ".pdf", ".txt", ".docx", ".xlsx", ".", ". "]


def _fits(name: str) -> bool:
    return name not in ("", ".", "..") and len(name.encode()) <= 250


names = st.builds(lambda s, e: s + e, st.sampled_from(STEMS), st.sampled_from(EXTS)).filter(_fits)
contents = st.one_of(
    st.just(b""),
    st.integers(1, len(JPEG)).map(lambda n: JPEG[:n]),
    st.integers(1, len(PDF)).map(lambda n: PDF[:n]),
    st.binary(max_size=300),
    st.text(max_size=50).map(lambda t: t.encode("utf-8", "surrogatepass")),
)
entry_names = st.one_of(
    st.lists(names, min_size=1, max_size=3).map("/".join),
    st.sampled_from(["../逃逸.txt", "a/../../x.txt", "/etc/绝对.txt", "C:\\Windows\\x.txt",
                     "目录/", "a\\b\\反斜杠.txt", "__MACOSX/._x.jpg"]),
)
zips = st.fixed_dictionaries({
    "entries": st.lists(st.tuples(entry_names, contents, st.booleans()), max_size=6),
    "damage": st.sampled_from([None, None, "truncate", "flip"]),
    "at": st.integers(0, 10_000),
})


class _GbkInfo(zipfile.ZipInfo):
    """A name written as GBK bytes without the UTF-8 flag, as Windows does."""

    def _encodeFilenameFlags(self):  # noqa: N802 - zipfile's own hook
        return self.filename.encode("cp437"), self.flag_bits & ~0x800


def _zip_bytes(spec: dict) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data, gbk in spec["entries"]:
            try:
                info = _GbkInfo(name.encode("gbk").decode("cp437")) if gbk else zipfile.ZipInfo(name)
            except UnicodeEncodeError:
                info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    raw = bytearray(buf.getvalue())
    cd = raw.rfind(b"PK\x01\x02") if spec["entries"] else -1
    if spec["damage"] == "truncate":
        raw = raw[:max(4, len(raw) - 1 - spec["at"] % 40)]
    elif spec["damage"] == "flip" and cd >= 0:
        pos = cd + spec["at"] % (len(raw) - cd)
        raw[pos] ^= 0x5A
    return bytes(raw)


folders = st.lists(
    st.tuples(st.lists(names, max_size=2), names, st.one_of(contents, zips)),
    min_size=1, max_size=8)


def _expected_rows(path: Path) -> int:
    """Rows the report owes this file: one, or one per entry of a readable zip."""
    if not path.name.lower().endswith(".zip") or not zipfile.is_zipfile(path):
        return 1
    try:
        with zipfile.ZipFile(path) as zf:
            return max(1, sum(1 for i in zf.infolist() if not i.is_dir()))
    except (zipfile.BadZipFile, OSError, ValueError):
        return 1


@settings(max_examples=12, deadline=None, derandomize=True, phases=[Phase.generate],
          suppress_health_check=[HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(tree=folders)
def test_random_folders_and_zips_import_cleanly(tmp_path_factory, tree):
    # a library per example: Hypothesis seeds ``random`` alike for every example,
    # so a reused search index would get the same random segment names twice
    base = tmp_path_factory.mktemp("fuzz")
    with Library.create(base / "lib", sample=False) as lib:
        _import_and_check(lib, base / "导入", tree)


def _import_and_check(empty_lib: Library, root: Path, tree: list) -> None:
    files: list[Path] = []
    for parts, name, body in tree:
        folder = root.joinpath(*parts)
        if isinstance(body, dict):
            name = name + ".zip"
            body = _zip_bytes(body)
        target = folder / name
        if not _fits(name) or target in files or any(f in target.parents for f in files) \
                or any(target in f.parents for f in files):
            continue
        folder.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
        files.append(target)
    report = empty_lib.import_paths([root], ImportOptions(workers=1))

    rows = Counter(e.path for e in report.entries)
    assert sum(rows.values()) == sum(_expected_rows(f) for f in files), report.entries
    for f in files:
        inside = sum(n for p, n in rows.items() if p == str(f) or p.startswith(f"{f}/"))
        assert inside == _expected_rows(f), (f, report.entries)
    for e in report.entries:
        e.path.encode("utf-8")
        e.reason.encode("utf-8")
        assert e.status in ("imported", "duplicate", "refused")
        assert (e.material_id is None) == (e.status == "refused")
    with empty_lib.session() as s:
        for name, title in s.execute(select(Material.original_name, Material.title)):
            name.encode("utf-8"), title.encode("utf-8")
        logged = s.scalars(select(ImportEntry.id).where(ImportEntry.run_id == report.run_id)).all()
    assert len(logged) == len(report.entries)
    assert empty_lib.verify().ok
    assert not list(empty_lib.vault.staging.iterdir()) and not list(empty_lib.vault.tmp.iterdir())
    empty_lib.search("材料")
