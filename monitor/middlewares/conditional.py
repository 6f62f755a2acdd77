"""Conditional GET for feeds, sitemaps and listing pages: an unchanged page costs a 304.

Validators (ETag, Last-Modified) are kept per URL in the store's ``http_validators`` table.
A 304 ends the request with ``NotModified`` before any parsing, counted in
``monitor/not_modified``. Article pages are not revalidated here: the known-articles spider
middleware decides whether they are fetched at all.

New validators are not written when the listing arrives but when the crawl finishes completely,
and only for listings whose named articles all have a verdict (or a recorded failure) and whose
child sitemaps were all read: a crawl that is killed, stopped or timed out leaves the old
validators, so the next run reads the same listings in full instead of getting 304s for pages
whose articles it never judged.
"""

from __future__ import annotations

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.db import connect
from storage.models import HttpValidator, SeenUrl
from storage.pending import pending_for
from storage.writes import save_validator


class NotModified(IgnoreRequest):
    """The server answered 304: nothing new at this URL since the last crawl."""


class ConditionalGetMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.db_url: str | None = crawler.settings.get("MONITOR_DB")
        self.validators: dict[str, tuple[str | None, str | None]] = {}
        self.fresh: dict[str, tuple[str | None, str | None]] = {}
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalGetMiddleware:
        return cls(crawler)

    def spider_opened(self, spider: Spider) -> None:
        with Session(connect(self.db_url)) as session:
            rows = session.execute(
                select(HttpValidator.url, HttpValidator.etag, HttpValidator.last_modified)
            )
            self.validators = {url: (etag, lm) for url, etag, lm in rows}

    def process_request(self, request: Request) -> None:
        if not request.meta.get("conditional"):
            return
        etag, last_modified = self.validators.get(request.url, (None, None))
        if etag:
            request.headers.setdefault("If-None-Match", etag)
        if last_modified:
            request.headers.setdefault("If-Modified-Since", last_modified)

    def process_response(self, request: Request, response: Response) -> Response:
        if not request.meta.get("conditional"):
            return response
        stats = self.crawler.stats
        assert stats is not None
        if response.status == 304:
            stats.inc_value("monitor/not_modified")
            raise NotModified(f"not modified: {request.url}")
        if response.status == 200:
            etag = _header(response, b"ETag")
            last_modified = _header(response, b"Last-Modified")
            if etag or last_modified:
                self.fresh[request.url] = (etag, last_modified)
        return response

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """Commit the validators of listings that are completely done (see the module doc)."""
        stats = self.crawler.stats
        if reason != "finished" or not self.fresh:
            if stats is not None:
                stats.set_value("monitor/validators_held", len(self.fresh))
            return
        outlet = getattr(getattr(spider, "outlet", None), "key", spider.name)
        blocked: set[str] = set(getattr(spider, "blocked_sources", ()))
        with Session(connect(self.db_url)) as session:
            rows = [r for r in pending_for(session, outlet) if r.kind == "article"]
            judged = set(
                session.scalars(
                    select(SeenUrl.canonical_url).where(
                        SeenUrl.canonical_url.in_({r.canonical_url for r in rows})
                    )
                )
            )
            blocked |= {
                (r.meta or {}).get("source") or "" for r in rows if r.canonical_url not in judged
            }
            saved = 0
            for url, (etag, last_modified) in self.fresh.items():
                if url in blocked:
                    continue
                save_validator(session, url, etag, last_modified)
                saved += 1
            session.commit()
        if stats is not None:
            stats.set_value("monitor/validators_held", len(self.fresh) - saved)


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
