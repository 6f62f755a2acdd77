"""judged pages (kept text, verdict, model, labels) and the analyst's label on articles

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "judged_pages",
        sa.Column("canonical_url", sa.String(length=1000), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("outlet", sa.String(length=64), nullable=True),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("relevance", sa.Float(), nullable=True),
        sa.Column("relevance_reasons", sa.JSON(), nullable=False),
        sa.Column("model_version", sa.String(length=64), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("published", storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("fetched_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("article_id", sa.Integer(), nullable=True),
        sa.Column("label", sa.String(length=16), nullable=True),
        sa.Column("labelled_at", storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("canonical_url"),
    )
    with op.batch_alter_table("judged_pages", schema=None) as batch_op:
        batch_op.create_index("ix_judged_pages_outlet", ["outlet"], unique=False)
        batch_op.create_index("ix_judged_pages_verdict", ["verdict"], unique=False)
        batch_op.create_index("ix_judged_pages_fetched_at", ["fetched_at"], unique=False)
        batch_op.create_index("ix_judged_pages_article_id", ["article_id"], unique=False)
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("label", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_column("label")
    op.drop_table("judged_pages")
