"""Never fetch an article twice: drop requests for article URLs the store has already judged.

Works on canonical URLs, so the slug and slugless forms of one article (from the feed and from
the sitemap) are one page. An article is fetched again only when the sitemap's ``lastmod`` is
newer than what was stored (the outlet corrected it: a revision), or when its earlier extraction
failed and it has attempts left. It also ends listing pagination: a listing page whose articles
are all known drops its "next page" request, so catch-up after downtime pages back only until
it reaches articles already seen.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.db import connect
from storage.models import SeenUrl


@dataclass(frozen=True)
class Seen:
    verdict: str
    attempts: int
    changed: datetime | None  # the newest time we know the page's content from


class KnownArticlesMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.db_url: str | None = crawler.settings.get("MONITOR_DB")
        self.max_attempts = crawler.settings.getint("MONITOR_MAX_ATTEMPTS", 3)
        self.seen: dict[str, Seen] = {}
        self.scheduled: set[str] = set()
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> KnownArticlesMiddleware:
        return cls(crawler)

    def spider_opened(self, spider: Spider) -> None:
        outlet = getattr(getattr(spider, "outlet", None), "key", spider.name)
        with Session(connect(self.db_url)) as session:
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
                url: Seen(verdict, attempts or 0, lastmod or last_seen)
                for url, verdict, attempts, lastmod, last_seen in rows
            }

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
            return seen.attempts < self.max_attempts
        if seen.verdict == "stored" and lastmod and seen.changed and lastmod > seen.changed:
            request.meta["refetch"] = True
            return True
        return False

    def _filter(self, result: Iterable[Any]) -> Iterator[Any]:
        stats = self.crawler.stats
        assert stats is not None
        fresh = 0
        next_page: Request | None = None
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
            yield r
        if next_page is not None and fresh:
            yield next_page

    async def process_spider_output(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        items = [r async for r in result]  # a callback's output is one page's links: small
        for r in self._filter(items):
            yield r
