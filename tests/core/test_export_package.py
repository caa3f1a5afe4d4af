"""Declaration packages: layout, documents, conversions, determinism, verification, atomicity."""
from __future__ import annotations

import datetime as dt
import io
import os
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pymupdf
import pytest
from PIL import Image
from sqlalchemy import select

from civdesk.checklist.store import find_standard
from civdesk.checks import RULES, PlatformLimits, get_check_settings, set_check_settings
from civdesk.export import ExportBlocked, ExportOptions, checkgate, export_package, verify_package
from civdesk.export.names import units
from civdesk.importer import ImportOptions
from civdesk.library import Library
from civdesk.models import ChecklistNode, Link, Material, Standard
from civdesk.progress import Cancelled, NullProgress
from tests.conftest import FIXTURES, ROOT, alive, children, run_cli
from tests.core.test_export_names import assert_legal

CORPUS = FIXTURES / "corpus"


# --------------------------------------------------------------- builders
def jpeg_bytes(seed: int, size: tuple[int, int] = (64, 48), exif_date: str | None = None) -> bytes:
    im = Image.new("RGB", size, ((seed * 37) % 256, (seed * 91) % 256, (seed * 13) % 256))
    b = size[0] // 16
    for k in range(16):  # the seed's bits as a row of black/white blocks: unique content
        im.paste((255, 255, 255) if seed >> k & 1 else (0, 0, 0), (k * b, 0, k * b + b, b))
    out = io.BytesIO()
    kwargs = {}
    if exif_date:
        exif = Image.Exif()
        exif[0x0132] = exif_date
        kwargs["exif"] = exif.tobytes()
    im.save(out, "JPEG", quality=85, **kwargs)
    return out.getvalue()


def add_material(lib: Library, data: bytes, name: str, kind: str, standards: list[int], *,
                 title: str | None = None, date: dt.date | None = None, unit_id: int | None = None,
                 **fields) -> int:
    """Store bytes in the vault and file them (the ORM way, no import pipeline)."""
    stored = lib.vault.store_stream(io.BytesIO(data))
    with lib.session() as s:
        m = Material(sha256=stored.sha256, size=stored.size, original_name=name, kind=kind,
                     title=title if title is not None else Path(name).stem, date=date,
                     unit_id=unit_id, pages=1, updated_at=dt.datetime(2024, 5, 1, 8, 0), **fields)
        s.add(m)
        s.flush()
        for sid in standards:
            s.add(Link(material_id=m.id, standard_id=sid))
        return m.id


def only_rules(lib: Library, *rules: str) -> None:
    """Switch every check rule off but ``rules`` (the real checks still run before the export)."""
    set_check_settings(lib, disabled=[r for r in RULES if r not in rules])


def tree_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


# ------------------------------------------------------- the corpus library
@pytest.fixture(scope="module")
def corpus_lib(tmp_path_factory):
    if not CORPUS.is_dir():
        pytest.fail(f"fixture corpus not found: {CORPUS}")
    lib = Library.create(tmp_path_factory.mktemp("export") / "lib")
    photos = find_standard(lib, "Ⅲ-5:1")
    docs = find_standard(lib, "Ⅲ-1:1")
    both = find_standard(lib, "Ⅲ-9:2")
    picked = sorted((CORPUS / "photos").glob("jpg__orientation__*.jpg"))[:4]
    lib.import_paths(picked + [CORPUS / "photos" / "heic__IMG_5195.HEIC",
                               CORPUS / "photos" / "jpg__corrupted.jpg"],
                     ImportOptions(standard_ids=(photos.id,), unit="市民政局", workers=1))
    lib.import_paths([CORPUS / "pdf" / "pdflatex-4-pages.pdf", CORPUS / "pdf" / "minimal-document.pdf"],
                     ImportOptions(standard_ids=(docs.id,), unit="市委宣传部", workers=1))
    lib.import_paths([picked[0]], ImportOptions(standard_ids=(both.id,), workers=1))
    with lib.session() as s:
        for m in s.scalars(select(Material).where(Material.kind.in_(("jpeg", "heic")))):
            m.caption_place, m.caption_event = "市民中心广场", "道德模范事迹报告会"
            m.caption_people, m.caption_photographer = "市文明办工作人员", "李明"
    yield lib
    lib.close()


@pytest.fixture
def quiet(corpus_lib):
    """The corpus library with every rule off, restored afterwards."""
    before = get_check_settings(corpus_lib)
    only_rules(corpus_lib)
    yield
    set_check_settings(corpus_lib, before)


@pytest.fixture
def rules_back(corpus_lib):
    before = get_check_settings(corpus_lib)
    yield
    set_check_settings(corpus_lib, before)


