"""Outlet health: the signs that a site was redesigned or started blocking the crawler.

A redesign rarely breaks a crawl loudly: the pages still download, but the body selector finds
nothing, the date disappears, or the listing stops yielding new links. So health is judged from
the history of ``crawl_runs`` (compared with the outlet's own past, not a global threshold) and
shown by ``monitor status``; the daemon logs the same warnings after every crawl.
"""

from __future__ import annotations

import itertools
import logging
import statistics
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, inspect, text

from monitor.jobs import JOBS_TABLE
from monitor.outlets import Outlet
from storage import rows

if TYPE_CHECKING:
    from storage.models import CrawlRun
    from storage.rows import Reader, RunRow

    Run = RunRow | CrawlRun

log = logging.getLogger(__name__)

DEFAULT_GAP = timedelta(days=3)  # usual gap before an outlet has a history of new items
MIN_GAP_HISTORY = 3  # runs with new items needed before their gaps are trusted
STALE_FACTOR = 2.0  # "no new items for longer than usual" = this many usual gaps
MIN_STALE = timedelta(hours=1)  # never call an outlet stale sooner than this
HISTORY = 20  # finished runs looked at
TELEGRAM = "telegram"  # the runs of the one job that reads every channel
SHARE_MIN_PAGES = 3  # a share over fewer pages is noise
SHARE_HIGH = 0.5  # empty-body / no-date share that is high ...
SHARE_JUMP = 0.3  # ... and this much above the outlet's earlier share
SHARE_FIRST = 0.8  # without earlier runs, only a share this high is flagged
FAIL_SHARE = 0.5  # failed / requests in the last run
BLOCK_CODES = ("403", "429")
FINISHED = ("ok", "partial", "failed")


def _aware(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt


def usual_gap(starts: Sequence[datetime]) -> timedelta:
    """Median gap between runs that brought new items (newest first or any order)."""
    ordered = sorted(starts)
    if len(ordered) < MIN_GAP_HISTORY:
        return DEFAULT_GAP
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(ordered)]
    return timedelta(seconds=statistics.median(gaps))


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _blocked(run: Run) -> int:
    if run.blocked:
        return run.blocked
    return sum(
        1
        for f in run.failures or []
        if any(code in str(f.get("reason", "")) for code in BLOCK_CODES)
    )


def run_warnings(
    runs: Sequence[Run], now: datetime, last_new: datetime | None, gap: timedelta
) -> list[str]:
    """Warnings for one outlet from its finished runs (newest first) — pure, for tests."""
    warnings: list[str] = []
    if not runs:
        return warnings
    last = runs[0]
    earlier = runs[1:]

    # 1. No new items for longer than usual.
    threshold = max(gap * STALE_FACTOR, MIN_STALE)
    since = last_new or _aware(runs[-1].started_at)
    if since is not None and now - since > threshold:
        what = "no new items" if last_new else "never produced new items"
        warnings.append(
            f"{what} for {_human(now - since)} (usual gap {_human(gap)}): "
            "listing or feed may have changed"
        )

    # 2. Extraction suddenly failing: empty bodies, missing dates.
    for column, label in (("empty_bodies", "empty bodies"), ("no_dates", "no dates")):
        if last.pages < SHARE_MIN_PAGES:
            continue
        share = _share(getattr(last, column), last.pages)
        base_pages = sum(r.pages for r in earlier)
        if base_pages >= SHARE_MIN_PAGES:
            base = _share(sum(getattr(r, column) for r in earlier), base_pages)
            if share >= SHARE_HIGH and share - base >= SHARE_JUMP:
                warnings.append(
                    f"{label} on {share:.0%} of pages in the last run (earlier {base:.0%}): "
                    "selectors may no longer match (site redesign?)"
                )
        elif share >= SHARE_FIRST:
            warnings.append(f"{label} on {share:.0%} of pages in the last run")

    # 3. Requests failing or blocked.
    blocked = _blocked(last)
    if blocked:
        warnings.append(f"blocked (403/429) on {blocked} request(s) in the last run")
    failed_streak = 0
    for run in runs:
        if run.status != "failed":
            break
        failed_streak += 1
    if failed_streak:
        reason = next((f.get("reason") for f in last.failures or [] if f.get("reason")), None)
        warnings.append(f"last {failed_streak} run(s) failed" + (f": {reason}" if reason else ""))
    elif last.requests and _share(last.failed, last.requests) >= FAIL_SHARE:
        warnings.append(f"{last.failed} of {last.requests} requests failed in the last run")
    return warnings


