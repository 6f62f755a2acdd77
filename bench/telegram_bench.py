"""Real Telegram posts through the simulator and the whole pipeline: judgement figures.

Reads ../shared/fixtures/telegram/*.jsonl (real posts of @farsna, @alonews, @akhbarefori; see
that folder's README) and exits with a message when the folder is absent. The simulator serves
them as ``t.me/s/<channel>`` previews; the real Telegram spider crawls the newest ``--pages``
preview pages of each channel (20 posts a page) into a fresh SQLite store, through the same
pipeline as articles (relevance, dedup, story links). Nothing was tuned on these posts.

Reported: posts judged, stories stored, sightings (by kind: a forward or repost on another
channel, a copy of a stored story), posts that link to an article of a configured outlet, and
throughput. Throughput is also given as a ratio to the same process judging the simulator's
web article pages (extraction included), since absolute times on this shared machine are noise.

    python -m bench.telegram_bench [--pages 40] [--corpus ../shared/fixtures/telegram]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from storage.models import Article, PostLink, SeenUrl, Sighting  # noqa: E402

SHARED = ROOT.parent / "shared" / "fixtures" / "telegram"
CHANNELS = ("farsna", "alonews", "akhbarefori")


def crawl(corpus: Path, pages: int, db: str) -> float:
    """Crawl the channels through a simulator serving the corpus; returns seconds taken."""
    from monitor.simulator import Simulator

    with Simulator(port=0, telegram_corpus=corpus) as sim:
        start = time.perf_counter()
        proc = subprocess.run(
            [
                sys.executable, "-m", "scrapy", "crawl", "telegram",
                "-a", f"channels={','.join(CHANNELS)}", "-a", f"pages={pages}",
                "-s", f"MONITOR_DB={db}", "-s", f"MONITOR_MIRROR={sim.url}",
                "-s", "DOWNLOAD_SLOTS={}", "-s", "DOWNLOAD_DELAY=0", "-s", "LOG_LEVEL=WARNING",
                "-s", "AUTOTHROTTLE_ENABLED=False",
            ],
            cwd=ROOT, capture_output=True, text=True,
        )  # fmt: skip
        elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"crawl failed: {proc.stderr.strip().splitlines()[-1:]}")
    return elapsed


def judge_rates(corpus: Path, n: int) -> tuple[float, float]:
    """Posts and web pages judged per second in this process (relevance + fingerprint + index
    query; pages also extracted), on ``n`` of each: the ratio is the figure to read."""
    import json

    from monitor.dedup import fingerprint
    from monitor.dedup.index import DedupIndex
    from monitor.encoding import decode_html
    from monitor.extract import extract
    from monitor.outlets import load_outlets, outlet_for_url
    from monitor.relevance import RelevanceModel
    from monitor.simulator.catalog import Catalog
    from monitor.simulator.markup import render_article

    model = RelevanceModel.load(None)
    index = DedupIndex()
    posts = []
    with (corpus / "farsna.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            text = json.loads(line).get("text") or ""
            if text:
                posts.append(text)
            if len(posts) >= n:
                break
    start = time.perf_counter()
    for i, text in enumerate(posts):
        model.score(text.splitlines()[0], text, None)
        fp = fingerprint(text)
        index.query(fp)
        index.add(i, fp)
    post_rate = len(posts) / (time.perf_counter() - start)

    outlets = load_outlets()
    arts = Catalog().visible()[:n]
    pages = [(a.url, render_article(a, [], [])) for a in arts]
    index = DedupIndex()
    start = time.perf_counter()
    for i, (url, body) in enumerate(pages):
        ex = extract(decode_html(body, None), url, outlet_for_url(url, outlets))
        model.score(ex.title, ex.text, ex.lead)
        fp = fingerprint(ex.text)
        index.query(fp)
        index.add(i, fp)
    page_rate = len(pages) / (time.perf_counter() - start)
    return post_rate, page_rate


def dedup_figures(corpus: Path) -> dict[str, object]:
    """Every post of the corpus, oldest first, through the dedup index alone (no relevance
    gate): how many repeat an earlier post, exactly or nearly, within or across channels."""
    import json

    from monitor.dedup import fingerprint
    from monitor.dedup.index import DedupIndex

    posts = []
    for name in CHANNELS:
        with (corpus / f"{name}.jsonl").open(encoding="utf-8") as fh:
            for line in fh:
                rec = json.loads(line)
                if rec.get("text"):
                    posts.append((rec["date"], name, rec["text"]))
    posts.sort()
    index = DedupIndex()
    owner: dict[int, str] = {}
    found: Counter[str] = Counter()
    start = time.perf_counter()
    for i, (_date, channel, text) in enumerate(posts):
        fp = fingerprint(text)
        match = index.query(fp)
        if match is None:
            index.add(i, fp)
            owner[i] = channel
            continue
        where = "same channel" if owner[match.of] == channel else "other channel"
        found[f"{match.kind}, {where}"] += 1
    elapsed = time.perf_counter() - start
    return {"posts": len(posts), "duplicates": dict(found), "rate": len(posts) / elapsed}


def figures(db: str) -> dict[str, object]:
    engine = create_engine(db)
    with Session(engine) as s:
        verdicts = Counter(
            dict(
                s.execute(
                    select(SeenUrl.verdict, func.count())
                    .where(SeenUrl.canonical_url.like("https://t.me/%"))
                    .group_by(SeenUrl.verdict)
                ).all()
            )
        )
        stories = s.scalar(select(func.count(Article.id)).where(Article.source == "telegram"))
        kinds = Counter(
            dict(
                s.execute(
                    select(Sighting.kind, func.count())
                    .where(Sighting.source == "telegram")
                    .group_by(Sighting.kind)
                ).all()
            )
        )
        with_links = s.scalar(select(func.count(func.distinct(PostLink.post_url))))
        to_outlets = s.scalar(
            select(func.count(func.distinct(PostLink.post_url))).where(
                PostLink.article_url.is_not(None)
            )
        )
        per_channel = Counter(
            url.split("/")[3].lower()
            for url in s.scalars(
                select(SeenUrl.canonical_url).where(SeenUrl.canonical_url.like("https://t.me/%"))
            )
        )
    return {
        "judged": sum(verdicts.values()),
        "verdicts": dict(verdicts),
        "stories": stories,
        "sightings": dict(kinds),
        "posts_with_links": with_links,
        "posts_linking_outlet_articles": to_outlets,
        "per_channel": dict(per_channel),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=40, help="preview pages per channel")
    parser.add_argument("--corpus", type=Path, default=SHARED)
    parser.add_argument("--judge-n", type=int, default=120, help="items for the ratio")
    args = parser.parse_args(argv)
    if not (args.corpus / "farsna.jsonl").exists():
        print(f"skipped: no Telegram corpus at {args.corpus} (../shared is absent)")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        db = f"sqlite:///{Path(tmp) / 'bench.db'}"
        elapsed = crawl(args.corpus, args.pages, db)
        fig = figures(db)
    post_rate, page_rate = judge_rates(args.corpus, args.judge_n)
    dedup = dedup_figures(args.corpus)
    judged = int(fig["judged"])  # type: ignore[call-overload]
    print(f"channels {', '.join(CHANNELS)}; {args.pages} preview pages each")
    print(f"posts judged: {judged} {fig['per_channel']}")
    print(f"verdicts: {fig['verdicts']}")
    print(f"stories stored from posts: {fig['stories']}")
    print(f"sightings from posts (by kind): {fig['sightings']}")
    print(
        f"posts with links: {fig['posts_with_links']}; linking an article of a configured "
        f"outlet: {fig['posts_linking_outlet_articles']}"
    )
    print(f"crawl through the simulator: {elapsed:.1f} s, {judged / elapsed:.1f} posts/s")
    print(
        f"in-process judgement: {post_rate:.0f} posts/s, {page_rate:.0f} web pages/s "
        f"(posts {post_rate / page_rate:.1f}× pages)"
    )
    dups = dedup["duplicates"]
    total = sum(dups.values())  # type: ignore[attr-defined]
    print(
        f"dedup alone over all {dedup['posts']} posts with text: {total} repeat an earlier "
        f"post {dups}; {dedup['rate']:.0f} posts/s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