def test_corpus_package_layout(corpus_lib, tmp_path, quiet):
    result = export_package(corpus_lib, tmp_path / "包")
    files = tree_files(result.folder)
    assert {"目录.xlsx", "目录.docx", "manifest-sha256.txt"} <= set(files)
    assert not {"检查报告.docx", "导出记录.txt", "导出说明.txt"} & set(files), "no internal document"
    assert result.internal == tmp_path / "包-内部版"
    assert tree_files(result.internal) == ["manifest-sha256.txt", "导出记录.txt", "检查报告.docx"]
    std = "Ⅰ-2 思想道德建设/Ⅱ-3 道德模范与身边好人/Ⅲ-5 开展道德模范评选表彰/1 定期开展道德模范评选表彰活动/"
    photos = [f for f in files if f.startswith(std)]
    assert std + "图文说明.pdf" in photos
    assert [f.rsplit("/", 1)[1][:9] for f in photos if f.endswith(".jpg")] == \
        [f"Ⅲ-5：1_{n:02d}_" for n in range(1, 7)]
    assert any(f.endswith("_IMG 5195.jpg") for f in photos), "HEIC converted to JPEG, name cleaned"
    assert not any("jpg__" in f or "heic__" in f for f in files), "no camera/extension prefixes"
    assert any(f.startswith("Ⅰ-1 重点工作/Ⅱ-1 理论学习与宣传/Ⅲ-1 健全理论学习制度/1 ") and f.endswith(".pdf")
               for f in files)
    # checklist order: Ⅰ-1 before Ⅰ-2 in the catalog
    from openpyxl import load_workbook

    ws = load_workbook(result.folder / "目录.xlsx").active
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    codes = [r[1] for r in rows if r[7]]
    assert codes.index("Ⅲ-1:1") < codes.index("Ⅲ-5:1") < codes.index("Ⅲ-9:2")
    names = {f.rsplit("/", 1)[-1] for f in files}
    assert all(r[7] in names for r in rows if r[7])
    assert verify_package(result.folder).ok
    assert corpus_lib.verify().ok, "the vault is untouched"


def test_caption_pdf_has_photos_captions_and_embedded_font(corpus_lib, tmp_path, quiet):
    result = export_package(corpus_lib, tmp_path / "包",
                            options=ExportOptions.from_library(corpus_lib, photos_per_page=2))
    sheet = next(p for p in result.folder.rglob("图文说明.pdf") if "Ⅲ-5 " in str(p))
    doc = pymupdf.open(sheet)
    assert doc.page_count == 3  # 6 photos, two per page
    text = doc[0].get_text()
    assert "Ⅲ-5:1" in text and "图文说明" in text and "— 1 —" in text
    lines = text.splitlines()
    for label, value in (("地点", "市民中心广场"), ("摄影者", "李明"), ("提供单位", "市民政局")):
        assert lines[lines.index(label) + 1] == value, "each element in its row"
    assert lines[lines.index("背景") + 1] == "摄影者", "an empty element is an empty row, not left out"
    fonts = doc[0].get_fonts()
    assert fonts and all(f[1] == "ttf" and "+" in f[3] and "Serif" in f[3] for f in fonts), \
        "the serif font, embedded as a subset"
    left = min(b[0] for b in doc[0].get_text("blocks"))
    assert left >= 28 * 72 / 25.4 - 1, "the binding margin stays empty"
    assert sheet.stat().st_size < 1_000_000
    assert any(img for page in doc for img in page.get_images())
    last = " ".join(page.get_text() for page in doc)
    assert "图片无法读取" in last  # the corrupted photo is named, not silently dropped


def test_heic_becomes_jpeg_with_exif(corpus_lib, tmp_path, quiet):
    result = export_package(corpus_lib, tmp_path / "包")
    jpg = next(result.folder.rglob("*_IMG 5195.jpg"))
    with Image.open(jpg) as im:
        assert im.format == "JPEG"
        exif = im.getexif()
        assert exif.get_ifd(0x8769).get(0x9003, "").startswith("2021:04:11")
        assert exif.get(0x0112, 1) == 1


def test_oversize_photo_is_downscaled_keeping_minimum_resolution(sample_lib, tmp_path):
    only_rules(sample_lib)
    st = find_standard(sample_lib, "Ⅲ-5:1")
    noisy = Image.effect_noise((3000, 2000), 80).convert("RGB")
    buf = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "TestCam"
    noisy.save(buf, "JPEG", quality=95, exif=exif.tobytes())
    add_material(sample_lib, buf.getvalue(), "大照片.jpg", "jpeg", [st.id], title="大照片")
    limits = PlatformLimits(max_mb=1.0, min_width=1200, min_height=800)
    result = export_package(sample_lib, tmp_path / "包",
                            options=ExportOptions.from_library(sample_lib, limits=limits))
    out = next(result.folder.rglob("*_01_大照片.jpg"))
    assert out.stat().st_size <= 1024 * 1024
    with Image.open(out) as im:
        assert im.width >= 1200 and im.height >= 800 and im.width < 3000
        assert im.getexif().get(0x010F) == "TestCam"
    assert sample_lib.verify().ok


