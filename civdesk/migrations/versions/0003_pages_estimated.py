"""pages estimated (DOCX page counts from the file's saved statistics)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 05:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('materials', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pages_estimated', sa.Boolean(), server_default='0', nullable=False))
    # every DOCX page count so far was read from docProps/app.xml, never counted
    # a bound True: SQLite stores 1, PostgreSQL has a real boolean
    op.execute(sa.text("UPDATE materials SET pages_estimated = :yes WHERE kind = 'docx' AND pages IS NOT NULL")
               .bindparams(yes=True))


def downgrade() -> None:
    with op.batch_alter_table('materials', schema=None) as batch_op:
        batch_op.drop_column('pages_estimated')
