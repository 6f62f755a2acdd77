"""ids never handed out twice on SQLite: ``articles`` and ``sightings`` rebuilt with AUTOINCREMENT

An ``INTEGER PRIMARY KEY`` without ``AUTOINCREMENT`` gives the next row the largest id present
plus one, so once the newest row is deleted its id goes to the next row. PostgreSQL's sequences
never reuse an id. Which tables need it:

- ``articles``: a merged twin (``storage.stories.merge_copy``: two workers raced, the later id
  is deleted, and it is usually the newest) or a joined Telegram post deletes a row. Its id
  lives on outside the row: another process's near-duplicate index (a crawl worker's, a
  ``monitor check``'s, a persisted base), the ``a<id>`` an analyst noted from ``monitor show``,
  ``recheck`` or ``query`` output, an alert already sent ("a42"). A reused id would make a later
  copy a sighting of an unrelated story, and a noted ``a42`` another story.
- ``sightings``: shown as ``s<id>`` (``monitor show s17``, ``recheck``, the web page) and
  deleted with their article (the foreign key's ``ON DELETE CASCADE``, also when a row is
  removed by hand with Datasette or sqlite-utils).

The other tables keep their rowid keys: ``crawl_runs``, ``revisions`` and ``post_links`` rows
are never deleted by the monitor; a watch is named by its ``name`` and takes its hits and
alerts with it when removed; an alert's sender updates its row only while it is ``sending``
under its own ``claimed_by``, which a new row with the same id is not.

SQLite can add ``AUTOINCREMENT`` only by rebuilding the table (its documented recipe): create
the new table, copy every row with its id, drop the old one, rename, and recreate the indexes
and triggers (the FTS5 triggers of migrations 0005 and 0007). The FTS5 tables stay as they
are: ``articles_fts`` reads its content from ``articles`` by name and rowid, and the rowids are
the same, so every search finds what it found before. Dropping a parent table with foreign keys
enforced would first delete every row that refers to it (``ON DELETE CASCADE``), and
``PRAGMA foreign_keys`` cannot change inside a transaction: ``storage.db.migrate`` runs the
upgrade with foreign keys off, this revision refuses to run otherwise, and it compares
``PRAGMA foreign_key_check`` before and after (a rebuild that left a reference dangling rolls
the whole upgrade back). All of it runs inside the upgrade's one ``BEGIN IMMEDIATE``
transaction.

Where the sequence starts: the store keeps no record of ids deleted before this revision, so
the highest id it still refers to anywhere (the table's own ids and every column holding one)
may be below one that a process still holds. The sequence starts ``GAP`` above it, past the
few newest rows that merges may have deleted since the last insert. An empty store (a new
one) starts at 1 as before. Measured on a store of 100,000 articles: docs/scaling.md.

Downgrade keeps ``AUTOINCREMENT``: revision 0010's code works with it, and removing it would
only make ids reusable again. An upgrade finding a table already rebuilt leaves it alone.
PostgreSQL: nothing to do.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import re
from typing import Any

from alembic import op
from sqlalchemy import Connection

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# The rebuilt tables, and the columns elsewhere that hold their ids.
TABLES: dict[str, tuple[str, ...]] = {
    "articles": (
        "fingerprints.article_id",
        "sightings.article_id",
        "revisions.article_id",
        "judged_pages.article_id",
        "watch_hits.article_id",
        "alerts.article_id",
    ),
    "sightings": (),
}
# Ids left unused above the highest one the store still refers to (see the docstring).
GAP = 1000


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    if bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError(
            "migration 0011 rebuilds tables other tables refer to: run it with foreign keys "
            "off (storage.db.migrate does), or the rebuild would delete their rows"
        )
    before = _dangling(bind)
    # Some builds (Debian's) overwrite every freed page with zeros (secure_delete on). The old
    # tables' pages hold the very rows copied into the new ones, so zeroing them hides nothing,
    # and it doubled the upgrade's time on a store of 100,000 articles (docs/scaling.md).
    zeroing = _scalar(bind, "PRAGMA secure_delete")
    bind.exec_driver_sql("PRAGMA secure_delete = OFF")
    try:
        for table, holders in TABLES.items():
            _rebuild(bind, table, holders)
    finally:
        bind.exec_driver_sql(f"PRAGMA secure_delete = {int(zeroing)}")
    added = _dangling(bind) - before
    if added:
        raise RuntimeError(f"migration 0011 left references dangling: {list(added)[:5]}")


def downgrade() -> None:
    """Nothing: see the module's docstring."""


