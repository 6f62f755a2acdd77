"""``monitor worker`` on several processes: Dramatiq on the real Redis, the real PostgreSQL,
the simulator over HTTP, and one worker killed with SIGKILL in the middle of its crawl.

What must hold whoever wins each race: every story stored once, every copy a sighting of the
stored one, every republished seed a sighting of its seed, the queue drained, and the killed
worker's outlet crawled again (to the end) by another worker. Redis keys live under a
``worker-test-…`` prefix and the PostgreSQL database is ``worker_test_…``; both are removed.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from bench.worker_bench import worker_command
from monitor.dedup import fingerprint, fingerprint_input
from monitor.distributed import QueueConfig
from monitor.judge import Judge
from monitor.recording import reconcile_new
from storage.db import connect
from storage.models import Article, CrawlRun, JudgedPage, SeenUrl, Sighting
from storage.writes import ArticleData, mark_seen, upsert_article
from tests.conftest import run_monitor
from tests.test_end_to_end import canonical, manifest

ROOT = Path(__file__).resolve().parent.parent
REDIS = "redis://127.0.0.1:6379/0"

redis = pytest.importorskip("redis")
pytest.importorskip("dramatiq")


def _redis() -> Any:
    client = redis.Redis.from_url(REDIS)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    return client


@pytest.fixture
def worker_pg(pg_url: str) -> str:
    """The shared store of the workers: a new PostgreSQL database, dropped afterwards."""
    return pg_url


@pytest.fixture
def queue_url() -> Iterator[str]:
    """A queue under its own Redis prefix: short heartbeat and lock expiry, so a killed
    worker's job comes back within seconds; every key with the prefix is deleted after."""
    client = _redis()
    prefix = f"worker-test-{uuid.uuid4().hex[:8]}"
    yield f"{REDIS}?prefix={prefix}&heartbeat=3&lock=4"
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)


# ------------------------------------------------------------------ configuration


def test_queue_url_keeps_our_parameters_out_of_the_redis_url() -> None:
    cfg = QueueConfig.parse("redis://h:6379/2?prefix=p1&heartbeat=5&lock=7&socket_timeout=3")
    assert cfg.redis_url == "redis://h:6379/2?socket_timeout=3"
    assert (cfg.prefix, cfg.heartbeat, cfg.lock_ttl) == ("p1", 5.0, 7.0)
    assert cfg.lock_key("mehr") == "p1:lock:mehr"
    assert QueueConfig.parse("redis://h").prefix == "monitor"
    for bad in ("http://h", "redis://h?heartbeat=x", "redis://h?lock=0"):
        with pytest.raises(ValueError):
            QueueConfig.parse(bad)


# ------------------------------------------------------------------ writes that race


@pytest.mark.postgres
def test_seen_url_upsert_from_two_sessions_counts_both_attempts(worker_pg: str) -> None:
    """Two sessions (two processes' worth) both mark a URL they each found absent: the second
    insert is an update, not a unique-key error."""
    engine = connect(worker_pg)
    url = "https://www.mehrnews.com/news/1/x"
    with Session(engine) as a, Session(engine) as b:
        assert a.get(SeenUrl, url) is None and b.get(SeenUrl, url) is None
        mark_seen(a, url, "mehr", "failed", "first")
        a.commit()
        row = mark_seen(b, url, "mehr", "failed", "second")
        b.commit()
        assert (row.attempts, row.reason) == (2, "second")


def _story(n: int, paragraphs: list[str], outlet: str) -> tuple[ArticleData, Any]:
    body = "\n".join(paragraphs)
    url = f"https://www.{outlet}.example/news/{n}"
    data = ArticleData(
        canonical_url=url, url=url, outlet=outlet, title=f"t{n}", body=body, search_text=""
    )
    return data, fingerprint(fingerprint_input(None, body))


def _copies() -> list[str]:
    """The paragraphs of a simulator story that has a copy at another outlet."""
    for r in manifest():
        if r["kind"] == "new" and len(" ".join(r["paragraphs"])) > 600:
            return list(r["paragraphs"])
    raise AssertionError("no long story in the simulator")


def _store(engine: Any, n: int, paragraphs: list[str], outlet: str) -> tuple[Any, int, Any]:
    """Insert one copy (not yet committed); returns (session, article id, fingerprint)."""
    data, fp = _story(n, paragraphs, outlet)
    session = Session(engine)
    article, happened = upsert_article(session, data, _blob(fp))
    assert happened == "new"
    return session, article.id, fp


def _look(engine: Any, judge: Judge, article_id: int, fp: Any) -> Any:
    """What RecordPipeline does after its commit: reconcile, then remember if still a story."""
    with Session(engine) as session:
        twin = reconcile_new(session, judge, article_id, fp)
        session.commit()
    if twin is None:
        judge.remember(article_id, fp)
    return twin


def _race_store(db: str) -> tuple[Any, list[Judge], list[str]]:
    from monitor.store import open_store

    engine = open_store(db)
    judges = [Judge(engine), Judge(engine)]  # both loaded before either copy is stored
    paragraphs = _copies()
    return engine, judges, paragraphs


