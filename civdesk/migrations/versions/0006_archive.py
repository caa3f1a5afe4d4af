"""archive items (件) and their materials, for the year-end archive transfer

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-01 10:45:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'archive_items',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('retention', sa.String(length=10), nullable=False),
        sa.Column('org_code', sa.String(length=20), nullable=False),
        sa.Column('title', sa.Text(), nullable=False),
        sa.Column('title_supplied', sa.Boolean(), nullable=False),
        sa.Column('responsible', sa.String(length=200), nullable=False),
        sa.Column('doc_number', sa.String(length=200), nullable=False),
        sa.Column('date', sa.Date(), nullable=True),
        sa.Column('secrecy', sa.String(length=20), nullable=False),
        sa.Column('pages', sa.Integer(), nullable=True),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=True),
        sa.Column('code', sa.String(length=120), nullable=True),
        sa.Column('fixed_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_archive_items')),
        sa.UniqueConstraint('code', name=op.f('uq_archive_items_code')),
    )
    with op.batch_alter_table('archive_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_archive_items_year'), ['year'], unique=False)
    op.create_table(
        'archive_members',
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('material_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['item_id'], ['archive_items.id'],
                                name=op.f('fk_archive_members_item_id_archive_items'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['material_id'], ['materials.id'],
                                name=op.f('fk_archive_members_material_id_materials'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('item_id', 'material_id', name=op.f('pk_archive_members')),
        sa.UniqueConstraint('material_id', name=op.f('uq_archive_members_material_id')),
    )


def downgrade() -> None:
    op.drop_table('archive_members')
    with op.batch_alter_table('archive_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_archive_items_year'))
    op.drop_table('archive_items')
