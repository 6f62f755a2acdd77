"""The scheduler daemon: pure pieces (command line, triggers, health rules) and the real daemon.

The slow tests start ``python -m monitor run`` as a child against a simulator that lives in the
test process, so the test can release new articles and edit old ones between scheduled runs.
They poll the store (bounded waits), never sleep a fixed time.

Whatever depends on the backend (the scheduler lock, the job store, closing cut-off runs, the
crawl children writing into the store) runs on SQLite and on PostgreSQL (``any_store``).
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine, LargeBinary, text
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from monitor import daemon, health, jobs, lock, recovery
from monitor.outlets import Schedule, load_outlets
from storage.db import connect, make_engine
from storage.models import CrawlRun

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
OUTLETS = load_outlets()


# ------------------------------------------------------------------------------ pure functions


def test_crawl_command_minimal() -> None:
    cmd = jobs.crawl_command("mehr", db="sqlite:///x.db", python="/py")
    assert cmd == [
        "/py",
        "-m",
        "monitor",
        "crawl",
        "mehr",
        "--db",
        "sqlite:///x.db",
        "--trigger",
        "scheduled",
        "--quiet",
    ]


def test_crawl_command_mirror_and_outlets_file() -> None:
    cmd = jobs.crawl_command(
        "irna", db="sqlite:///x.db", mirror="http://127.0.0.1:9", outlets_file="o.toml"
    )
    assert cmd[0] == sys.executable
    assert cmd[cmd.index("--mirror") + 1] == "http://127.0.0.1:9"
    assert cmd[cmd.index("--outlets") + 1] == "o.toml"
    assert cmd[-1] == "--quiet"


def test_every_overrides_schedule_without_jitter() -> None:
    trig = jobs.build_trigger(Schedule(cron="0 * * * *", jitter=60), every=3)
    assert isinstance(trig, IntervalTrigger)
    assert trig.interval == timedelta(seconds=3)
    assert not trig.jitter
    assert jobs.next_due(trig, NOW, NOW) == NOW + timedelta(seconds=3)


def test_interval_schedule_has_jitter() -> None:
    trig = jobs.build_trigger(Schedule(interval=900, jitter=60))
    assert isinstance(trig, IntervalTrigger)
    assert trig.interval == timedelta(seconds=900)
    assert trig.jitter == 60
    due = jobs.next_due(trig, NOW, NOW)
    assert due is not None
    assert abs((due - NOW).total_seconds() - 900) <= 60


def test_cron_schedule_in_utc_with_jitter() -> None:
    trig = jobs.build_trigger(Schedule(interval=None, cron="30 */2 * * *", jitter=0))
    assert isinstance(trig, CronTrigger)
    assert jobs.next_due(trig, None, NOW) == datetime(2025, 3, 1, 12, 30, tzinfo=UTC)
    assert jobs.build_trigger(Schedule(interval=None, cron="0 * * * *", jitter=30)).jitter == 30


def test_bad_schedules_are_rejected() -> None:
    with pytest.raises(ValueError):
        jobs.build_trigger(every=0)
    with pytest.raises(ValueError):
        jobs.build_trigger(Schedule(interval=None, cron=None))


def test_first_run_time() -> None:
    trig = jobs.build_trigger(every=60)
    assert jobs.first_run_time(trig, NOW, None, immediate=True) == NOW
    assert jobs.first_run_time(trig, NOW, None, immediate=False) == NOW + timedelta(seconds=60)
    overdue = NOW - timedelta(hours=5)  # daemon was down: one catch-up run, now-ish
    assert jobs.first_run_time(trig, NOW, overdue, immediate=False) == overdue
    later = NOW + timedelta(hours=5)  # schedule shortened since: the new trigger wins
    assert jobs.first_run_time(trig, NOW, later, immediate=False) == NOW + timedelta(seconds=60)
    assert jobs.is_overdue(overdue, NOW) and not jobs.is_overdue(later, NOW)


def test_job_defaults_are_deliberate() -> None:
    assert jobs.JOB_DEFAULTS == {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}


# ------------------------------------------------------------------------------ health rules


def _run(ago_h: float, **kw: Any) -> CrawlRun:
    values: dict[str, Any] = {
        "status": "ok",
        "requests": 10,
        "pages": 10,
        "new": 0,
        "failed": 0,
        "empty_bodies": 0,
        "no_dates": 0,
        "blocked": 0,
        "failures": [],
    }
    values.update(kw)
    return CrawlRun(outlet="mehr", started_at=NOW - timedelta(hours=ago_h), **values)


def test_healthy_outlet_has_no_warnings() -> None:
    runs = [_run(0.25 * i, new=1) for i in range(8)]
    gap = health.usual_gap([r.started_at for r in runs])
    assert gap == timedelta(minutes=15)
    assert health.run_warnings(runs, NOW, runs[0].started_at, gap) == []


def test_usual_gap_defaults_without_history() -> None:
    assert health.usual_gap([NOW]) == health.DEFAULT_GAP


def test_stale_outlet_is_flagged() -> None:
    runs = [_run(i) for i in range(10)]  # hourly runs, nothing new for 30 h
    gap = timedelta(hours=2)
    warnings = health.run_warnings(runs, NOW, NOW - timedelta(hours=30), gap)
    assert any("no new items for 30h" in w for w in warnings)
    assert health.run_warnings(runs, NOW, NOW - timedelta(hours=3), gap) == []


def test_sudden_empty_bodies_and_missing_dates() -> None:
    runs = [_run(0, empty_bodies=8, no_dates=9, new=1)] + [_run(i, new=1) for i in range(1, 6)]
    warnings = health.run_warnings(runs, NOW, NOW, timedelta(hours=1))
    assert any(w.startswith("empty bodies on 80%") for w in warnings)
    assert any(w.startswith("no dates on 90%") for w in warnings)
    # A site that always lacked dates is not "sudden".
    steady = [_run(i, no_dates=9, new=1) for i in range(6)]
    assert health.run_warnings(steady, NOW, NOW, timedelta(hours=1)) == []


def test_blocked_and_failing_outlet() -> None:
    blocked = [_run(0, blocked=4), _run(1, new=1)]
    assert any(
        "blocked (403/429) on 4" in w
        for w in health.run_warnings(blocked, NOW, NOW, timedelta(hours=1))
    )
    from_reasons = [_run(0, failures=[{"url": "u", "reason": "HTTP 429 Too Many Requests"}])]
    assert any(
        "blocked" in w for w in health.run_warnings(from_reasons, NOW, NOW, health.DEFAULT_GAP)
    )
    failing = [
        _run(
            0,
            status="failed",
            failed=10,
            pages=0,
            failures=[{"url": "u", "reason": "DNS lookup failed"}],
        ),
        _run(1, status="failed", failed=10, pages=0),
        _run(2, new=1),
    ]
    warnings = health.run_warnings(failing, NOW, NOW, timedelta(hours=1))
    assert any(w.startswith("last 2 run(s) failed: DNS lookup failed") for w in warnings)


def test_outlet_health_reads_runs_and_job_store(any_store: str) -> None:
    engine = connect(any_store)
    with Session(engine) as session:
        for i in range(5):
            session.add(_run(i * 0.25 + 0.1, new=2, finished_at=NOW))
        session.add(_run(0.05, status="running"))
        session.commit()
    with engine.begin() as conn:
        conn.execute(
            text(
                f"CREATE TABLE {jobs.JOBS_TABLE} (id VARCHAR(191) PRIMARY KEY, "
                f"next_run_time FLOAT, job_state {LargeBinary().compile(dialect=engine.dialect)})"
            )
        )
        conn.execute(
            text(f"INSERT INTO {jobs.JOBS_TABLE} VALUES ('mehr', :t, :state)"),
            {"t": (NOW + timedelta(minutes=5)).timestamp(), "state": b"\x00"},
        )
    with Session(engine) as session:
        report = health.outlet_health(
            session, {"mehr": OUTLETS["mehr"], "irna": OUTLETS["irna"]}, NOW
        )
    mehr, irna = report
    assert mehr["outlet"] == "mehr" and mehr["last_status"] == "running"
    assert mehr["new_last_run"] == 2
    assert mehr["next_run"] == NOW + timedelta(minutes=5)
    assert mehr["warnings"] == []
    assert irna["last_run"] is None and irna["next_run"] is None and irna["warnings"] == []


def test_recover_runs_marks_dead_crawls_and_redoes_them(any_store: str) -> None:
    engine = connect(any_store)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    with Session(engine) as session:
        session.add(_run(2, status="ok"))
        session.add(_run(1, status="running", pid=dead.pid))
        session.add(CrawlRun(outlet="irna", status="running", pid=os.getpid(), started_at=NOW))
        session.commit()
    assert recovery.recover_runs(engine, NOW) == {"mehr"}
    with Session(engine) as session:
        statuses = dict(
            session.execute(
                text("SELECT outlet, status FROM crawl_runs WHERE status != 'ok'")
            ).all()
        )
    assert statuses == {"mehr": "interrupted", "irna": "running"}  # a live pid is left alone


def test_instance_lock_is_exclusive(any_store: str) -> None:
    url = any_store
    with (
        lock.instance_lock(url),
        pytest.raises(lock.AlreadyRunning, match="already running"),
        lock.instance_lock(url),
    ):
        pass
    with lock.instance_lock(url):  # released with the first holder
        pass


# ------------------------------------------------------------------------------ the real daemon


def wait_for(pred: Callable[[], Any], timeout: float = 60.0, what: str = "condition") -> Any:
    """Poll ``pred`` every 0.2 s until it returns something truthy, or fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class Daemon:
    """``python -m monitor run`` in a child process, its stderr in a file for post-mortems."""

    def __init__(self, db_url: str, sim_url: str, log: Path, *args: str) -> None:
        self.log = log
        self.fh = log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "monitor", "run", "--db", db_url, "--mirror", sim_url, *args],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=self.fh,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self.fh.close()

    def tail(self) -> str:
        return self.log.read_text("utf-8", "replace")[-4000:]


