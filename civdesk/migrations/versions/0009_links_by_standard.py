"""links: the index by standard also holds the material, so a node's materials and the tree's
counts are read from the index alone (110,000 links: 215 → 135 ms for the tree's counts)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 14:40:00
"""
from __future__ import annotations

from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('links') as batch:
        batch.drop_index('ix_links_standard_id')
        batch.create_index('ix_links_standard_id_material_id', ['standard_id', 'material_id'])


def downgrade() -> None:
    with op.batch_alter_table('links') as batch:
        batch.drop_index('ix_links_standard_id_material_id')
        batch.create_index('ix_links_standard_id', ['standard_id'])
