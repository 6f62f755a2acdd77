"""Crawl runs their processes left behind: killed, timed out, or crashed before closing.

A crawl child writes its own ``crawl_runs`` row; these functions repair the rows a dead child
could not close, so ``monitor runs`` never shows a crawl as running forever and the daemon knows
which outlet's crawl to redo.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from storage.models import CrawlRun
from storage.types import utcnow

log = logging.getLogger(__name__)


def pid_alive(pid: int | None) -> bool:
    """Whether a process runs: a zombie (killed, not yet reaped by its new parent) does not."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no procfs: trust the signal check
    return stat.rsplit(")", 1)[-1].split()[0] not in ("Z", "X")


def recover_runs(engine: Engine, now: datetime | None = None) -> set[str]:
    """Mark ``running`` rows whose process is gone as interrupted; return outlets to redo.

    An outlet is redone when its latest run was cut off (interrupted now or before): a killed
    daemon's crawl therefore runs again right after the next start.
    """
    now = now or utcnow()
    redo: set[str] = set()
    with Session(engine) as session:
        for run in session.scalars(select(CrawlRun).where(CrawlRun.status == "running")):
            if pid_alive(run.pid):
                continue
            run.status = "interrupted"
            run.finished_at = run.finished_at or now
            run.failures = [
                *(run.failures or []),
                {"url": "", "reason": f"crawl process {run.pid} gone (daemon restarted)"},
            ]
            log.warning(
                "run %s of %s (pid %s) was cut off: interrupted", run.id, run.outlet, run.pid
            )
        session.commit()
        latest: dict[str, str] = {}
        for outlet, status in session.execute(
            select(CrawlRun.outlet, CrawlRun.status).order_by(CrawlRun.started_at, CrawlRun.id)
        ):
            latest[outlet] = status
        redo = {o for o, s in latest.items() if s == "interrupted"}
    return redo


def busy_elsewhere(engine: Engine, outlet: str, limit: float) -> int | None:
    """Pid of a live crawl of ``outlet`` not started by us (a manual one, an orphan)."""
    since = utcnow() - timedelta(seconds=limit)
    with Session(engine) as session:
        for run in session.scalars(
            select(CrawlRun).where(
                CrawlRun.outlet == outlet,
                CrawlRun.status == "running",
                CrawlRun.started_at >= since,
            )
        ):
            if pid_alive(run.pid):
                return run.pid
    return None


def close_run(
    engine: Engine, outlet: str, pid: int, started: datetime, status: str, reason: str
) -> int | None:
    """Mark the child's row as ``status`` if it is still running; insert one if none exists."""
    with Session(engine) as session:
        run = session.scalar(
            select(CrawlRun)
            .where(
                CrawlRun.outlet == outlet,
                CrawlRun.pid == pid,
                CrawlRun.started_at >= started - timedelta(seconds=5),
            )
            .order_by(CrawlRun.id.desc())
            .limit(1)
        )
        if run is None:  # the child died before its spider opened: still a crawl, still a row
            run = CrawlRun(
                outlet=outlet, pid=pid, trigger="scheduled", started_at=started, status="running"
            )
            session.add(run)
        if run.status != "running":
            return run.id
        run.status = status
        run.finished_at = utcnow()
        run.failures = [*(run.failures or []), {"url": "", "reason": reason[:300]}]
        session.commit()
        log.warning("crawl of %s (pid %s) recorded as %s: %s", outlet, pid, status, reason)
        return run.id
