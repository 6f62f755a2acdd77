"""The README's demo command, and a real crawl into PostgreSQL (same code, other backend)."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from storage.models import Article, CrawlRun, Sighting
from tests.conftest import run_monitor

REQUIRED = {"mehr", "irna", "tasnim", "jamejam", "alalam", "fars", "isna"}


@pytest.mark.slow
def test_demo_stores_articles_from_every_outlet_and_says_what_next(db_url: str):
    proc = run_monitor("demo", "--db", db_url, timeout=300)
    assert "Try next" in proc.stderr
    assert "monitor query" in proc.stderr
    with Session(create_engine(db_url)) as s:
        outlets = set(s.scalars(select(Article.outlet).where(Article.seed_file.is_(None))))
        runs = s.scalars(select(CrawlRun)).all()
    assert outlets >= REQUIRED
    # Every request answered the first time: no page failed, none timed out and was retried
    # (the simulator's listen backlog was once too short for nine crawlers starting at once).
    assert runs and all(r.status == "ok" and r.failed == 0 for r in runs)
    assert not [r.outlet for r in runs if (r.stats or {}).get("retry/count")]


@pytest.mark.slow
@pytest.mark.postgres
def test_crawl_into_postgresql(simulator, pg_url: str):
    run_monitor("crawl", "mehr", "tasnim", "--db", pg_url, "--mirror", simulator.url, "--quiet")
    with Session(create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://"))) as s:
        stored = s.scalar(select(func.count(Article.id)).where(Article.seed_file.is_(None)))
        seed_sightings = s.scalar(
            select(func.count(Sighting.id)).join(Article).where(Article.seed_file.is_not(None))
        )
        published = s.scalars(select(Article.published).where(Article.seed_file.is_(None))).all()
    assert stored >= 3
    assert seed_sightings >= 3  # Mehr's and Tasnim's own seeds, and their republications
    assert all(p is not None and p.tzinfo is not None for p in published)
