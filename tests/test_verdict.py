"""One verdict per page: the order of the judge's steps, the two stages, and what is written.

Stages are driven the way Scrapy drives them (``get_crawler`` and a ``PageItem``) on a real
SQLite file; pages are real simulator markup over HTTP or seeds from the repository.
"""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest
from scrapy.utils.test import get_crawler
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from monitor.checking import quote_iri
from monitor.items import PageItem
from monitor.pipelines.drops import Duplicate, Failed, Irrelevant, NotExtracted
from monitor.pipelines.judging import JudgePipeline
from monitor.pipelines.record import RecordPipeline
from monitor.store import open_store
from monitor.verdict import Outcome, judge_page
from storage.models import Article, JudgedPage, SeenUrl, Sighting
from storage.writes import unpack_fields

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "004_446af218e34388db.txt"


def stages(db_url: str) -> tuple[JudgePipeline, RecordPipeline, object]:
    crawler = get_crawler(settings_dict={"MONITOR_DB": db_url})
    return JudgePipeline.from_crawler(crawler), RecordPipeline.from_crawler(crawler), crawler


def run(judge: JudgePipeline, record: RecordPipeline, item: PageItem) -> PageItem:
    return record.process_item(judge.process_item(item))


def html_page(title: str, paragraphs: list[str]) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<html lang='fa' dir='rtl'><head><meta charset='utf-8'><title>{title}</title></head>"
        f"<body><article><h1>{title}</h1>{body}</article></body></html>"
    ).encode()


UNRELATED = html_page(
    "برگزاری نمایشگاه کتاب در شیراز",
    [
        "نمایشگاه استانی کتاب از امروز در محل دائمی نمایشگاه‌های شیراز آغاز به کار کرد و تا ده روز"
        " آینده پذیرای علاقه‌مندان است.",
        "به گفته دبیر نمایشگاه، بیش از سیصد ناشر از سراسر کشور آثار تازه خود را در این رویداد"
        " عرضه کرده‌اند و برنامه‌های جنبی برای کودکان نیز پیش‌بینی شده است.",
        "ساعت بازدید از نمایشگاه هر روز از نه صبح تا نه شب اعلام شده و ورود برای عموم رایگان است.",
    ],
)


def test_the_crawl_runs_judge_then_record():
    from monitor import settings

    order = sorted(settings.ITEM_PIPELINES.items(), key=lambda kv: kv[1])
    # ExaminePipeline only sends the store-free part to worker processes (``--jobs``);
    # StoryLinkPipeline (Telegram posts and the articles they announce) may turn a verdict
    # into a sighting between judge and record; it writes no verdict itself.
    assert [name.rsplit(".", 1)[1] for name, _ in order] == [
        "ExaminePipeline",
        "JudgePipeline",
        "StoryLinkPipeline",
        "RecordPipeline",
    ]


def test_dedup_comes_before_relevance_a_low_scoring_copy_is_still_a_sighting(db_url):
    """A republished seed is a duplicate even under a model that finds nothing relevant."""
    from monitor.judge import Judge
    from monitor.relevance import RelevanceModel

    strict = RelevanceModel.load()
    strict.threshold = 2.0  # nothing can reach it
    engine = open_store(db_url)
    judge = Judge(engine, relevance_model=strict)
    lines = SEED.read_text(encoding="utf-8").splitlines()
    item = PageItem(
        url="https://www.tasnimnews.com/fa/news/1400/07/14/2585914/x",
        canonical_url="https://www.tasnimnews.com/fa/news/1400/07/14/2585914",
        outlet="tasnim",
        body=html_page("تیتر تازه برای یک خبر قدیمی", lines[1:]),
    )
    with Session(engine) as session:
        verdict = judge_page(judge, item, session)
    assert verdict.outcome is Outcome.DUPLICATE
    assert verdict.relevance is not None and not verdict.relevant
    assert judge.describe(verdict.duplicate)["of"] == SEED.name  # type: ignore[index]


def test_a_page_with_no_article_is_not_extracted_and_its_reason_recorded(db_url):
    judge, record, crawler = stages(db_url)
    item = PageItem(
        url="https://www.mehrnews.com/news/1/x",
        canonical_url="https://www.mehrnews.com/news/1",
        outlet="mehr",
        body=b"<html><body><nav>menu</nav></body></html>",
    )
    with pytest.raises(NotExtracted, match="not extracted"):
        run(judge, record, item)
    with Session(open_store(db_url)) as s:
        seen = s.get(SeenUrl, item.canonical_url)
        assert seen is not None and seen.verdict == "failed"
        assert seen.reason and seen.reason.startswith("not extracted")
    assert crawler.stats.get_value("monitor/not_extracted") == 1  # type: ignore[union-attr]
    assert crawler.stats.get_value("monitor/failed") == 1  # type: ignore[union-attr]


