"""Never fetch an article twice: drop requests for article URLs the store has already judged.

Works on canonical URLs, so the slug and slugless forms of one article (from the feed and from
the sitemap) are one page. An article is fetched again only when the sitemap's ``lastmod`` is
newer than what was stored (the outlet corrected it: a revision), or when its earlier extraction
failed and it has attempts left. It also ends listing pagination: a listing page whose articles
are all known drops its "next page" request, so catch-up after downtime pages back only until
it reaches articles already seen.

It also keeps the crawl's progress durable (``storage.pending``): every article request it lets
through, and every catch-up listing page, is written to the outlet's pending set before it is
yielded; the pending set is the first work of the next run (``process_start``), and at the end
of a crawl the rows that got a verdict leave it. A page the crawl never answered at all
(filtered, a redirect loop) gets a ``failed`` verdict with that reason, so nothing is silent.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.failures import record_failure
from storage.db import connect
from storage.models import SeenUrl
from storage.pending import Discovery, add_pending, drop_pending, due, pending_for, resolve
from storage.writes import mark_seen


@dataclass(frozen=True)
class Seen:
    verdict: str
    attempts: int
    changed: datetime | None  # the newest time we know the page's content from
    last_seen: datetime | None = None


class KnownArticlesMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.db_url: str | None = crawler.settings.get("MONITOR_DB")
        self.max_attempts = crawler.settings.getint("MONITOR_MAX_ATTEMPTS", 3)
        self.backoff = crawler.settings.getfloat("MONITOR_RETRY_BACKOFF", 600.0)
        self.seen: dict[str, Seen] = {}
        self.scheduled: set[str] = set()
        self.listings_read: set[str] = set()
        self.outlet = ""
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> KnownArticlesMiddleware:
        return cls(crawler)

    def spider_opened(self, spider: Spider) -> None:
        outlet = getattr(getattr(spider, "outlet", None), "key", spider.name)
        self.outlet = outlet
        with Session(connect(self.db_url)) as session:
            resolve(session, outlet, self.max_attempts, self.backoff)
            session.commit()
            rows = session.execute(
                select(
                    SeenUrl.canonical_url,
                    SeenUrl.verdict,
                    SeenUrl.attempts,
                    SeenUrl.lastmod,
                    SeenUrl.last_seen,
                ).where(SeenUrl.outlet == outlet)
            )
            self.seen = {
                url: Seen(verdict, attempts or 0, lastmod or last_seen, last_seen)
                for url, verdict, attempts, lastmod, last_seen in rows
            }

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """Settle the pending set: finished rows leave; on a complete crawl, a row that got no
        answer at all is a recorded failure (a redirect loop, a filtered request), not silence."""
        stats = self.crawler.stats
        with Session(connect(self.db_url)) as session:
            result = resolve(session, self.outlet, self.max_attempts, self.backoff)
            drop_pending(session, self.listings_read)  # read in this run, whichever request did
            if reason == "finished":
                for row in result.unjudged:
                    if row.canonical_url in self.scheduled:
                        why = "no answer in a complete crawl (redirect loop or filtered)"
                        record_failure(stats, row.url, why)
                        mark_seen(session, row.canonical_url or row.url, self.outlet, "failed", why)
                session.flush()
                result = resolve(session, self.outlet, self.max_attempts, self.backoff)
            session.commit()
        if stats is not None:
            stats.set_value("monitor/unresolved", len(result.unjudged))
            stats.set_value("monitor/pending_retry", result.retrying)

    def wanted(self, request: Request) -> bool:
        """Whether an article request should be fetched; marks refetches in its meta."""
        canonical = request.meta["canonical_url"]
        if canonical in self.scheduled:
            return False
        seen = self.seen.get(canonical)
        lastmod: datetime | None = request.meta.get("lastmod")
        if seen is None:
            return True
        if seen.verdict == "failed":
            if seen.attempts >= self.max_attempts:
                return False
            wait = timedelta(seconds=min(self.backoff * 2 ** max(seen.attempts - 1, 0), 86400))
            return seen.last_seen is None or seen.last_seen + wait <= datetime.now(UTC)
        if seen.verdict == "stored" and lastmod and seen.changed and lastmod > seen.changed:
            request.meta["refetch"] = True
            return True
        return False

    def _filter(self, result: Iterable[Any], source: str | None = None) -> Iterator[Any]:
        stats = self.crawler.stats
        assert stats is not None
        fresh = 0
        next_page: Request | None = None
        passed: list[Any] = []
        for r in result:
            if isinstance(r, Request) and r.meta.get("listing_next"):
                next_page = r
                continue
            if isinstance(r, Request) and "canonical_url" in r.meta:
                # The watermark: pages back only while a page links articles no earlier crawl
                # judged (ones this crawl already queued from the feed count as unseen).
                fresh += r.meta["canonical_url"] not in self.seen
                if not self.wanted(r):
                    stats.inc_value("monitor/skipped/known")
                    continue
                self.scheduled.add(r.meta["canonical_url"])
            passed.append(r)
        if next_page is not None and fresh:
            passed.append(next_page)
        self._remember(passed, source)
        yield from passed

    def _remember(self, requests: list[Any], source: str | None) -> None:
        """Write what this response led to into the pending set, before it is requested; and
        drop the response's own pending row (a listing page read is done)."""
        found = []
        for r in requests:
            if not isinstance(r, Request):
                continue
            if "canonical_url" in r.meta:
                meta = {"feed_title": r.meta.get("feed_title"), "source": source}
                canonical, lastmod = r.meta["canonical_url"], r.meta.get("lastmod")
                found.append(Discovery(r.url, "article", canonical, lastmod, meta))
            elif r.meta.get("listing_next") and r.url not in self.listings_read:
                template, page = r.meta.get("template", r.url), r.meta.get("page", 1)
                meta = {"template": template, "page": page, "source": source}
                found.append(Discovery(r.url, "listing", meta=meta))
        # The response's own pending row is done once read, if it was a listing page (an
        # article's row waits for its verdict; an errback's output also passes through here).
        done = [source] if source and source in self.listings_read else []
        if (not found and not done) or not self.outlet:  # not opened on a spider: no store
            return
        with Session(connect(self.db_url)) as session:
            drop_pending(session, done)
            add_pending(session, self.outlet, found)
            session.commit()

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        """The pending set first (the last run's unfinished work), then the spider's own."""
        spider = self.crawler.spider
        with Session(connect(self.db_url)) as session:
            rows = due(pending_for(session, self.outlet))
            session.expunge_all()
        resumed = []
        resume = getattr(spider, "resume_request", None)
        for row in rows:
            req = resume(row) if resume is not None else None
            if req is not None:
                resumed.append(req)
        if resumed and self.crawler.stats is not None:
            self.crawler.stats.set_value("monitor/resumed", len(resumed))
        for r in self._filter(resumed):
            yield r
        async for r in start:
            yield r

    async def process_spider_output(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        items = [r async for r in result]  # a callback's output is one page's links: small
        request = response.request
        source = (request.meta.get("redirect_urls") or [request.url])[0] if request else None
        if request is not None and "canonical_url" not in request.meta and source:
            self.listings_read.add(source)
        for r in self._filter(items, source or response.url):
            yield r
