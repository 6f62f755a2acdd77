"""``--jobs N``: pages examined in worker processes get the verdicts of the serial path.

The examine stage is driven the way Scrapy drives it (an awaited ``process_item`` on an asyncio
loop) with real worker processes; the crawl comparison runs the real ``monitor crawl`` twice
over the same simulated outlets, once inline (``--jobs 1``) and once with two workers, into two
SQLite files, and compares what each store holds.
"""

from __future__ import annotations

import asyncio
import sqlite3
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from scrapy.utils.test import get_crawler

from monitor.checking import quote_iri
from monitor.examine import Examiner, examine, extracted_fields
from monitor.items import PageItem
from monitor.normalize import search_text
from monitor.pipelines.examining import ExaminePipeline
from monitor.simulator.catalog import Catalog
from storage.packing import pack_fields, unpack_fields
from tests.conftest import run_monitor


def _items(simulator: Any, n: int) -> list[PageItem]:
    arts = sorted(Catalog().visible(), key=lambda a: a.kind == "unrelated")[:n]
    items = []
    for a in arts:
        fetch = f"{simulator.url}/{a.url.split('://', 1)[1]}"
        with urllib.request.urlopen(quote_iri(fetch)) as resp:
            body, charset = resp.read(), resp.headers.get_content_charset()
        items.append(
            PageItem(url=a.url, canonical_url=a.url, outlet=a.outlet, body=body, encoding=charset)
        )
    return items


def test_examine_stage_uses_workers_and_matches_inline(simulator: Any, db_url: str) -> None:
    crawler = get_crawler(settings_dict={"MONITOR_DB": db_url, "MONITOR_JOBS": 2})
    stage = ExaminePipeline.from_crawler(crawler)
    crawler.stats.open_spider()  # type: ignore[union-attr]
    items = _items(simulator, 24)
    assert stage.jobs == 2

    async def run_all() -> list[PageItem]:
        stage.open_spider()
        try:
            return list(await asyncio.gather(*(stage.process_item(i) for i in items)))
        finally:
            stage.close_spider()

    done = asyncio.run(run_all())
    assert crawler.stats.get_value("monitor/examined_in_worker") == len(items)  # type: ignore[union-attr]
    examiner = Examiner()
    for item in done:
        assert item.examined is not None
        inline = examine(examiner, PageItem(**{**item.__dict__, "examined": None}))
        got = item.examined
        assert got.error == inline.error, item.url
        assert got.extracted == inline.extracted, item.url
        assert got.language == inline.language
        assert (got.fingerprint and got.fingerprint.to_bytes()) == (
            inline.fingerprint and inline.fingerprint.to_bytes()
        )
        assert (got.relevance and got.relevance.score) == (
            inline.relevance and inline.relevance.score
        )
        # The search document the writer stores: built by the worker, the same as inline.
        ex = inline.extracted
        assert inline.search_text is None
        assert got.search_text == (ex and search_text(ex.title, ex.lead, ex.text)), item.url
        assert got.extracted is None or got.search_text
        # And the judged page's packed fields, byte for byte what the writer would pack.
        assert inline.content is None
        assert got.content == (ex and pack_fields(extracted_fields(ex))), item.url


def _store(path: str) -> dict[str, Any]:
    con = sqlite3.connect(path)
    # Which copy of a story is stored first depends on arrival order, serial or not: a stored
    # story and a copy of one are both "story" here, and the clusters below say which go together.
    judged = {
        url: (
            "story" if verdict in ("new", "duplicate") else verdict,
            language,
            round(rel or 0.0, 6),
            title,
        )
        for url, verdict, language, rel, title in con.execute(
            "select canonical_url, verdict, language, relevance, title from judged_pages"
        )
    }
    articles = {url for (url,) in con.execute("select canonical_url from articles")}
    # Each stored page's search document, whichever table (story or copy) it went to.
    search = dict(
        con.execute(
            "select canonical_url, search_text from articles"
            " union all select canonical_url, search_text from sightings"
        ).fetchall()
    )
    # Each judged page's kept fields (packed by a worker with --jobs 2, by the writer with 1).
    kept = {
        url: unpack_fields(content)
        for url, content in con.execute("select canonical_url, content from judged_pages")
    }
    # A story's copies, whichever one was stored first: the article and its sightings' URLs.
    clusters: dict[str, set[str]] = {}
    for original, url in con.execute(
        "select a.canonical_url, s.canonical_url from sightings s join articles a"
        " on a.id = s.article_id"
    ):
        clusters.setdefault(original, {original}).add(url)
    con.close()
    return {
        "judged": judged,
        "search": search,
        "kept": kept,
        "articles_or_copies": {frozenset(c) for c in clusters.values()}
        | {frozenset({a}) for a in articles if a not in clusters},
    }


# The relevance settings a user may change: a strict threshold with a wide borderline band,
# and an actors file that makes a word the simulator's pages use an actor of one side.
STRICT = ["--set", "MONITOR_RELEVANCE_THRESHOLD=0.9", "--set", "MONITOR_BORDERLINE_BAND=0.6"]
ACTORS = '[russia]\nactors = ["دومای روسیه", "اتاق بازرگانی"]\n'


@pytest.mark.parametrize(
    ("outlets", "settings"),
    [
        pytest.param(["irna", "mehr"], False, id="two-outlets"),
        pytest.param(["irna", "mehr"], True, id="two-outlets-user-relevance-settings"),
        pytest.param([], False, id="every-outlet", marks=[pytest.mark.slow, pytest.mark.long]),
    ],
)
def test_crawl_with_workers_gives_the_serial_verdicts(
    simulator: Any, tmp_path: Path, outlets: list[str], settings: bool
) -> None:
    """Workers judge with the crawl's own relevance settings (threshold, band, the user's
    actors file), not the bundled defaults: the verdicts match the serial path's."""
    extra = STRICT if settings else []
    env = {}
    if settings:
        (tmp_path / "actors.toml").write_text(ACTORS, encoding="utf-8")
        env["MONITOR_ACTORS"] = str(tmp_path / "actors.toml")
    stores = {}
    for jobs in ("1", "2"):
        path = tmp_path / f"jobs{jobs}.db"
        run_monitor(
            "crawl", *outlets, "--db", f"sqlite:///{path}", "--mirror", simulator.url,
            "--jobs", jobs, "-q", *extra, env=env,
        )  # fmt: skip
        stores[jobs] = _store(str(path))
    serial, parallel = stores["1"], stores["2"]
    assert len(serial["judged"]) >= 60
    verdicts = {v[0] for v in serial["judged"].values()}
    assert {"story", "irrelevant"} <= verdicts
    if settings:
        assert "borderline" in verdicts, "the strict threshold must leave pages in the band"
    assert any(len(c) > 1 for c in serial["articles_or_copies"])  # stories with copies
    assert parallel["judged"] == serial["judged"]
    assert parallel["articles_or_copies"] == serial["articles_or_copies"]
    assert all(serial["search"].values())
    assert parallel["search"] == serial["search"]
    assert sum(1 for f in serial["kept"].values() if f and f["text"]) >= 60
    assert parallel["kept"] == serial["kept"]
