"""Several machines: per-outlet crawl jobs on Dramatiq (Redis), run by ``monitor worker``.

Why it looks like this (the measurement behind the choice is in docs/scaling.md):

- The queue is Dramatiq's Redis broker, not ours. A message is acknowledged only after its
  actor returns, and a worker that stops sending heartbeats (``kill -9``, a lost machine) has its
  unacknowledged messages put back on the queue by the broker's own maintenance, so a killed
  worker's outlet is crawled again by another worker.
- One message is one outlet: ``(outlet, time_limit)``. Where the store is, where the mirror is and
  which outlets file to read belong to the worker's own configuration (``--db``, ``--mirror``,
  ``--outlets``), since a path or a host name on the daemon's machine may mean nothing on a
  worker's.
- One outlet is never crawled by two workers at once: the worker holds a Redis lock per outlet
  (redis-py's ``Lock``: ``SET NX PX`` with a token) for the whole crawl and renews it every third
  of its expiry. A killed worker stops renewing, so its lock expires and another worker may crawl
  the outlet; a worker that finds the lock held waits one expiry, then gives the job up (a live
  crawl of that outlet is running and will have read what the job would have).
- The crawl itself is a child process (``python -m monitor crawl OUTLET``), as under the daemon:
  Twisted's reactor runs once per process. The child dies with its worker (Linux parent-death
  signal, SIGKILL), so a killed worker's crawl cannot go on writing after its lock expired; its
  ``crawl_runs`` row is closed as interrupted by the next worker that takes the outlet's lock,
  and its pending set (``storage.pending``) is that next crawl's first work.
- ``KnownArticlesMiddleware.seen/scheduled`` are per crawl: with one outlet per job and the
  outlet lock, no two crawl processes ever hold them for the same outlet.

Nothing here reads the environment: the CLI passes the queue URL (``MONITOR_QUEUE``).
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from monitor.jobs import crawl_command, refresh_search_counts
from monitor.recovery import close_run
from storage.models import CrawlRun
from storage.types import utcnow

if TYPE_CHECKING:
    import dramatiq
    import redis
    from dramatiq.brokers.redis import RedisBroker

log = logging.getLogger(__name__)

QUEUE = "crawl"
ACTOR = "crawl_outlet"
KILL_AFTER = 10.0  # seconds between SIGTERM and SIGKILL of a crawl child that will not stop
# Broker maintenance (requeueing dead workers' messages) runs on this many of a million broker
# commands; Dramatiq's default (1,000) left a killed worker's job unclaimed for minutes on an
# idle queue. Maintenance is one small Lua script, so 10% costs nothing that matters.
MAINTENANCE_CHANCE = 100_000


@dataclass(frozen=True)
class QueueConfig:
    """``MONITOR_QUEUE``: ``redis://host:6379/0?prefix=monitor&heartbeat=60&lock=30``.

    ``prefix`` namespaces every Redis key (several monitors on one Redis), ``heartbeat`` is the
    seconds without a heartbeat after which a worker counts as dead and its job goes back on the
    queue, ``lock`` the expiry of an outlet's lock (renewed while its crawl runs).
    """

    redis_url: str
    prefix: str = "monitor"
    heartbeat: float = 60.0
    lock_ttl: float = 30.0

    @classmethod
    def parse(cls, url: str) -> QueueConfig:
        parts = urlsplit(url)
        if parts.scheme not in ("redis", "rediss", "unix"):
            raise ValueError(f"queue URL must be redis://…, not {url!r}")
        pairs = parse_qsl(parts.query)
        ours = {k: v for k, v in pairs if k in ("prefix", "heartbeat", "lock")}
        theirs = [(k, v) for k, v in pairs if k not in ours]
        try:
            heartbeat = float(ours.get("heartbeat", 60))
            lock_ttl = float(ours.get("lock", 30))
        except ValueError:
            raise ValueError(f"queue URL {url!r}: heartbeat and lock are seconds") from None
        if heartbeat <= 0 or lock_ttl <= 0:
            raise ValueError(f"queue URL {url!r}: heartbeat and lock must be positive")
        redis_url = urlunsplit(parts._replace(query=urlencode(theirs)))
        return cls(redis_url, ours.get("prefix", "monitor"), heartbeat, lock_ttl)

    @property
    def messages_key(self) -> str:
        """Dramatiq's hash of the queue's messages: queued and in flight until acknowledged."""
        return f"{self.prefix}:{QUEUE}.msgs"

    def lock_key(self, outlet: str) -> str:
        return f"{self.prefix}:lock:{outlet}"


_BROKERS: dict[QueueConfig, RedisBroker] = {}


def broker_for(config: QueueConfig) -> RedisBroker:
    """One broker per configuration per process, with the crawl actor declared on it."""
    if config not in _BROKERS:
        from dramatiq.brokers.redis import RedisBroker

        # No TimeLimit middleware (the worker times its crawl child itself), no Retries: a crawl
        # that failed is recorded as failed and the schedule tries again; a worker that died is
        # not a failure, its message is simply redelivered.
        broker = RedisBroker(
            url=config.redis_url,
            namespace=config.prefix,
            heartbeat_timeout=int(config.heartbeat * 1000),
            maintenance_chance=MAINTENANCE_CHANCE,
            middleware=[],
        )
        _declare(broker)
        _BROKERS[config] = broker
    return _BROKERS[config]


def _declare(broker: RedisBroker) -> dramatiq.Actor[Any, Any]:
    import dramatiq

    return dramatiq.actor(broker=broker, actor_name=ACTOR, queue_name=QUEUE)(crawl_outlet)


def enqueue(config: QueueConfig, outlet: str, time_limit: float = 1800.0) -> str:
    """Put one crawl of ``outlet`` on the queue; returns the message id."""
    import dramatiq

    broker = broker_for(config)
    message: dramatiq.Message[Any] = dramatiq.Message(
        queue_name=QUEUE,
        actor_name=ACTOR,
        args=(outlet,),
        kwargs={"time_limit": time_limit},
        options={},
    )
    broker.enqueue(message)
    return str(message.message_id)


def queued(config: QueueConfig) -> int:
    """Messages not yet acknowledged (waiting or being crawled)."""
    return int(broker_for(config).client.hlen(config.messages_key))


# ---------------------------------------------------------------------------------------------
# The worker side. The actor is a module-level function (Dramatiq finds it by name); what it
# needs from its worker lives in ``_WORKER``, set by ``run_worker``.


@dataclass
class WorkerContext:
    config: QueueConfig
    db: str
    engine: Engine
    name: str
    mirror: str | None = None
    outlets_file: str | None = None
    stopping: threading.Event = field(default_factory=threading.Event)
    lock_wait: float | None = None  # seconds to wait for a busy outlet (default: one expiry)


_WORKER: WorkerContext | None = None


def _kill_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Linux: the crawl child is killed when its worker dies, so it never writes on after the
    worker's outlet lock has expired."""
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def crawl_outlet(outlet: str, time_limit: float = 1800.0) -> None:
    """The actor: crawl ``outlet`` in a child process while holding the outlet's lock (the
    outcome is in ``crawl_runs``; Dramatiq keeps no results without a results backend)."""
    log.debug("job done: %s", crawl_locked(outlet, time_limit))