# ------------------------------------------------------ hostile names
def test_names_built_to_break_windows(sample_lib, tmp_path):
    only_rules(sample_lib)
    long_text = ('建立<文明>城市:"长效"机制/落实|责任?*' * 15)[:300] + " ..."
    with sample_lib.session() as s:
        st = s.scalar(select(Standard).join(ChecklistNode).where(ChecklistNode.code == "Ⅲ-1",
                                                                Standard.number == 1))
        st.text = long_text
        node = s.get(ChecklistNode, st.node_id)
        node.title = "CON"
        sid = st.id
        other = s.scalar(select(Standard).join(ChecklistNode).where(ChecklistNode.code == "Ⅲ-1",
                                                                   Standard.number == 2))
        other.text = long_text  # same text: the folders must still differ
        oid = other.id
    titles = ["CON", "con.txt", "aux.", "NUL ", "LPT1", "com9", "a<b>c:d", "结尾点。。...",
              "Report", "report", "REPORT", "tab\tand\x07bell", "材料" * 200]
    for i, title in enumerate(titles):
        add_material(sample_lib, jpeg_bytes(i), f"x{i}.jpg", "jpeg", [sid, oid], title=title)
    pattern = ExportOptions.from_library(sample_lib, name_pattern="{题名}.{ext}", captions=False)
    result = export_package(sample_lib, tmp_path / "包", options=pattern)
    files = tree_files(result.folder)
    assert len(files) == 2 * len(titles) + 3
    assert len({f.casefold() for f in files}) == len(files), "collision-free on Windows"
    for f in files:
        assert units(f) <= 240, (units(f), f)
        for comp in f.split("/"):
            assert_legal(comp)
    folders = {f.rsplit("/", 1)[0] for f in files if "/" in f}
    assert len(folders) == 2
    assert verify_package(result.folder).ok


def test_tight_path_limit_still_legal(sample_lib, tmp_path):
    only_rules(sample_lib)
    with sample_lib.session() as s:
        for st in s.scalars(select(Standard)):
            st.text = "很长的测评标准文本" * 40
        for node in s.scalars(select(ChecklistNode)):
            node.title = "很长的条目标题" * 30
    st = find_standard(sample_lib, "Ⅲ-13:2")
    for i in range(3):
        add_material(sample_lib, jpeg_bytes(100 + i), f"p{i}.jpg", "jpeg", [st.id], title="题名" * 100)
    opts = ExportOptions.from_library(sample_lib, path_limit=120)
    result = export_package(sample_lib, tmp_path / "包", options=opts)
    files = tree_files(result.folder)
    assert all(units(f) <= 120 for f in files), max(files, key=units)
    assert len(files) == 3 + 1 + 3


# --------------------------------------------------- scope and sharing
def test_item_and_unit_scope(corpus_lib, tmp_path, quiet):
    sub = export_package(corpus_lib, tmp_path / "item", item="Ⅱ-3")
    files = tree_files(sub.folder)
    assert files and all(f.startswith("Ⅰ-2 思想道德建设/Ⅱ-3 ") for f in files if "/" in f)
    unit = export_package(corpus_lib, tmp_path / "unit", unit="市委宣传部")
    files = [f for f in tree_files(unit.folder) if "/" in f]
    assert len(files) == 2 and all(f.endswith(".pdf") for f in files)


def test_shared_material_as_note(corpus_lib, tmp_path, quiet):
    opts = ExportOptions.from_library(corpus_lib, shared="note")
    result = export_package(corpus_lib, tmp_path / "包", options=opts)
    notes = [p for p in result.folder.rglob("*.txt") if "/" in p.relative_to(result.folder).as_posix()]
    assert len(notes) == 1 and "Ⅲ-9 " in str(notes[0])
    text = notes[0].read_text(encoding="utf-8-sig")
    target = text.rsplit("见：", 1)[1].strip()
    assert (result.folder / target).is_file()


# ------------------------------------------------------ determinism
def test_two_exports_give_identical_zips(corpus_lib, tmp_path, quiet):
    a = export_package(corpus_lib, tmp_path / "a.zip", as_zip=True)
    b = export_package(corpus_lib, tmp_path / "b", as_zip=True)
    assert b.zip_path == tmp_path / "b.zip"
    assert a.zip_path.read_bytes() == b.zip_path.read_bytes()
    assert a.internal == tmp_path / "a-内部版.zip" and b.internal == tmp_path / "b-内部版.zip"
    assert a.internal.read_bytes() == b.internal.read_bytes()
    assert verify_package(a.zip_path).ok and verify_package(a.internal).ok
    with zipfile.ZipFile(a.zip_path) as zf:
        infos = zf.infolist()
        assert all(i.flag_bits & 0x800 for i in infos if not i.filename.isascii())
        assert len({i.date_time for i in infos}) == 1
        assert infos[-1].filename == "manifest-sha256.txt"


