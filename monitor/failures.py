"""Failures of a crawl, kept in the crawl's stats so the run log can record every one."""

from __future__ import annotations

from scrapy.statscollectors import StatsCollector

FAILURES_KEY = "monitor/failures"
MAX_KEPT = 200  # a broken outlet must not grow the run row without bound


def record_failure(stats: StatsCollector | None, url: str, reason: str) -> None:
    """Count a failure and keep its one-line reason (the first MAX_KEPT of them)."""
    if stats is None:
        return
    stats.inc_value("monitor/failed")
    failures = stats.get_value(FAILURES_KEY) or []
    if len(failures) < MAX_KEPT:
        failures.append({"url": url, "reason": reason.splitlines()[0][:300] if reason else "?"})
    stats.set_value(FAILURES_KEY, failures)
