"""``monitor run``: one long-lived process that schedules a crawl child per outlet.

Why it looks like this:

- APScheduler 3 with a ``SQLAlchemyJobStore`` in the project database, so the schedule (each
  outlet's next run time) survives restarts and ``monitor status`` can read it.
- Each crawl is a child process (``python -m monitor crawl OUTLET``): Twisted's reactor cannot
  be restarted, and a child can be timed out, terminated and killed without harming the daemon.
- The child writes its own ``crawl_runs`` row (``monitor.extensions.runlog``); the daemon only
  repairs rows the child could not close (killed, timed out, crashed before opening a spider).
- One daemon per database: an OS file lock next to a SQLite file, an advisory lock on
  PostgreSQL. Both vanish with the process, so a ``kill -9`` never leaves a stale lock.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import logging.handlers
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from monitor import alerts, health
from monitor.defaults import MONITOR_ALERT_EVERY
from monitor.jobs import (
    JOB_DEFAULTS,
    JOBS_TABLE,
    build_trigger,
    crawl_command,
    first_run_time,
    refresh_search_counts,
)
from monitor.lock import AlreadyRunning, instance_lock
from monitor.outlets import Schedule, load_outlets
from monitor.recovery import busy_elsewhere, close_run, recover_runs
from monitor.store import open_store
from storage.db import StoreError, connect, make_engine
from storage.types import utcnow

log = logging.getLogger(__name__)

MAX_PARALLEL = 4  # different outlets may crawl at once; SQLite serialises their writes anyway
KILL_AFTER = 10.0  # seconds between SIGTERM and SIGKILL of a child that will not stop
STDERR_TAIL = 4000  # bytes of a failed child's stderr kept for its reason
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


# ---------------------------------------------------------------------------------------------
# State shared by the job threads and the main thread (the job function is module-level, since
# the persistent job store pickles a reference to it, so its state must be module-level too).


@dataclass
class _State:
    stopping: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    children: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    active: int = 0
    idle: threading.Condition = field(init=False)
    alert_policy: Any = None  # monitor.alerts.Policy of this daemon

    def __post_init__(self) -> None:
        self.idle = threading.Condition(self.lock)


_STATE = _State()


# ---------------------------------------------------------------------------------------------
# The job


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Linux: the child gets SIGTERM if the daemon dies (``kill -9``), so no orphan crawls on."""
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _tail(fh: Any) -> str:
    fh.seek(0, os.SEEK_END)
    size = fh.tell()
    fh.seek(max(0, size - STDERR_TAIL))
    lines = [ln for ln in fh.read().decode("utf-8", "replace").splitlines() if ln.strip()]
    return lines[-1].strip() if lines else ""


