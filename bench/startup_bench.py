"""Start-up against a large store: spawn to first request of a crawl, and `monitor check`.

    python bench/startup_bench.py build --size 1000000 --db /work/big-dedup/store-1m.db
    python bench/startup_bench.py measure --db /work/big-dedup/store-1m.db [--repeat 3]

``build`` writes a synthetic store once (outside the repository: 1M rows take ~2.5 GB): a store
migrated and seeded by the product's own ``connect``, then ``--real`` articles whose bodies are
the synthetic Persian articles of ``bench/dedup_bench.py`` with their real fingerprints, then
rows up to ``--size`` whose fingerprints are well-formed but drawn at random (random minima,
feature count and content hash, the current version). Start-up reads, parses, sorts and maps
rows; what the text was does not change its cost, and fingerprinting a million texts would take
over an hour on this machine. Seeding is plain ``sqlite3`` with ``synchronous=OFF``.

``measure`` starts the simulator and, against the store and against an empty store (the
baseline, in the same run):

- ``monitor crawl OUTLET --mirror SIM`` as a child process: seconds from spawn to the first
  request the simulator logs, and the child's peak RSS (``VmHWM`` sampled from ``/proc``, and
  ``ru_maxrss`` of the waited child);
- ``monitor check URL`` of one simulator page: wall time and peak RSS.

The first run against a store builds the persisted index base (when the code has one); the
figures reported are of later runs (``--repeat``), which is every crawl after the first.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


# -- building the store ------------------------------------------------------------------------


def _real_rows(bounds: tuple[int, int]) -> list[tuple[int, str, bytes, str]]:
    from bench.dedup_bench import synthetic_doc
    from monitor.dedup import fingerprint

    out = []
    for i in range(*bounds):
        doc = synthetic_doc(i)
        fp = fingerprint(doc)
        out.append((i, doc, fp.to_bytes(), fp.content_hash))
    return out


def _random_blobs(start: int, count: int, seed: int) -> list[tuple[bytes, str]]:
    """``count`` well-formed fingerprints of the current version with random contents."""
    import numpy as np

    from monitor.dedup.fingerprints import FINGERPRINT_VERSION, NUM_PERM, Fingerprint, encode

    rng = np.random.default_rng(seed + start)
    minima = rng.integers(0, 2**32, size=(count, NUM_PERM), dtype=np.uint32)
    hashes = rng.integers(0, 256, size=(count, 16), dtype=np.uint8)
    nfeat = rng.integers(300, 1200, size=count)
    out = []
    for k in range(count):
        h = hashes[k].tobytes().hex()
        fp = Fingerprint(h, encode(minima[k]), int(nfeat[k]), FINGERPRINT_VERSION)
        out.append((fp.to_bytes(), h))
    return out


def build(db: Path, size: int, real: int, workers: int) -> None:
    from concurrent.futures import ProcessPoolExecutor

    from storage.db import connect

    url = f"sqlite:///{db}"
    engine = connect(url)  # migrated and seeded by the product
    engine.dispose()
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA synchronous=OFF")
    have = conn.execute("SELECT count(*) FROM fingerprints").fetchone()[0]
    first = conn.execute("SELECT coalesce(max(id), 0) FROM articles").fetchone()[0] + 1
    if have >= size:
        print(f"{db} already holds {have:,} fingerprints", file=sys.stderr)
        return
    t0 = time.perf_counter()
    art_sql = (
        "INSERT INTO articles (id, canonical_url, url, outlet, title, body, tags, language, "
        "fetched_at, relevance, relevance_reasons, search_text, source, content_hash) "
        "VALUES (?, ?, ?, 'bench', ?, ?, '[]', 'fa', '2025-01-01 00:00:00.000000', 0.0, '[]', "
        "'', 'web', ?)"
    )
    fp_sql = "INSERT INTO fingerprints (article_id, content_hash, data, version) VALUES (?,?,?,?)"
    from monitor.dedup.fingerprints import FINGERPRINT_VERSION

    def write(rows: list[tuple[int, str, bytes, str]]) -> None:
        conn.executemany(
            art_sql,
            [
                (
                    aid,
                    f"https://bench.test/a/{aid}",
                    f"https://bench.test/a/{aid}",
                    f"t{aid}",
                    body,
                    h,
                )
                for aid, body, _, h in rows
            ],
        )
        conn.executemany(fp_sql, [(aid, h, data, FINGERPRINT_VERSION) for aid, _, data, h in rows])
        conn.commit()

    step = 2000
    ranges = [(s, min(real, s + step)) for s in range(0, real, step)]
    with ProcessPoolExecutor(workers) as pool:
        for rows in pool.map(_real_rows, ranges):
            write([(first + i, body, data, h) for i, body, data, h in rows])
            print(
                f"  {rows[-1][0] + 1:,} real rows, {time.perf_counter() - t0:.0f} s",
                file=sys.stderr,
            )
    aid = first + real
    left = size - real - have
    while left > 0:
        count = min(20_000, left)
        blobs = _random_blobs(aid, count, seed=15)
        write([(aid + k, "", data, h) for k, (data, h) in enumerate(blobs)])
        aid += count
        left -= count
        print(f"  {aid - first:,} rows, {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    conn.execute("ANALYZE")
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    print(f"built {size:,} rows in {time.perf_counter() - t0:.0f} s", file=sys.stderr)


# -- measuring ---------------------------------------------------------------------------------


def _peak_rss(pid: int, stop: threading.Event, out: list[int]) -> None:
    """Sample ``VmHWM`` (the kernel's own peak RSS) and ``RssAnon`` (private memory; RSS less
    mapped files, which the page cache shares between processes) of ``pid`` until it exits."""
    path = Path(f"/proc/{pid}/status")
    while not stop.is_set():
        try:
            for line in path.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    out[0] = max(out[0], int(line.split()[1]))
                elif line.startswith("RssAnon:"):
                    out[1] = max(out[1], int(line.split()[1]))
        except (FileNotFoundError, ProcessLookupError):
            return
        time.sleep(0.02)


def _run(
    cmd: list[str], env: dict[str, str], requested: Callable[[], bool] | None = None
) -> dict[str, float]:
    """Run ``cmd``: wall time to exit, to ``requested()`` turning true, CPU seconds (user +
    system), peak RSS in MB."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    before, cpu_before = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, env=env, cwd=env.get("PYTHONPATH"), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    stop, peak = threading.Event(), [0, 0]
    sampler = threading.Thread(target=_peak_rss, args=(proc.pid, stop, peak), daemon=True)
    sampler.start()
    first: float | None = None
    if requested is not None:
        while proc.poll() is None and first is None:
            if requested():
                first = time.perf_counter() - start
            time.sleep(0.005)
    _, err = proc.communicate()
    wall = time.perf_counter() - start
    stop.set()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    after, cpu = usage.ru_maxrss, usage.ru_utime + usage.ru_stime - cpu_before
    if proc.returncode not in (0, 1):
        sys.stderr.write(err.decode(errors="replace")[-2000:])
        raise SystemExit(f"{cmd[3:5]} exited {proc.returncode}")
    return {
        "first_request_s": first if first is not None else float("nan"),
        "wall_s": wall,
        "cpu_s": cpu,
        "peak_rss_mb": peak[0] / 1024,
        "peak_private_mb": peak[1] / 1024,
        "maxrss_mb": (after if after > before else peak[0]) / 1024,
    }