def test_folder_and_zip_together(corpus_lib, tmp_path, quiet):
    opts = ExportOptions.from_library(corpus_lib, keep_folder=True)
    r = export_package(corpus_lib, tmp_path / "包", as_zip=True, options=opts)
    assert r.folder.is_dir() and r.zip_path.is_file()
    with zipfile.ZipFile(r.zip_path) as zf:
        names = sorted(i.filename for i in zf.infolist())
        assert names == tree_files(r.folder)
        assert zf.read("manifest-sha256.txt") == (r.folder / "manifest-sha256.txt").read_bytes()


# ------------------------------------------------------ verify-package
def test_verify_names_altered_missing_and_extra_in_folder(corpus_lib, tmp_path, quiet):
    r = export_package(corpus_lib, tmp_path / "包")
    files = [f for f in tree_files(r.folder) if "/" in f]
    altered, missing = r.folder / files[0], r.folder / files[1]
    data = bytearray(altered.read_bytes())
    data[len(data) // 2] ^= 0x01
    altered.write_bytes(bytes(data))
    missing.unlink()
    (r.folder / "Ⅰ-1 重点工作" / "多余.txt").write_text("x", encoding="utf-8")
    report = verify_package(r.folder)
    got = {(p.kind, p.path) for p in report.problems}
    assert got == {("altered", files[0]), ("missing", files[1]), ("extra", "Ⅰ-1 重点工作/多余.txt")}
    proc = run_cli("verify-package", str(r.folder), "--json")
    assert proc.returncode == 1, proc.stderr
    assert '"altered"' in proc.stdout and "多余.txt" in proc.stdout


def test_verify_zip_altered_missing_extra(corpus_lib, tmp_path, quiet):
    r = export_package(corpus_lib, tmp_path / "p.zip", as_zip=True)
    assert verify_package(r.zip_path).ok
    with zipfile.ZipFile(r.zip_path) as src:
        entries = [(i, src.read(i)) for i in src.infolist()]
    victim, gone = entries[3][0].filename, entries[4][0].filename
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad, "w") as dst:
        for info, data in entries:
            if info.filename == gone:
                continue
            if info.filename == victim:
                data = data[:-1] + bytes([data[-1] ^ 0xFF])
            dst.writestr(info.filename, data)
        dst.writestr("extra.bin", b"!")
    report = verify_package(bad)
    assert {(p.kind, p.path) for p in report.problems} == {
        ("altered", victim), ("missing", gone), ("extra", "extra.bin")}


# -------------------------------------------------- checks: hold back/override
def _all_text(folder: Path) -> str:
    """The text a reader of the package sees: names, catalog cells, Word text, plain text."""
    from openpyxl import load_workbook

    out = tree_files(folder)
    for p in folder.rglob("*"):
        if p.suffix == ".xlsx":
            out += [str(v) for row in load_workbook(p).active.iter_rows(values_only=True) for v in row]
        elif p.suffix == ".docx":
            out.append(_docx_text(p))
        elif p.suffix == ".txt":
            out.append(p.read_text(encoding="utf-8-sig"))
    return "\n".join(out)


def test_errors_hold_back_faulty_materials(corpus_lib, tmp_path, rules_back):
    only_rules(corpus_lib, "resolution", "unreadable")  # the photos are small, one is corrupted
    r = export_package(corpus_lib, tmp_path / "包", as_zip=True,
                       options=ExportOptions.from_library(corpus_lib, keep_folder=True))
    held = {h.material_id: h for h in r.held}
    with corpus_lib.session() as s:
        corrupted = s.scalar(select(Material.id).where(Material.original_name == "jpg__corrupted.jpg"))
        small = s.scalars(select(Material.id).where(Material.kind == "jpeg")).all()
    assert corrupted in held and set(small) <= set(held)
    assert not r.overridden and r.errors
    # the upload package holds none of them, no internal document and no operator name
    files = tree_files(r.folder)
    assert [f for f in files if f.endswith(".jpg")] == [
        f for f in files if f.endswith("_IMG 5195.jpg")], "only the HEIC photo is large enough"
    assert any(f.endswith(".pdf") and "Ⅲ-1 " in f for f in files)
    assert not {"检查报告.docx", "导出记录.txt"} & {f.rsplit("/", 1)[-1] for f in files}
    text = _all_text(r.folder)
    assert corpus_lib.user not in text and "越过" not in text and "allow-errors" not in text
    assert "corrupted" not in text
    # the internal copy lists what was held back and why
    assert r.internal == tmp_path / "包-内部版.zip" and (tmp_path / "包-内部版").is_dir()
    record = (tmp_path / "包-内部版" / "导出记录.txt").read_text(encoding="utf-8-sig")
    assert f"未纳入上报版的材料：{len(held)} 件" in record
    assert f"材料 #{corrupted}「jpg__corrupted.jpg」" in record
    for reason in held[corrupted].reasons:
        assert reason in record
    assert f"操作人：{corpus_lib.user}" in record
    assert verify_package(r.zip_path).ok and verify_package(r.internal).ok
    assert verify_package(tmp_path / "包-内部版").ok


