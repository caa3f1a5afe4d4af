"""The schema the migrations build is the one the models describe (on the back end the suite
runs on: a library folder's SQLite, or with ``--backend=postgresql`` a server's catalog)."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from civdesk.models import Base


def test_migrated_schema_equals_the_models(empty_lib):
    with empty_lib.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []


def test_links_are_indexed_by_standard_with_their_material(empty_lib):
    """A node's materials and the tree's counts are read from this index alone."""
    indexes = {tuple(ix["column_names"]) for ix in inspect(empty_lib.engine).get_indexes("links")}
    assert ("standard_id", "material_id") in indexes
    assert ("standard_id",) not in indexes  # the longer index serves its queries too
