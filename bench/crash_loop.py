"""Crash loop: kill crawls (and the daemon) at random moments and check that nothing is lost.

The simulator's articles are spread over release steps, so new stories appear (and older ones
scroll out of the feeds) between the kills. Two stores see the same steps:

- the reference: one complete, uninterrupted crawl after each step;
- the crashed one: at each step one or more crawls killed at a random moment (``kill -9`` of a
  one-off crawl, SIGTERM of it, or ``kill -9`` of the daemon running it), then, after the last
  step, one complete crawl.

Compared: stories lost (reference articles and sightings whose URL the crashed store has as
neither), duplicates (a URL stored as an article and as a sighting, or a story whose text is
stored twice), and ``PRAGMA integrity_check`` on SQLite.

    python -m bench.crash_loop [--kills 24] [--outlets mehr,tasnim,irna] [--postgres URL]
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from monitor.simulator import Simulator
from storage.db import make_engine
from storage.models import Article, PendingUrl, SeenUrl, Sighting

ROOT = Path(__file__).resolve().parent.parent
MODES = ("kill9", "term", "daemon9")


def spread_batches(sim: Simulator, outlets: list[str], steps: int) -> None:
    """Hide each outlet's articles behind release steps 1..steps, oldest first (newest last),
    so every release puts new stories at the top of feeds, listings and sitemaps."""
    for key in outlets:
        arts = sorted(
            (a for a in sim.catalog.articles if a.outlet == key), key=lambda a: (a.published, a.id)
        )
        # Half is there from the start; the rest arrives over the steps.
        start = len(arts) // 2
        for i, art in enumerate(arts):
            art.batch = 0 if i < start else 1 + (i - start) * steps // max(1, len(arts) - start)


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONUNBUFFERED": "1"}


def crawl(db: str, mirror: str, outlets: list[str], timeout: float = 600) -> int:
    cmd = [sys.executable, "-m", "monitor", "crawl", *outlets, "--db", db, "--mirror", mirror]
    proc = subprocess.run(
        [*cmd, "--quiet"], cwd=ROOT, env=_env(), capture_output=True, timeout=timeout, check=False
    )
    return proc.returncode


def killed_crawl(db: str, mirror: str, outlets: list[str], mode: str, after: float) -> None:
    """Start a crawl (or the daemon) and kill it ``after`` seconds later."""
    if mode == "daemon9":
        cmd = [sys.executable, "-m", "monitor", "run", "--db", db, "--mirror", mirror]
        cmd += ["--every", "3600"]
        for o in outlets:
            cmd += ["--outlet", o]
    else:
        cmd = [sys.executable, "-m", "monitor", "crawl", *outlets, "--db", db]
        cmd += ["--mirror", mirror, "--quiet"]
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        proc.wait(timeout=after)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGTERM if mode == "term" else signal.SIGKILL)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if mode == "daemon9":
        # Its crawl children die with it (PR_SET_PDEATHSIG → SIGTERM); wait until they are gone.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and _children_alive(db):
            time.sleep(0.2)


def _children_alive(db: str) -> bool:
    out = subprocess.run(["pgrep", "-f", f"monitor crawl .*--db {db}"], capture_output=True)
    return bool(out.stdout.strip())


def snapshot(db: str) -> dict[str, Any]:
    engine = make_engine(db)  # picks psycopg 3 for a postgresql:// URL
    with Session(engine) as s:
        articles = s.execute(
            select(Article.canonical_url, Article.content_hash).where(Article.seed_file.is_(None))
        ).all()
        sightings = set(s.scalars(select(Sighting.canonical_url)))
        judged = set(s.scalars(select(SeenUrl.canonical_url).where(SeenUrl.verdict != "failed")))
        pending = s.scalar(select(func.count()).select_from(PendingUrl))
        check = "n/a"
        if engine.dialect.name == "sqlite":
            check = s.execute(text("PRAGMA integrity_check")).scalar()
    engine.dispose()
    urls = [u for u, _ in articles]
    hashes = [h for _, h in articles if h]
    return {
        "articles": set(urls),
        "sightings": sightings,
        "judged": judged,
        "article_rows": len(urls),
        "same_text_twice": len(hashes) - len(set(hashes)),
        "pending": pending,
        "integrity": check,
    }


def compare(ref: dict[str, Any], got: dict[str, Any]) -> dict[str, Any]:
    ref_all = ref["articles"] | ref["sightings"]
    got_all = got["articles"] | got["sightings"]
    return {
        "reference_articles": len(ref["articles"]),
        "reference_sightings": len(ref["sightings"]),
        "articles": len(got["articles"]),
        "sightings": len(got["sightings"]),
        "lost": sorted(ref_all - got_all),
        "reference_judged": len(ref["judged"]),
        "judged": len(got["judged"]),
        "unjudged": sorted(ref["judged"] - got["judged"]),
        "extra": sorted(got_all - ref_all),
        "duplicates": len(got["articles"] & got["sightings"])
        + max(0, got["same_text_twice"] - ref["same_text_twice"]),
        "pending_left": got["pending"],
        "integrity": got["integrity"],
    }


def crash_loop(
    ref_db: str,
    db: str,
    *,
    outlets: list[str],
    kills: int,
    steps: int = 4,
    seed: int = 11,
    max_after: float = 8.0,
    modes: tuple[str, ...] = MODES,
) -> dict[str, Any]:
    """Run the reference and the crashed timeline; return the comparison and kill log."""
    rng = random.Random(seed)
    kills_per_step = [kills // (steps + 1)] * (steps + 1)
    for i in range(kills - sum(kills_per_step)):
        kills_per_step[i] += 1
    log = []
    with Simulator(port=0) as sim:
        spread_batches(sim, outlets, steps)
        for step in range(steps + 1):
            sim.release(step)
            for _ in range(kills_per_step[step]):
                mode = modes[len(log) % len(modes)]
                after = round(rng.uniform(1.0, max_after), 2)
                killed_crawl(db, sim.url, outlets, mode, after)
                log.append((step, mode, after))
            crawl(ref_db, sim.url, outlets)
        final_rc = crawl(db, sim.url, outlets)
    result = compare(snapshot(ref_db), snapshot(db))
    result["kills"] = log
    result["final_exit"] = final_rc
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kills", type=int, default=24)
    ap.add_argument("--steps", type=int, default=4)
    ap.add_argument("--outlets", default="mehr,tasnim,irna")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--max-after", type=float, default=8.0)
    ap.add_argument("--postgres", help="Admin URL of a PostgreSQL server to repeat the loop on.")
    ap.add_argument("--skip-sqlite", action="store_true", help="Only the PostgreSQL loop.")
    args = ap.parse_args()
    outlets = args.outlets.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        runs = (
            []
            if args.skip_sqlite
            else [("sqlite", f"sqlite:///{tmp}/ref.db", f"sqlite:///{tmp}/crash.db")]
        )
        if args.postgres:
            runs.append(("postgresql", *_pg_databases(args.postgres)))
        for name, ref, db in runs:
            t0 = time.monotonic()
            r = crash_loop(
                ref,
                db,
                outlets=outlets,
                kills=args.kills,
                steps=args.steps,
                seed=args.seed,
                max_after=args.max_after,
            )
            modes = {m: sum(1 for _, mm, _ in r["kills"] if mm == m) for m in MODES}
            print(
                f"{name}: kills {len(r['kills'])} {modes}; reference articles "
                f"{r['reference_articles']} sightings {r['reference_sightings']}; crashed "
                f"articles {r['articles']} sightings {r['sightings']}; lost {len(r['lost'])} "
                f"extra {len(r['extra'])} pages judged {r['judged']}/{r['reference_judged']} "
                f"never judged {len(r['unjudged'])} duplicates {r['duplicates']} pending left "
                f"{r['pending_left']} integrity {r['integrity']} final exit {r['final_exit']} "
                f"({time.monotonic() - t0:.0f}s)"
            )
            for url in r["lost"][:10]:
                print("  lost:", url)
            for url in r["unjudged"][:10]:
                print("  never judged:", url)
            if name == "postgresql":
                _drop_databases(args.postgres, ref, db)


def _pg_databases(admin: str) -> tuple[str, str]:
    import uuid

    import psycopg

    names = [f"crash_{uuid.uuid4().hex[:8]}_{k}" for k in ("ref", "db")]
    with psycopg.connect(admin, autocommit=True) as conn:
        for n in names:
            conn.execute(f'CREATE DATABASE "{n}"')
    base = admin.rsplit("/", 1)[0]
    return f"{base}/{names[0]}", f"{base}/{names[1]}"


def _drop_databases(admin: str, *urls: str) -> None:
    import psycopg

    from storage.db import _READY

    for engine in _READY.values():
        engine.dispose()
    with psycopg.connect(admin, autocommit=True) as conn:
        for url in urls:
            conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[-1]}" WITH (FORCE)')


if __name__ == "__main__":
    main()
