"""Search latency on a large synthetic store: full-text search against the old LIKE scan.

Articles are assembled at run time from real Persian sentences (the labelled relevance set in
``../shared/fixtures/relevance``, else the repository's seeds), several per article, with
outlets and dates drawn at random, and written straight into a store migrated by the product's
own ``connect`` (so the FTS5 triggers or the PostgreSQL generated column do the indexing, as in
production). Then it times, through ``storage.search.find_stories`` and ``load_stories`` (what
``monitor query`` runs):

- two-word queries, ranked (``--sort relevance``) and newest first (``--sort date``);
- the same with an outlet and a date range;
- the LIKE scan the reading side used before (``search_text LIKE %w%`` per word), on a few
  queries only, since each takes seconds on a large store.

Usage::

    python bench/search_bench.py --size 100000 --backend sqlite --db /tmp/bench.db
    python bench/search_bench.py --size 1000000 --backend postgresql \\
        --pg postgresql://postgres@127.0.0.1:5432/search_bench

A store of that size is reused when it already holds ``--size`` articles (building 1,000,000
takes a long while); ``--rebuild`` starts over. On SQLite the words' document counts ranked
search reads (``storage.bm25``) are then refreshed as the daemon would, if missing or stale;
``--bm25`` ranks with FTS5's ``bm25()`` instead, for comparison. Results go to stdout as a
Markdown table.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SHARED = ROOT.parent / "shared" / "fixtures" / "relevance" / "dev.jsonl"
OUTLETS = ["mehr", "irna", "isna", "tasnim", "jamejam", "alalam", "farsnews", "hamshahri"]
# Queries an analyst of Iran–Russia coverage types; each has two words.
QUERIES = [
    "لاوروف عراقچی", "ایران روسیه", "راه آهن", "گاز روسیه", "پوتین رئیسی", "مسکو تهران",
    "تحریم آمریکا", "سوریه روسیه", "شانگهای عضویت", "بریکس اجلاس", "نفت صادرات",
    "هسته ای مذاکرات", "وزیر خارجه", "پهپاد اوکراین", "بانک مرکزی", "دریای خزر",
    "انرژی همکاری", "سفیر روسیه", "امنیت منطقه", "قرارداد اقتصادی",
]  # fmt: skip
_SENTENCE = re.compile(r"(?<=[.!؟?])\s+|\n+")


def sentences() -> list[str]:
    """Real sentences of 5 to 60 words, read at run time (never stored in the repository)."""
    texts: list[str] = []
    if SHARED.exists():
        for line in SHARED.read_text("utf-8").splitlines():
            item = json.loads(line)
            texts.append(item.get("text", ""))
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        texts.append(path.read_text("utf-8-sig"))
    out = []
    for text in texts:
        for s in _SENTENCE.split(text):
            if 5 <= len(s.split()) <= 60:
                out.append(s.strip())
    return out


def build_rows(n: int, pool: list[str], seed: int = 14):
    """Yield (id, outlet, title, body, search_text, published, fetched) for ``n`` articles.

    Each sentence is tokenized once; an article's search text is its sentences' tokens joined,
    which equals ``search_document`` of the article except for a compound split across two
    sentences."""
    from monitor.searchtext import search_document

    rng = random.Random(seed)
    tokens = [search_document(s) for s in pool]
    start = datetime(2022, 1, 1, tzinfo=UTC)
    span = 3 * 365 * 24 * 3600
    for i in range(n):
        picks = [rng.randrange(len(pool)) for _ in range(rng.randint(4, 10))]
        title_i, body_is = picks[0], picks[1:]
        published = start + timedelta(seconds=rng.randrange(span))
        yield (
            i + 1000,
            rng.choice(OUTLETS),
            pool[title_i][:200],
            "\n".join(pool[j] for j in body_is),
            " ".join(tokens[j] for j in picks),
            published,
            published + timedelta(minutes=rng.randint(5, 600)),
        )


def _count(engine) -> int:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM articles")).scalar_one())


def load_sqlite(path: Path, n: int, pool: list[str], rebuild: bool) -> str:
    import sqlite3

    from storage.db import connect

    url = f"sqlite:///{path}"
    if rebuild:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    engine = connect(url)
    if _count(engine) >= n:
        return url
    engine.dispose()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")
    t0 = time.perf_counter()
    batch = []
    sql = (
        "INSERT INTO articles (id, canonical_url, url, outlet, title, body, tags, language, "
        "published, fetched_at, relevance, relevance_reasons, search_text) "
        "VALUES (?, ?, ?, ?, ?, ?, '[]', 'fa', ?, ?, 0.8, '[]', ?)"
    )
    for i, outlet, title, body, search, published, fetched in build_rows(n, pool):
        url_i = f"https://{outlet}.test/news/{i}"
        fmt = "%Y-%m-%d %H:%M:%S.%f"
        batch.append(
            (
                i,
                url_i,
                url_i,
                outlet,
                title,
                body,
                published.strftime(fmt),
                fetched.strftime(fmt),
                search,
            )
        )
        if len(batch) == 20000:
            conn.executemany(sql, batch)
            conn.commit()
            batch.clear()
            print(f"  {i - 999} rows, {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    conn.executemany(sql, batch)
    conn.commit()
    conn.execute("ANALYZE")
    for fts in ("articles_fts", "articles_date_fts"):
        conn.execute(f"INSERT INTO {fts}({fts}) VALUES('optimize')")
    conn.commit()
    conn.close()
    print(f"built {n} articles in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return url


def refresh_counts(url: str) -> None:
    """What the daemon does after a crawl: recount the words' document counts ranked search
    reads (``storage.bm25``) when they are missing or the store changed by a few per cent."""
    from sqlalchemy.orm import Session

    from storage.bm25 import refresh_if_stale
    from storage.db import connect

    t0 = time.perf_counter()
    with Session(connect(url)) as session:
        if refresh_if_stale(session):
            session.commit()
            print(f"  word counts refreshed in {time.perf_counter() - t0:.1f} s", file=sys.stderr)


def load_postgres(url: str, n: int, pool: list[str], rebuild: bool) -> str:
    import psycopg

    from storage.db import connect

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if rebuild and exists:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            admin.execute(f'CREATE DATABASE "{name}"')
    engine = connect(url)
    if _count(engine) >= n:
        return url
    engine.dispose()
    t0 = time.perf_counter()
    with psycopg.connect(url) as conn:
        conn.execute("DROP INDEX IF EXISTS ix_articles_search_vector")
        cols = (
            "id, canonical_url, url, outlet, title, body, tags, language, published, "
            "fetched_at, relevance, relevance_reasons, search_text"
        )
        with conn.cursor().copy(f"COPY articles ({cols}) FROM STDIN") as copy:
            for i, outlet, title, body, search, published, fetched in build_rows(n, pool):
                url_i = f"https://{outlet}.test/news/{i}"
                copy.write_row(
                    (i, url_i, url_i, outlet, title, body, "[]", "fa", published, fetched,
                     0.8, "[]", search)
                )  # fmt: skip
        print(f"  copied in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        conn.execute("CREATE INDEX ix_articles_search_vector ON articles USING gin (search_vector)")
        conn.commit()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE articles")
    print(f"built {n} articles in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return url


def cluster_by_date(url: str) -> None:
    """Rewrite ``articles`` in date order, once (PostgreSQL remembers the clustered index)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        done = conn.execute(
            "SELECT indisclustered FROM pg_index "
            "WHERE indexrelid = 'ix_articles_copy_date'::regclass"
        ).fetchone()
        if done and done[0]:
            return
        t0 = time.perf_counter()
        conn.execute("SET maintenance_work_mem = '256MB'")
        conn.execute("CLUSTER articles USING ix_articles_copy_date")
        conn.execute("ANALYZE articles")
        print(f"  clustered by date in {time.perf_counter() - t0:.0f} s", file=sys.stderr)


