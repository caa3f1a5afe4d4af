"""checklist layers: a contact person (联系人) per standard; filed materials re-indexed
so that every form of their standards' codes (Ⅲ-9:2, III-9:2, 三-9:2, 3-9:2) is searchable

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 10:50:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('standards', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact', sa.String(length=200), server_default='', nullable=False))
    # the search document of a filed material now holds its codes in every form
    op.execute("UPDATE materials SET version = version + 1 "
               "WHERE id IN (SELECT DISTINCT material_id FROM links)")


def downgrade() -> None:
    with op.batch_alter_table('standards', schema=None) as batch_op:
        batch_op.drop_column('contact')
