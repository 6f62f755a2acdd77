"""A store whose first migration was cut off half way opens cleanly next time.

SQLite DDL outside a transaction is committed statement by statement; a crawl killed while it
created a new store used to leave some tables and no version, and every later command failed
("table … already exists"). The upgrade now runs in one transaction (storage.db.migrate).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event

from storage import db


class Cut(Exception):
    """Stands for the process dying in the middle of the migration."""


@pytest.fixture
def cut_after_tables() -> Iterator[list[int]]:
    """Make the Nth CREATE TABLE of any engine fail (N is set by the test)."""
    at: list[int] = [0]
    seen = [0]

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("CREATE TABLE") and at[0]:
            seen[0] += 1
            if seen[0] == at[0]:
                raise Cut(statement.split("(")[0])

    event.listen(Engine, "before_cursor_execute", before)
    try:
        yield at
    finally:
        event.remove(Engine, "before_cursor_execute", before)


@pytest.mark.parametrize("cut_at", [3, 6])
def test_a_cut_off_first_migration_leaves_nothing_behind(
    tmp_path: Path, cut_after_tables: list[int], cut_at: int
) -> None:
    path = tmp_path / "new.db"
    url = f"sqlite:///{path}"
    cut_after_tables[0] = cut_at
    with pytest.raises(db.StoreError):
        db.connect(url)
    query = "select name from sqlite_master where type='table'"
    tables = {r[0] for r in sqlite3.connect(path).execute(query)}
    assert tables == set(), f"half a schema was committed: {sorted(tables)}"
    cut_after_tables[0] = 0
    engine = db.connect(url)  # the next start migrates the whole way
    assert db.current_revision(engine) == db.head_revision()
    with engine.connect() as conn:
        names = {r[0] for r in conn.exec_driver_sql("select name from sqlite_master")}
    assert {"articles", "pending_urls", "crawl_runs"} <= names
    db._READY.pop(url).dispose()
