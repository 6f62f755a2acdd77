"""watches, the stories they collected, and the alert outbox

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

UTC_DT = storage.models.UTCDateTime()


def watch_fk() -> sa.ForeignKey:
    return sa.ForeignKey("watches.id", ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "watches",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("outlets", sa.JSON(), nullable=False),
        sa.Column("min_relevance", sa.Float(), nullable=True),
        sa.Column("notify", sa.JSON(), nullable=False),
        sa.Column("digest", sa.String(16), nullable=True),
        sa.Column("republications", sa.Boolean(), nullable=False),
        sa.Column("since", UTC_DT, nullable=False),
        sa.Column("created_at", UTC_DT, nullable=False),
        sa.Column("checked_at", UTC_DT, nullable=True),
    )
    op.create_table(
        "watch_hits",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "watch_id",
            sa.Integer(),
            sa.ForeignKey("watches.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "article_id",
            sa.Integer(),
            sa.ForeignKey("articles.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("matched_at", UTC_DT, nullable=False),
        sa.Column("copies", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(32), nullable=True),
        sa.UniqueConstraint("watch_id", "article_id", name="uq_watch_hits_story"),
    )
    op.create_index("ix_watch_hits_watch_id", "watch_hits", ["watch_id"])
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(64), nullable=False, unique=True),
        sa.Column(
            "watch_id",
            sa.Integer(),
            sa.ForeignKey("watches.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "article_id",
            sa.Integer(),
            sa.ForeignKey("articles.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("period", sa.String(32), nullable=True),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("in_doubt", sa.Integer(), nullable=False),
        sa.Column("next_try_at", UTC_DT, nullable=False),
        sa.Column("claimed_by", sa.String(100), nullable=True),
        sa.Column("lease_until", UTC_DT, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", UTC_DT, nullable=False),
        sa.Column("sent_at", UTC_DT, nullable=True),
    )
    op.create_index("ix_alerts_watch_id", "alerts", ["watch_id"])
    op.create_index("ix_alerts_state", "alerts", ["state"])


def downgrade() -> None:
    op.drop_table("alerts")
    op.drop_table("watch_hits")
    op.drop_table("watches")