@pytest.fixture
def start_daemon(tmp_path: Path) -> Iterator[Callable[..., Daemon]]:
    started: list[Daemon] = []

    def start(db_url: str, sim_url: str, *args: str) -> Daemon:
        d = Daemon(db_url, sim_url, tmp_path / f"daemon{len(started)}.log", *args)
        started.append(d)
        return d

    yield start
    for d in started:
        d.stop()


_ENGINES: dict[str, Engine] = {}


@pytest.fixture(autouse=True)
def _dispose_engines() -> Iterator[None]:
    """The test's own connections to the store are closed after each test (a PostgreSQL test
    database is dropped then)."""
    yield
    for engine in _ENGINES.values():
        engine.dispose()
    _ENGINES.clear()


def sqlite_file(db_url: str) -> str | None:
    return db_url.removeprefix("sqlite:///") if db_url.startswith("sqlite:") else None


def query(db_url: str, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` (named ``:params``) on either backend; none until the store exists."""
    path = sqlite_file(db_url)
    if path is not None and not os.path.exists(path):
        return []  # not created yet; connecting would create an empty file
    if db_url not in _ENGINES:
        _ENGINES[db_url] = make_engine(db_url)
    try:
        with _ENGINES[db_url].connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql), params)]
    except (OperationalError, ProgrammingError):  # tables not created yet
        return []


def holds_daemon_lock(db_url: str, pid: int) -> bool:
    """Whether the daemon ``pid`` holds the one-daemon lock, looked at without taking it (a
    probe that takes the lock could make a daemon starting at that moment refuse): on SQLite
    the lock file names the pid and is locked; on PostgreSQL the advisory lock is granted in
    this database (to a session of that daemon: the server does not know client pids)."""
    path = sqlite_file(db_url)
    if path is not None:
        lock_file = Path(path + ".lock")
        return (
            lock_file.exists()
            and lock_file.read_text().strip() == str(pid)
            and lock.daemon_running(db_url)
        )
    key = lock.PG_LOCK_KEY
    return bool(
        query(
            db_url,
            "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND classid = :hi AND objid = :lo AND objsubid = 1 "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            hi=key >> 32,
            lo=key & 0xFFFFFFFF,
        )
    )


def as_datetime(value: str | datetime) -> datetime:
    """A timestamp column as read back (text on SQLite, a datetime that may carry its zone on
    PostgreSQL), as a naive UTC datetime."""
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    return when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when


RUN_COLS = "id, outlet, status, pid, started_at, finished_at, requests, not_modified, pages, new"


def finished_runs(db_url: str, outlet: str = "mehr") -> list[tuple[Any, ...]]:
    return query(
        db_url,
        f"SELECT {RUN_COLS} FROM crawl_runs WHERE outlet = :outlet AND status "
        "IN ('ok', 'partial') ORDER BY id",
        outlet=outlet,
    )


def running_runs(db_url: str) -> list[tuple[Any, ...]]:
    return query(db_url, f"SELECT {RUN_COLS} FROM crawl_runs WHERE status = 'running'")


def assert_no_overlap(db_url: str, outlet: str = "mehr") -> None:
    rows = query(
        db_url,
        "SELECT started_at, finished_at FROM crawl_runs WHERE outlet = :outlet "
        "AND finished_at IS NOT NULL ORDER BY started_at",
        outlet=outlet,
    )
    for (_s1, f1), (s2, _f2) in itertools.pairwise(rows):
        assert s2 >= f1, f"two crawls of {outlet} overlapped: {rows}"


def article_fetches(sim: Any) -> Counter[str]:
    return Counter(
        OUTLETS["mehr"].canonical_url(url)
        for method, url, status in list(sim.log)
        if method == "GET" and status == 200 and OUTLETS["mehr"].canonical_url(url)
    )


def assert_store_sound(db_url: str) -> None:
    if sqlite_file(db_url):
        assert query(db_url, "PRAGMA integrity_check") == [("ok",)]
    assert (
        query(
            db_url, "SELECT canonical_url FROM articles GROUP BY canonical_url HAVING COUNT(*) > 1"
        )
        == []
    )
    assert (
        query(
            db_url, "SELECT canonical_url FROM sightings GROUP BY canonical_url HAVING COUNT(*) > 1"
        )
        == []
    )


NEW_IN_BATCH_1 = "https://www.mehrnews.com/news/6271847"
STORED_IN_BATCH_0 = "https://www.mehrnews.com/news/5976517"


@pytest.mark.slow
def test_daemon_schedules_incremental_runs(
    fresh_simulator: Any, any_store: str, start_daemon: Callable[..., Daemon]
) -> None:
    db_url = any_store
    sim = fresh_simulator
    d = start_daemon(db_url, sim.url, "--every", "3", "--outlet", "mehr", "--grace", "10")
    try:
        # Run 1: the whole released site.
        first = wait_for(lambda: finished_runs(db_url), what="first run")[0]
        assert first[8] > 0 and first[7] == 0  # pages fetched, no 304 yet
        assert query(db_url, "SELECT id FROM apscheduler_jobs") == [("mehr",)]  # the job store
        if db_url.startswith("sqlite"):
            # After the crawl the daemon counted the words ranked search weighs (storage.bm25).
            state = wait_for(
                lambda: query(db_url, "SELECT rows FROM search_term_docs_state"),
                what="search word counts",
            )
            assert state == query(db_url, "SELECT count(*) FROM articles")

        # Run 2, nothing changed: conditional GETs answer 304, no article is fetched again.
        second = wait_for(lambda: finished_runs(db_url)[1:], what="second run")[0]
        assert second[7] >= 1, second
        assert second[8] == 0 and second[9] == 0, second
        assert second[6] - second[7] <= 1, second  # only robots.txt is not conditional
        assert max(article_fetches(sim).values()) == 1

        # New articles appear: stored once, fetched once.
        sim.release(1)
        wait_for(
            lambda: query(
                db_url, "SELECT id FROM articles WHERE canonical_url = :u", u=NEW_IN_BATCH_1
            ),
            what="batch-1 article stored",
        )
        assert max(article_fetches(sim).values()) == 1

        # An article is corrected: the next run keeps the old text as a revision.
        last_start = finished_runs(db_url)[-1][4]
        wait_for(
            lambda: (
                datetime.now(UTC).replace(tzinfo=None)
                >= as_datetime(last_start) + timedelta(seconds=1.1)
            ),
            what="lastmod second boundary",
        )
        old = sim.catalog.lookup(STORED_IN_BATCH_0)
        sim.update_article(
            STORED_IN_BATCH_0,
            paragraphs=[
                *old.paragraphs,
                "وزیر امور خارجه روسیه نیز بر ادامه همکاری‌ها با ایران تاکید کرد.",
            ],
        )
        wait_for(
            lambda: query(
                db_url,
                "SELECT r.id FROM revisions r JOIN articles a ON "
                "a.id = r.article_id WHERE a.canonical_url = :u",
                u=STORED_IN_BATCH_0,
            ),
            what="revision of the updated article",
        )
        assert (
            "تاکید کرد"
            in query(
                db_url, "SELECT body FROM articles WHERE canonical_url = :u", u=STORED_IN_BATCH_0
            )[0][0]
        )

        assert len(finished_runs(db_url)) >= 3
        assert_no_overlap(db_url)
        assert_store_sound(db_url)

        # SIGTERM: clean exit (0) within the grace period, nothing left "running".
        t0 = time.monotonic()
        d.proc.send_signal(signal.SIGTERM)
        assert d.proc.wait(timeout=10 + daemon.KILL_AFTER + 5) == 0
        assert time.monotonic() - t0 < 10 + daemon.KILL_AFTER
        assert running_runs(db_url) == []
        assert_no_overlap(db_url)
    except BaseException:
        print(d.tail())
        raise


@pytest.mark.slow
def test_sigterm_during_crawl_exits_within_grace(
    fresh_simulator: Any, any_store: str, start_daemon: Callable[..., Daemon]
) -> None:
    db_url = any_store
    d = start_daemon(
        db_url, fresh_simulator.url, "--every", "3", "--outlet", "mehr", "--grace", "1"
    )
    try:
        wait_for(lambda: running_runs(db_url), what="a crawl in progress")
        t0 = time.monotonic()
        d.proc.send_signal(signal.SIGTERM)
        assert d.proc.wait(timeout=30) == 0
        assert time.monotonic() - t0 < 1 + daemon.KILL_AFTER
        rows = query(db_url, "SELECT status FROM crawl_runs")
        assert rows and all(s in ("ok", "partial", "interrupted") for (s,) in rows), rows
    except BaseException:
        print(d.tail())
        raise


@pytest.mark.slow
def test_kill9_then_restart_redoes_the_cut_off_crawl(
    fresh_simulator: Any, any_store: str, start_daemon: Callable[..., Daemon]
) -> None:
    db_url = any_store
    args = ("--every", "3", "--outlet", "mehr", "--grace", "5")
    d1 = start_daemon(db_url, fresh_simulator.url, *args)
    try:
        run = wait_for(lambda: running_runs(db_url), what="a crawl in progress")[0]
        # Power loss: the daemon and its crawl child die at once, nothing can clean up.
        os.kill(run[3], signal.SIGKILL)
        os.kill(d1.proc.pid, signal.SIGKILL)
        d1.proc.wait(10)
        assert query(db_url, "SELECT status FROM crawl_runs WHERE id = :id", id=run[0]) == [
            ("running",)
        ]
        assert_store_sound(db_url)
    except BaseException:
        print(d1.tail())
        raise

    d2 = start_daemon(db_url, fresh_simulator.url, *args)
    try:
        wait_for(
            lambda: (
                query(db_url, "SELECT status FROM crawl_runs WHERE id = :id", id=run[0])
                == [("interrupted",)]
            ),
            what="cut-off run marked",
        )
        redo = wait_for(
            lambda: [r for r in finished_runs(db_url) if r[0] > run[0]], what="the redone crawl"
        )[0]
        assert redo[2] in ("ok", "partial")
        assert_no_overlap(db_url)
        assert_store_sound(db_url)
        # Nothing the cut-off crawl had not finished is lost: the story is stored, once.
        assert query(
            db_url, "SELECT COUNT(*) FROM articles WHERE canonical_url = :u", u=STORED_IN_BATCH_0
        ) == [(1,)]
    except BaseException:
        print(d2.tail())
        raise


@pytest.mark.slow
def test_second_daemon_on_same_database_refuses(
    fresh_simulator: Any, any_store: str, start_daemon: Callable[..., Daemon]
) -> None:
    db_url = any_store
    d1 = start_daemon(db_url, fresh_simulator.url, "--every", "3600", "--outlet", "mehr")
    wait_for(lambda: holds_daemon_lock(db_url, d1.proc.pid), what="first daemon's lock")
    second = subprocess.run(
        [sys.executable, "-m", "monitor", "run", "--db", db_url, "--every", "3"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "already running" in second.stderr, second.stderr[-2000:]
    assert second.returncode != 0
    assert d1.proc.poll() is None  # the first one is unaffected
    # `monitor status` tells whether a daemon is alive, without disturbing it.
    status = subprocess.run(
        [sys.executable, "-m", "monitor", "status", "--db", db_url, "--format", "json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert all(row["daemon_running"] for row in json.loads(status.stdout))
    assert holds_daemon_lock(db_url, d1.proc.pid)
    d1.proc.terminate()
    d1.proc.wait(60)
    status = subprocess.run(
        [sys.executable, "-m", "monitor", "status", "--db", db_url, "--format", "json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert not any(row["daemon_running"] for row in json.loads(status.stdout))
    assert not holds_daemon_lock(db_url, d1.proc.pid)


def _set_stored_next_run(db_url: str, job_id: str, when: datetime) -> None:
    """Rewrite a stored job as if the daemon had been down since ``when`` (column and state)."""
    import pickle

    (state,) = query(db_url, "SELECT job_state FROM apscheduler_jobs WHERE id = :id", id=job_id)[0]
    job = pickle.loads(state)
    job["next_run_time"] = when
    with _ENGINES[db_url].begin() as conn:
        conn.execute(
            text(
                "UPDATE apscheduler_jobs SET next_run_time = :t, job_state = :state WHERE id = :id"
            ),
            {
                "t": when.timestamp(),
                "state": pickle.dumps(job, pickle.HIGHEST_PROTOCOL),
                "id": job_id,
            },
        )


@pytest.mark.slow
def test_downtime_gives_one_catch_up_run(
    fresh_simulator: Any, any_store: str, start_daemon: Callable[..., Daemon]
) -> None:
    db_url = any_store
    args = ("--every", "600", "--outlet", "mehr", "--grace", "5")
    d1 = start_daemon(db_url, fresh_simulator.url, *args)
    wait_for(lambda: finished_runs(db_url), what="first run")
    d1.proc.send_signal(signal.SIGTERM)
    assert d1.proc.wait(timeout=30) == 0
    stored = query(db_url, "SELECT next_run_time FROM apscheduler_jobs WHERE id = 'mehr'")
    assert stored and stored[0][0] > time.time() + 500  # the schedule was kept, 10 min ahead

    # Down for an hour: six ticks missed. One catch-up run follows the restart, not six.
    _set_stored_next_run(db_url, "mehr", datetime.now(UTC) - timedelta(hours=1))
    d2 = start_daemon(db_url, fresh_simulator.url, *args)
    try:
        wait_for(lambda: len(finished_runs(db_url)) >= 2, what="the catch-up run")
        wait_for(
            lambda: (
                (query(db_url, "SELECT next_run_time FROM apscheduler_jobs")[0][0] or 0)
                > time.time() + 500
            ),
            what="next run rescheduled into the future",
        )
        assert len(query(db_url, "SELECT id FROM crawl_runs")) == 2
    except BaseException:
        print(d2.tail())
        raise
