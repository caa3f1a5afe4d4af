"""Duplicate documents are found from the fingerprint stored with each document, kept current
by every write of its text, and filled in for the materials of older libraries."""
from __future__ import annotations

from sqlalchemy import delete, event, insert, select, text, update

from civdesk import db, text_keys
from civdesk.checks import run_checks
from civdesk.checks.badges import compute_badges
from civdesk.models import Material, MaterialText
from tests.core.checks_helpers import add_doc, import_real

TEXT = "市委理论学习中心组2024年度学习计划执行情况说明，全年集体学习十二次，专题研讨四次。" * 3
OTHER = "志愿服务站点建设情况：全市建成新时代文明实践站一百二十个，开展志愿服务三千余场。" * 3
CODE = "Ⅲ-1:2"


def _duplicates(lib) -> set[int]:
    """The documents the check counts as a second copy, after checking the badges agree."""
    found = {f.material_id for f in run_checks(lib).findings if f.rule == "duplicate" and f.severity == "错误"}
    assert set(compute_badges(lib).document_twins) == found, "the badge and the check disagree"
    return found


def _keys(lib, *ids: int) -> list[str | None]:
    with lib.session() as s:
        keys = dict(s.execute(select(Material.id, Material.text_key).where(Material.id.in_(ids))).all())
    return [keys[i] for i in ids]


def test_a_full_check_finds_duplicate_documents_without_reading_their_texts(sample_lib):
    first = add_doc(sample_lib, CODE, category="正式发文", text=TEXT)
    copy = add_doc(sample_lib, CODE, category="正式发文", text=TEXT)
    add_doc(sample_lib, CODE, category="正式发文", text=OTHER)
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:  # noqa: ANN001
        statements.append(statement)

    event.listen(sample_lib.engine, "before_cursor_execute", seen)
    try:
        checked = run_checks(sample_lib)
    finally:
        event.remove(sample_lib.engine, "before_cursor_execute", seen)
    dup = [f for f in checked.findings if f.rule == "duplicate" and f.severity == "错误"]
    assert [f.material_id for f in dup] == [copy] and f"#{first}" in dup[0].message
    assert statements and not [q for q in statements if "material_texts" in q], \
        "only the reports' texts are read (for their key terms), not every document's"


def test_the_fingerprint_follows_every_write_of_the_text(sample_lib):
    a = add_doc(sample_lib, CODE, text=TEXT)
    b = add_doc(sample_lib, CODE, text=TEXT)
    assert _duplicates(sample_lib) == {b}
    assert _keys(sample_lib, a) == _keys(sample_lib, b) == [text_keys.fingerprint(TEXT)]
    # new text for a page (as OCR writes it): no longer the same document
    with sample_lib.session() as s:
        s.get(MaterialText, (b, 1)).text = OTHER
    assert _duplicates(sample_lib) == set()
    assert _keys(sample_lib, b) == [text_keys.fingerprint(OTHER)]
    # a second page read by OCR makes a different head again
    with sample_lib.session() as s:
        s.get(MaterialText, (b, 1)).text = TEXT
        s.add(MaterialText(material_id=b, page=2, text="第二页", source="ocr"))
    assert _duplicates(sample_lib) == set()
    assert _keys(sample_lib, b) == [text_keys.fingerprint(TEXT + "\n第二页")]
    # bulk statements through the session: delete, insert, update
    with sample_lib.session() as s:
        s.execute(delete(MaterialText).where(MaterialText.material_id == b, MaterialText.page == 2))
    assert _duplicates(sample_lib) == {b}
    with sample_lib.session() as s:
        s.execute(insert(MaterialText.__table__), [dict(material_id=a, page=2, text="附件", source="text")])
    assert _duplicates(sample_lib) == set()
    with sample_lib.session() as s:
        s.execute(update(MaterialText).where(MaterialText.material_id == b, MaterialText.page == 1)
                  .values(text=TEXT + "\n附件"))
    assert _keys(sample_lib, a) == _keys(sample_lib, b) == [text_keys.fingerprint(TEXT + "\n附件")]
    # page counts differ: not the same document, whatever the text
    with sample_lib.session() as s:
        s.get(Material, b).pages = 9
    assert _duplicates(sample_lib) == set()


def test_imported_copies_of_a_document_are_found_from_the_keys_the_import_stored(sample_lib, tmp_path):
    # the same notice saved twice (a different line ending: other bytes, the same text)
    one, two = tmp_path / "通知.txt", tmp_path / "通知（副本）.txt"
    one.write_bytes(TEXT.encode("utf-8") + b"\n")
    two.write_bytes(TEXT.encode("utf-8") + b"\r\n")
    ids = import_real(sample_lib, [one, two], CODE)
    with sample_lib.session() as s:
        page = s.scalar(select(MaterialText.text).where(MaterialText.material_id == ids[0]))
    assert _keys(sample_lib, *ids) == [text_keys.fingerprint(page)] * 2
    assert _duplicates(sample_lib) == {max(ids)}  # the later one is the copy


def test_a_key_not_stored_is_worked_out_from_the_text(sample_lib):
    a = add_doc(sample_lib, CODE, text=TEXT)
    b = add_doc(sample_lib, CODE)
    with sample_lib.engine.begin() as conn:  # around the session: nothing keeps the key
        conn.execute(insert(MaterialText.__table__).values(material_id=b, page=1, text=TEXT, source="text"))
        conn.execute(update(Material.__table__).where(Material.__table__.c.id == b).values(text_key=None))
    assert _duplicates(sample_lib) == {b}
    assert _keys(sample_lib, a)[0]


def test_the_upgrade_fills_in_the_keys_of_older_libraries(sample_lib):
    long_one = add_doc(sample_lib, CODE, text=TEXT)
    pages = add_doc(sample_lib, CODE, text="甲" * 3500)
    with sample_lib.session() as s:
        s.add(MaterialText(material_id=pages, page=2, text="乙" * 10))
        s.add(MaterialText(material_id=pages, page=4, text="丙" * 100))  # past the pages read
    short = add_doc(sample_lib, CODE, text="文明城市")
    no_text = add_doc(sample_lib, CODE)
    ids = (long_one, pages, short, no_text)
    kept = _keys(sample_lib, *ids)
    assert kept[:3] == [text_keys.fingerprint(TEXT), text_keys.fingerprint("甲" * 3000 + "\n" + "乙" * 10), ""]
    _back_to(sample_lib, "0009")
    with sample_lib.engine.connect() as conn:
        assert "text_key" not in list(conn.execute(text("SELECT * FROM materials")).keys())
    db.upgrade(sample_lib.engine, sample_lib.db_path if sample_lib.engine.dialect.name == "sqlite" else None)
    assert _keys(sample_lib, *ids) == [*kept[:3], ""]
    copy = add_doc(sample_lib, CODE, text=TEXT)
    assert _duplicates(sample_lib) == {copy}


def _back_to(lib, revision: str) -> None:
    from alembic import command

    cfg = db.alembic_config()
    with lib.engine.connect() as conn:
        if conn.dialect.name == "sqlite":  # the batch migration recreates tables (see db.upgrade)
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.commit()
        with conn.begin():
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, revision)
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            conn.commit()
