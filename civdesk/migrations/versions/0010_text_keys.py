"""text keys: a fingerprint of each material's first pages of text, so that a check finds
duplicate documents without reading (on PostgreSQL: unpacking) every document's text

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 14:30:00

The keys of the existing materials are worked out here, a thousand materials at a time, with
this revision's own copy of the fingerprint (``civdesk.text_keys.fingerprint``; a test keeps
the two equal).
"""
from __future__ import annotations

import hashlib

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

TEXT_PAGES, TEXT_HEAD, MIN_TEXT = 3, 3000, 50
BATCH = 1000


def _fingerprint(pages: list[str]) -> str:
    head = "\n".join(t[:TEXT_HEAD] if t else "" for t in pages)
    if len(head) < MIN_TEXT:
        return ""
    return hashlib.blake2b(head.encode("utf-8"), digest_size=16).hexdigest()


def upgrade() -> None:
    with op.batch_alter_table('materials', schema=None) as batch_op:
        batch_op.add_column(sa.Column('text_key', sa.String(length=32), nullable=True))
    conn = op.get_bind()
    ids = [r[0] for r in conn.execute(sa.text("SELECT id FROM materials ORDER BY id"))]
    heads = sa.text(f"SELECT material_id, page, substr(text, 1, {TEXT_HEAD}) FROM material_texts"
                    f" WHERE page <= {TEXT_PAGES} AND material_id >= :lo AND material_id <= :hi")
    store = sa.text("UPDATE materials SET text_key = :key WHERE id = :mid")
    for i in range(0, len(ids), BATCH):
        chunk = ids[i:i + BATCH]
        pages: dict[int, list[tuple[int, str]]] = {mid: [] for mid in chunk}
        for mid, page, text in conn.execute(heads, {"lo": chunk[0], "hi": chunk[-1]}):
            if mid in pages:
                pages[mid].append((page, text))
        conn.execute(store, [{"key": _fingerprint([t for _, t in sorted(p)]), "mid": mid}
                             for mid, p in pages.items()])


def downgrade() -> None:
    with op.batch_alter_table('materials', schema=None) as batch_op:
        batch_op.drop_column('text_key')
