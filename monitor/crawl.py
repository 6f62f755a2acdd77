"""One-off crawls in this process: Scrapy's CrawlerProcess over one or more outlets.

The reactor runs once per process; the daemon therefore starts each scheduled crawl as a child
process running ``python -m monitor crawl …`` (see ``monitor.daemon``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from scrapy.settings import Settings
from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.defaults import check_numbers, user_agent
from monitor.store import open_store
from storage.db import connect, default_db_url
from storage.models import CrawlRun

if TYPE_CHECKING:
    from scrapy.settings import Settings

os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "monitor.settings")

# Against the simulator nobody needs protecting: keep the delay token, skip AutoThrottle, and
# let an outlet's slot hold as many requests as the no-op baseline in bench/crawl_bench.py (the
# outlets without a sitemap are read listing page by listing page, and theirs is the crawl's
# tail). Real outlets keep monitor.settings' politeness.
MIRROR_OVERRIDES: dict[str, Any] = {
    "DOWNLOAD_DELAY": 0.0,
    "DOWNLOAD_DELAY_JITTER": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "DOWNLOAD_TIMEOUT": 5,
    "RETRY_TIMES": 1,
    "DOWNLOAD_SLOTS": {},  # the simulator does not rate-limit t.me either
}


def crawl_settings(
    *,
    db: str | None = None,
    mirror: str | None = None,
    outlets_file: str | None = None,
    trigger: str = "manual",
    log_level: str | None = None,
    jobs: int | None = None,
    extra: dict[str, Any] | None = None,
) -> Settings:
    """Project settings with the command line's choices applied.

    This and the CLI are the only readers of environment variables: ``MONITOR_DB``,
    ``MONITOR_SEEDS``, ``MONITOR_CONTACT_URL``, ``MONITOR_TOPIC_TERMS``, ``MONITOR_ACTORS``,
    ``MONITOR_RELEVANCE_WEIGHTS`` and ``MONITOR_KEEP_JUDGED_DAYS`` become settings here, and
    components read only ``crawler.settings``.
    """
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    for name in (
        "MONITOR_SEEDS",
        "MONITOR_CONTACT_URL",
        "MONITOR_TOPIC_TERMS",
        "MONITOR_ACTORS",
        "MONITOR_RELEVANCE_WEIGHTS",
        "MONITOR_KEEP_JUDGED_DAYS",
    ):
        if value := os.environ.get(name):
            settings.set(name, value, priority="cmdline")
    settings.set("MONITOR_DB", db or os.environ.get("MONITOR_DB") or default_db_url(), "cmdline")
    settings.set("MONITOR_TRIGGER", trigger, priority="cmdline")
    if outlets_file:
        settings.set("MONITOR_OUTLETS", outlets_file, priority="cmdline")
    if mirror:
        settings.set("MONITOR_MIRROR", mirror, priority="cmdline")
        settings.setdict(MIRROR_OVERRIDES, priority="cmdline")
    if log_level:
        settings.set("LOG_LEVEL", log_level, priority="cmdline")
    if jobs is not None:
        settings.set("MONITOR_JOBS", jobs, priority="cmdline")
    if extra:
        settings.setdict(extra, priority="cmdline")
    # The UA follows the contact URL whichever way it was set (env, settings, command line).
    settings.set("USER_AGENT", user_agent(settings.get("MONITOR_CONTACT_URL")), priority="cmdline")
    check_numbers(settings)
    return settings


# Outlet clocks and lastmod granularity are not ours: entries this much older than our last
# run are still read (cheap: the known-articles middleware skips what is unchanged).
SINCE_MARGIN = timedelta(hours=1)


def last_success(db: str, outlet: str) -> datetime | None:
    """Start of the outlet's last crawl that finished with every listed article judged, less a
    margin: sitemap entries older than this cannot hold anything new.

    A run that left articles without a verdict or held back validators does not move this
    watermark (its stats say so), so an interrupted or incomplete crawl costs no articles.
    """
    with Session(connect(db)) as session:
        runs = session.execute(
            select(CrawlRun.started_at, CrawlRun.stats)
            .where(CrawlRun.outlet == outlet, CrawlRun.status.in_(("ok", "partial")))
            .order_by(CrawlRun.started_at.desc())
            .limit(50)
        ).all()
    for started, stats in runs:
        stats = stats or {}
        if not stats.get("monitor/unresolved") and not stats.get("monitor/validators_held"):
            return started - SINCE_MARGIN
    return None


def one_line_errors(record: logging.LogRecord) -> bool:
    """Log filter: a crawl's errors are one line each (the exception's last line appended),
    never a traceback; every failure is also recorded with its reason in the run and in
    ``seen_urls``. Set ``LOG_LEVEL=DEBUG`` to keep tracebacks for debugging."""
    if record.exc_info and record.exc_info[1] is not None:
        exc = record.exc_info[1]
        record.msg = f"{record.getMessage()} [{type(exc).__name__}: {exc}]".replace("\n", " ")
        record.args = None
        record.exc_info = None
        record.exc_text = None
    return True


def run_crawl(outlets: Sequence[str] | None = None, **options: Any) -> list[int]:
    """Crawl the outlets (all enabled ones by default); returns the crawl_runs ids."""
    from scrapy.crawler import CrawlerProcess

    from monitor.startup import loading

    settings = crawl_settings(**options)
    db = settings.get("MONITOR_DB")
    open_store(db, settings.get("MONITOR_SEEDS"))  # create, migrate, seed before any spider
    root = logging.getLogger()
    for handler in list(root.handlers):  # Scrapy installs its own, honouring LOG_LEVEL
        root.removeHandler(handler)
    crawlers = []
    with loading():  # Scrapy's components and ours, built once (see monitor.startup)
        process = CrawlerProcess(settings)
        names = list(outlets) if outlets else process.spider_loader.list()
        unknown = sorted(set(names) - set(process.spider_loader.list()))
        if unknown:
            raise ValueError(f"unknown outlet(s): {', '.join(unknown)}")
        for name in names:
            since = last_success(db, name)
            crawler = process.create_crawler(name)
            crawlers.append(crawler)
            process.crawl(crawler, since=since.isoformat() if since else None)
    if settings.get("LOG_LEVEL") != "DEBUG":
        for handler in root.handlers:  # the one Scrapy installed for the crawlers
            handler.addFilter(one_line_errors)
    process.start()
    # Watches collect this crawl's stories; the daemon's children leave sending to the daemon.
    from monitor.alerts import after_crawl, make_policy

    policy = make_policy(os.environ.get("MONITOR_ALERT_RETRY"))
    after_crawl(db, deliver=settings.get("MONITOR_TRIGGER") != "scheduled", policy=policy)
    return [c.stats.get_value("monitor/run_id") for c in crawlers if c.stats]
