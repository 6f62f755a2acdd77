"""Pure pieces of the daemon: the crawl child's command line, triggers and due times.

Nothing here touches a process, a clock or a database, so the choices the daemon makes (what it
runs, when, and how a schedule from ``outlets.toml`` becomes an APScheduler trigger) are tested
without starting anything. Every function that needs the time takes ``now`` as an argument.
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from monitor.outlets import Schedule

# Why these values (see docs/operations.md, "Scheduling"):
# - max_instances=1: a slow outlet never gets two crawls at once; a tick that comes while its
#   crawl still runs is skipped (APScheduler logs it) instead of queued.
# - coalesce=True: however many ticks were missed while the daemon was down, they fold into one.
# - misfire_grace_time=None: "no limit" in APScheduler 3; a tick missed by hours still runs
#   (once, thanks to coalesce) on the next start. A finite grace would silently drop the
#   catch-up run after a long outage, which is exactly when it matters most.
JOB_DEFAULTS: dict[str, object] = {
    "max_instances": 1,
    "coalesce": True,
    "misfire_grace_time": None,
}
JOBS_TABLE = "apscheduler_jobs"


def crawl_command(
    outlet: str,
    *,
    db: str,
    mirror: str | None = None,
    outlets_file: str | None = None,
    python: str = sys.executable,
    trigger: str = "scheduled",
) -> list[str]:
    """The argv of one crawl child: ``python -m monitor crawl OUTLET --db … --quiet``.

    A child per crawl because Twisted's reactor cannot be restarted in one process; the same
    interpreter (``sys.executable``) so the child sees the daemon's virtualenv.
    """
    cmd = [python, "-m", "monitor", "crawl", outlet, "--db", db, "--trigger", trigger]
    if mirror:
        cmd += ["--mirror", mirror]
    if outlets_file:
        cmd += ["--outlets", outlets_file]
    cmd.append("--quiet")
    return cmd


def build_trigger(
    schedule: Schedule | None = None, every: float | None = None, *, tz: timezone = UTC
) -> BaseTrigger:
    """The APScheduler trigger of one outlet: ``--every`` wins, then cron, then interval.

    ``--every`` has no jitter: it exists for demos and tests, which want predictable ticks.
    Cron expressions are read in UTC (standard five fields; day-of-week names are safest,
    since APScheduler 3 numbers Monday as 0).
    """
    if every is not None:
        if every <= 0:
            raise ValueError(f"--every must be positive, not {every}")
        return IntervalTrigger(seconds=every, timezone=tz)
    schedule = schedule or Schedule()
    jitter = schedule.jitter or None
    if schedule.cron:
        trigger = CronTrigger.from_crontab(schedule.cron, timezone=tz)
        trigger.jitter = jitter
        return trigger
    if not schedule.interval or schedule.interval <= 0:
        raise ValueError("a schedule needs a positive interval or a cron expression")
    return IntervalTrigger(seconds=schedule.interval, jitter=jitter, timezone=tz)


def first_run_time(
    trigger: BaseTrigger, now: datetime, stored_next: datetime | None = None, *, immediate: bool
) -> datetime:
    """When a job (re)added at start-up should first run.

    ``immediate`` (no job stored yet, or the outlet's last crawl was cut off): now.
    Otherwise the stored next run time, so a restart resumes the schedule and an overdue job runs
    once right away — unless the (possibly changed) trigger would fire earlier than that.
    """
    if immediate:
        return now
    fresh = trigger.get_next_fire_time(now, now) or now  # from now, not construction
    if stored_next is None:
        return fresh
    return min(stored_next, fresh)


def next_due(trigger: BaseTrigger, previous: datetime | None, now: datetime) -> datetime | None:
    """The trigger's next fire time after ``previous`` (as APScheduler computes it), given now."""
    return trigger.get_next_fire_time(previous, now)


def is_overdue(next_run: datetime | None, now: datetime, slack: float = 0.0) -> bool:
    """True when a stored next run time is already past (by more than ``slack`` seconds)."""
    return next_run is not None and next_run + timedelta(seconds=slack) < now


def refresh_search_counts(engine: Any, log: logging.Logger) -> None:
    """Recount the words' document counts ranked search reads (SQLite) once the store has
    grown or shrunk by more than a few per cent since (``storage.bm25``): a read of the whole
    index, 7–13 s at 1,000,000 articles, and a short write. A failure (the store busy)
    only leaves ranking on FTS5's own ``bm25()`` until the next crawl's try."""
    import time

    from sqlalchemy.orm import Session

    from storage.bm25 import refresh_if_stale

    t0 = time.monotonic()
    try:
        with Session(engine) as session:
            if refresh_if_stale(session):
                session.commit()
                log.info("search word counts refreshed in %.1fs", time.monotonic() - t0)
    except Exception as exc:
        log.warning("search word counts not refreshed: %s", exc)