def crawl_locked(outlet: str, time_limit: float = 1800.0) -> dict[str, Any]:
    """Crawl ``outlet`` under its lock; what happened, as a dict for the log."""
    ctx = _WORKER
    if ctx is None:
        raise RuntimeError("crawl_outlet runs in a `monitor worker` process")
    if ctx.stopping.is_set():
        return {"outlet": outlet, "skipped": "worker stopping"}
    client: redis.Redis = broker_for(ctx.config).client
    ttl = ctx.config.lock_ttl
    wait = ttl + 2.0 if ctx.lock_wait is None else ctx.lock_wait
    lock = client.lock(
        ctx.config.lock_key(outlet), timeout=ttl, blocking_timeout=wait, thread_local=False
    )
    if not lock.acquire(token=ctx.name.encode() + b"/" + os.urandom(6).hex().encode()):
        log.warning("%s is being crawled by another worker: job given up", outlet)
        return {"outlet": outlet, "skipped": "locked"}
    try:
        repaired = close_orphan_runs(ctx.engine, outlet)
        if repaired:
            log.warning("%s: closed %d run(s) of a worker that died", outlet, repaired)
        done = _crawl_child(ctx, outlet, time_limit, renew=lock.reacquire)
    finally:
        with contextlib.suppress(Exception):
            lock.release()
    refresh_search_counts(ctx.engine, log)  # ranked search's word counts, when stale
    return done


