"""Listing catch-up with a per-outlet watermark, through real HTTP to the simulator.

An outlet declared with listing pages only (no feed, no sitemap) must find everything still
listed on its first crawl, and on later crawls page back only until it meets known articles.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from storage.models import SeenUrl
from tests.conftest import run_monitor

LISTING_ONLY = """
[outlets.mehrlist]
name = "Mehr, listings only"
domains = ["www.mehrnews.com"]
listings = ["https://www.mehrnews.com/archive?pi={page}&ms=0"]
listing_links = "section.list li.news figure > a, section.list li.news h3 > a"
catchup_pages = 10
article_pattern = '^https?://(?:www\\.)?mehrnews\\.com/news/(?P<id>\\d+)(?:[/?#]|$)'
canonical = "https://www.mehrnews.com/news/{id}"
"""


def listing_pages(log: list) -> list[int]:
    return sorted(
        int(url.split("pi=")[1].split("&")[0])
        for _m, url, status in log
        if "/archive?" in url and status in (200, 304)
    )


@pytest.mark.slow
def test_listings_page_back_to_the_watermark(fresh_simulator, db_url: str, tmp_path: Path):
    sim = fresh_simulator
    outlets = tmp_path / "outlets.toml"
    outlets.write_text(LISTING_ONLY, encoding="utf-8")
    crawl = (
        "crawl",
        "mehrlist",
        "--db",
        db_url,
        "--mirror",
        sim.url,
        "--outlets",
        str(outlets),
        "--format",
        "json",
    )
    visible = len(sim.catalog.visible("mehr"))

    (first,) = json.loads(run_monitor(*crawl).stdout)
    pages_first = listing_pages(sim.log)
    assert len(pages_first) >= 3, "an empty store pages back through every listed page"
    engine = create_engine(db_url)
    with Session(engine) as s:
        judged = s.scalar(select(func.count()).select_from(SeenUrl))
    assert judged == first["pages"] == visible

    sim.reset_log()
    sim.release(1)  # two new Mehr stories go to the top of the listing
    (second,) = json.loads(run_monitor(*crawl).stdout)
    pages_second = listing_pages(sim.log)
    assert pages_second == [1, 2], "stops at the first page holding only known articles"
    released = [a for a in sim.catalog.visible("mehr") if a.batch == 1]
    relevant = [a for a in released if a.kind == "new"]
    assert second["pages"] == len(released) == 2
    assert second["new"] == len(relevant) >= 1
    assert second["irrelevant"] == len(released) - len(relevant)

    sim.reset_log()
    (third,) = json.loads(run_monitor(*crawl).stdout)
    assert listing_pages(sim.log) == [1]  # unchanged: page 1 answers 304, nothing more
    assert third["not_modified"] == 1 and third["pages"] == 0
