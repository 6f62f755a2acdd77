"""Every crawl is a ``crawl_runs`` row: opened when the spider starts, filled when it closes.

The row exists from the first second, so a crawl that is killed leaves a ``running`` row that
the daemon later marks ``interrupted``; a crawl that half-fails is ``partial`` with each
failure's one-line reason.
"""

from __future__ import annotations

import os

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from monitor.failures import FAILURES_KEY
from storage.db import connect, hold_run_lock, release_run_lock
from storage.models import CrawlRun
from storage.types import utcnow

# crawl_runs column <- stats key
COUNTS = {
    "requests": "downloader/request_count",
    "not_modified": "monitor/not_modified",
    "pages": "monitor/pages",
    "new": "monitor/new",
    "duplicate": "monitor/duplicate",
    "irrelevant": "monitor/irrelevant",
    "revised": "monitor/revised",
    "failed": "monitor/failed",
    "empty_bodies": "monitor/empty_body",
    "no_dates": "monitor/no_date",
    "blocked": "monitor/blocked",
}


def run_status(finish_reason: str, failed: int, answered: int) -> str:
    """ok | partial | failed | interrupted, from how the crawl ended and what it got.

    ``answered`` counts the feeds, sitemaps, listings and article pages that came back
    (a 304 counts): a crawl with failures where nothing answered has failed, not half-failed.
    """
    if finish_reason in ("shutdown", "cancelled"):
        return "interrupted"
    if finish_reason != "finished":
        return "failed"
    if failed and not answered:
        return "failed"
    return "partial" if failed else "ok"


class CrawlRunLog:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.db_url: str | None = crawler.settings.get("MONITOR_DB")
        self.trigger: str = crawler.settings.get("MONITOR_TRIGGER", "manual")
        self.worker: str | None = crawler.settings.get("MONITOR_WORKER") or None
        self.run_id: int | None = None
        self._lock: Connection | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlRunLog:
        return cls(crawler)

    def spider_opened(self, spider: Spider) -> None:
        engine = connect(self.db_url)
        with Session(engine) as session:
            run = CrawlRun(
                outlet=spider.name,
                trigger=self.trigger,
                pid=os.getpid(),
                worker=self.worker,
                started_at=utcnow(),
                status="running",
            )
            session.add(run)
            session.flush()
            # Held before the row is visible to others: a live run is never taken for dead.
            self._lock = hold_run_lock(engine, run.id)
            session.commit()
            self.run_id = run.id
        spider.crawler.stats.set_value("monitor/run_id", self.run_id)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        try:
            self._close(reason)
        finally:
            if self.run_id is not None:
                release_run_lock(self._lock, self.run_id)
            self._lock = None

    def _close(self, reason: str) -> None:
        stats = self.crawler.stats
        assert stats is not None
        with Session(connect(self.db_url)) as session:
            run = session.get(CrawlRun, self.run_id)
            if run is None:
                return
            for column, key in COUNTS.items():
                setattr(run, column, int(stats.get_value(key, 0) or 0))
            run.failures = list(stats.get_value(FAILURES_KEY) or [])
            run.stats = {
                k: v
                for k, v in stats.get_stats().items()
                if isinstance(v, (int, float, str)) and not k.startswith("log_count")
            }
            run.finished_at = utcnow()
            answered = run.pages + run.not_modified + int(stats.get_value("monitor/sources_ok", 0))
            run.status = run_status(reason, run.failed, answered)
            session.commit()