def new_story(simulator) -> tuple[str, str, bytes]:
    """A page the simulator serves as a new Iran–Russia story: (outlet, canonical URL, bytes)."""
    from monitor.mirror import mirrored_url
    from monitor.outlets import load_outlets

    outlets = load_outlets()
    article = next(a for a in simulator.catalog.visible() if a.kind == "new")
    fetch = mirrored_url(simulator.url, article.url)
    body = urllib.request.urlopen(quote_iri(fetch)).read()
    return article.outlet, outlets[article.outlet].canonical_url(article.url), body


def test_new_duplicate_and_irrelevant_pages_are_written_in_one_place(db_url, simulator):
    judge, record, crawler = stages(db_url)
    outlet, url, body = new_story(simulator)
    base = url.rstrip("/")

    def page(canonical: str, html: bytes) -> PageItem:
        return PageItem(url=canonical, canonical_url=canonical, outlet=outlet, body=html)

    first = run(judge, record, page(url, body))
    assert first.stored_id is not None and first.verdict.outcome is Outcome.NEW  # type: ignore[union-attr]
    # The same story under another URL: a sighting of the first, not a second article.
    with pytest.raises(Duplicate, match=f"duplicate of {first.stored_id}"):
        run(judge, record, page(base + "1", body))
    with pytest.raises(Irrelevant):
        run(judge, record, page(base + "2", UNRELATED))

    with Session(open_store(db_url)) as s:
        assert s.scalar(select(Sighting.article_id)) == first.stored_id
        verdicts = dict(s.execute(select(SeenUrl.canonical_url, SeenUrl.verdict)).all())
        judged = {j.canonical_url: j for j in s.scalars(select(JudgedPage))}
    assert verdicts == {url: "stored", base + "1": "duplicate", base + "2": "irrelevant"}
    # Every judged page keeps its text (compressed), verdict and model version.
    gone = judged[base + "2"]
    assert gone.verdict == "irrelevant" and gone.model_version
    kept = unpack_fields(gone.content)
    assert kept is not None and "نمایشگاه" in kept["text"]
    assert judged[url].article_id == first.stored_id
    stats = crawler.stats.get_stats()  # type: ignore[union-attr]
    assert (stats["monitor/new"], stats["monitor/duplicate"], stats["monitor/irrelevant"]) == (
        1,
        1,
        1,
    )


def test_an_unexpected_store_error_is_a_recorded_failure_not_a_lost_page(db_url):
    judge, record, crawler = stages(db_url)
    engine = open_store(db_url)
    with engine.begin() as conn:  # a store the record stage cannot write to
        conn.execute(text("DROP TABLE judged_pages"))
    item = PageItem(
        url="https://www.mehrnews.com/news/7/x",
        canonical_url="https://www.mehrnews.com/news/7",
        outlet="mehr",
        body=UNRELATED,
    )
    with pytest.raises(Failed, match="OperationalError"):
        run(judge, record, item)
    with Session(engine) as s:
        seen = s.get(SeenUrl, item.canonical_url)
        assert seen is not None and seen.verdict == "failed"
        assert (seen.reason or "").startswith("error in JudgePipeline: OperationalError")
    failures = crawler.stats.get_value("monitor/failures")  # type: ignore[union-attr]
    assert failures and failures[0]["url"] == item.url


def test_check_gives_the_crawls_verdict(db_url, simulator, tmp_path):
    """``monitor check`` and the stages call the same judge: same verdict, same reasons."""
    import json

    from tests.conftest import run_monitor

    outlet, url, body = new_story(simulator)
    saved = tmp_path / "page.html"
    saved.write_bytes(body)
    checked = json.loads(run_monitor("check", str(saved), "--url", url, "--db", db_url).stdout)
    judge, record, _ = stages(db_url)
    item = run(judge, record, PageItem(url=url, canonical_url=url, outlet=outlet, body=body))
    assert item.verdict is not None and item.verdict.relevance is not None
    assert checked["verdict"] == "new"
    assert checked["relevance"]["reasons"] == item.verdict.relevance.reasons
    with Session(open_store(db_url)) as s:
        stored = s.scalar(select(Article).where(Article.canonical_url == url))
        assert stored is not None and stored.relevance_reasons == item.verdict.relevance.reasons


