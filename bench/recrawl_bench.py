"""Re-crawl of an unchanged simulator: requests and bytes relative to the first crawl.

Politeness means never fetching again what has not changed. Two ``monitor crawl`` runs of the
same outlets go to one simulator whose content does not change between them; every request the
simulator answers is counted with the bytes of its body as sent (gzip included) and sorted by
kind: robots.txt, listings (feeds, sitemaps, listing pages, Telegram previews) and article pages.
Reported: each kind's requests and bytes in both crawls, the re-crawl's share of the first
crawl's, the share of listing requests answered 304, and article pages fetched again.

    python -m bench.recrawl_bench [--outlets mehr,tasnim,...]   # all outlets by default

``tests/test_recrawl.py`` runs it on two outlets and asserts the politeness figures.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.simulator import Simulator  # noqa: E402

KINDS = ("robots", "listing", "article")


def kind_of(url: str, articles: set[str]) -> str:
    path = urlsplit(url).path
    if path.endswith("/robots.txt"):
        return "robots"
    return "article" if url in articles else "listing"


def crawl(db: str, mirror: str, outlets: list[str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "monitor", "crawl", *outlets, "--db", db, "--mirror", mirror, "-q"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        timeout=900,
    )


def tally(sim: Simulator, start: int, articles: set[str]) -> dict[str, Counter[str]]:
    """Requests, bytes and 304 answers per kind among the simulator's log entries from ``start``."""
    out: dict[str, Counter[str]] = {k: Counter() for k in KINDS}
    with sim._log_lock:
        entries = list(zip(sim.log[start:], sim.sizes[start:], strict=True))
    for (_method, url, status), size in entries:
        if url.startswith("/_sim"):
            continue
        counts = out[kind_of(url, articles)]
        counts["requests"] += 1
        counts["bytes"] += size
        counts["not_modified"] += status == 304
    return out


def recrawl(sim: Simulator, db: str, outlets: list[str]) -> dict[str, dict[str, Counter[str]]]:
    """Crawl twice into ``db``; the tallies of the first crawl and of the re-crawl."""
    articles = {a.url for a in sim.catalog.articles}
    mark = len(sim.log)
    crawl(db, sim.url, outlets)
    first = tally(sim, mark, articles)
    mark = len(sim.log)
    crawl(db, sim.url, outlets)
    return {"first": first, "again": tally(sim, mark, articles)}


def report(result: dict[str, dict[str, Counter[str]]]) -> str:
    first, again = result["first"], result["again"]
    lines = [
        "| kind | first crawl: requests | bytes | re-crawl: requests | bytes | answered 304 |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for kind in (*KINDS, "all"):
        f = sum((first[k] for k in KINDS), Counter()) if kind == "all" else first[kind]
        a = sum((again[k] for k in KINDS), Counter()) if kind == "all" else again[kind]
        share = f"{a['not_modified'] / a['requests']:.0%}" if a["requests"] else "—"
        lines.append(
            f"| {kind} | {f['requests']:,} | {f['bytes']:,} | {a['requests']:,} "
            f"({a['requests'] / max(1, f['requests']):.1%}) | {a['bytes']:,} "
            f"({a['bytes'] / max(1, f['bytes']):.1%}) | {share} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outlets", default="", help="Comma-separated keys; all when empty.")
    args = parser.parse_args()
    outlets = [o for o in args.outlets.split(",") if o]
    with tempfile.TemporaryDirectory() as tmp, Simulator().start() as sim:
        result = recrawl(sim, f"sqlite:///{Path(tmp) / 'monitor.db'}", outlets)
    print(report(result))


if __name__ == "__main__":
    main()
