"""``monitor worker`` throughput: 1 against 3 workers on the scaled simulator, as a ratio.

Each round starts the workers (``monitor worker``, Dramatiq on the Redis at 127.0.0.1:6379,
keys under a ``worker-bench-…`` prefix), waits until every worker is taking jobs, enqueues one
crawl per enabled outlet (``monitor enqueue``) into a fresh PostgreSQL database
(``worker_bench_…``, dropped after), and times enqueue → queue drained with every run closed.
Pages/s is the pages the crawls judged (``crawl_runs.pages``) over that wall time. Rounds
alternate 1, 3, 1, 3 … in one run, so both see the same machine.

    python bench/worker_bench.py [--pages 1500] [--rounds 1]

The machine is shared (2 cores, other sessions): read the ratio, not the absolute figures.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
REDIS = "redis://127.0.0.1:6379/0"
ADMIN = "postgresql://postgres@127.0.0.1:5432/test"


def worker_command(db: str, mirror: str, name: str, log_file: str | None = None) -> list[str]:
    """``monitor worker`` on ``db`` crawling the simulator at ``mirror`` (bench and tests)."""
    command = [sys.executable, "-m", "monitor", "worker", "--db", db, "--mirror", mirror]
    return [*command, "--name", name, *(["--log-file", log_file] if log_file else [])]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def one_round(workers: int, mirror: str, outlets: list[str]) -> dict[str, float]:
    name = f"worker_bench_{uuid.uuid4().hex[:8]}"
    prefix = f"worker-bench-{uuid.uuid4().hex[:8]}"
    queue = f"{REDIS}?prefix={prefix}"
    db = f"postgresql://postgres@127.0.0.1:5432/{name}"
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "MONITOR_QUEUE": queue}
    client = redis.Redis.from_url(REDIS)
    procs: list[subprocess.Popen[bytes]] = []
    logs = []
    try:
        # Migrate and seed once, before the workers (as a deployment would).
        subprocess.run(
            [sys.executable, "-m", "monitor", "runs", "--db", db],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        for i in range(workers):
            log = tempfile.NamedTemporaryFile(prefix="worker-bench-", suffix=".log")  # noqa: SIM115
            logs.append(log)
            procs.append(
                subprocess.Popen(
                    worker_command(db, mirror, f"w{i}"),
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=log,
                )
            )
        deadline = time.monotonic() + 120
        while not all(b"taking crawl jobs" in Path(lg.name).read_bytes() for lg in logs):
            if time.monotonic() > deadline:
                raise SystemExit("workers did not start")
            time.sleep(0.2)
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "monitor", "enqueue", *outlets],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        with psycopg.connect(db) as conn:
            while True:
                time.sleep(0.5)
                if client.hlen(f"{prefix}:crawl.msgs"):
                    continue
                closed, running = conn.execute(
                    "SELECT count(*) FILTER (WHERE status <> 'running'), "
                    "count(*) FILTER (WHERE status = 'running') FROM crawl_runs"
                ).fetchone() or (0, 0)
                conn.commit()
                if closed >= len(outlets) and not running:
                    break
            wall = time.perf_counter() - t0
            pages, new, used = conn.execute(
                "SELECT sum(pages), sum(new), count(DISTINCT worker) FROM crawl_runs"
            ).fetchone() or (0, 0, 0)
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(60)
            except subprocess.TimeoutExpired:
                p.kill()
        for log in logs:
            log.close()
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)
        with psycopg.connect(ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return {
        "workers": workers,
        "seconds": round(wall, 1),
        "pages": int(pages or 0),
        "new": int(new or 0),
        "workers_used": int(used or 0),
        "pages_per_s": round((pages or 0) / wall, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--pages", type=int, default=1500)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    from monitor.outlets import load_outlets

    outlets = [k for k, o in load_outlets().items() if o.enabled]
    port = free_port()
    sim = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "monitor.simulator",
            "--port",
            str(port),
            "--scale",
            str(args.pages),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert sim.stdout is not None
        sim.stdout.readline()  # "simulator listening on …"
        mirror = f"http://127.0.0.1:{port}"
        results: dict[int, list[dict[str, float]]] = {1: [], 3: []}
        for _ in range(args.rounds):
            for n in (1, 3):
                r = one_round(n, mirror, outlets)
                results[n].append(r)
                print(r, flush=True)
        best = {n: max(r["pages_per_s"] for r in rs) for n, rs in results.items()}
        print(
            f"cores: {os.cpu_count()} (shared); outlets: {len(outlets)}; "
            f"3 workers / 1 worker pages/s: {best[3] / best[1]:.2f}x "
            f"({best[3]} vs {best[1]} pages/s, best of {args.rounds})"
        )
    finally:
        sim.terminate()
        sim.wait(10)


if __name__ == "__main__":
    main()