def _time(fn, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(
    url: str, like_queries: int, repeat: int = 3, per_query: bool = False
) -> list[tuple[str, list[float], int]]:
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from monitor.searchquery import parse_query
    from storage.db import connect
    from storage.models import Article
    from storage.search import CopyFilter, find_stories, load_stories

    engine = connect(url)
    filt = CopyFilter(
        outlets=("mehr", "isna"),
        since=datetime(2023, 1, 1, tzinfo=UTC),
        until=datetime(2023, 7, 1, tzinfo=UTC),
    )
    results: list[tuple[str, list[float], int]] = []
    with Session(engine) as session:

        def run(q: str, sort: str, f: CopyFilter) -> int:
            hits = find_stories(session, parse_query(q), f, sort=sort, limit=50)
            load_stories(session, [h.story_id for h in hits])
            session.expunge_all()
            return len(hits)

        for label, sort, f in [
            ("two words, --sort relevance", "relevance", CopyFilter()),
            ("two words, --sort date", "date", CopyFilter()),
            ("two words + outlet + dates, relevance", "relevance", filt),
            ("two words + outlet + dates, date", "date", filt),
        ]:
            times: list[float] = []
            found = 0
            for q in QUERIES:
                run(q, sort, f)  # warm the cache for this query once
                mine = _time(lambda q=q, s=sort, f=f: run(q, s, f), repeat)
                times += mine
                found += run(q, sort, f)
                if per_query:
                    print(f"  {label} | {q} | max {max(mine):.1f} ms", file=sys.stderr)
            results.append((label, times, found // len(QUERIES)))

        def like(q: str) -> int:
            from monitor.searchtext import search_tokens

            stmt = select(Article.id)
            for word in search_tokens(q):
                stmt = stmt.where(Article.search_text.contains(word, autoescape=True))
            stmt = stmt.order_by(
                func.coalesce(Article.published, Article.fetched_at).desc(), Article.id.desc()
            ).limit(50)
            return len(session.scalars(stmt).all())

        times = []
        step = max(1, len(QUERIES) // max(1, like_queries))
        for q in QUERIES[::step][:like_queries]:
            times += _time(lambda q=q: like(q), 1)
        if times:
            results.append((f"LIKE scan (old), {like_queries} queries", times, 0))
    return results


def measure_trigram(url: str) -> tuple[str, list[float], int]:
    """PostgreSQL's other candidate: a pg_trgm GIN index on ``search_text`` answering the same
    two-word queries as whole-word regular expressions, newest first."""
    import psycopg

    from monitor.searchtext import search_tokens

    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        t0 = time.perf_counter()
        conn.execute(
            "CREATE INDEX IF NOT EXISTS bench_trgm ON articles USING gin (search_text gin_trgm_ops)"
        )
        print(f"  trigram index in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        times: list[float] = []
        for q in QUERIES:
            words = search_tokens(q)
            where = " AND ".join("search_text ~ %s" for _ in words)
            sql = (
                f"SELECT id FROM articles WHERE {where} "
                "ORDER BY coalesce(published, fetched_at) DESC LIMIT 50"
            )
            args = [f"(^| ){w}( |$)" for w in words]
            conn.execute(sql, args).fetchall()
            times += _time(lambda sql=sql, args=args: conn.execute(sql, args).fetchall(), 3)
        conn.execute("DROP INDEX bench_trgm")
    return ("pg_trgm whole-word regex, date", times, 0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--size", type=int, default=20000, help="articles in the store")
    ap.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    ap.add_argument("--db", default="/tmp/search_bench.db", help="SQLite file")
    ap.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/search_bench")
    ap.add_argument("--like-queries", type=int, default=3, help="LIKE scans to time")
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs of each query")
    ap.add_argument("--build-only", action="store_true", help="build the store, time nothing")
    ap.add_argument("--trigram", action="store_true", help="PostgreSQL: also time pg_trgm")
    ap.add_argument(
        "--bm25",
        action="store_true",
        help="SQLite: rank with FTS5's bm25() (its pass over every match), not from the cached "
        "document counts (storage.bm25): the cost before migration 0012",
    )
    ap.add_argument("--per-query", action="store_true", help="each query's slowest run to stderr")
    ap.add_argument(
        "--cluster",
        action="store_true",
        help="PostgreSQL: store the rows in date order first (CLUSTER on the date index), as a "
        "monitor writing articles as it fetches them does; the generated rows are in random "
        "date order",
    )
    args = ap.parse_args()
    pool = sentences()
    print(f"{len(pool)} sentences in the pool", file=sys.stderr)
    if args.backend == "sqlite":
        url = load_sqlite(Path(args.db), args.size, pool, args.rebuild)
        refresh_counts(url)
    else:
        url = load_postgres(args.pg, args.size, pool, args.rebuild)
        if args.cluster:
            cluster_by_date(url)
    if args.build_only:
        return
    if args.bm25:
        import storage.bm25

        storage.bm25.USE_CACHED_COUNTS = False
    results = measure(url, args.like_queries, args.repeat, args.per_query)
    if args.trigram and args.backend == "postgresql":
        results.append(measure_trigram(url))
    runs = f"{len(QUERIES)} two-word queries × {args.repeat} runs"
    print(f"\n{args.backend}, {args.size:,} articles, {runs}\n")
    print("| query | p50 ms | p95 ms | max ms | stories on page (mean) |")
    print("|---|---:|---:|---:|---:|")
    for label, times, found in results:
        print(
            f"| {label} | {statistics.median(times):.1f} | {_p(times, 0.95):.1f} | "
            f"{max(times):.1f} | {found} |"
        )


if __name__ == "__main__":
    main()
