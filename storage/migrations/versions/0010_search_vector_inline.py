"""keep the search tsvector in the row (PostgreSQL): SET STORAGE MAIN on ``search_vector``

A search tests the words on each row it walks (``search_vector @@ query``) and ranks a window
of rows (``ts_rank``), reading every such row's ``tsvector``: about 2 KB compressed for an
article of 150 words. Stored EXTENDED (the default), it goes out of line to the TOAST table,
and every test costs a TOAST index lookup and a second heap read. MAIN keeps it compressed in
the row, moving the body and ``search_text`` out of line first: measured on 30,000 articles of
the benchmark store, testing two words over every row took 2.5 µs a row instead of 11
(docs/benchmarks.md, "Search"). The heap grows by about half (the vectors move into it).

Only rows written from now on are stored this way: the change is to the catalog, instant, and
takes no long lock. ``VACUUM FULL articles`` (or ``CLUSTER``) rewrites the rows already stored;
on a large store it holds an exclusive lock for minutes, so it is left to the operator
(docs/search.md).

SQLite keeps no such column: nothing to do there.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TABLES = ("articles", "sightings")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN search_vector SET STORAGE MAIN")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN search_vector SET STORAGE EXTENDED")
