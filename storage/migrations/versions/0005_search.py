"""full-text search: FTS5 on SQLite, tsvector on PostgreSQL, over articles and sightings

Both backends index the same column, ``search_text``: the Persian search tokens the domain side
computes (``monitor.searchtext.search_document``), space-separated. SQLite keeps an
external-content FTS5 table per searched table, kept in step by triggers, so the writer only
sets ``search_text`` and Datasette's search box finds the table (``content="articles"``).
PostgreSQL keeps a generated ``search_vector`` column (``to_tsvector('simple', search_text)``,
which splits on the spaces and changes nothing else) with a GIN index. Copies' dates are indexed
as the query uses them: ``coalesce(published, fetched_at)`` and ``coalesce(published, seen_at)``.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# (table, FTS table): the searched tables.
SEARCHED = (("articles", "articles_fts"), ("sightings", "sightings_fts"))


def upgrade() -> None:
    with op.batch_alter_table("sightings") as batch:
        batch.add_column(sa.Column("search_text", sa.Text(), nullable=False, server_default=""))
    op.create_index(
        "ix_articles_copy_date",
        "articles",
        [sa.text("coalesce(published, fetched_at)")],
    )
    op.create_index(
        "ix_sightings_copy_date",
        "sightings",
        [sa.text("coalesce(published, seen_at)")],
    )
    if op.get_bind().dialect.name == "sqlite":
        for table, fts in SEARCHED:
            _sqlite_fts(table, fts)
    else:
        for table, _ in SEARCHED:
            op.execute(
                f"ALTER TABLE {table} ADD COLUMN search_vector tsvector "
                "GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED"
            )
            op.execute(
                f"CREATE INDEX ix_{table}_search_vector ON {table} USING gin (search_vector)"
            )


def _sqlite_fts(table: str, fts: str) -> None:
    # unicode61 without diacritic removal: the tokens are already normalized, and FTS5 must
    # split exactly where PostgreSQL does (on the spaces) and fold nothing more.
    # content="articles" in double quotes: the form Datasette and sqlite-utils look for when
    # they decide which FTS table searches a table.
    op.execute(
        f'CREATE VIRTUAL TABLE {fts} USING fts5(search_text, content="{table}", '
        "content_rowid='id', tokenize='unicode61 remove_diacritics 0')"
    )
    op.execute(
        f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {fts}(rowid, search_text) VALUES (new.id, new.search_text); END"
    )
    op.execute(
        f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, search_text) VALUES('delete', old.id, old.search_text); "
        "END"
    )
    op.execute(
        f"CREATE TRIGGER {fts}_au AFTER UPDATE OF search_text ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, search_text) VALUES('delete', old.id, old.search_text); "
        f"INSERT INTO {fts}(rowid, search_text) VALUES (new.id, new.search_text); END"
    )
    op.execute(f"INSERT INTO {fts}({fts}) VALUES('rebuild')")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for _, fts in SEARCHED:
            for suffix in ("ai", "ad", "au"):
                op.execute(f"DROP TRIGGER IF EXISTS {fts}_{suffix}")
            op.execute(f"DROP TABLE IF EXISTS {fts}")
    else:
        for table, _ in SEARCHED:
            op.execute(f"DROP INDEX IF EXISTS ix_{table}_search_vector")
            op.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_vector")
    op.drop_index("ix_sightings_copy_date", table_name="sightings")
    op.drop_index("ix_articles_copy_date", table_name="articles")
    with op.batch_alter_table("sightings") as batch:
        batch.drop_column("search_text")
