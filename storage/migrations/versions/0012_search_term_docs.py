"""ranked search without FTS5's pass over every match: cached document counts (SQLite)

FTS5's ``bm25()`` weighs each query word by its inverse document frequency, and counts the
rows holding the word by walking its whole list of matches once per query: for words in half
of a 1,000,000-article store that pass is about 40 ms a word, while the window of 200 rows
being ranked takes 0.1 ms to read. ``search_term_docs`` keeps the number of articles holding
each word found in at least ``storage.bm25.MIN_CACHED_DOCS`` of them, and
``search_term_docs_state`` the row and token totals of the index when they were counted; the
ranking computes FTS5's BM25 from them (``storage.bm25``) and falls back to ``bm25()`` while
the counts are missing or the store has changed by more than a few per cent since.

The tables are filled by ``storage.bm25.refresh_term_docs`` (the daemon after a crawl, the
benchmark after a build, ``monitor reindex``), not here: counting reads the whole index.

PostgreSQL ranks with ``ts_rank``, which has no document frequencies: nothing to do there.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

from alembic import op

revision = "0012"
# 0011 is being added in another branch: point this at it when both are merged.
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        "CREATE TABLE search_term_docs (term TEXT PRIMARY KEY, docs INTEGER NOT NULL) WITHOUT ROWID"
    )
    op.execute(
        "CREATE TABLE search_term_docs_state (id INTEGER PRIMARY KEY CHECK (id = 1), "
        "rows INTEGER NOT NULL, tokens INTEGER NOT NULL, min_docs INTEGER NOT NULL, "
        "counted_at TEXT NOT NULL)"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TABLE IF EXISTS search_term_docs_state")
    op.execute("DROP TABLE IF EXISTS search_term_docs")