def _rebuild(bind: Connection, table: str, holders: tuple[str, ...]) -> None:
    sql = _scalar(bind, "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", table)
    if re.search(r"\bAUTOINCREMENT\b", sql, re.IGNORECASE):
        return  # rebuilt before (a downgrade keeps it)
    new = f"{table}__0011"
    dependents = [
        row[0]
        for row in bind.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') "
            "AND sql IS NOT NULL ORDER BY type = 'trigger', rowid",
            (table,),
        )
    ]
    shape = _shape(bind, table)
    bind.exec_driver_sql(_with_autoincrement(sql, table, new))
    if _shape(bind, new) != shape:  # the rewritten statement must make the same columns
        raise RuntimeError(f"migration 0011: {new} does not match {table}")
    columns = ", ".join(f'"{name}"' for name, *_ in shape)
    bind.exec_driver_sql(f"INSERT INTO {new} ({columns}) SELECT {columns} FROM {table} ORDER BY id")
    bind.exec_driver_sql(f"DROP TABLE {table}")  # its indexes and triggers go with it
    bind.exec_driver_sql(f"ALTER TABLE {new} RENAME TO {table}")
    for statement in dependents:
        bind.exec_driver_sql(statement)
    highest = max(
        _scalar(bind, f"SELECT coalesce(max({column}), 0) FROM {place}")
        for place, _, column in (h.partition(".") for h in (f"{table}.id", *holders))
    )
    bind.exec_driver_sql("DELETE FROM sqlite_sequence WHERE name = ?", (table,))
    if highest:
        bind.exec_driver_sql(
            "INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (table, highest + GAP)
        )


def _with_autoincrement(sql: str, table: str, new: str) -> str:
    """``CREATE TABLE articles (id INTEGER NOT NULL, …, PRIMARY KEY (id), …)`` as SQLAlchemy
    wrote it, made ``CREATE TABLE new (id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, …)``:
    every other column and constraint word for word."""
    key = "PRIMARY KEY AUTOINCREMENT"
    steps = (
        (rf'^\s*CREATE\s+TABLE\s+("?){table}\1\s*\(', f"CREATE TABLE {new} ("),
        (r'\(\s*"?id"?\s+INTEGER\s+NOT\s+NULL\s*,', f"(\n\tid INTEGER NOT NULL {key},"),
        (r',\s*PRIMARY\s+KEY\s*\(\s*"?id"?\s*\)', ""),
    )
    for pattern, replacement in steps:
        sql, n = re.subn(pattern, replacement, sql, count=1, flags=re.IGNORECASE)
        if n != 1:
            raise RuntimeError(f"migration 0011: unexpected schema of {table}: {sql[:200]!r}")
    return sql


def _shape(bind: Connection, table: str) -> list[tuple[object, ...]]:
    """Name, type, not null, default and key position of each column, in order."""
    return [tuple(row[1:]) for row in bind.exec_driver_sql(f"PRAGMA table_info({table})")]


def _dangling(bind: Connection) -> set[tuple[object, ...]]:
    return {tuple(row) for row in bind.exec_driver_sql("PRAGMA foreign_key_check")}


def _scalar(bind: Connection, sql: str, *params: object) -> Any:
    return bind.exec_driver_sql(sql, params).scalar_one()
