"""The whole monitor through real parts: simulator over HTTP → spiders → pipelines → SQLite.

Ground truth is the simulator's own manifest (monitor/simulator/data/articles.json): which pages
are new Iran–Russia stories, which republish a seed, which are unrelated.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from monitor.outlets import load_outlets
from storage.models import Article, CrawlRun, SeenUrl, Sighting
from tests.conftest import run_monitor

MANIFEST = (
    Path(__file__).resolve().parent.parent / "monitor" / "simulator" / "data" / "articles.json"
)
OUTLETS = load_outlets()


def manifest(batch: int = 0) -> list[dict]:
    records = json.loads(MANIFEST.read_text(encoding="utf-8"))
    return [r for r in records if int(r.get("batch", 0)) <= batch]


def canonical(record: dict) -> str:
    url = OUTLETS[record["outlet"]].canonical_url(record["url"])
    assert url, f"simulator URL does not match its outlet's pattern: {record['url']}"
    return url


def article_requests(log: list) -> list[str]:
    return [
        url for _method, url, _status in log if any(o.canonical_url(url) for o in OUTLETS.values())
    ]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory):
    """One full crawl of every outlet through a fresh simulator, then a second one."""
    from monitor.simulator import Simulator

    db = f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'monitor.db'}"
    with Simulator(port=0) as sim:
        first = run_monitor("crawl", "--db", db, "--mirror", sim.url, "--format", "json")
        first_log = list(sim.log)
        sim.reset_log()
        second = run_monitor("crawl", "--db", db, "--mirror", sim.url, "--format", "json")
        second_log = list(sim.log)
    return {
        "db": db,
        "engine": create_engine(db),
        "first": json.loads(first.stdout),
        "second": json.loads(second.stdout),
        "first_log": first_log,
        "second_log": second_log,
    }


@pytest.mark.slow
def test_every_outlet_crawled_and_logged(crawled):
    runs = {r["outlet"]: r for r in crawled["first"]}
    assert set(runs) == {k for k, o in OUTLETS.items() if o.enabled}
    for outlet, run in runs.items():
        assert run["status"] in ("ok", "partial"), (outlet, run["failures"])
        assert run["pages"] > 0, outlet
    with Session(crawled["engine"]) as s:
        assert s.scalar(select(func.count(CrawlRun.id))) == 2 * len(runs)


@pytest.mark.slow
def test_new_relevant_stories_stored_once_with_title_outlet_and_date(crawled):
    expected = [r for r in manifest() if r["kind"] == "new"]
    assert expected
    with Session(crawled["engine"]) as s:
        for record in expected:
            rows = s.scalars(
                select(Article).where(Article.canonical_url == canonical(record))
            ).all()
            assert len(rows) == 1, f"{record['url']} stored {len(rows)} times"
            a = rows[0]
            assert a.title == record["title"]
            assert a.outlet == record["outlet"]
            assert a.url.startswith("https://"), "stored URLs are the real outlet URLs"
            want = datetime.fromisoformat(record["published"])
            assert a.published == want, (record["url"], a.published, want, a.date_source)
            assert a.published_jalali
            assert "\u200c" in a.body or "\u200c" not in "".join(record["paragraphs"])


@pytest.mark.slow
def test_republished_seeds_are_sightings_of_the_right_seed(crawled):
    copies = [r for r in manifest() if r["kind"] in ("seed", "republication")]
    assert len(copies) >= 10
    with Session(crawled["engine"]) as s:
        for record in copies:
            url = canonical(record)
            assert s.scalar(select(Article.id).where(Article.canonical_url == url)) is None, (
                f"{record['url']} was stored as a new article"
            )
            sighting = s.scalar(select(Sighting).where(Sighting.canonical_url == url))
            assert sighting is not None, f"{record['url']} not recognised as a duplicate"
            assert sighting.original.seed_file == record["of"], record["url"]
            assert sighting.kind in ("exact", "near")


@pytest.mark.slow
def test_unrelated_items_are_not_articles(crawled):
    others = [r for r in manifest() if r["kind"] in ("unrelated", "trap")]
    assert others
    with Session(crawled["engine"]) as s:
        stored = set(s.scalars(select(Article.canonical_url)))
        verdicts = dict(s.execute(select(SeenUrl.canonical_url, SeenUrl.verdict)).all())
    leaked = [r["url"] for r in others if canonical(r) in stored]
    assert not leaked
    judged = [canonical(r) for r in others if canonical(r) in verdicts]
    assert all(verdicts[u] == "irrelevant" for u in judged)
    assert len(judged) == len(others), "every unrelated page was read and judged"


@pytest.mark.slow
def test_second_crawl_stores_nothing_and_fetches_no_article(crawled):
    assert article_requests(crawled["first_log"]), "the first crawl fetched articles"
    assert article_requests(crawled["second_log"]) == []
    assert sum(r["new"] for r in crawled["second"]) == 0
    assert sum(r["not_modified"] for r in crawled["second"]) > 0


BOILERPLATE = ("انتهای پیام", "کد خبر", "نظر شما", "ارسال نظرات", "پربیننده", "بیشتر بخوانید")


@pytest.mark.slow
def test_stored_bodies_are_clean_and_keep_the_zwnj(crawled):
    with Session(crawled["engine"]) as s:
        bodies = {
            a.canonical_url: a
            for a in s.scalars(select(Article).where(Article.seed_file.is_(None)))
        }
    by_url = {canonical(r): r for r in manifest() if r["kind"] == "new"}
    assert set(bodies) == set(by_url)
    for url, a in bodies.items():
        leaked = [p for p in BOILERPLATE if p in a.body]
        assert not leaked, (url, leaked)
        last = by_url[url]["paragraphs"][-1][:40]  # not cut short by the boilerplate filter
        assert last.replace("\u200c", "")[:30] in a.body.replace("\u200c", ""), url
        if "\u200c" in "".join(by_url[url]["paragraphs"]):
            assert "\u200c" in a.body, f"{url}: ZWNJ lost"
        assert a.url == by_url[url]["url"], "the stored URL is the real one, readable"


@pytest.mark.slow
def test_attribution_names_who_originated_a_republished_story(crawled):
    copies = [r for r in manifest() if r["kind"] == "republication" and r.get("cited")]
    assert copies
    with Session(crawled["engine"]) as s:
        for record in copies:
            sighting = s.scalar(select(Sighting).where(Sighting.canonical_url == canonical(record)))
            assert sighting.cited_source, record["url"]
            assert sighting.cited_source in record["cited"], (
                sighting.cited_source,
                record["cited"],
            )
