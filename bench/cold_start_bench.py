"""CPU seconds of the reading commands' cold start, this checkout against another one.

Each command runs as a new process (``python -m monitor …`` with the checkout as its working
directory, so that checkout's code is imported), ``--repeat`` times after one warm-up run;
the CPU time (user + system) comes from ``getrusage`` of the children. Runs of the two
checkouts alternate, so a busy machine slows both alike. The figure asked for (issue 14) is
at most 0.5 s per command on an idle machine.

    python bench/cold_start_bench.py --db sqlite:////path/monitor.db \\
        [--against /path/to/older/checkout [--against-python /other/venv/bin/python]]

The store should be a real one (``monitor demo`` leaves one); the bytecode of both
checkouts is compiled first, as an installed copy's would be.
"""

from __future__ import annotations

import argparse
import compileall
import os
import resource
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = [
    ["query", "--limit", "5"],
    ["query", "لاوروف", "--limit", "5"],
    ["show", "a1"],
    ["sources"],
    ["runs"],
    ["status"],
]


def cpu_of(python: str, code: Path, args: list[str], env: dict[str, str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        [python, "-m", "monitor", *args], cwd=code, env=env, stdout=subprocess.DEVNULL, check=True
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True, help="the store the commands read")
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--against", type=Path, help="another checkout, measured alongside")
    ap.add_argument("--against-python", default=sys.executable)
    args = ap.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["MONITOR_DB"] = args.db
    runs = [("this", sys.executable, ROOT)]
    if args.against:
        runs.append(("other", args.against_python, args.against.resolve()))
    for _, _, code in runs:
        for folder in ("monitor", "storage"):
            compileall.compile_dir(code / folder, quiet=1)
    print(f"load average at start: {os.getloadavg()[0]:.1f}")
    print("| command | " + " | ".join(f"{name}: min / median s" for name, _, _ in runs) + " |")
    print("|---|" + "---:|" * len(runs))
    for command in COMMANDS:
        times: dict[str, list[float]] = {name: [] for name, _, _ in runs}
        for _, python, code in runs:
            cpu_of(python, code, command, env)  # warm the page cache
        for _ in range(args.repeat):
            for name, python, code in runs:
                times[name].append(cpu_of(python, code, command, env))
        cells = [f"{min(t):.2f} / {statistics.median(t):.2f}" for t in times.values()]
        print(f"| `{' '.join(command)}` | " + " | ".join(cells) + " |")
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
