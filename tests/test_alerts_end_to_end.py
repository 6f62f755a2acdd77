"""Done-when of issue 13: two crawls of the simulator with new content released in between, a
watch pointed at a local receiver that is down for the first delivery attempt, and a daemon
killed in the middle of a delivery (the receiver has the message, the daemon never learns it).
Every new story must arrive exactly once, with the tries recorded, and the Atom feed validates.

Everything is real: ``monitor crawl`` and ``monitor run`` as child processes, Apprise posting to
an HTTP receiver on 127.0.0.1, SIGKILL of the daemon. Waits poll the SQLite file (bounded),
never a fixed sleep.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import feedparser
import pytest

from tests.alert_receiver import Receiver
from tests.conftest import ROOT, run_monitor

OUTLETS = ("mehr", "irna")


def sql(db_url: str, query: str, *params: Any) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db_url.removeprefix("sqlite:///"), timeout=30)
    try:
        return conn.execute(query, params).fetchall()
    except sqlite3.OperationalError:
        return []
    finally:
        conn.close()


def wait_for(pred: Callable[[], Any], what: str, timeout: float = 180.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def start_daemon(db_url: str, sim_url: str, log: Path) -> subprocess.Popen[bytes]:
    args = [sys.executable, "-m", "monitor", "run", "--db", db_url, "--mirror", sim_url,
            "--every", "15", "--alert-retry", "1", "--grace", "5"]  # fmt: skip
    for outlet in OUTLETS:
        args += ["--outlet", outlet]
    return subprocess.Popen(
        args,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=log.open("ab"),
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def expected_stories(db_url: str, since: str) -> set[int]:
    """Stories with a copy fetched since the watch was added (a seed only through a copy)."""
    rows = sql(
        db_url,
        "SELECT id FROM articles WHERE seed_file IS NULL AND fetched_at >= ? "
        "UNION SELECT article_id FROM sightings WHERE seen_at >= ?",
        since,
        since,
    )
    return {r[0] for r in rows}


@pytest.mark.slow
def test_every_new_story_arrives_exactly_once(fresh_simulator, db_url: str, tmp_path: Path):
    sim = fresh_simulator
    with Receiver() as receiver:
        run_monitor("watch", "add", "all", "--notify", receiver.url, "--db", db_url)
        (since,) = sql(db_url, "SELECT since FROM watches")[0]

        # Crawl 1 (one-off): the receiver is down for the first delivery attempt.
        receiver.down = True
        crawl = ["crawl", *OUTLETS, "--mirror", sim.url, "--db", db_url, "--quiet"]
        run_monitor(*crawl, env={"MONITOR_ALERT_RETRY": "1"})
        first = sql(db_url, "SELECT id, state, tries, key FROM alerts")
        assert len(first) >= 3, "crawl 1 found new stories"
        assert {(s, t) for _, s, t, _ in first} == {("pending", 1)}
        first_keys = {k for *_, k in first}
        assert len(receiver.raw()) == len(first) and all(m["down"] for m in receiver.raw())

        # The receiver comes back; new content; the daemon delivers crawl 1's alerts and
        # crawls again, and is killed by the receiver while the first alert of a story its own
        # crawl found is in flight.
        receiver.down = False
        sim.release(1)
        log = tmp_path / "daemon.log"
        daemon = start_daemon(db_url, sim.url, log)
        killed = threading.Event()

        def kill_mid_delivery(msg: dict[str, Any]) -> None:
            if not killed.is_set() and msg["key"] not in first_keys:
                killed.set()
                daemon.send_signal(signal.SIGKILL)
                daemon.wait(30)

        receiver.on_message = kill_mid_delivery
        try:
            daemon.wait(120)
        except subprocess.TimeoutExpired:
            daemon.kill()
            raise AssertionError("not killed mid-delivery:\n" + log.read_text()) from None
        assert killed.is_set()
        in_doubt = sql(db_url, "SELECT id, key FROM alerts WHERE state = 'sending'")
        assert len(in_doubt) == 1, "killed between sending and recording"

        # Restart: the delivery in doubt goes again with its key; the rest follows.
        receiver.on_message = None
        daemon = start_daemon(db_url, sim.url, log)
        try:

            def settled() -> bool:
                runs = sql(
                    db_url,
                    "SELECT outlet FROM crawl_runs WHERE trigger = 'scheduled' "
                    "AND status IN ('ok', 'partial')",
                )
                expected = expected_stories(db_url, since)
                hits = {r[0] for r in sql(db_url, "SELECT article_id FROM watch_hits")}
                unsent = sql(db_url, "SELECT count(*) FROM alerts WHERE state != 'sent'")
                return (
                    {r[0] for r in runs} >= set(OUTLETS) and expected <= hits and unsent == [(0,)]
                )

            try:
                wait_for(settled, "both outlets recrawled and every alert sent")
            except AssertionError as exc:
                state = {
                    "runs": sql(db_url, "SELECT outlet, status, trigger FROM crawl_runs"),
                    "alerts": sql(db_url, "SELECT state, count(*) FROM alerts GROUP BY state"),
                    "missing": expected_stories(db_url, since)
                    - {r[0] for r in sql(db_url, "SELECT article_id FROM watch_hits")},
                }
                raise AssertionError(f"{exc}: {state}\n{log.read_text()[-4000:]}") from None
        finally:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(60)
        assert daemon.returncode == 0, log.read_text()[-3000:]

        alerts = sql(db_url, "SELECT id, key, article_id, tries, in_doubt, state FROM alerts")
        hits = {r[0] for r in sql(db_url, "SELECT article_id FROM watch_hits")}
        assert hits == expected_stories(db_url, since), "every new story collected, no other"
        by_key = {key: story for _, key, story, *_ in alerts}
        accepted = receiver.accepted()
        per_story = Counter(by_key[m["key"]] for m in accepted)
        assert set(per_story) == hits and set(per_story.values()) == {1}, "each story once"
        assert len(alerts) == len(hits), "one alert per story, none per republication"

        # New content of batch 1 was announced.
        released = [a for o in OUTLETS for a in sim.catalog.visible(o) if a.batch == 1]
        stored = sql(db_url, "SELECT id, url FROM articles")
        new_urls = {a.url for a in released if a.kind == "new"}
        batch_ids = {i for i, url in stored if url in new_urls}
        assert batch_ids and batch_ids <= set(per_story)

        # Tries say what happened: crawl 1's alerts failed once; one was sent twice (same key).
        tries = {i: (t, d) for i, _, _, t, d, _ in alerts}
        assert all(tries[i][0] >= 2 for i, *_ in first)
        assert len(first_keys & {m["key"] for m in accepted}) == len(first)
        ((doubt_id, doubt_key),) = in_doubt
        assert tries[doubt_id][1] == 1
        live = Counter(m["key"] for m in receiver.raw() if not m["down"])
        assert live[doubt_key] == 2 and all(n == 1 for k, n in live.items() if k != doubt_key)

    listed = json.loads(run_monitor("alerts", "--db", db_url, "--format", "json").stdout)
    assert {row["state"] for row in listed} == {"sent"} and all(row["tries"] for row in listed)
    out = tmp_path / "all.atom"
    run_monitor("feed", "all", "--out", str(out), "--db", db_url)
    feed = feedparser.parse(out.read_bytes())
    assert not feed.bozo and len(feed.entries) == len(hits)
    assert len({e.id for e in feed.entries}) == len(hits)
