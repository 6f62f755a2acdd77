"""A read-only store: reading commands work and write nothing, a crawl refuses in one line.

Tests run as root, where ``chmod`` does not stop writes, so besides making the file and its
folder read-only the store is opened through SQLite's read-only URI (``mode=ro``), which
refuses writes for every user. The bytes on disk are compared before and after.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from monitor.store import open_store
from tests.conftest import run_monitor
from tests.store_helpers import add_story

TITLE = "گفت‌وگوی وزیران خارجه ایران و روسیه در مسکو"


@pytest.fixture
def read_only_url(tmp_path: Path) -> Iterator[str]:
    folder = tmp_path / "store"
    folder.mkdir()
    path = folder / "monitor.db"
    engine = open_store(f"sqlite:///{path}")
    with Session(engine) as session:
        add_story(session, TITLE, "وزیران خارجه ایران و روسیه درباره همکاری‌های منطقه‌ای گفتند.")
        session.commit()
    engine.dispose()
    for f in folder.iterdir():
        f.chmod(0o444)
    folder.chmod(0o555)
    try:
        yield f"sqlite:///file:{path}?mode=ro&uri=true"
    finally:
        folder.chmod(0o755)
        for f in folder.iterdir():
            f.chmod(0o644)


def digest(url: str) -> tuple[str, int]:
    """The database file's hash and the size of its write-ahead log (SQLite itself creates an
    empty ``-wal``/``-shm`` pair for a reader of a WAL store: those are not our writes)."""
    path = Path(url.removeprefix("sqlite:///file:").split("?")[0])
    wal = path.with_name(path.name + "-wal")
    return hashlib.sha256(path.read_bytes()).hexdigest(), wal.stat().st_size if wal.exists() else 0


def test_status_and_query_work_on_a_read_only_store_and_write_nothing(read_only_url: str):
    before = digest(read_only_url)
    status = json.loads(run_monitor("status", "--db", read_only_url, "-f", "json").stdout)
    assert {row["outlet"] for row in status} >= {"mehr"}
    assert all(row["daemon_running"] is False for row in status)
    found = json.loads(run_monitor("query", "--db", read_only_url, "-f", "json").stdout)
    assert TITLE in [row["title"] for row in found]  # beside the bundled seed stories
    assert digest(read_only_url) == before


def test_crawl_on_a_read_only_store_exits_nonzero_with_one_line(read_only_url: str):
    before = digest(read_only_url)
    proc = run_monitor(
        "crawl", "mehr", "--db", read_only_url, "--mirror", "http://127.0.0.1:9", check=False
    )
    assert proc.returncode != 0
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith("error: database ")
    assert "cannot be written" in line
    assert "Traceback" not in proc.stderr + proc.stdout
    assert digest(read_only_url) == before