def _one_story(engine: Any, earlier: int, later: int) -> None:
    with Session(engine) as session:
        stored = session.scalars(
            select(Article.id).where(Article.canonical_url.like("https://www.%.example/%"))
        ).all()
        sighting = session.scalar(select(Sighting).where(Sighting.canonical_url.like("%tasnim%")))
        assert session.get(Article, later) is None
    assert stored == [earlier]
    assert sighting is not None and sighting.article_id == earlier


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
@pytest.mark.parametrize("first_looks", ["earlier", "later"])
def test_racing_copies_end_as_one_story_whoever_looks_first(
    backend: str, first_looks: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Two processes judge two copies of one story against indexes without the other and
    both store theirs; the reconcile after the write keeps the earlier id as the story and
    makes the later one its sighting, whichever process looks first."""
    db = (
        request.getfixturevalue("worker_pg")
        if backend == "postgres"
        else (f"sqlite:///{tmp_path / 'race.db'}")
    )
    engine, judges, paragraphs = _race_store(db)
    texts = [paragraphs, [*paragraphs, "این خبر را دوباره منتشر کردیم."]]
    ids, fps = [], []
    for n, outlet in enumerate(("mehr", "tasnim")):
        session, article_id, fp = _store(engine, n, texts[n], outlet)
        assert judges[n].index.query(fp) is None
        session.commit()
        session.close()
        ids.append(article_id)
        fps.append(fp)
    order = [0, 1] if first_looks == "earlier" else [1, 0]
    twins = {i: _look(engine, judges[i], ids[i], fps[i]) for i in order}
    assert twins[0] is None  # the earlier copy stays the story
    assert twins[1] is not None and twins[1].of == ids[0]  # the later one is its sighting
    _one_story(engine, ids[0], ids[1])


@pytest.mark.postgres
def test_copy_committed_out_of_id_order_is_still_merged(worker_pg: str) -> None:
    """PostgreSQL hands out ids at insert: the earlier id can commit after the later one has
    looked and found nothing. The earlier one's process then merges the pair, and the later
    one's index, which holds the merged id, skips it from then on."""
    engine, judges, paragraphs = _race_store(worker_pg)
    texts = [paragraphs, [*paragraphs, "این خبر را دوباره منتشر کردیم."]]
    first, id0, fp0 = _store(engine, 0, texts[0], "mehr")  # id 0 taken, not committed
    second, id1, fp1 = _store(engine, 1, texts[1], "tasnim")
    assert id0 < id1
    second.commit()
    second.close()
    assert _look(engine, judges[1], id1, fp1) is None  # nothing visible yet: a story
    first.commit()
    first.close()
    assert _look(engine, judges[0], id0, fp0) is None  # sees id1, merges it into id0
    _one_story(engine, id0, id1)
    with Session(engine) as session:
        judges[1].catch_up(session)
        match = judges[1].live_match(session, fp1)
    assert id1 not in judges[1].index
    assert match is not None and match.of == id0


def _blob(fp: Any) -> Any:
    from monitor.dedup.persist import blob

    return blob(fp)


# ------------------------------------------------------------------ the daemon enqueues


@pytest.mark.postgres
def test_daemon_with_a_queue_enqueues_instead_of_crawling(worker_pg: str, queue_url: str) -> None:
    cfg = QueueConfig.parse(queue_url)
    client = _redis()
    daemon = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "monitor",
            "run",
            "--db",
            worker_pg,
            "--outlet",
            "mehr",
            "--every",
            "3600",
            "--mirror",
            "http://127.0.0.1:9",
        ],
        cwd=ROOT,
        env={**os.environ, "MONITOR_QUEUE": queue_url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not client.hlen(cfg.messages_key):
            assert daemon.poll() is None, daemon.communicate()[1][-2000:]
            time.sleep(0.2)
        assert client.hlen(cfg.messages_key) == 1
        raw = next(iter(client.hvals(cfg.messages_key)))
        assert b'"crawl_outlet"' in raw and b'"mehr"' in raw
    finally:
        daemon.terminate()
        daemon.wait(30)
    with Session(connect(worker_pg)) as session:  # the daemon crawled nothing itself
        assert session.scalar(select(func.count(CrawlRun.id))) == 0


# ------------------------------------------------------------------ the kill test


def _workers(
    n: int, db: str, mirror: str, queue: str, logs: Path | None = None
) -> list[subprocess.Popen[bytes]]:
    return [
        subprocess.Popen(
            worker_command(db, mirror, f"w{i}", str(logs / f"w{i}.log") if logs else None),
            cwd=ROOT,
            env={**os.environ, "MONITOR_QUEUE": queue, "PYTHONUNBUFFERED": "1"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for i in range(n)
    ]


def _wait(what: str, check: Any, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def kill_test(outlets: list[str], db: str, queue: str, logs: Path | None = None) -> None:
    from monitor.simulator import Simulator
    from monitor.store import open_store

    cfg = QueueConfig.parse(queue)
    client = _redis()
    open_store(db)  # migrate and seed before the workers
    sql = create_engine(db.replace("postgresql://", "postgresql+psycopg://"))
    with Simulator(port=0) as sim:
        workers = _workers(3, db, sim.url, queue, logs)
        try:
            subprocess.run(
                [sys.executable, "-m", "monitor", "enqueue", *outlets],
                cwd=ROOT,
                env={**os.environ, "MONITOR_QUEUE": queue},
                check=True,
                capture_output=True,
            )

            def crawling() -> tuple[str, str] | None:
                """A worker whose crawl has judged pages and is still running."""
                with Session(sql) as s:
                    for run in s.scalars(select(CrawlRun).where(CrawlRun.status == "running")):
                        judged = s.scalar(
                            select(func.count())
                            .select_from(JudgedPage)
                            .where(JudgedPage.outlet == run.outlet)
                        )
                        if run.worker and judged:
                            return run.worker, run.outlet
                return None

            victim_name, victim_outlet = _wait("a crawl under way", crawling, 180)
            victim = workers[int(victim_name[1:])]
            victim.send_signal(signal.SIGKILL)
            victim.wait(10)

            def drained() -> bool:
                if client.hlen(cfg.messages_key):
                    return False
                with Session(sql) as s:
                    done = {
                        o
                        for o, st in s.execute(select(CrawlRun.outlet, CrawlRun.status))
                        if st in ("ok", "partial")
                    }
                    running = s.scalar(
                        select(func.count(CrawlRun.id)).where(
                            CrawlRun.status == "running", CrawlRun.worker != victim_name
                        )
                    )
                return set(outlets) <= done and not running

            _wait("the queue to drain", drained, 420)
        finally:
            for w in workers:
                if w.poll() is None:
                    w.terminate()
            for w in workers:
                try:
                    w.wait(60)
                except subprocess.TimeoutExpired:
                    w.kill()
    with Session(sql) as s:
        runs = s.execute(
            select(CrawlRun.outlet, CrawlRun.worker, CrawlRun.status).order_by(CrawlRun.id)
        ).all()
        # The killed worker's crawl is closed, and another worker crawled its outlet to the end.
        mine = [(w, st) for o, w, st in runs if o == victim_outlet]
        assert (victim_name, "interrupted") in mine, mine
        assert any(w != victim_name and st in ("ok", "partial") for w, st in mine), mine
        assert all(w is not None for _o, w, _st in runs)
        assert len({w for _o, w, _st in runs}) >= 2, "the work was shared"
        _assert_stories(s, set(outlets))
    # `monitor runs` says which worker ran each crawl.
    listed = json.loads(run_monitor("runs", "--db", db, "-f", "json").stdout)
    assert sorted((r["outlet"], r["worker"]) for r in listed) == sorted((o, w) for o, w, _ in runs)
    table = run_monitor("runs", "--db", db).stdout
    assert "worker" in table and victim_name in table


def _assert_stories(s: Session, outlets: set[str]) -> None:
    """Ground truth from the simulator's manifest, for the crawled outlets."""
    records = [r for r in manifest() if r["outlet"] in outlets]
    articles = dict(s.execute(select(Article.canonical_url, Article.id)).all())
    sightings = {
        url: (aid, kind)
        for url, aid, kind in s.execute(
            select(Sighting.canonical_url, Sighting.article_id, Sighting.kind)
        )
    }
    seeds = dict(s.execute(select(Article.id, Article.seed_file)).all())
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        if r["kind"] == "new":
            groups.setdefault(r["story"], []).insert(0, r)
        elif r["kind"] == "copy":
            groups.setdefault(r["of"], []).append(r)
    checked = 0
    for group in groups.values():
        urls = [canonical(r) for r in group]
        stored = [u for u in urls if u in articles]
        assert len(stored) == 1, f"{urls}: {len(stored)} stored"
        story = articles[stored[0]]
        for u in urls:
            if u != stored[0]:
                assert u in sightings and sightings[u][0] == story, (u, sightings.get(u), story)
        checked += 1
    assert checked >= 5
    for r in records:
        if r["kind"] in ("seed", "republication"):
            url = canonical(r)
            assert url not in articles, url
            assert url in sightings and seeds[sightings[url][0]] == r["of"], url


@pytest.mark.postgres
@pytest.mark.redis
def test_killed_worker_short(worker_pg: str, queue_url: str, tmp_path: Path) -> None:
    """Three workers, three outlets whose stories overlap; one worker killed mid-crawl."""
    kill_test(["mehr", "tasnim", "irna"], worker_pg, queue_url, tmp_path)
    # Each worker's --log-file holds its crawls, one timestamped line each.
    lines = "".join(p.read_text(encoding="utf-8") for p in sorted(tmp_path.glob("w*.log")))
    started = re.findall(
        r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ INFO .*crawl of (\w+) started", lines, re.M
    )
    assert set(started) == {"mehr", "tasnim", "irna"}, lines[-2000:]


@pytest.mark.long
@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.redis
def test_killed_worker_every_outlet(worker_pg: str, queue_url: str) -> None:
    from monitor.outlets import load_outlets

    outlets = [k for k, o in load_outlets().items() if o.enabled]
    kill_test(outlets, worker_pg, queue_url)