def _docx_text(path: Path) -> str:
    import docx

    doc = docx.Document(path)
    cells = (c.text for t in doc.tables for row in t.rows for c in row.cells)
    return "\n".join([p.text for p in doc.paragraphs] + list(cells))


def test_override_is_recorded_in_the_internal_copy(corpus_lib, tmp_path, rules_back):
    only_rules(corpus_lib, "resolution", "caption")
    r = export_package(corpus_lib, tmp_path / "包", allow_errors=True)
    assert r.overridden and r.errors and not r.held
    report = _docx_text(r.internal / "检查报告.docx")
    assert "越过错误导出" in report and r.errors[0].message in report
    record = (r.internal / "导出记录.txt").read_text(encoding="utf-8-sig")
    assert "越过错误导出" in record and f"纳入上报版的材料：{len(r.admitted)} 件" in record
    assert "越过" not in _all_text(r.folder) and corpus_lib.user not in _all_text(r.folder)


def test_include_admits_only_the_materials_picked(corpus_lib, tmp_path, rules_back):
    only_rules(corpus_lib, "resolution")
    first = export_package(corpus_lib, tmp_path / "a")
    picked = first.held[0]
    r = export_package(corpus_lib, tmp_path / "b", include=[picked.material_id])
    assert r.admitted == (picked.material_id,)
    assert {h.material_id for h in r.held} == {h.material_id for h in first.held} - {picked.material_id}
    assert len(tree_files(r.folder)) > len(tree_files(first.folder))
    record = (r.internal / "导出记录.txt").read_text(encoding="utf-8-sig")
    assert f"材料 #{picked.material_id}「{picked.name}」" in record.split("确认纳入上报版的材料")[1]
    from civdesk.export import ScopeError

    with pytest.raises(ScopeError):  # an id outside the scope is refused, not ignored
        export_package(corpus_lib, tmp_path / "c", include=[999_999])
    assert not (tmp_path / "c").exists()


def test_findings_outside_the_item_do_not_block(corpus_lib, tmp_path, rules_back):
    only_rules(corpus_lib, "resolution")  # the photos of Ⅲ-5 and Ⅲ-9 are too small
    assert export_package(corpus_lib, tmp_path / "全部").held
    r = export_package(corpus_lib, tmp_path / "包", item="Ⅲ-1")
    assert not r.errors and not r.held
    with pytest.raises(ExportBlocked):  # nothing left to upload: said, nothing written
        export_package(corpus_lib, tmp_path / "照片", item="Ⅲ-9")
    assert not (tmp_path / "照片").exists() and not (tmp_path / "照片-内部版").exists()


def test_real_checks_run_before_export(corpus_lib, tmp_path):
    outcome = checkgate.run_export_checks(corpus_lib, None, None)
    assert outcome.errors  # the sample checklist owes a lot
    with pytest.raises(ExportBlocked) as info:  # every material has an error (the period)
        export_package(corpus_lib, tmp_path / "包")
    assert list(tmp_path.iterdir()) == []
    assert "--include" in str(info.value)
    r = export_package(corpus_lib, tmp_path / "包", allow_errors=True)
    assert r.overridden and not r.held
    fmt = [f for f in r.errors if f.rule == "format"]
    assert not fmt, "the HEIC format error is fixed by the conversion"


# ------------------------------------------------------------ atomicity
def test_cancel_leaves_nothing(corpus_lib, tmp_path, quiet):
    class CancelAt(NullProgress):
        def update(self, done, total, message=""):
            super().update(done, total, message)
            if done >= 5:
                self.cancel()

    for as_zip in (False, True):
        with pytest.raises(Cancelled):
            export_package(corpus_lib, tmp_path / "包", as_zip=as_zip, progress=CancelAt())
        assert list(tmp_path.iterdir()) == []


def test_existing_target_is_refused_unless_overwrite(corpus_lib, tmp_path, quiet):
    from civdesk.export import ExportError

    export_package(corpus_lib, tmp_path / "包")
    with pytest.raises(ExportError):
        export_package(corpus_lib, tmp_path / "包")
    opts = ExportOptions.from_library(corpus_lib, overwrite=True)
    r = export_package(corpus_lib, tmp_path / "包", options=opts)
    assert verify_package(r.folder).ok
    assert sorted(p.name for p in tmp_path.iterdir()) == ["包", "包-内部版"]


KILL_SCRIPT = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from civdesk.library import Library
    from civdesk.export import export_package
    from civdesk.progress import NullProgress

    class Slow(NullProgress):
        def update(self, done, total, message=""):
            if done == 20:
                print("MIDWAY", flush=True)
            time.sleep(0.01)

    if __name__ == "__main__":
        with Library.open(sys.argv[1]) as lib:
            export_package(lib, Path(sys.argv[2]), as_zip=sys.argv[3] == "zip", progress=Slow())
        print("DONE", flush=True)
