"""pending urls: discovered but not yet judged work, kept across interrupted crawls

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pending_urls",
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("outlet", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("canonical_url", sa.String(length=1000), nullable=True),
        sa.Column("lastmod", storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("discovered_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("not_before", storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("url"),
    )
    with op.batch_alter_table("pending_urls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pending_urls_outlet"), ["outlet"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pending_urls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pending_urls_outlet"))
    op.drop_table("pending_urls")
