"""Telegram channels and web outlets crawled together through the simulator, into SQLite.

Ground truth is the simulator's own post file (monitor/simulator/data/telegram.json): which
posts announce which article, which are Telegram-only flashes, which copy another. Crawls run
in child processes (one reactor per process), as under the daemon:

1. batch 0, everything;  2. the same again (nothing new);  3. batches 1–2 released;
4. a post edited, then the Telegram spider alone.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from monitor.outlets import load_outlets
from storage.models import Article, Revision, Sighting
from storage.stories import story_of
from tests.conftest import ROOT, run_monitor

POSTS = json.loads(
    (ROOT / "monitor" / "simulator" / "data" / "telegram.json").read_text(encoding="utf-8")
)["channels"]
OUTLETS = load_outlets()
EDITED = ("farsna", 300022)
EDIT_TEXT = "🔴 لاوروف: روابط مسکو و تهران در بالاترین سطح تاریخ خود قرار دارد؛ سفر عراقچی به مسکو"


def post(channel: str, post_id: int) -> dict:
    return next(p for p in POSTS[channel]["posts"] if p["id"] == post_id)


def post_time(channel: str, post_id: int) -> datetime:
    return datetime.fromisoformat(post(channel, post_id)["date"])


def announcements() -> list[tuple[str, str, datetime]]:
    """(post URL, canonical article URL, post time) for every post that links an article."""
    found = []
    for channel, spec in POSTS.items():
        for p in spec["posts"]:
            for link in p.get("links", []):
                outlet = next(o for o in OUTLETS.values() if o.canonical_url(link["url"]))
                found.append(
                    (
                        f"https://t.me/{channel}/{p['id']}",
                        outlet.canonical_url(link["url"]),
                        datetime.fromisoformat(p["date"]),
                    )
                )
    return found


def telegram_requests(log: list) -> list[tuple[str, int]]:
    return [(url, status) for _m, url, status in log if url.startswith("https://t.me/s/")]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory):
    from monitor.simulator import Simulator

    db = f"sqlite:///{tmp_path_factory.mktemp('tg') / 'monitor.db'}"
    logs = []
    with Simulator(port=0) as sim:
        for step in range(4):
            if step == 2:
                sim.release(2)
            if step == 3:
                sim.edit_post(*EDITED, EDIT_TEXT)
            sim.reset_log()
            names = ["telegram"] if step == 3 else []
            run_monitor("crawl", *names, "--db", db, "--mirror", sim.url, "--format", "json")
            logs.append(list(sim.log))
    return {"db": db, "engine": create_engine(db), "logs": logs}


@pytest.mark.slow
def test_first_run_pages_back_only_where_older_posts_exist(crawled):
    first = telegram_requests(crawled["logs"][0])
    paged = [url for url, _ in first if "before=" in url]
    assert paged == ["https://t.me/s/farsna?before=300005"]  # the only channel over one page
    assert all(status == 200 for _, status in first)


@pytest.mark.slow
def test_second_run_fetches_only_the_newest_preview_page(crawled):
    second = telegram_requests(crawled["logs"][1])
    channels = {c for c in POSTS}
    assert sorted(url for url, _ in second) == sorted(f"https://t.me/s/{c}" for c in channels)
    assert {status for _, status in second} == {304}  # conditional requests answered


@pytest.mark.slow
def test_catch_up_after_release_stops_at_the_watermark(crawled):
    third = telegram_requests(crawled["logs"][2])
    assert not [url for url, _ in third if "before=" in url]
    assert len(third) == len(POSTS)


@pytest.mark.slow
def test_each_announcing_post_and_its_article_are_one_story_first_seen_on_telegram(crawled):
    pairs = announcements()
    assert len(pairs) >= 8
    with Session(crawled["engine"]) as s:
        for post_url, article_url, when in pairs:
            story = story_of(s, post_url)
            assert story is not None, post_url
            assert story_of(s, article_url) == story, (post_url, article_url)
            row = s.get(Article, story)
            assert row.canonical_url == article_url, "the article is the story's row"
            assert row.first_source == "telegram", (post_url, row.first_source)
            assert row.first_seen == when, post_url
            # one story: neither copy is stored twice
            urls = [row.canonical_url] + [x.canonical_url for x in row.sightings]
            assert sorted(urls).count(post_url) == 1 and urls.count(article_url) == 1
            sources = {row.source} | {x.source for x in row.sightings}
            assert {"telegram", "web"} <= sources
            # every copy is searchable on its own words, whichever way it joined the story
            assert all(x.search_text for x in row.sightings), post_url


@pytest.mark.slow
def test_relevant_telegram_only_stories_stored_once(crawled):
    with Session(crawled["engine"]) as s:
        for channel, post_id in [("farsna", 300022), ("akhbarefori", 660001)]:
            url = f"https://t.me/{channel}/{post_id}"
            row = s.scalar(select(Article).where(Article.canonical_url == url))
            assert row is not None and row.source == "telegram"
            assert row.first_seen == post_time(channel, post_id)
            assert row.outlet == ("fars" if channel == "farsna" else "akhbarefori")
        # A flash and its forward on another channel: one story, first seen at the original.
        flash = story_of(s, "https://t.me/farsna/300023")
        assert flash is not None and story_of(s, "https://t.me/isna94/41003") == flash
        assert s.get(Article, flash).first_seen == post_time("farsna", 300023)
        # Unrelated flashes and the advertisement are not stories.
        assert story_of(s, "https://t.me/akhbarefori/660002") is None
        assert story_of(s, "https://t.me/farsna/300001") is None
        telegram_rows = s.scalar(select(func.count(Article.id)).where(Article.source == "telegram"))
        assert telegram_rows == len(
            set(s.scalars(select(Article.canonical_url).where(Article.source == "telegram")))
        )


@pytest.mark.slow
def test_post_copying_an_article_lead_is_a_sighting_of_that_story(crawled):
    article = OUTLETS["isna"].canonical_url("https://www.isna.ir/news/1403072039400/x")
    with Session(crawled["engine"]) as s:
        story = story_of(s, "https://t.me/isna94/41002")
        assert story is not None and story_of(s, article) == story
        assert s.get(Article, story).canonical_url == article
        assert s.get(Article, story).first_seen == post_time("isna94", 41002)


@pytest.mark.slow
def test_edited_post_becomes_a_revision(crawled):
    url = "https://t.me/{}/{}".format(*EDITED)
    with Session(crawled["engine"]) as s:
        row = s.scalar(select(Article).where(Article.canonical_url == url))
        assert row is not None and row.body == EDIT_TEXT
        revisions = list(s.scalars(select(Revision).where(Revision.article_id == row.id)))
        assert [r.body for r in revisions] == [post(*EDITED)["text"]]


@pytest.mark.slow
def test_query_filters_and_shows_the_source(crawled):
    out = run_monitor("query", "--db", crawled["db"], "--source", "telegram", "--format", "json")
    rows = json.loads(out.stdout)
    assert rows and {r["source"] for r in rows} == {"telegram"}
    web = json.loads(
        run_monitor("query", "--db", crawled["db"], "--source", "web", "--format", "json").stdout
    )
    assert web and {r["source"] for r in web} == {"web"}
    assert not {r["id"] for r in rows} & {r["id"] for r in web}
    table = run_monitor("query", "--db", crawled["db"], "--limit", "100").stdout
    assert "telegram" in table and "web" in table
    bad = run_monitor("query", "--db", crawled["db"], "--source", "fax", check=False)
    assert bad.returncode != 0 and "--source" in (bad.stderr + bad.stdout)


def test_depth_limit_reads_one_page_per_channel(tmp_path: Path):
    """Short version (not slow): the Telegram spider alone, depth 1, against a fresh store."""
    from monitor.simulator import Simulator

    db = f"sqlite:///{tmp_path / 'monitor.db'}"
    with Simulator(port=0) as sim:
        proc = subprocess.run(
            [
                sys.executable, "-m", "scrapy", "crawl", "telegram",
                "-a", "pages=1", "-a", "channels=farsna,isna94",
                "-s", f"MONITOR_DB={db}", "-s", f"MONITOR_MIRROR={sim.url}",
                "-s", "DOWNLOAD_SLOTS={}", "-s", "LOG_LEVEL=WARNING",
            ],
            cwd=ROOT, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr[-3000:]
        requested = sorted(url for url, _ in telegram_requests(sim.log))
    assert requested == ["https://t.me/s/farsna", "https://t.me/s/isna94"]
    engine = create_engine(db)
    with Session(engine) as s:
        seen = s.scalar(select(func.count()).select_from(Sighting))
        stored = set(s.scalars(select(Article.canonical_url).where(Article.source == "telegram")))
    assert "https://t.me/farsna/300022" in stored and "https://t.me/isna94/41002" in stored
    assert seen >= 1  # the forward of a Fars flash is a sighting of it


@pytest.mark.slow
def test_post_and_article_join_on_postgres(pg_url: str):
    """The same story joining on PostgreSQL: Mehr's channel and Mehr's site, one crawl."""
    from monitor.simulator import Simulator

    with Simulator(port=0) as sim:
        run_monitor("crawl", "telegram", "mehr", "--db", pg_url, "--mirror", sim.url)
    engine = create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://", 1))
    article = OUTLETS["mehr"].canonical_url("https://www.mehrnews.com/news/5976517")
    with Session(engine) as s:
        story = story_of(s, article)
        assert story is not None and story_of(s, "https://t.me/mehrnews/512002") == story
        row = s.get(Article, story)
        assert row.canonical_url == article and row.first_source == "telegram"
        assert row.first_seen == post_time("mehrnews", 512002)
        # The post announcing an article of a later batch stands alone until it appears.
        alone = s.scalar(
            select(Article).where(Article.canonical_url == "https://t.me/mehrnews/512004")
        )
        assert alone is not None and alone.source == "telegram"
    engine.dispose()


@pytest.mark.slow
def test_status_has_a_row_for_the_telegram_job(crawled):
    rows = json.loads(run_monitor("status", "--db", crawled["db"], "--format", "json").stdout)
    telegram = [r for r in rows if r["outlet"] == "telegram"]
    assert len(telegram) == 1 and telegram[0]["last_status"] in ("ok", "partial")
    with Session(crawled["engine"]) as s:
        posts = s.scalar(
            select(func.count(Article.id)).where(
                Article.source == "telegram", Article.seed_file.is_(None)
            )
        )
    assert telegram[0]["articles"] == posts > 0


def test_no_telegram_row_when_every_channel_is_off(tmp_path: Path):
    from monitor.channels import load_channels, reads_telegram

    assert reads_telegram(None)
    off = tmp_path / "outlets.toml"
    off.write_text("".join(f"[channels.{c}]\nenabled = false\n" for c in load_channels()))
    assert not reads_telegram(str(off))
    db = f"sqlite:///{tmp_path / 'monitor.db'}"
    rows = json.loads(
        run_monitor("status", "--db", db, "--outlets", str(off), "--format", "json").stdout
    )
    assert rows and "telegram" not in {r["outlet"] for r in rows}
