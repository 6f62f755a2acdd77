"""Scrapy components alone: the mirror, Retry-After, feed and sitemap reading, run status,
and the known-articles middleware's decisions, on real responses built from real bytes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, XmlResponse
from scrapy.utils.test import get_crawler

from monitor.extensions.runlog import run_status
from monitor.middlewares.known import KnownArticlesMiddleware, Seen
from monitor.middlewares.retry_after import retry_after_seconds
from monitor.mirror import mirrored_url
from spiders.loader import OutletSpiderLoader
from spiders.outlet import feed_entries, parse_when, readable_url

NOW = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)


def test_mirrored_url_keeps_host_path_and_query():
    assert (
        mirrored_url("http://127.0.0.1:8800/", "https://www.mehrnews.com/archive?pi=2&ms=0")
        == "http://127.0.0.1:8800/www.mehrnews.com/archive?pi=2&ms=0"
    )
    assert mirrored_url("http://m:1", "https://fa.alalam.ir") == "http://m:1/fa.alalam.ir/"


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("120", 120.0),
        ("Mon, 01 Jan 2024 12:00:30 GMT", 30.0),
        ("soon", None),
        (None, None),
        ("Mon, 01 Jan 2024 11:00:00 GMT", 0.0),
    ],
)
def test_retry_after_in_seconds_or_http_date(header, seconds):
    assert retry_after_seconds(header, now=NOW) == seconds


@pytest.mark.parametrize(
    ("reason", "failed", "answered", "status"),
    [
        ("finished", 0, 10, "ok"),
        ("finished", 2, 10, "partial"),
        ("finished", 3, 0, "failed"),
        ("shutdown", 0, 5, "interrupted"),
        ("closespider_timeout", 0, 5, "failed"),
    ],
)
def test_run_status(reason, failed, answered, status):
    assert run_status(reason, failed, answered) == status


def test_feed_entries_from_rss_and_atom_and_a_broken_feed():
    rss = b"""<?xml version="1.0"?><rss><channel><item><title>a</title>
    <link>https://www.mehrnews.com/news/1/x</link><pubDate>Tue, 05 Dec 2023 14:53:00 GMT</pubDate>
    </item></channel></rss>"""
    entries, problem = feed_entries(rss)
    assert problem is None and entries[0]["link"] == "https://www.mehrnews.com/news/1/x"
    atom = b"""<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>b</title>
    <link href="https://www.isna.ir/news/1402/"/><updated>2023-12-05T14:53:00Z</updated></entry></feed>"""
    entries, problem = feed_entries(atom)
    assert entries[0]["link"] == "https://www.isna.ir/news/1402/" and entries[0]["updated"]
    broken = b"<rss><channel><item><title>x & y<link>https://www.irna.ir/news/9/</link></item>"
    entries, problem = feed_entries(broken)
    assert problem and problem.startswith("malformed feed")
    assert [e["link"] for e in entries] == ["https://www.irna.ir/news/9/"]
    assert feed_entries(b"")[1].startswith("malformed feed: Document is empty")


def test_parse_when_and_readable_url():
    assert parse_when("2023-12-05T14:53:00Z") == datetime(2023, 12, 5, 14, 53, tzinfo=UTC)
    assert parse_when("Tue, 05 Dec 2023 18:23:00 +0330") == datetime(
        2023, 12, 5, 14, 53, tzinfo=UTC
    )
    assert parse_when("not a date") is None
    assert readable_url("https://x.ir/news/1/%D8%B1%D9%88%D8%B3") == "https://x.ir/news/1/روس"


def _middleware(seen: dict[str, Seen]) -> KnownArticlesMiddleware:
    crawler = get_crawler(settings_dict={"MONITOR_MAX_ATTEMPTS": 3})
    crawler.stats.open_spider()
    mw = KnownArticlesMiddleware(crawler)
    mw.seen = seen
    return mw


def _article(url: str, lastmod: datetime | None = None) -> Request:
    return Request(url, meta={"canonical_url": url, "lastmod": lastmod})


def test_known_articles_are_skipped_unless_updated_or_failed():
    old = NOW - timedelta(days=1)
    mw = _middleware(
        {
            "https://x.ir/stored": Seen("stored", 1, old),
            "https://x.ir/dup": Seen("duplicate", 1, old),
            "https://x.ir/failed": Seen("failed", 1, old),
            "https://x.ir/failed3": Seen("failed", 3, old),
        }
    )
    assert mw.wanted(_article("https://x.ir/new"))
    assert not mw.wanted(_article("https://x.ir/stored"))
    assert not mw.wanted(_article("https://x.ir/stored", lastmod=old))
    updated = _article("https://x.ir/stored", lastmod=NOW)
    assert mw.wanted(updated) and updated.meta["refetch"] is True
    assert not mw.wanted(_article("https://x.ir/dup", lastmod=NOW))
    assert mw.wanted(_article("https://x.ir/failed")) and not mw.wanted(
        _article("https://x.ir/failed3")
    )


def test_listing_pagination_stops_at_the_first_page_with_nothing_unseen():
    mw = _middleware(
        {"https://x.ir/1": Seen("stored", 1, NOW), "https://x.ir/2": Seen("stored", 1, NOW)}
    )
    next_page = Request("https://x/archive?pi=2", meta={"listing_next": True})
    known_only = list(
        mw._filter([_article("https://x.ir/1"), _article("https://x.ir/2"), next_page])
    )
    assert known_only == []
    mixed = list(mw._filter([_article("https://x.ir/1"), _article("https://x.ir/3"), next_page]))
    assert [r.url for r in mixed] == ["https://x.ir/3", "https://x/archive?pi=2"]
    # Queued earlier in this crawl (from the feed) still counts as unseen for pagination.
    again = list(mw._filter([_article("https://x.ir/3"), next_page]))
    assert [r.url for r in again] == ["https://x/archive?pi=2"]


def test_outlet_spider_reads_a_listing_page_from_its_selector():
    spider_cls = OutletSpiderLoader(get_crawler().settings).load("irna")
    crawler = get_crawler(spider_cls)
    spider = spider_cls.from_crawler(crawler)
    html = """<ul><li class="news"><div class="desc"><h3><a href="/news/85257749/ایران-روسیه">x</a>
    </h3></div></li><li class="news"><div class="desc"><h3><a href="/service/world">y</a></h3>
    </div></li></ul>"""
    response = HtmlResponse(
        "https://www.irna.ir/archive?pi=1&ms=0",
        body=html.encode(),
        encoding="utf-8",
        request=Request(
            "https://www.irna.ir/archive?pi=1&ms=0",
            meta={"page": 1, "template": "https://www.irna.ir/archive?pi={page}&ms=0"},
        ),
    )
    out = list(spider.parse_listing(response))
    assert out[0].meta["canonical_url"] == "https://www.irna.ir/news/85257749"
    assert out[-1].meta["listing_next"] and out[-1].url.endswith("pi=2&ms=0")
    assert len(out) == 2  # the section link is not an article


def test_sitemap_entries_older_than_the_last_run_are_skipped():
    spider_cls = OutletSpiderLoader(get_crawler().settings).load("mehr")
    spider = spider_cls.from_crawler(get_crawler(spider_cls), since="2023-12-05T00:00:00+00:00")
    body = b"""<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
    <url><loc>https://www.mehrnews.com/news/6000002/new</loc><lastmod>2023-12-06T10:00:00Z</lastmod></url>
    <url><loc>https://www.mehrnews.com/news/6000001/old</loc><lastmod>2023-12-01T10:00:00Z</lastmod></url>
    </urlset>"""
    out = list(
        spider.parse_sitemap(
            XmlResponse("https://www.mehrnews.com/sitemap/news/sitemap.xml", body=body)
        )
    )
    assert [r.meta["canonical_url"] for r in out] == ["https://www.mehrnews.com/news/6000002"]
    assert out[0].meta["lastmod"] == datetime(2023, 12, 6, 10, tzinfo=UTC)


def test_user_agent_names_the_tool_and_the_operators_contact():
    from monitor.crawl import crawl_settings

    settings = crawl_settings(
        db="sqlite://", extra={"MONITOR_CONTACT_URL": "mailto:desk@example.org"}
    )
    assert settings["USER_AGENT"].startswith("IranRussiaMonitor/")
    assert settings["USER_AGENT"].endswith("(+mailto:desk@example.org)")
    assert settings.getbool("ROBOTSTXT_OBEY")
