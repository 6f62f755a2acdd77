"""search newest first without sorting: an FTS5 index of articles keyed by their date (SQLite)

FTS5 reads a word's matches in rowid order and can stop early only in that order (``ORDER BY
rowid DESC LIMIT n``), and it seeks a rowid range. ``articles_fts`` is keyed by the article id
(Datasette's search box needs that), so newest first had to read every match and sort them. This
second, contentless FTS5 table holds the same tokens keyed by the article's sort date: rowid =
``date_key`` (seconds since 2000 of ``coalesce(published, fetched_at)`` times 2**31, plus the
id), unique and in (date to the second, id) order. A page of the newest matches, a date range
(a rowid range), and a window of the newest matches to rank are then index walks that stop
early. Triggers keep it in step when the text or either date changes.

PostgreSQL needs no new structure (its date index and GIN index serve the same plans).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# Keep in step with storage.search.DATE_KEY_SQL (the same expression over a row alias).
SECONDS_2000 = 946684800


def date_key(alias: str) -> str:
    return (
        f"((CAST(strftime('%s', coalesce({alias}.published, {alias}.fetched_at)) AS INTEGER)"
        f" - {SECONDS_2000}) * 2147483648 + {alias}.id)"
    )


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    # contentless (content=''): the text is in articles; this index holds only the tokens.
    op.execute(
        "CREATE VIRTUAL TABLE articles_date_fts USING fts5(search_text, content='', "
        "tokenize='unicode61 remove_diacritics 0')"
    )
    op.execute(
        "CREATE TRIGGER articles_date_fts_ai AFTER INSERT ON articles BEGIN "
        f"INSERT INTO articles_date_fts(rowid, search_text) VALUES ({date_key('new')}, "
        "new.search_text); END"
    )
    op.execute(
        "CREATE TRIGGER articles_date_fts_ad AFTER DELETE ON articles BEGIN "
        "INSERT INTO articles_date_fts(articles_date_fts, rowid, search_text) "
        f"VALUES('delete', {date_key('old')}, old.search_text); END"
    )
    op.execute(
        "CREATE TRIGGER articles_date_fts_au AFTER UPDATE OF search_text, published, fetched_at "
        "ON articles BEGIN "
        "INSERT INTO articles_date_fts(articles_date_fts, rowid, search_text) "
        f"VALUES('delete', {date_key('old')}, old.search_text); "
        f"INSERT INTO articles_date_fts(rowid, search_text) VALUES ({date_key('new')}, "
        "new.search_text); END"
    )
    op.execute(
        "INSERT INTO articles_date_fts(rowid, search_text) "
        f"SELECT {date_key('a')}, a.search_text FROM articles a"
    )
    op.execute("INSERT INTO articles_date_fts(articles_date_fts) VALUES('optimize')")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for suffix in ("ai", "ad", "au"):
        op.execute(f"DROP TRIGGER IF EXISTS articles_date_fts_{suffix}")
    op.execute("DROP TABLE IF EXISTS articles_date_fts")
