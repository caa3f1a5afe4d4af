"""Duplicates, filing suggestions and the ``civdesk import`` command line."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from sqlalchemy import select

from civdesk.checklist import store as cl
from civdesk.importer import ImportOptions
from civdesk.models import Link, Material, Suggestion, Unit
from tests.conftest import FIXTURES, run_cli

PHOTOS = FIXTURES / "corpus" / "photos"
PDFS = FIXTURES / "corpus" / "pdf"


def _links(lib) -> set[tuple[str, int]]:
    with lib.session() as s:
        return set(s.execute(select(Material.original_name, Link.standard_id)
                             .join(Link, Link.material_id == Material.id)).all())


def _dept_folder(root: Path) -> Path:
    folder = root / "市民政局" / "Ⅲ-5 道德模范评选" / "照片"
    folder.mkdir(parents=True)
    shutil.copy(PHOTOS / "jpg__Canon_40D.jpg", folder / "颁奖现场.jpg")
    shutil.copy(PDFS / "minimal-document.pdf", folder.parent / "评选通知.pdf")
    return root / "市民政局"


# ------------------------------------------------------------- duplicates

def test_reimport_is_duplicate_and_still_adds_links(sample_lib, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(PHOTOS / "jpg__Nikon_D70.jpg", src / "a.jpg")
    shutil.copy(PDFS / "pdfkit.pdf", src / "b.pdf")
    first = sample_lib.import_paths([src])
    assert first.counts["imported"] == 2
    std = cl.find_standard(sample_lib, "Ⅲ-5:1")
    again = sample_lib.import_paths([src], ImportOptions(standard_ids=(std.id,)))
    assert again.counts == {"imported": 0, "duplicate": 2, "refused": 0}
    assert {e.material_id for e in again.entries} == {e.material_id for e in first.entries}
    assert all("相同" in e.reason for e in again.entries)
    assert _links(sample_lib) == {("a.jpg", std.id), ("b.pdf", std.id)}
    with sample_lib.session() as s:
        assert s.query(Material).count() == 2
    assert sample_lib.verify().ok


def test_same_content_twice_in_one_import(empty_lib, tmp_path):
    src = tmp_path / "in"
    (src / "x").mkdir(parents=True)
    shutil.copy(PHOTOS / "jpg__Pentax_K10D.jpg", src / "原图.jpg")
    shutil.copy(PHOTOS / "jpg__Pentax_K10D.jpg", src / "x" / "转发的副本.jpg")
    report = empty_lib.import_paths([src])
    assert sorted(e.status for e in report.entries) == ["duplicate", "imported"]
    assert len({e.material_id for e in report.entries}) == 1


# ------------------------------------------------------------ suggestions

def test_folder_names_propose_standard_and_unit(sample_lib, tmp_path):
    dept = _dept_folder(tmp_path)
    report = sample_lib.import_paths([dept])
    assert report.counts["imported"] == 2 and report.suggestions >= 2
    with sample_lib.session() as s:
        rows = s.execute(select(Material.original_name, Suggestion.standard_id, Unit.name, Suggestion.reason)
                         .join(Suggestion, Suggestion.material_id == Material.id)
                         .outerjoin(Unit, Unit.id == Suggestion.unit_id)).all()
    by_name = {}
    for name, sid, unit, reason in rows:
        by_name.setdefault(name, []).append((sid, unit, reason))
    items = {st.id: st.item_code for st in cl.checklist_tree(sample_lib).all_standards()}
    for name in ("颁奖现场.jpg", "评选通知.pdf"):
        assert by_name[name], name
        assert {items[sid] for sid, _, _ in by_name[name]} == {"Ⅲ-5"}
        assert {unit for _, unit, _ in by_name[name]} == {"市民政局"}
        assert any("Ⅲ-5" in r for _, _, r in by_name[name])
    assert not _links(sample_lib)  # only proposed, not filed


def test_accept_suggestions_links_and_sets_unit(sample_lib, tmp_path):
    dept = _dept_folder(tmp_path)
    sample_lib.import_paths([dept], ImportOptions(accept_suggestions=True))
    items = {st.id: st.item_code for st in cl.checklist_tree(sample_lib).all_standards()}
    links = _links(sample_lib)
    assert {n for n, _ in links} == {"颁奖现场.jpg", "评选通知.pdf"}
    assert {items[sid] for _, sid in links} == {"Ⅲ-5"}
    with sample_lib.session() as s:
        units = set(s.scalars(select(Unit.name).join(Material, Material.unit_id == Unit.id)))
        pending = s.query(Suggestion).count()
    assert units == {"市民政局"} and pending == 0


def test_unrelated_folder_gets_no_suggestion(sample_lib, tmp_path):
    (tmp_path / "杂项").mkdir()
    shutil.copy(PHOTOS / "jpg__Sony_HDR-HC3.jpg", tmp_path / "杂项" / "IMG_0001.jpg")
    report = sample_lib.import_paths([tmp_path / "杂项"])
    assert report.suggestions == 0


# -------------------------------------------------------------------- CLI

def _cli_import(lib_path: Path, *args: str):
    proc = run_cli("import", *args, "--json", "--library", str(lib_path))
    try:
        doc = json.loads(proc.stdout)
    except json.JSONDecodeError:
        raise AssertionError(f"no JSON (exit {proc.returncode}): {proc.stdout[-500:]} "
                             f"{proc.stderr[-2000:]}") from None
    return proc, doc


def test_cli_json_every_input_once_and_exit_status(tmp_path):
    lib_path = tmp_path / "lib"
    assert run_cli("init", "--library", str(lib_path)).returncode == 0
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(PHOTOS / "jpg__Canon_40D.jpg", src / "a.jpg")
    shutil.copy(PHOTOS / "jpg__Canon_40D.jpg", src / "a_copy.jpg")
    shutil.copy(PHOTOS / "jpg__corrupted.jpg", src / "broken.jpg")
    shutil.copy(PDFS / "pdfkit.pdf", src / "doc.pdf")
    (src / "empty.txt").write_bytes(b"")
    proc, doc = _cli_import(lib_path, str(src))
    assert proc.returncode == 1  # something was refused
    by_name = {Path(e["path"]).name: e for e in doc}
    assert len(doc) == len(by_name) == 5
    assert {k: v["status"] for k, v in by_name.items()} == {
        "a.jpg": "imported", "a_copy.jpg": "duplicate", "broken.jpg": "imported",
        "doc.pdf": "imported", "empty.txt": "refused"}
    assert by_name["a_copy.jpg"]["material_id"] == by_name["a.jpg"]["material_id"]
    assert by_name["empty.txt"]["material_id"] is None and by_name["empty.txt"]["reason"]
    assert "损坏" in by_name["broken.jpg"]["reason"]

    # nothing refused this time: exit 0, with links added to the duplicates
    (src / "empty.txt").unlink()
    proc, doc = _cli_import(lib_path, str(src), "--standard", "Ⅲ-5:2", "--unit", "市民政局")
    assert proc.returncode == 0, proc.stderr
    assert sorted(e["status"] for e in doc) == ["duplicate"] * 4
    verify = run_cli("verify", "--library", str(lib_path))
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_cli_unknown_standard_is_usage_error(tmp_path):
    lib_path = tmp_path / "lib"
    run_cli("init", "--library", str(lib_path))
    (tmp_path / "a.txt").write_text("x", encoding="utf-8")
    proc = run_cli("import", str(tmp_path / "a.txt"), "--standard", "Ⅲ-99:1", "--library", str(lib_path))
    assert proc.returncode == 2 and "Ⅲ-99" in proc.stdout + proc.stderr


def test_cli_zip_entries_and_accept_suggestions(tmp_path):
    import zipfile

    lib_path = tmp_path / "lib"
    run_cli("init", "--library", str(lib_path))
    z = tmp_path / "市民政局.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("Ⅲ-5 道德模范评选/表彰名单.txt", "道德模范表彰名单".encode())
        zf.writestr("../逃逸.txt", b"x")
    proc, doc = _cli_import(lib_path, str(z), "--accept-suggestions")
    assert proc.returncode == 1
    assert sorted((Path(e["path"]).name, e["status"]) for e in doc) == [
        ("表彰名单.txt", "imported"), ("逃逸.txt", "refused")]
