"""Durable progress: killed crawls lose nothing, failed pages are retried up to the cap.

The crash loop is ``bench/crash_loop.py`` (≥ 20 kills, SQLite and PostgreSQL); here a short
version of it runs: a few kills at random moments (kill -9, SIGTERM, kill -9 of the daemon)
with new stories released between them, against an uninterrupted reference crawl.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from bench.crash_loop import _drop_databases, _pg_databases, crash_loop
from storage.models import SeenUrl
from tests.conftest import run_monitor


@pytest.mark.slow
def test_short_crash_loop_loses_nothing(tmp_path: Path):
    result = crash_loop(
        f"sqlite:///{tmp_path / 'ref.db'}",
        f"sqlite:///{tmp_path / 'crash.db'}",
        outlets=["mehr"],
        kills=3,
        steps=1,
        seed=3,
        max_after=5.0,
    )
    assert len(result["kills"]) == 3
    assert result["reference_judged"] > 0
    assert result["lost"] == [] and result["unjudged"] == []
    assert result["duplicates"] == 0
    assert result["pending_left"] == 0
    assert result["integrity"] == "ok"
    assert result["final_exit"] == 0


@pytest.mark.slow
@pytest.mark.postgres
def test_short_crash_loop_loses_nothing_on_postgresql() -> None:
    pytest.importorskip("psycopg")
    admin = "postgresql://postgres@127.0.0.1:5432/test"
    ref, db = _pg_databases(admin)
    try:
        result = crash_loop(ref, db, outlets=["mehr"], kills=3, steps=1, seed=3, max_after=5.0)
    finally:
        _drop_databases(admin, ref, db)
    assert len(result["kills"]) == 3
    assert result["reference_judged"] > 0
    assert result["lost"] == [] and result["unjudged"] == []
    assert result["duplicates"] == 0
    assert result["pending_left"] == 0
    assert result["final_exit"] == 0


ONE_OUTLET = """
[outlets.flaky]
name = "Flaky"
domains = ["www.mehrnews.com"]
sitemaps = ["https://www.mehrnews.com/sitemap/news/sitemap.xml"]
article_pattern = '^https?://(?:www\\.)?mehrnews\\.com/news/(?P<id>\\d{5,9})(?:[/?#]|$)'
canonical = "https://www.mehrnews.com/news/{id}"
"""


@pytest.mark.slow
def test_failed_page_is_retried_up_to_the_cap_then_listed(
    fresh_simulator, any_store: str, tmp_path: Path
):
    from storage.db import make_engine

    db_url = any_store
    sim = fresh_simulator
    bad = sim.catalog.visible("mehr")[0]
    sim.add_fault(f"/news/{bad.id}(?:[/?#]|$)", status=500)
    outlets = tmp_path / "outlets.toml"
    outlets.write_text(ONE_OUTLET, encoding="utf-8")
    crawl = ["crawl", "flaky", "--db", db_url, "--mirror", sim.url, "--outlets", str(outlets)]
    crawl += ["--set", "RETRY_TIMES=0", "--set", "MONITOR_RETRY_BACKOFF=0", "--quiet"]
    canonical = f"https://www.mehrnews.com/news/{bad.id}"
    for _ in range(4):
        run_monitor(*crawl)
    fetched = sum(1 for _m, u, _s in sim.log if f"/news/{bad.id}" in u)
    assert fetched == 3  # MONITOR_MAX_ATTEMPTS, then left alone
    engine = make_engine(db_url)
    with Session(engine) as s:
        row = s.get(SeenUrl, canonical)
    engine.dispose()
    assert row.verdict == "failed" and row.attempts == 3 and row.reason == "HTTP 500"
    listed = json.loads(run_monitor("runs", "--failures", "--db", db_url, "-f", "json").stdout)
    assert [(r["url"], r["state"], r["reason"]) for r in listed] == [
        (canonical, "gave up", "HTTP 500")
    ]


@pytest.mark.slow
def test_killed_one_off_crawl_is_closed_by_the_next_command(fresh_simulator, any_store: str):
    """A live crawl's row stays ``running`` for other commands; once the crawl is killed the
    next command closes it. On PostgreSQL liveness is the run's advisory lock, not a pid."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from sqlalchemy import select

    from storage.db import make_engine
    from storage.models import CrawlRun
    from tests.conftest import ROOT

    db_url = any_store
    simulator = fresh_simulator
    # Article pages stall past the crawl's timeout: the crawl is still at work when killed.
    simulator.add_fault(r"mehrnews\.com/news/", action="stall", seconds=60)
    cmd = [sys.executable, "-m", "monitor", "crawl", "mehr", "--db", db_url]
    proc = subprocess.Popen(
        [*cmd, "--mirror", simulator.url, "--quiet"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    engine = make_engine(db_url)
    deadline = time.monotonic() + 60
    running = None
    while running is None and time.monotonic() < deadline and proc.poll() is None:
        try:
            with Session(engine) as s:
                running = s.scalar(select(CrawlRun.id).where(CrawlRun.status == "running"))
        except Exception:  # the store is still being created
            pass
        time.sleep(0.05)  # polling for a state, not timing an assertion
    assert running is not None, "the crawl never opened its run"
    (live,) = json.loads(run_monitor("runs", "--db", db_url, "-f", "json").stdout)
    assert proc.poll() is None, "the crawl ended before it could be killed"
    assert live["status"] == "running"  # another command must not close a live run
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    engine.dispose()
    (row,) = json.loads(run_monitor("runs", "--db", db_url, "-f", "json").stdout)
    assert row["status"] == "interrupted"
    assert "gone" in row["failures"][-1]["reason"]


def test_crawl_exits_nonzero_with_one_line_when_a_run_failed(any_store: str):
    """--quiet: stderr is the one final line, naming the outlet and why (no Scrapy log lines)."""
    proc = run_monitor(
        "crawl",
        "mehr",
        "--db",
        any_store,
        "--mirror",
        "http://127.0.0.1:9",
        "--quiet",
        "--set",
        "RETRY_TIMES=0",
        check=False,
    )
    assert proc.returncode == 1
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith("error: crawl failed: mehr (failed: 3 failed, first: ")
    assert "Connection was refused" in line
    assert proc.stdout == ""
