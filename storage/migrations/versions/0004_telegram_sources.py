"""telegram sources: story source and first sighting, sighting source, post links

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.add_column(
            sa.Column("source", sa.String(length=16), server_default="web", nullable=False)
        )
        batch.add_column(
            sa.Column("first_seen", storage.models.UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(sa.Column("first_source", sa.String(length=16), nullable=True))
    with op.batch_alter_table("sightings") as batch:
        batch.add_column(
            sa.Column("source", sa.String(length=16), server_default="web", nullable=False)
        )
    op.create_table(
        "post_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_url", sa.String(length=1000), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("outlet", sa.String(length=64), nullable=True),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("article_url", sa.String(length=1000), nullable=True),
        sa.Column("posted_at", storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("post_url", "url"),
    )
    op.create_index("ix_post_links_post_url", "post_links", ["post_url"])
    op.create_index("ix_post_links_article_url", "post_links", ["article_url"])


def downgrade() -> None:
    op.drop_index("ix_post_links_article_url", table_name="post_links")
    op.drop_index("ix_post_links_post_url", table_name="post_links")
    op.drop_table("post_links")
    with op.batch_alter_table("sightings") as batch:
        batch.drop_column("source")
    with op.batch_alter_table("articles") as batch:
        batch.drop_column("first_source")
        batch.drop_column("first_seen")
        batch.drop_column("source")
