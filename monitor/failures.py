"""Failures of a crawl, kept in the crawl's stats so the run log can record every one."""

from __future__ import annotations

from scrapy.statscollectors import StatsCollector
from twisted.python.failure import Failure

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


def record_url_failure(db_url: str | None, canonical_url: str, outlet: str, reason: str) -> None:
    """Give an article that could not be fetched a ``failed`` verdict with its reason in
    ``seen_urls``: its attempts count up, so the cap applies and ``runs --failures`` lists it."""
    from sqlalchemy.orm import Session

    from storage.db import connect
    from storage.writes import mark_seen

    with Session(connect(db_url)) as session:
        mark_seen(session, canonical_url, outlet, "failed", one_line(reason))
        session.commit()


def forget_pending(db_url: str | None, url: str) -> None:
    """A pending listing page that failed is a recorded failure, not work to redo forever."""
    from sqlalchemy.orm import Session

    from storage.db import connect
    from storage.pending import drop_pending

    with Session(connect(db_url)) as session:
        drop_pending(session, [url])
        session.commit()


def one_line(reason: str | None) -> str:
    return reason.splitlines()[0][:300] if reason else "?"


def failure_reason(failure: Failure) -> str:
    """A failed request's one-line reason: its HTTP status, or the error's type and message."""
    response = getattr(failure.value, "response", None)
    if response is not None:
        return f"HTTP {response.status}"
    return f"{type(failure.value).__name__}: {failure.getErrorMessage()}"
