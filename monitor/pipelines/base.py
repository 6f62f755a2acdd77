"""What every stage shares: the crawler's settings, the store, and one Judge per store.

The Judge (and its near-duplicate index) is shared by every crawler in the process that uses
the same database, so outlets crawled side by side in one ``monitor crawl`` dedup each other.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector
from sqlalchemy.orm import Session

from monitor.judge import Judge
from storage.db import connect, default_db_url

_JUDGES: dict[tuple[str, str | None, str | None], Judge] = {}


def judge_for(db_url: str, outlets_file: str | None, terms: str | None) -> Judge:
    key = (db_url, outlets_file, terms)
    if key not in _JUDGES:
        from monitor.outlets import load_outlets

        _JUDGES[key] = Judge(connect(db_url), load_outlets(outlets_file), terms)
    return _JUDGES[key]


class Stage:
    """Base of the pipeline stages: built from the crawler, never from module globals."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.db_url: str = settings.get("MONITOR_DB") or default_db_url()
        self.outlets_file: str | None = settings.get("MONITOR_OUTLETS_FILE")
        self.terms: str | None = settings.get("MONITOR_TOPIC_TERMS")
        self._judge: Judge | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Any:
        return cls(crawler)

    @property
    def stats(self) -> StatsCollector:
        assert self.crawler.stats is not None
        return self.crawler.stats

    @property
    def judge(self) -> Judge:
        if self._judge is None:
            self._judge = judge_for(self.db_url, self.outlets_file, self.terms)
        return self._judge

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session committed on success: each page's outcome is durable on its own."""
        with Session(connect(self.db_url), expire_on_commit=False) as session:
            yield session
            session.commit()
