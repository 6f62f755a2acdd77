"""The whole monitor through real parts: simulator over HTTP → spiders → pipelines → SQLite.

Ground truth is the simulator's own manifest (``monitor.simulator.build_data.manifest()``): which
pages are new Iran–Russia stories, which copy one of them at another outlet, which republish a
seed, which are unrelated.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from monitor.outlets import load_outlets
from monitor.simulator.build_data import manifest as simulator_manifest
from storage.models import Article, CrawlRun, SeenUrl, Sighting
from tests.conftest import run_monitor

OUTLETS = load_outlets()


def manifest(batch: int = 0) -> list[dict]:
    return [r for r in simulator_manifest() if int(r.get("batch", 0)) <= batch]


def stories(batch: int = 0) -> dict[str, list[dict]]:
    """Each new story with the copies other outlets ran of it (the original first)."""
    groups: dict[str, list[dict]] = defaultdict(list)
    for r in manifest(batch):
        if r["kind"] == "new":
            groups[r["story"]].insert(0, r)
        elif r["kind"] == "copy":
            groups[r["of"]].append(r)
    return groups


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
    assert set(runs) == {k for k, o in OUTLETS.items() if o.enabled} | {"telegram"}
    for outlet, run in runs.items():
        assert run["status"] in ("ok", "partial"), (outlet, run["failures"])
        assert run["pages"] > 0, outlet
    with Session(crawled["engine"]) as s:
        assert s.scalar(select(func.count(CrawlRun.id))) == 2 * len(runs)


def stored_once(s: Session, group: list[dict]) -> tuple[dict, Article]:
    """The one page of a story group that was stored (whichever outlet was crawled first)."""
    rows = [
        (r, a)
        for r in group
        for a in s.scalars(select(Article).where(Article.canonical_url == canonical(r)))
    ]
    assert len(rows) == 1, f"{group[0]['url']}: {len(rows)} of its group's pages stored"
    return rows[0]


@pytest.mark.slow
def test_new_relevant_stories_stored_once_with_title_outlet_and_date(crawled):
    groups = stories()
    assert len(groups) >= 20 and sum(len(g) > 1 for g in groups.values()) >= 8
    with Session(crawled["engine"]) as s:
        for group in groups.values():
            record, a = stored_once(s, group)
            assert a.title == record["title"]
            assert a.outlet == record["outlet"]
            assert a.url.startswith("https://"), "stored URLs are the real outlet URLs"
            want = datetime.fromisoformat(record["published"])
            assert a.published == want, (record["url"], a.published, want, a.date_source)
            assert a.published_jalali
            assert "\u200c" in a.body or "\u200c" not in "".join(record["paragraphs"])


@pytest.mark.slow
def test_copies_of_a_story_are_sightings_of_the_stored_one(crawled):
    """Copies at other outlets (new headline, own attribution, trimmed) are one story."""
    with Session(crawled["engine"]) as s:
        for group in stories().values():
            if len(group) == 1:
                continue
            kept, article = stored_once(s, group)
            for record in group:
                if record is kept:
                    continue
                sighting = s.scalar(
                    select(Sighting).where(Sighting.canonical_url == canonical(record))
                )
                assert sighting is not None, f"{record['url']} not recognised as a copy"
                assert sighting.article_id == article.id and sighting.kind in ("exact", "near")


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
            for a in s.scalars(
                select(Article).where(Article.seed_file.is_(None), Article.source == "web")
            )
        }
    with Session(crawled["engine"]) as s:
        by_url = {canonical(r): r for g in stories().values() for r in [stored_once(s, g)[0]]}
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
        for group in stories().values():  # a story's copies, unless a copy was stored itself
            kept, _ = stored_once(s, group)
            copies += [r for r in group if r["kind"] == "copy" and r is not kept]
        for record in copies:
            sighting = s.scalar(select(Sighting).where(Sighting.canonical_url == canonical(record)))
            assert sighting.cited_source, record["url"]
            assert sighting.cited_source in record["cited"], (
                sighting.cited_source,
                record["cited"],
            )