def crawl_job(
    outlet: str,
    db: str,
    mirror: str | None = None,
    outlets_file: str | None = None,
    time_limit: float = 1800.0,
) -> dict[str, Any]:
    """Run one crawl child to its end (or its time limit) and make sure its run is recorded.

    Module-level and importable by name: the persistent job store keeps ``monitor.daemon:
    crawl_job`` and these keyword arguments, not a closure.
    """
    engine = connect(db)
    if _STATE.stopping.is_set():
        return {"outlet": outlet, "skipped": "stopping"}
    other = busy_elsewhere(engine, outlet, time_limit)
    if other:
        log.warning("%s is already being crawled by pid %s: skipping this run", outlet, other)
        return {"outlet": outlet, "skipped": f"pid {other}"}
    cmd = crawl_command(outlet, db=db, mirror=mirror, outlets_file=outlets_file)
    started = utcnow()
    t0 = time.monotonic()
    with _STATE.lock:
        _STATE.active += 1
    try:
        with tempfile.TemporaryFile() as err:
            env = {**os.environ, "PYTHONUNBUFFERED": "1"}
            proc = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=err,
                env=env,
                start_new_session=True,  # Ctrl-C at a terminal reaches the daemon, not the crawl
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,
            )
            with _STATE.lock:
                _STATE.children[outlet] = proc
            log.info("crawl of %s started (pid %s)", outlet, proc.pid)
            timed_out = False
            try:
                rc = proc.wait(timeout=time_limit)
            except subprocess.TimeoutExpired:
                timed_out = True
                log.warning("crawl of %s exceeded %ss: terminating", outlet, time_limit)
                rc = _stop(proc)
            with _STATE.lock:
                _STATE.children.pop(outlet, None)
            elapsed = time.monotonic() - t0
            if timed_out:
                close_run(
                    engine,
                    outlet,
                    proc.pid,
                    started,
                    "interrupted",
                    f"time limit {time_limit:g}s exceeded",
                )
            elif _STATE.stopping.is_set() and rc != 0:
                close_run(engine, outlet, proc.pid, started, "interrupted", "daemon shut down")
            elif rc != 0:
                reason = _tail(err) or f"exit status {rc}"
                close_run(
                    engine, outlet, proc.pid, started, "failed", f"crawl exited with {rc}: {reason}"
                )
            else:
                close_run(
                    engine,
                    outlet,
                    proc.pid,
                    started,
                    "interrupted",
                    "crawl exited without closing its run",
                )
        log.info("crawl of %s ended: exit %s in %.1fs", outlet, rc, elapsed)
        with contextlib.suppress(Exception):
            health.log_outlet_warnings(
                engine, _outlets_for_health(outlet, outlets_file), telegram=outlet == "telegram"
            )
        refresh_search_counts(engine, log)  # ranked search's word counts, when stale
        if not _STATE.stopping.is_set():
            alerts.after_crawl(db, policy=_STATE.alert_policy)  # watches; sends what is due
        return {"outlet": outlet, "pid": proc.pid, "returncode": rc, "seconds": elapsed}
    finally:
        with _STATE.lock:
            _STATE.active -= 1
            _STATE.idle.notify_all()


def enqueue_job(outlet: str, queue: str, time_limit: float = 1800.0) -> dict[str, Any]:
    """With a queue configured the daemon only enqueues: a ``monitor worker`` (on this machine
    or another) crawls. Module-level for the persistent job store, like ``crawl_job``."""
    from monitor.distributed import QueueConfig, enqueue

    if _STATE.stopping.is_set():
        return {"outlet": outlet, "skipped": "stopping"}
    message = enqueue(QueueConfig.parse(queue), outlet, time_limit)
    log.info("crawl of %s enqueued (message %s)", outlet, message)
    return {"outlet": outlet, "message": message}


def _outlets_for_health(outlet: str, outlets_file: str | None) -> dict[str, Any]:
    outlets = load_outlets(outlets_file)
    return {outlet: outlets[outlet]} if outlet in outlets else {}


def _stop(proc: subprocess.Popen[bytes], kill_after: float = KILL_AFTER) -> int:
    """SIGTERM (Scrapy closes its spider and run row), then SIGKILL if it will not go."""
    with contextlib.suppress(ProcessLookupError):
        proc.terminate()
    try:
        return proc.wait(timeout=kill_after)
    except subprocess.TimeoutExpired:
        log.warning("crawl pid %s ignored SIGTERM: killing", proc.pid)
        proc.kill()
        return proc.wait()


# ---------------------------------------------------------------------------------------------
# The daemon


def setup_logging(log_file: str | None, level: int = logging.INFO) -> list[logging.Handler]:
    """stderr always, plus a rotating file (10 MB x 5) when asked; returns what was added."""
    root = logging.getLogger()
    added: list[logging.Handler] = []
    fmt = logging.Formatter(LOG_FORMAT)
    if not any(
        isinstance(h, logging.StreamHandler) and getattr(h, "stream", None) is sys.stderr
        for h in root.handlers
    ):
        added.append(logging.StreamHandler(sys.stderr))
    if log_file:
        Path(log_file).expanduser().parent.mkdir(parents=True, exist_ok=True)
        added.append(
            logging.handlers.RotatingFileHandler(
                Path(log_file).expanduser(),
                maxBytes=10 * 2**20,
                backupCount=5,
                encoding="utf-8",
            )
        )
    for handler in added:
        handler.setFormatter(fmt)
        root.addHandler(handler)
    if root.level > level or root.level == logging.NOTSET:
        root.setLevel(level)
    logging.getLogger("apscheduler").setLevel(logging.INFO)
    return added


def _install_signals(stop: threading.Event) -> dict[int, Any]:
    previous: dict[int, Any] = {}

    def handler(signum: int, _frame: Any) -> None:
        if not stop.is_set():
            log.info("received %s: stopping", signal.Signals(signum).name)
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        previous[sig] = signal.signal(sig, handler)
    return previous


