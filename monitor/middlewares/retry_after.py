"""Scrapy's retries, plus backing off as the outlet asks: ``Retry-After`` on 429 and 503.

The retried request waits because the outlet's download slot is slowed to the requested delay
(capped by ``MONITOR_MAX_RETRY_AFTER``); AutoThrottle eases it again as responses recover.
403 and 429 are also counted as ``monitor/blocked``: the outlet-health check looks for them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())


class RetryAfterMiddleware(RetryMiddleware):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler.settings)
        self.crawler = crawler
        self.max_wait = crawler.settings.getfloat("MONITOR_MAX_RETRY_AFTER", 300)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryAfterMiddleware:
        return cls(crawler)

    def process_response(  # the spider argument is Scrapy's deprecated one, never used
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        stats = self.crawler.stats
        if response.status in (403, 429) and stats is not None:
            stats.inc_value("monitor/blocked")
        if response.status in (429, 503):
            wait = retry_after_seconds(_text(response.headers.get(b"Retry-After")))
            if wait is not None:
                self._slow_slot(request, min(wait, self.max_wait))
        return super().process_response(request, response)

    def _slow_slot(self, request: Request, wait: float) -> None:
        engine = self.crawler.engine
        if engine is None:
            return
        downloader = engine.downloader
        key = downloader.get_slot_key(request)
        slot = downloader.slots.get(key)
        if slot is not None:
            slot.delay = max(slot.delay, wait)


def _text(value: bytes | None) -> str | None:
    return value.decode("latin-1") if value else None