""")


@pytest.mark.parametrize("mode", ["folder", "zip"])
def test_sigkill_midway_leaves_no_package(tmp_path, mode):
    lib = Library.create(tmp_path / "lib")
    st = find_standard(lib, "Ⅲ-5:1")
    for i in range(300):
        add_material(lib, jpeg_bytes(i, (160, 120)), f"p{i}.jpg", "jpeg", [st.id])
    only_rules(lib)
    lib.close()
    script = tmp_path / "kill_me.py"
    script.write_text(KILL_SCRIPT, encoding="utf-8")
    out = tmp_path / "out" / ("包.zip" if mode == "zip" else "包")
    scratch = tmp_path / "scratch"  # the killed process cannot remove its temporary folders
    scratch.mkdir()
    env = dict(os.environ, PYTHONPATH=str(ROOT), TMPDIR=str(scratch))
    proc = subprocess.Popen([sys.executable, str(script), str(tmp_path / "lib"), str(out), mode],
                            stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout.readline().strip() == "MIDWAY"
        time.sleep(0.1)
        assert any(out.parent.glob(f".{out.name}.part-*")), "the package is being written"
        workers = children(proc.pid)  # the caption-PDF pool (300 photos) and its tracker
        assert workers, "the export started no worker processes"
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(alive(w) for w in workers):
        time.sleep(0.05)
    assert not [w for w in workers if alive(w)], "workers outlived the killed export"
    assert not out.exists()
    with Library.open(tmp_path / "lib") as lib:
        assert lib.verify().ok
        r = export_package(lib, out, as_zip=mode == "zip")
    assert verify_package(r.path).ok
    assert sorted(p.name for p in out.parent.iterdir()) == sorted([out.name, r.internal.name]), \
        "leftovers cleaned"


# ------------------------------------------------------------------ CLI
def test_cli_export_and_verify(corpus_lib, tmp_path):
    lib_path = str(corpus_lib.path)
    corpus_lib.close()
    try:
        proc = run_cli("export", "-L", lib_path, "--out", str(tmp_path / "o"), "--zip")
        assert proc.returncode == 1 and "错误" in proc.stdout  # every material has an error
        assert not (tmp_path / "o.zip").exists()
        proc = run_cli("export", "-L", lib_path, "--out", str(tmp_path / "p"), "--zip",
                       "--allow-errors", "--json")
        assert proc.returncode == 0, proc.stderr
        assert '"overridden": true' in proc.stdout and "p-内部版.zip" in proc.stdout
        for name in ("p.zip", "p-内部版.zip"):
            proc = run_cli("verify-package", str(tmp_path / name))
            assert proc.returncode == 0 and "核对通过" in proc.stdout
        proc = run_cli("export", "-L", lib_path, "--out", str(tmp_path / "q"), "--item", "Ⅸ-99")
        assert proc.returncode == 2
    finally:
        corpus_lib._lock.acquire()


def test_altered_vault_file_stops_the_export(tmp_path):
    """A vault file whose bytes no longer match its hash never reaches a package."""
    from civdesk.checklist import store as cl
    from civdesk.export import ExportError
    from civdesk.importer import ImportOptions

    lib = Library.create(tmp_path / "lib")
    try:
        st = cl.find_standard(lib, "Ⅲ-5:1")
        report = lib.import_paths([CORPUS / "photos" / "jpg__Canon_40D.jpg"],
                                  ImportOptions(standard_ids=(st.id,)))
        only_rules(lib)
        with lib.session() as s:
            sha = s.get(Material, report.entries[0].material_id).sha256
        stored = lib.vault.path_for(sha)
        stored.chmod(0o644)
        data = bytearray(stored.read_bytes())
        data[-100] ^= 0xFF
        stored.write_bytes(bytes(data))
        for as_zip in (False, True):
            out = tmp_path / f"包{int(as_zip)}"
            with pytest.raises(ExportError, match="校验失败"):
                export_package(lib, out, as_zip=as_zip)
            assert not any(p.name.startswith(out.name) for p in tmp_path.iterdir())
    finally:
        lib.close()


# ------------------------------------------- verify-package: hidden zip entries
def _rezip(src: Path, dst: Path, extra: list[tuple[zipfile.ZipInfo | str, bytes]]) -> None:
    """``src`` copied entry by entry into ``dst``, then ``extra`` appended."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info, zin.read(info))
        for info, data in extra:
            zout.writestr(info, data)


@pytest.fixture(scope="module")
def package_zip(corpus_lib, tmp_path_factory):
    before = get_check_settings(corpus_lib)
    only_rules(corpus_lib)  # no rule on: nothing blocks this package
    try:
        r = export_package(corpus_lib, tmp_path_factory.mktemp("pkg") / "p.zip", as_zip=True)
    finally:
        set_check_settings(corpus_lib, before)
    assert verify_package(r.zip_path).ok
    return r.zip_path


