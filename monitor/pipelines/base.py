"""What the stages share: the crawler's settings, the store, and one Judge per store.

The Judge (and its near-duplicate index) is shared by every crawler in the process that uses
the same database, so outlets crawled side by side in one ``monitor crawl`` dedup each other.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Self

from scrapy.crawler import Crawler
from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings
from scrapy.statscollectors import StatsCollector
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from monitor.failures import record_failure
from monitor.items import PageItem
from monitor.pipelines.drops import Failed
from monitor.store import open_store
from storage.db import default_db_url
from storage.writes import mark_seen

if TYPE_CHECKING:  # imported where a Judge is built: the stages load before the first request
    from monitor.judge import Judge

_JUDGES: dict[tuple[object, ...], Judge] = {}
# A Judge may be loading in a background thread (``JudgePipeline.open_spider``) while the
# reactor thread asks for it: one builds it, the other waits for that one.
_JUDGES_LOCK = threading.Lock()


def judge_for(
    engine: Engine, db_url: str, outlets_file: str | None, terms: str | None, **model: object
) -> Judge:
    key = (db_url, outlets_file, terms, *sorted(model.items()))
    with _JUDGES_LOCK:
        if key not in _JUDGES:
            from monitor.judge import Judge
            from monitor.outlets import load_outlets

            _JUDGES[key] = Judge(engine, load_outlets(outlets_file), terms, **model)  # type: ignore[arg-type]
        return _JUDGES[key]


def _overridden(settings: BaseSettings, name: str) -> object | None:
    """A setting's value only when someone set it above the project defaults, so a relevance
    terms file's own ``[scoring]`` table still applies otherwise."""
    priority = settings.getpriority(name)
    project = SETTINGS_PRIORITIES["project"]
    return settings.get(name) if priority is not None and priority > project else None


class Stage:
    """Base of the pipeline stages: built from the crawler's settings, never from globals."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.db_url: str = settings.get("MONITOR_DB") or default_db_url()
        self.seeds: str | None = settings.get("MONITOR_SEEDS")
        self.outlets_file: str | None = settings.get("MONITOR_OUTLETS")
        self.terms: str | None = settings.get("MONITOR_TOPIC_TERMS")
        threshold = _overridden(settings, "MONITOR_RELEVANCE_THRESHOLD")
        band = _overridden(settings, "MONITOR_BORDERLINE_BAND")
        self.model_options: dict[str, object] = {
            "actors": settings.get("MONITOR_ACTORS"),
            "weights": settings.get("MONITOR_RELEVANCE_WEIGHTS"),
            "threshold": None if threshold is None else float(threshold),  # type: ignore[arg-type]
            "band": None if band is None else float(band),  # type: ignore[arg-type]
        }
        self._judge: Judge | None = None
        self._engine: Engine | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    @property
    def stats(self) -> StatsCollector:
        assert self.crawler.stats is not None
        return self.crawler.stats

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = open_store(self.db_url, self.seeds)
        return self._engine

    @property
    def judge(self) -> Judge:
        if self._judge is None:
            self._judge = judge_for(
                self.engine, self.db_url, self.outlets_file, self.terms, **self.model_options
            )
        return self._judge

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session committed on success: each page's outcome is durable on its own."""
        with Session(self.engine, expire_on_commit=False) as session:
            yield session
            session.commit()

    def fail(self, item: PageItem, exc: Exception) -> Failed:
        """Record an unexpected error as the URL's failure (in the run and in ``seen_urls``),
        so it is counted, retried up to the attempt cap, and never lost in Scrapy's log."""
        reason = f"error in {type(self).__name__}: {type(exc).__name__}: {exc}".splitlines()[0]
        reason = reason[:300]
        record_failure(self.stats, item.url, reason)
        try:
            with self.session() as session:
                mark_seen(session, item.canonical_url, item.outlet, "failed", reason)
        except Exception as again:  # the store itself is failing: the run's count still has it
            self.stats.inc_value("monitor/failed/unrecorded")
            reason += f" (not recorded: {type(again).__name__})"
        return Failed(reason)
