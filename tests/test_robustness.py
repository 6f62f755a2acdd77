"""Bad input loses nothing: a crawl whose sources half-fail keeps what it got and records why.

An extra outlet, declared in a user outlets file (no Python), points at the simulator's failure
fixtures (503 with Retry-After, 500, a malformed feed, a gzip bomb, a page slower than the
timeout) next to Mehr's good sitemap.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.db import make_engine
from storage.models import Article, CrawlRun, Sighting
from tests.conftest import run_monitor

BROKEN = """
[outlets.broken]
name = "Broken Outlet"
domains = ["broken.example", "www.mehrnews.com"]
feeds = [
    "https://broken.example/_fail/malformed.xml",
    "https://broken.example/_fail/503",
    "https://broken.example/_fail/500",
    "https://broken.example/_fail/gzip-bomb",
    "https://broken.example/_fail/slow?seconds=9",
    "https://www.mehrnews.com/d/rss",
]
sitemaps = ["https://www.mehrnews.com/sitemap/news/sitemap.xml"]
article_pattern = '^https?://(?:www\\.)?mehrnews\\.com/news/(?P<id>\\d+)(?:[/?#]|$)'
canonical = "https://www.mehrnews.com/news/{id}"
"""


@pytest.mark.slow
def test_half_failing_crawl_commits_what_it_got_and_records_failures(
    simulator, any_store: str, tmp_path: Path
):
    db_url = any_store
    outlets = tmp_path / "outlets.toml"
    outlets.write_text(BROKEN, encoding="utf-8")
    proc = run_monitor(
        "crawl",
        "broken",
        "--db",
        db_url,
        "--mirror",
        simulator.url,
        "--outlets",
        str(outlets),
        "--format",
        "json",
    )
    (run,) = json.loads(proc.stdout)
    assert run["status"] == "partial"
    reasons = {f["url"].rsplit("/", 1)[-1]: f["reason"] for f in run["failures"]}
    assert "HTTP 503" in reasons["503"]
    assert "HTTP 500" in reasons["500"]
    assert "malformed" in reasons["malformed.xml"]
    assert reasons["gzip-bomb"]  # cancelled at DOWNLOAD_MAXSIZE, never inflated in memory
    assert "slow?seconds=9" in reasons and "Timeout" in reasons["slow?seconds=9"]
    assert all("\n" not in r for r in reasons.values())
    # robots.txt is obeyed: a disallowed path is never requested, and the crawl says why.
    assert "robots.txt" in reasons["rss"]
    assert not [u for _m, u, _s in simulator.log if u.startswith("https://www.mehrnews.com/d/")]
    # The good source still delivered: its pages are stored or linked, and committed.
    engine = make_engine(db_url)
    with Session(engine) as s:
        kept = s.scalar(select(func.count(Article.id)).where(Article.seed_file.is_(None)))
        linked = s.scalar(select(func.count(Sighting.id)))
        row = s.scalar(select(CrawlRun).where(CrawlRun.outlet == "broken"))
    assert kept + linked > 0
    assert row.failed == len(run["failures"]) >= 6
    # And the command told the operator in one line each, not with tracebacks.
    assert "Traceback" not in proc.stderr


def test_unknown_outlet_is_a_one_line_error(db_url: str):
    proc = run_monitor("crawl", "nosuch", "--db", db_url, check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == ["error: unknown outlet(s): nosuch"]