def _human(delta: timedelta) -> str:
    secs = int(delta.total_seconds())
    if secs < 120:
        return f"{secs}s"
    if secs < 7200:
        return f"{secs // 60}m"
    if secs < 2 * 86400:
        return f"{secs // 3600}h"
    return f"{secs // 86400}d"


def stored_next_runs(engine: Engine) -> dict[str, datetime | None]:
    """Next run time per job id from the daemon's job store (empty when none was stored)."""
    try:
        if not inspect(engine).has_table(JOBS_TABLE):
            return {}
        with engine.connect() as conn:
            rows = conn.execute(text(f"SELECT id, next_run_time FROM {JOBS_TABLE}")).all()
    except Exception:  # a status query must not fail because the job store is odd
        log.debug("cannot read %s", JOBS_TABLE, exc_info=True)
        return {}
    return {
        row[0]: (datetime.fromtimestamp(row[1], tz=UTC) if row[1] is not None else None)
        for row in rows
    }


def outlet_health(
    session: Reader,
    outlets: Mapping[str, Outlet],
    now: datetime,
    scheduler_next: Mapping[str, datetime | None] | None = None,
    telegram: bool = False,
) -> list[dict[str, Any]]:
    """One dict per outlet: last run, article count, new in last run, next run, warnings;
    with ``telegram``, one more for the Telegram channels, which one job reads together.

    ``scheduler_next`` defaults to what a daemon stored in ``apscheduler_jobs`` of this
    database; an outlet without a stored job has ``next_run`` None (no daemon schedules it).
    """
    if scheduler_next is None:
        bind = session.engine if isinstance(session, Connection) else session.get_bind()
        scheduler_next = stored_next_runs(bind) if isinstance(bind, Engine) else {}
    counts = rows.articles_per_outlet(session)
    report = []
    for key, outlet in outlets.items():
        report.append(
            _one(session, key, outlet.name, outlet.enabled, now, counts.get(key, 0), scheduler_next)
        )
    if telegram:
        posts = rows.articles_from_source(session, TELEGRAM)
        report.append(
            _one(session, TELEGRAM, "Telegram channels", True, now, posts, scheduler_next)
        )
    return report


def _one(
    session: Reader,
    key: str,
    name: str,
    enabled: bool,
    now: datetime,
    articles: int,
    scheduler_next: Mapping[str, datetime | None],
) -> dict[str, Any]:
    latest = next(iter(rows.runs(session, key, 1)), None)
    finished = rows.runs(session, key, HISTORY, statuses=FINISHED)
    new_starts = [_aware(s) for s in rows.new_run_starts(session, key, HISTORY)]
    gap = usual_gap([s for s in new_starts if s is not None])
    last_new = new_starts[0] if new_starts else None
    warnings = run_warnings(finished, now, last_new, gap) if finished else []
    return {
        "outlet": key,
        "name": name,
        "enabled": enabled,
        "last_run": _aware(latest.started_at) if latest else None,
        "last_run_finished": _aware(latest.finished_at) if latest else None,
        "last_status": latest.status if latest else None,
        "articles": articles,
        "new_last_run": finished[0].new if finished else None,
        "last_new": last_new,
        "usual_gap_seconds": gap.total_seconds(),
        "next_run": scheduler_next.get(key),
        "warnings": warnings,
    }


def log_outlet_warnings(
    engine: Engine,
    outlets: Mapping[str, Outlet],
    now: datetime | None = None,
    telegram: bool = False,
) -> list[str]:
    """Log each warning of these outlets (and of the Telegram job, with ``telegram``) at
    WARNING level (the daemon calls it after a job)."""
    now = now or datetime.now(UTC)
    with engine.connect() as conn:
        report = outlet_health(conn, outlets, now, scheduler_next={}, telegram=telegram)
    found = []
    for entry in report:
        for warning in entry["warnings"]:
            log.warning("outlet %s: %s", entry["outlet"], warning)
            found.append(f"{entry['outlet']}: {warning}")
    return found
