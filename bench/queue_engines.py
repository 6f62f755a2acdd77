"""Which task queue for ``monitor worker``: the kill test on a trivial job, RQ against Dramatiq.

For each engine, on the Redis at 127.0.0.1:6379 (keys under a ``worker-bench`` prefix, deleted
after): two worker processes; one job that records each start in Redis and sleeps; SIGKILL
the worker that took it; measure how long until the job starts again on the other worker
(or "never" within ``--wait`` seconds), and the enqueue-to-start latency of a no-op job.

    python bench/queue_engines.py [--wait 90]

Each engine runs with its defaults and with the settings ``monitor worker`` would use.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parent.parent
REDIS = "redis://127.0.0.1:6379/0"
PREFIX = "worker-bench"


def job(tag: str, seconds: float) -> None:
    """The job: record (pid, time) of this start, then sleep."""
    r = redis.Redis.from_url(REDIS)
    r.rpush(f"{PREFIX}:starts:{tag}", f"{os.getpid()} {time.time()}")
    time.sleep(seconds)


# ---------------------------------------------------------------- Dramatiq


def dramatiq_broker(tuned: bool):  # type: ignore[no-untyped-def]
    from dramatiq.brokers.redis import RedisBroker
    from dramatiq.middleware import Retries

    kw = {"heartbeat_timeout": 5000, "maintenance_chance": 100000} if tuned else {}
    return RedisBroker(url=REDIS, namespace=f"{PREFIX}-dq", middleware=[Retries()], **kw)


def dramatiq_actor(broker):  # type: ignore[no-untyped-def]
    import dramatiq

    return dramatiq.actor(job, broker=broker, actor_name="job", queue_name="q", max_retries=0)


def dramatiq_worker(tuned: bool) -> None:
    import dramatiq

    broker = dramatiq_broker(tuned)
    dramatiq_actor(broker)
    worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=500)
    worker.start()
    signal.sigwait({signal.SIGTERM})
    worker.stop()


def dramatiq_enqueue(tag: str, seconds: float, tuned: bool) -> None:
    dramatiq_actor(dramatiq_broker(tuned)).send(tag, seconds)


# ---------------------------------------------------------------- RQ


def rq_worker(tuned: bool) -> None:
    from rq import Queue, Worker

    conn = redis.Redis.from_url(REDIS)
    q = Queue(f"{PREFIX}-rq", connection=conn)
    kw = {"maintenance_interval": 5} if tuned else {}
    w = Worker([q], connection=conn, **kw)
    if tuned:
        w.job_monitoring_interval = 2
    w.work(with_scheduler=False)


def rq_enqueue(tag: str, seconds: float, tuned: bool) -> None:
    from rq import Queue, Retry

    q = Queue(f"{PREFIX}-rq", connection=redis.Redis.from_url(REDIS))
    retry = Retry(max=3) if tuned else None
    q.enqueue("queue_engines.job", tag, seconds, job_timeout=600, retry=retry)


# ---------------------------------------------------------------- harness


def starts(r: redis.Redis, tag: str) -> list[tuple[int, float]]:
    out = []
    for raw in r.lrange(f"{PREFIX}:starts:{tag}", 0, -1):
        pid, when = raw.decode().split()
        out.append((int(pid), float(when)))
    return out


def descendants(pid: int) -> set[int]:
    out = subprocess.run(["ps", "-o", "pid=,ppid=", "-e"], capture_output=True, text=True).stdout
    kids: dict[int, list[int]] = {}
    for line in out.splitlines():
        p, pp = (int(x) for x in line.split())
        kids.setdefault(pp, []).append(p)
    seen, todo = set(), [pid]
    while todo:
        for k in kids.get(todo.pop(), []):
            seen.add(k)
            todo.append(k)
    return seen


def trial(engine: str, tuned: bool, wait: float) -> dict[str, object]:
    r = redis.Redis.from_url(REDIS)
    for key in r.scan_iter(f"{PREFIX}*"):
        r.delete(key)
    here = str(Path(__file__).resolve())
    workers = [
        subprocess.Popen(
            [sys.executable, here, "--serve", engine, *(["--tuned"] if tuned else [])],
            cwd=ROOT / "bench",
            stderr=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
        )
        for _ in range(2)
    ]
    enqueue = dramatiq_enqueue if engine == "dramatiq" else rq_enqueue
    time.sleep(3)  # both workers up
    try:
        t0 = time.time()
        enqueue("noop", 0.0, tuned)
        while not starts(r, "noop") and time.time() - t0 < 30:
            time.sleep(0.02)
        latency = starts(r, "noop")[0][1] - t0 if starts(r, "noop") else None
        enqueue("long", 20.0, tuned)
        while not starts(r, "long"):
            time.sleep(0.05)
        pid = starts(r, "long")[0][0]
        victim = next(w for w in workers if w.pid == pid or pid in descendants(w.pid))
        horse_alive_after_kill = pid != victim.pid
        victim.kill()
        killed = time.time()
        time.sleep(0.5)
        orphan = horse_alive_after_kill and _alive(pid)
        again = None
        while time.time() - killed < wait:
            s = starts(r, "long")
            if len(s) > 1:
                again = s[1][1] - killed
                break
            time.sleep(0.2)
        return {
            "engine": engine,
            "tuned": tuned,
            "latency_s": latency,
            "restart_after_kill_s": again,
            "job_outlived_worker": orphan,
        }
    finally:
        for w in workers:
            for p in descendants(w.pid):
                with _quiet():
                    os.kill(p, signal.SIGKILL)
            w.kill()
            w.wait()
        for key in r.scan_iter(f"{PREFIX}*"):
            r.delete(key)
        for key in r.scan_iter("rq:*"):
            if PREFIX.encode() in r.type(key) or PREFIX in key.decode():
                r.delete(key)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]
    return stat not in ("Z", "X")


class _quiet:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> bool:
        return True


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--serve", choices=["dramatiq", "rq"])
    parser.add_argument("--tuned", action="store_true")
    parser.add_argument("--wait", type=float, default=90.0)
    parser.add_argument("--engines", default="dramatiq,rq")
    args = parser.parse_args()
    if args.serve:
        (dramatiq_worker if args.serve == "dramatiq" else rq_worker)(args.tuned)
        return
    for engine in args.engines.split(","):
        for tuned in (False, True):
            print(trial(engine, tuned, args.wait), flush=True)


if __name__ == "__main__":
    main()
