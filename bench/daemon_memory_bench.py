"""Memory of a long-running daemon: resident size after every block of scheduled runs.

Analysts run the daemon for months, so what it keeps between runs must not grow with the number
of runs. ``monitor run --every N`` crawls one outlet of the bundled simulator over and over (each
crawl in a child process, as always); the daemon's own resident set (``VmRSS`` of its pid, the
children excluded) is read after every ``--block`` finished runs. New stories are released now
and then, so the runs are not all empty re-crawls.

    python -m bench.daemon_memory_bench [--runs 100] [--block 10] [--every 1]

The baseline is the daemon itself after its first block, in the same run: growth is reported
as the last sample's ratio to it (and in MB).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.simulator import Simulator  # noqa: E402


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def finished_runs(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=30) as conn:
            row = conn.execute("SELECT COUNT(*) FROM crawl_runs WHERE status != 'running'")
            return int(row.fetchone()[0])
    except sqlite3.OperationalError:  # not created yet
        return 0


def measure(runs: int, block: int, every: float, outlet: str) -> list[tuple[int, float]]:
    """[(finished runs, daemon RSS in MB)] after each block."""
    samples: list[tuple[int, float]] = []
    with tempfile.TemporaryDirectory() as tmp, Simulator().start() as sim:
        db = Path(tmp) / "monitor.db"
        log = (Path(tmp) / "daemon.log").open("wb")
        cmd = [sys.executable, "-m", "monitor", "run", "--db", f"sqlite:///{db}"]
        cmd += ["--mirror", sim.url, "--every", str(every), "--outlet", outlet]
        daemon = subprocess.Popen(
            cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log, env={**os.environ}
        )
        try:
            target = block
            while target <= runs:
                while finished_runs(db) < target:
                    if daemon.poll() is not None:
                        raise SystemExit(f"the daemon exited {daemon.returncode}")
                    time.sleep(0.5)  # waiting for a state, not timing anything
                samples.append((target, rss_mb(daemon.pid)))
                print(f"after {target} runs: daemon RSS {samples[-1][1]:.1f} MB", flush=True)
                if target % (2 * block) == 0 and sim.catalog.batch < 3:
                    sim.release(sim.catalog.batch + 1)  # new stories appear now and then
                target += block
        finally:
            daemon.terminate()
            daemon.wait(60)
            log.close()
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--block", type=int, default=10)
    parser.add_argument("--every", type=float, default=1.0)
    parser.add_argument("--outlet", default="mehr")
    args = parser.parse_args()
    samples = measure(args.runs, args.block, args.every, args.outlet)
    first, last = samples[0][1], samples[-1][1]
    print(
        f"daemon RSS after {samples[0][0]} runs {first:.1f} MB, after {samples[-1][0]} runs "
        f"{last:.1f} MB: {last / first:.2f}x ({last - first:+.1f} MB)"
    )


if __name__ == "__main__":
    main()