def test_verify_zip_names_an_entry_stored_twice(package_zip, tmp_path):
    with zipfile.ZipFile(package_zip) as zf:
        first = next(i for i in zf.infolist() if "/" in i.filename)
        original = zf.read(first)
    bad = tmp_path / "dup.zip"
    # the real bytes stay as the last copy (what unzip keeps); a hidden first copy goes in front
    with zipfile.ZipFile(package_zip) as zin, zipfile.ZipFile(bad, "w") as zout, \
            pytest.warns(UserWarning, match="Duplicate name"):
        zout.writestr(first.filename, b"hidden payload")
        for info in zin.infolist():
            zout.writestr(info, zin.read(info))
    with zipfile.ZipFile(bad) as zf:
        assert zf.read(first.filename) == original
    report = verify_package(bad)
    assert [(p.kind, p.path) for p in report.problems] == [("duplicate", first.filename)]
    assert "2 次" in report.problems[0].message and not report.ok
    with pytest.warns(UserWarning, match="Duplicate name"):  # zipfile warns, we report
        _rezip(package_zip, tmp_path / "dup2.zip", [(first.filename, original)])
    assert {p.kind for p in verify_package(tmp_path / "dup2.zip").problems} == {"duplicate"}


def test_verify_zip_names_a_second_manifest(package_zip, tmp_path):
    bad = tmp_path / "two-manifests.zip"
    with zipfile.ZipFile(package_zip) as zf:
        manifest = zf.read("manifest-sha256.txt")
    with pytest.warns(UserWarning, match="Duplicate name"):
        _rezip(package_zip, bad, [("manifest-sha256.txt", manifest)])
    report = verify_package(bad)
    assert [(p.kind, p.path) for p in report.problems] == [("duplicate", "manifest-sha256.txt")]
    assert "校验清单" in report.problems[0].message


def test_verify_zip_names_a_folder_entry_with_data(package_zip, tmp_path):
    bad = tmp_path / "dir-data.zip"
    info = zipfile.ZipInfo("Ⅰ-1 重点工作/")  # a folder entry: unzip makes a folder, data unseen
    empty = zipfile.ZipInfo("空文件夹/")
    empty.compress_type = zipfile.ZIP_DEFLATED  # an empty deflated entry is not "data"
    _rezip(package_zip, bad, [(info, b"MZ hidden executable"), (empty, b"")])
    report = verify_package(bad)
    assert [(p.kind, p.path) for p in report.problems] == [("extra", "Ⅰ-1 重点工作/")]
    assert "文件夹条目带有数据" in report.problems[0].message


