"""shared library: presence of program sessions, clerk and workstation in the audit log,
the session running an import, edit versions for optimistic concurrency between clerks

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 01:10:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'presence',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('session_key', sa.String(length=64), nullable=False),
        sa.Column('clerk', sa.String(length=100), nullable=False),
        sa.Column('workstation', sa.String(length=200), nullable=False),
        sa.Column('pid', sa.Integer(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_presence')),
        sa.UniqueConstraint('session_key', name=op.f('uq_presence_session_key')),
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('workstation', sa.String(length=200), server_default='', nullable=False))
    with op.batch_alter_table('import_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_key', sa.String(length=64), server_default='', nullable=False))
    with op.batch_alter_table('materials', schema=None) as batch_op:
        batch_op.add_column(sa.Column('edit_version', sa.Integer(), server_default='1', nullable=False))
    with op.batch_alter_table('standards', schema=None) as batch_op:
        batch_op.add_column(sa.Column('edit_version', sa.Integer(), server_default='1', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('standards', schema=None) as batch_op:
        batch_op.drop_column('edit_version')
    with op.batch_alter_table('materials', schema=None) as batch_op:
        batch_op.drop_column('edit_version')
    with op.batch_alter_table('import_runs', schema=None) as batch_op:
        batch_op.drop_column('session_key')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_column('workstation')
    op.drop_table('presence')
