"""a counter of fingerprint rows changed or deleted (the persisted index's staleness check)

Revision ID: 0009
Revises: 0008

A persisted near-duplicate index covers the fingerprint rows up to some id and catches up
newer ids from the table. Rows it covers that were later changed (an article revised) or
deleted (a story merged away) make it stale; database triggers count those, whoever wrote them,
so a start-up knows with one read. SQLite: a one-row table bumped per row (its writers are
serialized anyway), also for a row inserted below the largest id. PostgreSQL: a sequence
bumped per row (no row lock, no contention between concurrent writers; a rolled-back bump
only costs a needless rebuild); rows committed late below the largest id are found by
counting instead (``storage.reads.fingerprints_unchanged_below``), since a trigger cannot see
transactions that have not committed.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.create_table(
            "fingerprint_changes",
            sa.Column("id", sa.Integer(), primary_key=True),
            sa.Column("generation", sa.Integer(), nullable=False),
        )
        op.execute("INSERT INTO fingerprint_changes (id, generation) VALUES (1, 0)")
        bump = "UPDATE fingerprint_changes SET generation = generation + 1 WHERE id = 1;"
        op.execute(
            "CREATE TRIGGER fingerprints_changed AFTER UPDATE OF data ON fingerprints "
            f"WHEN OLD.data IS NOT NEW.data BEGIN {bump} END"
        )
        op.execute(
            f"CREATE TRIGGER fingerprints_deleted AFTER DELETE ON fingerprints BEGIN {bump} END"
        )
        # A row inserted below the largest id (an id given explicitly): SQLite's writers are
        # serialized, so the trigger sees every committed row and this check is exact.
        op.execute(
            "CREATE TRIGGER fingerprints_inserted_below AFTER INSERT ON fingerprints "
            "WHEN NEW.article_id < (SELECT max(article_id) FROM fingerprints) "
            f"BEGIN {bump} END"
        )
    else:
        op.execute("CREATE SEQUENCE fingerprint_changes_seq")
        op.execute(
            "CREATE FUNCTION fingerprint_changes_bump() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN PERFORM nextval('fingerprint_changes_seq'); RETURN NULL; END $$"
        )
        # Per row, not per statement: PostgreSQL fires statement-level UPDATE triggers for
        # every INSERT ... ON CONFLICT DO UPDATE (storage.writes upserts fingerprints), even
        # when nothing was updated.
        op.execute(
            "CREATE TRIGGER fingerprints_changed AFTER UPDATE OF data ON fingerprints "
            "FOR EACH ROW WHEN (OLD.data IS DISTINCT FROM NEW.data) "
            "EXECUTE FUNCTION fingerprint_changes_bump()"
        )
        op.execute(
            "CREATE TRIGGER fingerprints_deleted AFTER DELETE ON fingerprints "
            "FOR EACH ROW EXECUTE FUNCTION fingerprint_changes_bump()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS fingerprints_changed")
        op.execute("DROP TRIGGER IF EXISTS fingerprints_deleted")
        op.execute("DROP TRIGGER IF EXISTS fingerprints_inserted_below")
        op.drop_table("fingerprint_changes")
    else:
        op.execute("DROP TRIGGER IF EXISTS fingerprints_changed ON fingerprints")
        op.execute("DROP TRIGGER IF EXISTS fingerprints_deleted ON fingerprints")
        op.execute("DROP FUNCTION IF EXISTS fingerprint_changes_bump()")
        op.execute("DROP SEQUENCE IF EXISTS fingerprint_changes_seq")