def _schedule(
    scheduler: BackgroundScheduler,
    *,
    db: str,
    mirror: str | None,
    every: float | None,
    keys: list[str],
    outlets_file: str | None,
    time_limit: float,
    redo: set[str],
    queue: str | None = None,
) -> None:
    """Make the job store hold exactly one job per selected outlet, keeping stored times.

    With ``queue`` each job enqueues its outlet's crawl instead of running it here."""
    outlets = load_outlets(outlets_file)
    now = datetime.now(UTC)
    stored = {job.id: job for job in scheduler.get_jobs()}
    for job_id in set(stored) - set(keys):
        scheduler.remove_job(job_id)
        log.info("removed stored job %s (not selected in this run)", job_id)
    for key in keys:
        # The telegram spider (all channels) has no outlet entry: the default schedule.
        trigger = build_trigger(outlets[key].schedule if key in outlets else Schedule(), every)
        old = stored.get(key)
        immediate = old is None or key in redo
        when = first_run_time(trigger, now, old.next_run_time if old else None, immediate=immediate)
        kwargs: dict[str, Any] = {
            "outlet": key,
            "db": db,
            "mirror": mirror,
            "outlets_file": outlets_file,
            "time_limit": time_limit,
        }
        if queue:
            kwargs = {"outlet": key, "queue": queue, "time_limit": time_limit}
        scheduler.add_job(
            enqueue_job if queue else crawl_job,
            trigger=trigger,
            id=key,
            name=f"{'enqueue' if queue else 'crawl'} {key}",
            kwargs=kwargs,
            replace_existing=True,
            next_run_time=when,
            **JOB_DEFAULTS,
        )
        log.info(
            "%s: %s, next run %s%s",
            key,
            trigger,
            when.isoformat(timespec="seconds"),
            " (redo of a cut-off crawl)" if key in redo else "",
        )


def _selected(outlets_file: str | None, wanted: list[str] | None) -> list[str]:
    from monitor.channels import reads_telegram

    outlets = load_outlets(outlets_file)
    # One job reads every enabled Telegram channel (spiders/telegram.py).
    telegram = ["telegram"] if reads_telegram(outlets_file) else []
    if wanted:
        unknown = sorted(set(wanted) - set(outlets) - set(telegram))
        if unknown:
            raise ValueError(f"unknown outlet(s): {', '.join(unknown)}")
        return list(dict.fromkeys(wanted))
    return [k for k, o in outlets.items() if o.enabled] + telegram


def run_daemon(
    *,
    db: str,
    mirror: str | None = None,
    every: float | None = None,
    outlets: list[str] | None = None,
    outlets_file: str | None = None,
    log_file: str | None = None,
    grace: float = 30.0,
    time_limit: float = 1800.0,
    alert_policy: Any = None,
    queue: str | None = None,
) -> int:
    """Run until SIGTERM/SIGINT; 0 after a clean stop, 1 when it cannot start (message logged).

    ``queue`` (``MONITOR_QUEUE``, a Redis URL): enqueue each outlet's crawl for ``monitor
    worker`` processes instead of crawling in children of this process."""
    handlers = setup_logging(log_file)
    try:
        try:
            keys = _selected(outlets_file, outlets)
            if not keys:
                raise ValueError("no enabled outlets to schedule")
            with instance_lock(db):
                return _serve(
                    db=db,
                    mirror=mirror,
                    every=every,
                    keys=keys,
                    outlets_file=outlets_file,
                    grace=grace,
                    time_limit=time_limit,
                    alert_policy=alert_policy,
                    queue=queue,
                )
        except AlreadyRunning as exc:
            log.error("%s", exc)
            return 1
        except (StoreError, ValueError) as exc:
            log.error("cannot start: %s", exc)
            return 1
    finally:
        for handler in handlers:
            logging.getLogger().removeHandler(handler)
            handler.close()


