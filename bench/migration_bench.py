"""How long SQLite's upgrade to revision 0011 (``articles`` and ``sightings`` rebuilt with
``AUTOINCREMENT``) takes on a large store, and that it kept every row.

A store is migrated to 0010 (the revision before) the way ``storage.db.migrate`` migrates, and
filled with ``--size`` articles assembled from real sentences as ``bench/search_bench.py`` does
(the FTS5 triggers index them), one fingerprint row per article (real fingerprints of the
first 2,000 bodies, repeated: the bytes' size is what matters here) and ``--copies`` sightings
that carry an article's text. That store is kept at ``--db``; each run copies it and times
``storage.db.migrate`` on the copy, then checks the rows (a digest of both tables), the
foreign keys and both FTS5 indexes.

Usage::

    python bench/migration_bench.py --size 100000 --copies 30000 --db /tmp/ids-0010.db --runs 3
"""

from __future__ import annotations

import argparse
import hashlib
import random
import shutil
import sqlite3
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ARTICLE_SQL = (
    "INSERT INTO articles (id, canonical_url, url, outlet, title, body, tags, language, "
    "published, fetched_at, relevance, relevance_reasons, search_text) "
    "VALUES (?, ?, ?, ?, ?, ?, '[]', 'fa', ?, ?, 0.8, '[]', ?)"
)
SIGHTING_SQL = (
    "INSERT INTO sightings (article_id, canonical_url, url, outlet, title, kind, score, body, "
    "seen_at, source, search_text) VALUES (?, ?, ?, 'irna', ?, 'near', 0.9, ?, ?, 'web', ?)"
)
STAMP = "%Y-%m-%d %H:%M:%S.%f"


def build(path: Path, size: int, copies: int) -> None:
    from alembic import command

    from bench.search_bench import build_rows, sentences
    from monitor.dedup import fingerprint
    from monitor.dedup.persist import blob
    from storage import db

    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    runner = db._transactional_ddl(db.make_engine(f"sqlite:///{path}"))
    cfg = db._alembic_config()
    with runner.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0010")
    runner.dispose()
    t0 = time.perf_counter()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")
    rng = random.Random(11)
    fps: list[tuple[str, bytes, str]] = []
    kept: list[tuple[int, str, str, str]] = []
    for i, outlet, title, body, search, published, fetched in build_rows(size, sentences()):
        url = f"https://{outlet}.test/news/{i}"
        conn.execute(
            ARTICLE_SQL,
            (i, url, url, outlet, title, body, published.strftime(STAMP),
             fetched.strftime(STAMP), search),
        )  # fmt: skip
        if len(fps) < 2000:
            fp = blob(fingerprint(body))
            fps.append((fp.content_hash, fp.data, fp.version))
        conn.execute(
            "INSERT INTO fingerprints (article_id, content_hash, data, version) "
            "VALUES (?, ?, ?, ?)",
            (i, *fps[i % len(fps)]),
        )
        if rng.random() < copies / size:
            kept.append((i, title, body, search))
    for n in range(copies):
        i, title, body, search = kept[n % len(kept)]
        url = f"https://copy.test/news/{n}"
        conn.execute(SIGHTING_SQL, (i, url, url, title, body, "2024-01-01 00:00:00.000000", search))
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    print(f"built {size} articles, {copies} copies in {time.perf_counter() - t0:.0f} s")


def digest(path: Path) -> dict[str, str]:
    conn = sqlite3.connect(path)
    out = {}
    for table in ("articles", "sightings", "fingerprints"):
        h = hashlib.sha256()
        for row in conn.execute(f"SELECT * FROM {table} ORDER BY 1"):
            h.update(repr(row).encode())
        out[table] = h.hexdigest()[:16]
    conn.close()
    return out


def run(store: Path, work: Path) -> float:
    from storage.db import current_revision, head_revision, make_engine, migrate

    for suffix in ("-wal", "-shm"):
        Path(f"{work}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(store, work)
    engine = make_engine(f"sqlite:///{work}")
    t0 = time.perf_counter()
    migrate(engine)
    seconds = time.perf_counter() - t0
    assert current_revision(engine) == head_revision()
    engine.dispose()
    return seconds


def check(work: Path, before: dict[str, str]) -> None:
    assert digest(work) == before, "rows changed"
    conn = sqlite3.connect(work)
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    for fts in ("articles_fts", "sightings_fts"):
        conn.execute(f"INSERT INTO {fts}({fts}) VALUES('integrity-check')")
    seq = dict(conn.execute("SELECT name, seq FROM sqlite_sequence"))
    pages = conn.execute("PRAGMA freelist_count").fetchone()[0]
    size = work.stat().st_size / 1e6
    conn.close()
    print(f"rows unchanged, foreign keys and FTS5 consistent; sequences {seq}; "
          f"file {size:.0f} MB of which {pages} free pages")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--size", type=int, default=100000, help="articles in the store")
    ap.add_argument("--copies", type=int, default=30000, help="sightings in the store")
    ap.add_argument("--db", default="/tmp/migration_bench.db", help="the store at 0010 (kept)")
    ap.add_argument("--runs", type=int, default=3, help="0: build the store only")
    ap.add_argument("--rebuild", action="store_true", help="build the store even if it exists")
    args = ap.parse_args()
    store = Path(args.db)
    if args.rebuild or not store.exists():
        build(store, args.size, args.copies)
    print(f"store {store}: {store.stat().st_size / 1e6:.0f} MB")
    if not args.runs:
        return
    before = digest(store)
    work = store.with_name(store.name + ".upgrade")
    times = [run(store, work) for _ in range(args.runs)]
    check(work, before)
    print("upgrade 0010 -> head: " + ", ".join(f"{t:.1f} s" for t in times))
    work.unlink()
    for suffix in ("-wal", "-shm"):
        Path(f"{work}{suffix}").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
