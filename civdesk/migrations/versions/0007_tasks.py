"""the round trip with departments: task packages issued, submissions received and
reviewed item by item, notices issued with their 文号

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 01:20:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'task_packages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('package_id', sa.String(length=40), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('checklist_id', sa.Integer(), nullable=True),
        sa.Column('issued_at', sa.DateTime(), nullable=False),
        sa.Column('standard_ids', sa.JSON(), nullable=False),
        sa.Column('owed_ids', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['checklist_id'], ['checklists.id'],
                                name=op.f('fk_task_packages_checklist_id_checklists'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'],
                                name=op.f('fk_task_packages_unit_id_units'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_task_packages')),
        sa.UniqueConstraint('package_id', name=op.f('uq_task_packages_package_id')),
    )
    with op.batch_alter_table('task_packages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_packages_unit_id'), ['unit_id'], unique=False)
    op.create_table(
        'submissions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('package_id', sa.String(length=40), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('received_at', sa.DateTime(), nullable=False),
        sa.Column('source_name', sa.String(length=1000), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('counts', sa.JSON(), nullable=False),
        sa.Column('listed', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'],
                                name=op.f('fk_submissions_unit_id_units'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_submissions')),
        sa.UniqueConstraint('sha256', name=op.f('uq_submissions_sha256')),
    )
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_submissions_package_id'), ['package_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_submissions_unit_id'), ['unit_id'], unique=False)
    op.create_table(
        'submission_items',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('submission_id', sa.Integer(), nullable=False),
        sa.Column('material_id', sa.Integer(), nullable=False),
        sa.Column('standard_id', sa.Integer(), nullable=True),
        sa.Column('path', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('reviewed_at', sa.DateTime(), nullable=True),
        sa.Column('reviewer', sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(['material_id'], ['materials.id'],
                                name=op.f('fk_submission_items_material_id_materials'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['standard_id'], ['standards.id'],
                                name=op.f('fk_submission_items_standard_id_standards'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'],
                                name=op.f('fk_submission_items_submission_id_submissions'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_submission_items')),
    )
    with op.batch_alter_table('submission_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_submission_items_material_id'), ['material_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_submission_items_standard_id'), ['standard_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_submission_items_submission_id'), ['submission_id'], unique=False)
    op.create_table(
        'notices',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('doc_number', sa.String(length=100), nullable=False),
        sa.Column('issued_on', sa.Date(), nullable=False),
        sa.Column('deadline', sa.Date(), nullable=True),
        sa.Column('units', sa.JSON(), nullable=False),
        sa.Column('standards', sa.JSON(), nullable=False),
        sa.Column('path', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notices')),
        sa.UniqueConstraint('year', 'number', name=op.f('uq_notices_year')),
    )


def downgrade() -> None:
    op.drop_table('notices')
    op.drop_table('submission_items')
    op.drop_table('submissions')
    op.drop_table('task_packages')