def _serve(
    *,
    db: str,
    mirror: str | None,
    every: float | None,
    keys: list[str],
    outlets_file: str | None,
    grace: float,
    time_limit: float,
    alert_policy: Any = None,
    queue: str | None = None,
) -> int:
    if queue:
        from monitor.distributed import QueueConfig

        QueueConfig.parse(queue)  # a malformed URL stops the start, not each scheduled tick
    engine = open_store(db)  # migrate + seed before any child races to do it
    redo = recover_runs(engine)
    global _STATE
    _STATE = _State()
    _STATE.alert_policy = alert_policy or alerts.Policy()
    stop = threading.Event()
    previous = _install_signals(stop)
    jobstore = SQLAlchemyJobStore(engine=make_engine(db), tablename=JOBS_TABLE)
    scheduler = BackgroundScheduler(
        jobstores={"default": jobstore},
        executors={"default": ThreadPoolExecutor(max(1, min(MAX_PARALLEL, len(keys))))},
        job_defaults=dict(JOB_DEFAULTS),
        timezone=UTC,
    )
    try:
        scheduler.start(paused=True)  # load the stored jobs, fire nothing until reconciled
        _schedule(
            scheduler,
            db=db,
            mirror=mirror,
            every=every,
            keys=keys,
            outlets_file=outlets_file,
            time_limit=time_limit,
            redo=redo,
            queue=queue,
        )
        _schedule_alerts(scheduler, db)
        scheduler.resume()
        log.info(
            "daemon %s scheduling %d outlet(s) on %s%s",
            os.getpid(),
            len(keys),
            engine.url.render_as_string(hide_password=True),
            " (enqueued for monitor worker)" if queue else "",
        )
        while not stop.wait(0.5):
            pass
    finally:
        _shutdown(scheduler, grace)
        for sig, old in previous.items():
            signal.signal(sig, old)
    log.info("daemon stopped")
    return 0


def alerts_job(db: str) -> None:
    """Deliveries that are due (retries after an outage, digests of closed periods), and
    deliveries a crashed sender left in doubt (``monitor.alerts.reconcile``)."""
    if not _STATE.stopping.is_set():
        alerts.after_crawl(db, policy=_STATE.alert_policy)


def _schedule_alerts(scheduler: BackgroundScheduler, db: str) -> None:
    """The delivery pass: in memory (nothing to resume: the outbox is the state), on its own
    thread so a long crawl never delays a retry."""
    from apscheduler.jobstores.memory import MemoryJobStore

    every = min(MONITOR_ALERT_EVERY, _STATE.alert_policy.retry)
    # A pass every few seconds would bury the crawl log under "Running job …" lines.
    logging.getLogger("apscheduler.executors.alerts").setLevel(logging.WARNING)
    scheduler.add_jobstore(MemoryJobStore(), "memory")
    scheduler.add_executor(ThreadPoolExecutor(1), "alerts")
    scheduler.add_job(
        alerts_job,
        trigger="interval",
        seconds=every,
        id="alerts",
        name="alert delivery",
        kwargs={"db": db},
        jobstore="memory",
        executor="alerts",
        next_run_time=datetime.now(UTC),
        **JOB_DEFAULTS,
    )


def _shutdown(scheduler: BackgroundScheduler, grace: float) -> None:
    """Stop scheduling, give running crawls ``grace`` seconds, then terminate them."""
    _STATE.stopping.set()
    with contextlib.suppress(Exception):
        scheduler.shutdown(wait=False)
    deadline = time.monotonic() + grace
    with _STATE.lock:
        while _STATE.active and time.monotonic() < deadline:
            _STATE.idle.wait(timeout=min(0.5, max(0.0, deadline - time.monotonic())))
        children = list(_STATE.children.values())
    for proc in children:
        if proc.poll() is None:
            log.warning("crawl pid %s still running after %ss grace: terminating", proc.pid, grace)
            with contextlib.suppress(ProcessLookupError):
                proc.terminate()
    # The job threads notice the exit, record the run as interrupted and finish.
    deadline = time.monotonic() + KILL_AFTER
    with _STATE.lock:
        while _STATE.active and time.monotonic() < deadline:
            _STATE.idle.wait(timeout=0.5)
        leftover = list(_STATE.children.values())
    for proc in leftover:
        if proc.poll() is None:
            proc.kill()
    with _STATE.lock:
        deadline = time.monotonic() + 5
        while _STATE.active and time.monotonic() < deadline:
            _STATE.idle.wait(timeout=0.5)