def test_cli_verify_reports_duplicates_in_chinese(package_zip, tmp_path, capsys):
    from civdesk.cli import main

    bad = tmp_path / "dup.zip"
    with pytest.warns(UserWarning):
        _rezip(package_zip, bad, [("目录.xlsx", b"fake")])
    assert main(["verify-package", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "[duplicate]" in out and "同名文件出现 2 次" in out and "目录.xlsx" in out


# ------------------------------------------------------------ disk full
def disk_full_after(monkeypatch, budget: int) -> list[int]:
    """Every file the export creates fails with ENOSPC once ``budget`` bytes are written
    in all (a full disk).  Returns the remaining budget (a list, to watch it)."""
    import builtins
    import errno

    from civdesk.export import package

    left = [budget]

    class Full(io.FileIO):
        def write(self, b) -> int:  # noqa: ANN001
            left[0] -= len(b)
            if left[0] < 0:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return super().write(b)

    def full_open(path, mode="r", *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
        if "x" in mode or "w" in mode:
            return io.BufferedWriter(Full(path, mode.replace("b", "")))
        return builtins.open(path, mode, *args, **kwargs)

    def full_write_new(path, data):  # noqa: ANN001
        left[0] -= len(data)
        if left[0] < 0:
            with open(path, "xb") as f:  # a partial file, as a real full disk leaves
                f.write(data[:max(0, len(data) + left[0])])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_write_new(path, data)

    real_write_new = package._write_new
    monkeypatch.setattr(package, "open", full_open, raising=False)
    monkeypatch.setattr(package, "_write_new", full_write_new)
    return left


@pytest.mark.parametrize("as_zip, keep_folder, budget", [
    (False, False, 150_000), (True, False, 150_000), (True, True, 150_000), (True, False, 2_000)])
def test_disk_full_leaves_nothing_and_says_where(corpus_lib, tmp_path, monkeypatch, quiet,
                                                 as_zip, keep_folder, budget):
    from civdesk.export import DiskFullError

    out_dir = tmp_path / "U盘"
    out_dir.mkdir()
    left = disk_full_after(monkeypatch, budget)
    opts = ExportOptions.from_library(corpus_lib, keep_folder=keep_folder)
    with pytest.raises(DiskFullError) as info:
        export_package(corpus_lib, out_dir / "包", as_zip=as_zip, options=opts)
    assert left[0] < 0, "the disk did fill up"
    msg = str(info.value)
    assert msg.startswith("磁盘空间不足") and str(out_dir) in msg and "包" in msg
    assert "原件库未受影响" in msg
    assert list(out_dir.iterdir()) == [], "no package and no temporary files left"
    assert corpus_lib.verify().ok


def test_cli_export_disk_full_exits_1_with_the_message(corpus_lib, tmp_path, monkeypatch, capsys):
    from civdesk.cli import main

    lib_path = str(corpus_lib.path)
    corpus_lib.close()
    try:
        disk_full_after(monkeypatch, 100_000)
        code = main(["export", "-L", lib_path, "--out", str(tmp_path / "p"), "--zip",
                     "--allow-errors"])
        captured = capsys.readouterr()
        assert code == 1
        assert "导出失败：磁盘空间不足" in captured.out and str(tmp_path) in captured.out
        assert "Traceback" not in captured.out + captured.err
        assert [p for p in tmp_path.iterdir() if p.name.startswith((".p", "p"))] == []
    finally:
        corpus_lib._lock.acquire()
    assert corpus_lib.verify().ok


# ------------------------------------------------- the writer's threads
def test_writer_threads_write_every_folder_and_stop_on_a_repeated_name(tmp_path, monkeypatch):
    """Each folder's files go to one of the writer's threads and the copy reads ahead only a
    little: every file still lands once, in folder and zip alike, and a name given twice
    (in any folder) stops the package."""
    from civdesk.export import ExportError, package

    monkeypatch.setattr(package, "BACKLOG_FILES", 3)  # the copy waits for the threads often
    stamp = dt.datetime(2024, 5, 1, 8, 0)
    files = {f"{top} 项目/{n % 4} 标准/{n:02d}.bin": os.urandom(50 + n) for top in "甲乙丙" for n in range(24)}
    w = package.PackageWriter(tmp_path / "包", tmp_path / "包.zip", stamp)
    for rel, data in files.items():
        w.put_bytes(rel, data)
    w.finish()
    assert tree_files(tmp_path / "包") == sorted([*files, "manifest-sha256.txt"])
    assert all((tmp_path / "包" / rel).read_bytes() == data for rel, data in files.items())
    assert verify_package(tmp_path / "包").ok and verify_package(tmp_path / "包.zip").ok
    with zipfile.ZipFile(tmp_path / "包.zip") as zf:  # the zip keeps the order given
        assert [i.filename for i in zf.infolist()] == [*files, "manifest-sha256.txt"]

    w = package.PackageWriter(tmp_path / "重", None, stamp)
    with pytest.raises(ExportError, match="文件名重复：乙/2.bin"):
        for rel in ("甲/1.bin", "乙/2.bin", "丙/3.bin", "甲/4.bin", "乙/2.bin", "丙/5.bin"):
            w.put_bytes(rel, rel.encode())
        w.finish()
    w.abort()


def test_altered_document_in_the_vault_stops_the_export(tmp_path):
    """A document copied unchanged is checked against the vault's SHA-256 as it is copied
    (folder and zip): altered, it stops the export and nothing is left behind."""
    from civdesk.export import ExportError

    lib = Library.create(tmp_path / "lib")
    try:
        only_rules(lib)
        sids = [find_standard(lib, code).id for code in ("Ⅲ-1:1", "Ⅲ-1:2", "Ⅲ-2:1", "Ⅲ-9:2")]
        for n in range(12):
            add_material(lib, b"%PDF-1.4\n" + os.urandom(3000 + n), f"文件{n}.pdf", "pdf", [sids[n % 4]])
        with lib.session() as s:
            shas = sorted(s.scalars(select(Material.sha256)))
        stored = lib.vault.path_for(shas[5])
        stored.chmod(0o644)
        data = bytearray(stored.read_bytes())
        data[-10] ^= 0xFF
        stored.write_bytes(bytes(data))
        for as_zip, keep in ((False, False), (True, False), (True, True)):
            out = tmp_path / f"包{int(as_zip)}{int(keep)}"
            opts = ExportOptions.from_library(lib, keep_folder=keep)
            with pytest.raises(ExportError, match="校验失败"):
                export_package(lib, out, as_zip=as_zip, options=opts)
            assert not any(p.name.startswith(out.name) or p.name.startswith("." + out.name)
                           for p in tmp_path.iterdir())
    finally:
        lib.close()


def test_cycle_collector_is_on_again_after_an_export(corpus_lib, tmp_path, quiet):
    """The export pauses the cycle collector for speed; the program gets it back, as it was,
    whether the export succeeded or failed."""
    import gc

    from civdesk.export import ExportError

    assert gc.isenabled()
    export_package(corpus_lib, tmp_path / "包")
    assert gc.isenabled()
    with pytest.raises(ExportError):
        export_package(corpus_lib, tmp_path / "包")  # exists already
    assert gc.isenabled()
    gc.disable()
    try:
        export_package(corpus_lib, tmp_path / "包2")
        assert not gc.isenabled()
    finally:
        gc.enable()