def test_check_imports_neither_scrapy_nor_hazms_taggers(db_url, simulator):
    """``monitor check URL --mirror`` judges a page without importing Scrapy, Twisted, or hazm
    and what its package imports (scikit-learn, SciPy, NLTK, gensim): seconds of start-up
    that a one-page check does not use (docs/scaling.md)."""
    import json
    import subprocess
    import sys

    article = next(a for a in simulator.catalog.visible() if a.kind == "new")
    heavy = ("scrapy", "twisted", "hazm", "sklearn", "scipy", "nltk", "gensim")
    code = (
        "import sys, io, json, contextlib\n"
        "from monitor.cli import app\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        f"    app({['check', article.url, '--mirror', simulator.url, '--db', db_url]!r},"
        " standalone_mode=False)\n"
        f"print(json.dumps([json.loads(out.getvalue()), [m for m in {heavy!r}"
        " if m in sys.modules]]))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    checked, imported = json.loads(proc.stdout)
    assert checked["verdict"] == "new" and checked["relevant"], checked
    assert imported == []


def test_retention_clears_old_judged_text_but_keeps_verdicts_and_labels(db_url):
    """``MONITOR_KEEP_JUDGED_DAYS``: a page's text is cleared after the retention, its verdict
    stays; a page an analyst labelled keeps its text (training material)."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    crawler = get_crawler(settings_dict={"MONITOR_DB": db_url, "MONITOR_KEEP_JUDGED_DAYS": 30})
    judge, record = JudgePipeline.from_crawler(crawler), RecordPipeline.from_crawler(crawler)
    urls = [f"https://www.mehrnews.com/news/90{i}" for i in range(3)]
    for url in urls:
        with pytest.raises(Irrelevant):
            run(judge, record, PageItem(url=url, canonical_url=url, outlet="mehr", body=UNRELATED))
    engine = open_store(db_url)
    with Session(engine) as s:
        old = datetime.now(UTC) - timedelta(days=40)
        s.execute(
            update(JudgedPage).where(JudgedPage.canonical_url != urls[2]).values(fetched_at=old)
        )
        s.execute(
            update(JudgedPage).where(JudgedPage.canonical_url == urls[1]).values(label="irrelevant")
        )
        s.commit()
    record.close_spider()
    with Session(engine) as s:
        rows = {j.canonical_url: j for j in s.scalars(select(JudgedPage))}
    assert rows[urls[0]].content is None and rows[urls[0]].verdict == "irrelevant"
    assert rows[urls[1]].content is not None  # labelled
    assert rows[urls[2]].content is not None  # recent
    assert crawler.stats.get_value("monitor/judged_text_cleared") == 1  # type: ignore[union-attr]


STORE_IN_CHILD = """
import sys
from pathlib import Path
from monitor.items import PageItem
from tests.test_verdict import run, stages
db, outlet, url, body = sys.argv[1], sys.argv[2], sys.argv[3], Path(sys.argv[4]).read_bytes()
judge, record, _ = stages(db)
item = run(judge, record, PageItem(url=url, canonical_url=url, outlet=outlet, body=body))
print(item.stored_id)
"""


def test_a_page_stored_by_another_process_is_never_a_sighting_of_itself(
    db_url, simulator, tmp_path
):
    """The concurrency item: a one-off crawl beside the daemon. This process's judge loads
    its index from the store first; another process then stores the page; this process judges
    the same page: it is that article (a refetch), not a "url duplicate" sighting of it."""
    import subprocess
    import sys

    judge, record, _ = stages(db_url)
    judge.judge  # noqa: B018  (load the index now, before the other process stores)
    outlet, url, body = new_story(simulator)
    page = tmp_path / "page.html"
    page.write_bytes(body)
    child = subprocess.run(
        [sys.executable, "-c", STORE_IN_CHILD, db_url, outlet, url, str(page)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    stored_by_child = int(child.stdout.strip().splitlines()[-1])
    item = run(judge, record, PageItem(url=url, canonical_url=url, outlet=outlet, body=body))
    assert item.verdict.outcome is Outcome.NEW  # type: ignore[union-attr]
    assert item.stored_id == stored_by_child
    with Session(open_store(db_url)) as s:
        assert s.scalars(select(Article.id).where(Article.canonical_url == url)).all() == [
            stored_by_child
        ]
        assert s.scalars(select(Sighting.id).where(Sighting.canonical_url == url)).all() == []
        seen = s.get(SeenUrl, url)
        assert seen is not None and seen.verdict == "stored"