def close_orphan_runs(engine: Engine, outlet: str) -> int:
    """Queued runs of ``outlet`` still ``running``: their worker died, since while we hold the
    lock no live worker crawls the outlet. Manual crawls (no worker) are left to their own
    repair (``storage.db.close_dead_runs``, the daemon's start)."""
    with Session(engine) as session:
        rows = session.scalars(
            select(CrawlRun)
            .where(
                CrawlRun.outlet == outlet,
                CrawlRun.status == "running",
                CrawlRun.worker.is_not(None),
            )
            .with_for_update()
        ).all()
        for run in rows:
            run.status = "interrupted"
            run.finished_at = run.finished_at or utcnow()
            why = f"worker {run.worker} gone (its outlet lock expired) before the crawl ended"
            run.failures = [*(run.failures or []), {"url": "", "reason": why}]
        session.commit()
        return len(rows)


def _crawl_child(
    ctx: WorkerContext, outlet: str, time_limit: float, renew: Callable[[], Any]
) -> dict[str, Any]:
    cmd = crawl_command(outlet, db=ctx.db, mirror=ctx.mirror, outlets_file=ctx.outlets_file)
    cmd += ["--set", f"MONITOR_WORKER={ctx.name}"]
    started = utcnow()
    t0 = time.monotonic()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            start_new_session=True,
            preexec_fn=_kill_with_parent if sys.platform == "linux" else None,
        )
        log.info("crawl of %s started (pid %s)", outlet, proc.pid)
        status, reason = "", ""
        rc: int | None = None
        while rc is None:
            try:
                rc = proc.wait(timeout=ctx.config.lock_ttl / 3)
                break
            except subprocess.TimeoutExpired:
                pass
            try:
                renew()
            except Exception as exc:  # lost the lock (Redis down or expired): stop at once
                status, reason = "interrupted", f"outlet lock lost: {exc}"
            if time.monotonic() - t0 > time_limit:
                status, reason = "interrupted", f"time limit {time_limit:g}s exceeded"
            elif ctx.stopping.is_set() and not status:
                status, reason = "interrupted", "worker shut down"
            if status:
                rc = _stop(proc, kill_after=0.0 if "lock" in reason else KILL_AFTER)
        if not status and rc != 0:
            err.seek(0)
            lines = [ln for ln in err.read().decode("utf-8", "replace").splitlines() if ln.strip()]
            status = "failed"
            reason = f"crawl exited with {rc}: {lines[-1].strip() if lines else ''}"
        elif not status:
            status, reason = "interrupted", "crawl exited without closing its run"
        close_run(ctx.engine, outlet, proc.pid, started, status, reason)
    elapsed = time.monotonic() - t0
    log.info("crawl of %s ended: exit %s in %.1fs", outlet, rc, elapsed)
    return {"outlet": outlet, "pid": proc.pid, "returncode": rc, "seconds": elapsed}


def _stop(proc: subprocess.Popen[bytes], kill_after: float) -> int:
    with contextlib.suppress(ProcessLookupError):
        proc.terminate() if kill_after else proc.kill()
    try:
        return proc.wait(timeout=kill_after or None)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()


def default_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run_worker(
    *,
    queue: str,
    db: str,
    mirror: str | None = None,
    outlets_file: str | None = None,
    name: str | None = None,
    threads: int = 1,
    grace: float = 30.0,
) -> int:
    """Take crawl jobs from the queue until SIGTERM/SIGINT; returns the exit status."""
    import dramatiq

    from monitor.store import open_store

    global _WORKER
    config = QueueConfig.parse(queue)
    engine = open_store(db)  # migrate and seed before the first child races to
    ctx = WorkerContext(config, db, engine, name or default_name(), mirror, outlets_file)
    _WORKER = ctx
    broker = broker_for(config)
    stop = threading.Event()

    def handler(signum: int, _frame: Any) -> None:
        log.info("received %s: stopping", signal.Signals(signum).name)
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    worker = dramatiq.Worker(broker, queues={QUEUE}, worker_threads=threads, worker_timeout=500)
    # A crawl takes minutes: a worker holds only the jobs it is running, never a backlog that
    # idle workers could have taken (Dramatiq prefetches two per thread by default).
    worker.queue_prefetch = threads
    worker.start()
    log.info("worker %s taking crawl jobs from %s", ctx.name, config.redis_url)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        ctx.stopping.set()  # running crawls are stopped and recorded as interrupted
        worker.stop(timeout=int((grace + KILL_AFTER) * 1000))
        for sig, old in previous.items():
            signal.signal(sig, old)
        _WORKER = None
    log.info("worker %s stopped", ctx.name)
    return 0
