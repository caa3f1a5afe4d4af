"""A library made by the first schema revision opens upgraded and intact."""
from __future__ import annotations

import shutil
import sqlite3

from sqlalchemy import select

from civdesk import db
from civdesk.library import Library
from civdesk.models import Link, Material, Standard, Unit
from tests.conftest import ROOT

FIXTURE = ROOT / "tests" / "fixtures" / "library_rev0001"


def _revision(path):
    con = sqlite3.connect(path / "library.db")
    try:
        return con.execute("select version_num from alembic_version").fetchone()[0]
    finally:
        con.close()


def test_first_revision_library_is_upgraded_and_intact(tmp_path):
    path = tmp_path / "old"
    shutil.copytree(FIXTURE, path)
    assert _revision(path) == "0001"
    with Library.open(path) as lib:
        assert lib.backup_made, "an older database is backed up before upgrading"
        info = lib.info()
        assert info.schema_revision == db.head_revision()
        assert (info.checklists, info.items, info.standards, info.materials, info.links,
                info.units) == (1, 3, 1, 1, 1, 1)
        with lib.session() as s:
            m = s.scalars(select(Material)).one()
            assert m.title == "关于开展2024年道德模范评选表彰活动的通知"
            assert m.doc_number == "文明办〔2024〕3号"
            assert s.scalars(select(Unit.name)).one() == "市文明办"
            st = s.scalars(select(Standard)).one()
            assert st.methods == ["材料审核"] and st.requirements[1] == {"kind": "图片", "min_count": 2}
            assert s.scalars(select(Link)).one().material_id == m.id
        assert lib.verify().ok
    assert _revision(path) == db.head_revision()
    backup = next(path.glob("library.db.bak-*"))
    con = sqlite3.connect(backup)
    assert con.execute("select version_num from alembic_version").fetchone()[0] == "0001"
    con.close()


def test_database_from_newer_version_refused(tmp_path):
    path = tmp_path / "new"
    shutil.copytree(FIXTURE, path)
    con = sqlite3.connect(path / "library.db")
    con.execute("update alembic_version set version_num='9999'")
    con.commit()
    con.close()
    import pytest

    with pytest.raises(db.SchemaTooNewError, match="更新版本"):
        Library.open(path)
    # and the lock was released: the folder can still be opened after fixing


def test_cli_refuses_newer_library_with_clear_message(tmp_path):
    from tests.conftest import run_cli

    path = tmp_path / "new"
    shutil.copytree(FIXTURE, path)
    con = sqlite3.connect(path / "library.db")
    con.execute("update alembic_version set version_num='9999'")
    con.commit()
    con.close()
    r = run_cli("info", "--library", str(path))
    assert r.returncode == 1 and "更新版本" in r.stderr and "Traceback" not in r.stderr


def test_head_read_from_the_migration_files_is_alembics_head():
    """Opening a current library compares against this instead of importing Alembic."""
    assert db.head_from_files() == db.head_revision()