def measure(
    db: Path, repeat: int, outlets: list[str], code: Path | None, keep_env: bool = False
) -> dict[str, dict[str, list[float]]]:
    from monitor.simulator import Simulator

    results: dict[str, dict[str, list[float]]] = {}
    with tempfile.TemporaryDirectory(prefix="dedupindex-startup-") as tmp, Simulator(port=0) as sim:
        page = next(a for a in sim.catalog.visible() if a.outlet == outlets[0])
        check_cmd = ["-m", "monitor", "check", page.url, "--mirror", sim.url]
        stores = {"empty store": f"sqlite:///{tmp}/empty.db", f"{db.name}": f"sqlite:///{db}"}
        py = sys.executable
        for label, url in stores.items():
            env = {**os.environ, "MONITOR_DB": url}
            # An installed product runs from cached bytecode; with PYTHONDONTWRITEBYTECODE set
            # every start would compile the project's modules again (the untimed first run
            # below writes the cache).
            if not keep_env:
                env.pop("PYTHONDONTWRITEBYTECODE", None)
            if code is not None:  # another checkout's code (e.g. main's, for "before")
                env["PYTHONPATH"] = str(code)
            rows: dict[str, list[float]] = {}
            # One untimed run each: creates the empty store, builds a persisted base if any.
            subprocess.run(
                [py, *check_cmd],
                env=env,
                cwd=env.get("PYTHONPATH"),
                capture_output=True,
            )
            for k in range(repeat):
                # A new outlet each time, so the crawl judges (and stores) pages it never saw.
                outlet = outlets[k % len(outlets)]
                seen = len(sim.log)  # the simulator records every request it answers
                crawl = _run(
                    [py, "-m", "monitor", "crawl", outlet, "--mirror", sim.url],
                    env,
                    requested=lambda seen=seen: len(sim.log) > seen,
                )
                check = _run([py, *check_cmd], env)
                for key, value in (
                    ("crawl: spawn to first request (s)", crawl["first_request_s"]),
                    ("crawl: peak RSS (MB)", crawl["peak_rss_mb"]),
                    ("crawl: peak private memory (MB)", crawl["peak_private_mb"]),
                    ("check: wall (s)", check["wall_s"]),
                    ("check: CPU, user + system (s)", check["cpu_s"]),
                    ("check: peak RSS (MB)", check["peak_rss_mb"]),
                    ("check: peak private memory (MB)", check["peak_private_mb"]),
                ):
                    rows.setdefault(key, []).append(value)
            results[label] = rows
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("--db", type=Path, required=True)
    b.add_argument("--size", type=int, default=1_000_000)
    b.add_argument("--real", type=int, default=20_000)
    b.add_argument("--workers", type=int, default=2)
    m = sub.add_parser("measure")
    m.add_argument("--db", type=Path, required=True)
    m.add_argument("--repeat", type=int, default=3)
    m.add_argument("--outlets", nargs="+", default=["irna", "isna", "tasnim"])
    m.add_argument("--code", type=Path, help="run this checkout's code (default: this one)")
    m.add_argument("--json", action="store_true")
    m.add_argument(
        "--keep-env",
        action="store_true",
        help="keep PYTHONDONTWRITEBYTECODE if set (default: children may cache bytecode)",
    )
    args = parser.parse_args(argv)
    if args.cmd == "build":
        build(args.db, args.size, min(args.real, args.size), args.workers)
        return 0
    results = measure(args.db, args.repeat, args.outlets, args.code, args.keep_env)
    labels = list(results)
    print(f"| figure (median of {args.repeat}) | " + " | ".join(labels) + " | ratio |")
    print("| --- | " + " | ".join("---" for _ in labels) + " | --- |")
    for key in results[labels[0]]:
        meds = [sorted(results[lab][key])[len(results[lab][key]) // 2] for lab in labels]
        ratio = meds[-1] / meds[0] if meds[0] else float("nan")
        print(f"| {key} | " + " | ".join(f"{v:.2f}" for v in meds) + f" | {ratio:.2f}x |")
    if args.json:
        print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
