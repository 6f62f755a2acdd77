"""The store on a real SQLite file and on the local PostgreSQL server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from monitor.dedup import fingerprint
from monitor.dedup.persist import blob
from monitor.normalize import search_text
from monitor.searchquery import parse_query
from monitor.store import open_store as connect
from storage.db import StoreError, current_revision, head_revision
from storage.models import Article, Revision, SeenUrl, StoredFingerprint
from storage.search import find_stories
from storage.writes import ArticleData, mark_seen, upsert_article

TEHRAN_EVENING = datetime(2023, 12, 5, 18, 23, tzinfo=timezone(timedelta(hours=3, minutes=30)))


def _article(**over) -> ArticleData:
    data = dict(
        canonical_url="https://www.mehrnews.com/news/1",
        url="https://www.mehrnews.com/news/1/سفر",
        outlet="mehr",
        title="سفر وزیر خارجه روسیه به تهران",
        body="سرگئی لاوروف وزیر خارجه روسیه برای گفت‌وگو با همتای ایرانی خود وارد تهران شد.",
        published=TEHRAN_EVENING,
        relevance=0.9,
        relevance_reasons=["test"],
    )
    data.update(over)
    data["search_text"] = search_text(data["title"], data["body"])
    return ArticleData(**data)


def _upsert(s: Session, data: ArticleData):
    return upsert_article(s, data, blob(fingerprint(data.body)))


def _exercise(url: str) -> None:
    engine = connect(url)
    assert current_revision(engine) == head_revision()
    with Session(engine) as s:
        seeds = s.scalars(select(Article).where(Article.seed_file.is_not(None))).all()
        assert sorted(a.seed_file for a in seeds)[0] == "000_6d9b418a79da553c.txt"
        assert len(seeds) == 5
        assert s.scalar(select(func.count()).select_from(StoredFingerprint)) == 5

        article, outcome = _upsert(s, _article())
        s.commit()
        assert outcome == "new"
        # Times come back aware and in UTC on every backend.
        stored = s.get(Article, article.id)
        assert stored.published == TEHRAN_EVENING
        assert stored.published.tzinfo is not None

        again, outcome = _upsert(s, _article())
        assert (again.id, outcome) == (article.id, "unchanged")
        fixed, outcome = _upsert(s, _article(body=_article().body + " این خبر تکمیل شد."))
        s.commit()
        assert (fixed.id, outcome) == (article.id, "revised")
        assert s.scalar(select(func.count()).select_from(Revision)) == 1

        # Persian-insensitive search: Arabic yeh and kaf in the query still match.
        found = [h.story_id for h in find_stories(s, parse_query("روسيه"))]
        assert article.id in found
        assert find_stories(s, parse_query("ویروس")) == []

        mark_seen(s, "https://www.mehrnews.com/news/2", "mehr", "failed", "timeout")
        mark_seen(s, "https://www.mehrnews.com/news/2", "mehr", "failed", "timeout")
        s.commit()
        assert s.get(SeenUrl, "https://www.mehrnews.com/news/2").attempts == 2

    # A second connect (another command) neither re-migrates nor re-seeds.
    with Session(connect(url)) as s:
        assert s.scalar(select(func.count()).select_from(Article)) == 6


def test_a_new_store_is_created_migrated_seeded_and_round_trips(any_store):
    _exercise(any_store)
    if any_store.startswith("sqlite"):
        with connect(any_store).connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"


def test_a_sqlite_file_in_a_missing_folder_is_an_error(tmp_path):
    # A mistyped --db must not silently become a new, empty store.
    with pytest.raises(StoreError, match="does not exist"):
        connect(f"sqlite:///{tmp_path / 'no' / 'such' / 'x.db'}")
    assert not (tmp_path / "no").exists()


@pytest.mark.postgres
def test_a_missing_postgresql_database_is_one_clear_error(pg_url):
    # The PostgreSQL side of the missing folder above: a mistyped database name.
    missing = pg_url.rsplit("/", 1)[0] + "/monitor_no_such_database"
    with pytest.raises(StoreError, match="cannot open database") as caught:
        connect(missing)
    assert "\n" not in str(caught.value)


def test_a_bad_url_is_one_clear_error():
    with pytest.raises(StoreError, match="not a database URL"):
        connect("not a url at all")


def test_fingerprints_of_another_normalizer_version_are_remade_on_load(any_store):
    """A hazm upgrade or a rule change re-fingerprints the store instead of missing silently."""
    from sqlalchemy import update

    from monitor.dedup.persist import load_index

    engine = connect(any_store)
    with Session(engine) as s:
        s.execute(update(StoredFingerprint).values(version="canon-0+hazm-0.0", data=b"stale"))
        s.commit()
        index = load_index(s)
        versions = set(s.scalars(select(StoredFingerprint.version)))
    assert versions == {fingerprint("").version}
    assert len(index) == 5


def test_seeds_stored_before_seed_dates_are_dated_on_open(any_store):
    """A store written before seeds had dates (``date_source`` NULL) gets each such seed's
    title and date on the next open, and only those seeds (looked up by name: see
    ``storage.seeds.unexamined_seed_files``)."""
    from monitor.seeds import SEED_DATED, SEED_UNDATED, ensure_seeds, seeds_dir

    engine = connect(any_store)
    with Session(engine) as s:
        seeds = dict(s.execute(select(Article.seed_file, Article.title).where(
            Article.seed_file.is_not(None))).all())  # fmt: skip
        old = sorted(seeds)[0]
        s.execute(
            Article.__table__.update()
            .where(Article.seed_file == old)
            .values(date_source=None, title="old title")
        )
        s.commit()
    with Session(engine) as s:
        assert ensure_seeds(s, seeds_dir()) == 0  # nothing new to insert
        s.commit()
    with Session(engine) as s:
        rows = {
            name: (title, source)
            for name, title, source in s.execute(
                select(Article.seed_file, Article.title, Article.date_source).where(
                    Article.seed_file.is_not(None)
                )
            )
        }
    assert rows[old][0] == seeds[old] and rows[old][1] in (SEED_DATED, SEED_UNDATED)
    assert {name: title for name, (title, _) in rows.items()} == seeds
    assert all(source is not None for _, source in rows.values())


# -- the write and read helpers, on both backends ------------------------------------------------
# Each test below opens a bare migrated store (``storage.db.connect``: no seeds) and goes through
# the functions the crawl, the Telegram joiner and the reading commands call.


def _bare(url: str) -> Session:
    from storage.db import connect as migrated

    return Session(migrated(url))


def _story(s: Session, n: int, **over) -> Article:
    article, outcome = _upsert(
        s,
        _article(
            canonical_url=f"https://www.mehrnews.com/news/{n}",
            url=f"https://www.mehrnews.com/news/{n}/x",
            body=f"{_article().body} شماره {n}.",
            **over,
        ),
    )
    assert outcome == "new"
    return article


def test_writes_to_one_url_update_its_row(any_store):
    """A second write of a sighting, judged page, seen URL or validator updates the one row;
    an analyst's label survives a re-judgement and retention."""
    from storage.models import HttpValidator, JudgedPage, Sighting
    from storage.writes import (
        JudgedData,
        SightingData,
        prune_judged_text,
        record_judged,
        record_sighting,
        save_validator,
        set_label,
        unpack_fields,
    )

    with _bare(any_store) as s:
        story = _story(s, 1)
        for score in (0.7, 0.9):
            record_sighting(
                s,
                SightingData(
                    story.id, "https://www.irna.ir/news/5", "https://www.irna.ir/news/5/y",
                    "irna", "near", score, search_text="روسیه",
                ),
            )  # fmt: skip
        s.commit()
        assert [(r.article_id, r.score) for r in s.scalars(select(Sighting))] == [(story.id, 0.9)]

        def judged(url: str, verdict: str, fields: dict | None) -> JudgedData:
            return JudgedData(
                url, url, "mehr", verdict, "fa", 0.4, ["r"], "m1", "تیتر",
                TEHRAN_EVENING, fields,
            )  # fmt: skip

        labelled, other = "https://www.mehrnews.com/news/7", "https://www.mehrnews.com/news/8"
        first = record_judged(s, judged(labelled, "borderline", {"b": "متن"}))
        kept_time = first.fetched_at
        record_judged(s, judged(other, "irrelevant", {"b": "دیگر"}))
        set_label(s, labelled, "relevant")
        s.commit()
        again = record_judged(s, judged(labelled, "irrelevant", {"b": "۲"}))
        s.commit()
        assert (again.verdict, again.label) == ("irrelevant", "relevant")
        assert again.fetched_at == kept_time
        assert again.published == TEHRAN_EVENING
        assert unpack_fields(again.content) == {"b": "۲"}
        # Retention clears the text of unlabelled pages only.
        assert prune_judged_text(s, datetime.now(UTC) + timedelta(days=1)) == 1
        s.commit()
        contents = dict(s.execute(select(JudgedPage.canonical_url, JudgedPage.content)).all())
        assert contents[other] is None
        assert unpack_fields(contents[labelled]) == {"b": "۲"}

        lastmod = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
        mark_seen(s, "https://www.mehrnews.com/news/9", "mehr", "failed", "HTTP 503", lastmod)
        seen = mark_seen(s, "https://www.mehrnews.com/news/9", "mehr", "stored")
        s.commit()
        assert (seen.verdict, seen.reason, seen.attempts) == ("stored", None, 2)
        assert seen.lastmod == lastmod

        save_validator(s, "https://www.mehrnews.com/rss", '"a"', None)
        save_validator(s, "https://www.mehrnews.com/rss", '"b"', "Tue, 05 Dec 2023 14:53:00 GMT")
        s.commit()
        rows = s.execute(select(HttpValidator.etag, HttpValidator.last_modified)).all()
        assert rows == [('"b"', "Tue, 05 Dec 2023 14:53:00 GMT")]


def test_the_pending_set_resolves_retries_and_backs_off(any_store):
    from storage.pending import Discovery, add_pending, due, failed_urls, pending_for, resolve

    def found(n: int, **over) -> Discovery:
        url = f"https://www.mehrnews.com/news/{n}"
        return Discovery(url=url + "/x", canonical_url=url, meta={"feed": "خبر"}, **over)

    with _bare(any_store) as s:
        assert add_pending(s, "mehr", [found(1), found(2), found(1)]) == 2
        s.commit()
        assert add_pending(s, "mehr", [found(2), found(3)]) == 1
        s.commit()
        assert [r.meta for r in pending_for(s, "mehr")] == [{"feed": "خبر"}] * 3
        mark_seen(s, "https://www.mehrnews.com/news/1", "mehr", "stored")
        failed = mark_seen(s, "https://www.mehrnews.com/news/2", "mehr", "failed", "HTTP 503")
        s.commit()
        out = resolve(s, "mehr", max_attempts=3, backoff_base=60)
        s.commit()
        assert (out.done, out.retrying) == (1, 1)
        assert [r.canonical_url for r in out.unjudged] == ["https://www.mehrnews.com/news/3"]
        rows = {r.canonical_url: r for r in pending_for(s, "mehr")}
        assert set(rows) == {"https://www.mehrnews.com/news/2", "https://www.mehrnews.com/news/3"}
        waiting = rows["https://www.mehrnews.com/news/2"]
        assert waiting.not_before == failed.last_seen + timedelta(seconds=60)
        now = failed.last_seen + timedelta(seconds=30)
        assert [r.canonical_url for r in due(rows.values(), now)] == [
            "https://www.mehrnews.com/news/3"
        ]
        for _ in range(2):
            mark_seen(s, "https://www.mehrnews.com/news/2", "mehr", "failed", "HTTP 503")
        mark_seen(s, "https://www.mehrnews.com/news/4", "mehr", "failed", "timeout")
        s.commit()
        listed = failed_urls(s, "mehr", limit=10, max_attempts=3)
        assert [(r["url"][-1], r["attempts"], r["state"]) for r in listed] == [
            ("4", 1, "retrying"),
            ("2", 3, "gave up"),
        ]
        assert resolve(s, "mehr", max_attempts=3).done == 1  # attempts used up


def test_merging_a_raced_twin_makes_it_a_sighting_of_the_earlier(any_store):
    """What reconciling two workers' copies of one story does to the rows (``merge_copy``)."""
    from storage.models import JudgedPage, Sighting
    from storage.stories import merge_copy
    from storage.writes import JudgedData, SightingData, record_judged, record_sighting

    with _bare(any_store) as s:
        early = _story(s, 1, published=TEHRAN_EVENING)
        later = _story(s, 2, published=TEHRAN_EVENING + timedelta(hours=1))
        later_search = later.search_text
        record_sighting(
            s,
            SightingData(
                later.id, "https://www.irna.ir/news/3", "https://www.irna.ir/news/3",
                "irna", "exact", 1.0,
            ),
        )  # fmt: skip
        record_judged(
            s,
            JudgedData(
                later.canonical_url, later.url, "mehr", "stored", "fa", 0.9, [], "m", "t",
                None, None, article_id=later.id,
            ),
        )  # fmt: skip
        mark_seen(s, later.canonical_url, "mehr", "stored")
        s.commit()
        early_id, later_id = early.id, later.id
        row = merge_copy(s, later_id, early_id, "near", 0.93)
        s.commit()
        assert row is not None and row.search_text == later_search
        assert s.get(Article, later_id) is None
        assert s.get(StoredFingerprint, later_id) is None  # its fingerprint went with it
        copies = {r.canonical_url: r.article_id for r in s.scalars(select(Sighting))}
        assert copies == {
            "https://www.irna.ir/news/3": early_id,
            "https://www.mehrnews.com/news/2": early_id,
        }
        page = s.get(JudgedPage, "https://www.mehrnews.com/news/2")
        assert (page.article_id, page.verdict) == (early_id, "duplicate")
        assert s.get(SeenUrl, "https://www.mehrnews.com/news/2").verdict == "duplicate"
        assert s.get(Article, early_id).first_seen == TEHRAN_EVENING
        assert merge_copy(s, later_id, early_id, "near", 0.93) is None  # merged once only


def test_posts_linking_an_article_come_earliest_first_unknown_time_last(any_store):
    """The Telegram joiner acts on the first post only: the order must not depend on the
    backend (SQLite sorts NULL first by default, PostgreSQL last)."""
    from storage.stories import posts_linking, record_post_links

    article = "https://www.mehrnews.com/news/1"
    times = {"a": None, "b": TEHRAN_EVENING + timedelta(hours=2), "c": TEHRAN_EVENING}
    with _bare(any_store) as s:
        for _ in range(2):  # idempotent: the second round adds no rows
            for post, when in times.items():
                record_post_links(
                    s, post_url=f"https://t.me/mehr/{post}", channel="mehr", outlet="mehr",
                    links=[(article + "/x", article)], posted_at=when, title=None, body=None,
                )  # fmt: skip
            s.commit()
        order = [p.post_url[-1] for p in posts_linking(s, article)]
    assert order == ["c", "b", "a"]


def test_stories_around_a_time_and_the_first_sighting(any_store):
    from storage.stories import note_first_seen, stories_around

    with _bare(any_store) as s:
        near = _story(s, 1, published=TEHRAN_EVENING)
        _story(s, 2, published=TEHRAN_EVENING - timedelta(days=5))
        post = _story(s, 3, published=TEHRAN_EVENING + timedelta(days=2), source="telegram")
        s.commit()
        # The window's edges are compared as instants, whatever zone the time is given in.
        when = TEHRAN_EVENING.astimezone(UTC) + timedelta(days=1)
        assert stories_around(s, when, timedelta(days=1)) == {near.id, post.id}
        assert stories_around(s, when, timedelta(days=1), source="telegram") == {post.id}
        assert stories_around(s, None, timedelta(days=1)) == set()
        note_first_seen(s, near.id, TEHRAN_EVENING + timedelta(hours=1), "telegram")
        assert (near.first_seen, near.first_source) == (TEHRAN_EVENING, "web")
        note_first_seen(s, near.id, TEHRAN_EVENING - timedelta(minutes=40), "telegram")
        s.commit()
        s.expire_all()
        got = s.get(Article, near.id)
        assert (got.first_seen, got.first_source) == (
            TEHRAN_EVENING - timedelta(minutes=40),
            "telegram",
        )


def test_first_sighting_of_a_story_the_session_does_not_hold(any_store):
    """The crawl notes first sightings on rows it has not loaded (read and written by Core
    statements): the same answers as on a loaded row, above."""
    from storage.stories import note_first_seen

    with _bare(any_store) as s:
        dated = _story(s, 1, published=TEHRAN_EVENING)
        undated = _story(s, 2, published=None, source="telegram")
        fetched = undated.fetched_at
        ids = dated.id, undated.id
        s.commit()
        s.expunge_all()
        note_first_seen(s, ids[0], TEHRAN_EVENING + timedelta(hours=1), "telegram")  # later
        note_first_seen(s, ids[1], None, "web")  # no time: starts from the row's own
        note_first_seen(s, 9999, TEHRAN_EVENING, "web")  # gone: nothing to do
        assert not s.identity_map  # nothing loaded
        s.commit()
        rows = {a.id: (a.first_seen, a.first_source) for a in s.scalars(select(Article))}
        assert rows[ids[0]] == (TEHRAN_EVENING, "web")
        assert rows[ids[1]] == (fetched, "telegram")
        s.expunge_all()
        note_first_seen(s, ids[0], TEHRAN_EVENING - timedelta(minutes=40), "telegram")
        note_first_seen(s, ids[1], fetched + timedelta(seconds=1), "web")  # later: kept
        s.commit()
        rows = {a.id: (a.first_seen, a.first_source) for a in s.scalars(select(Article))}
        assert rows[ids[0]] == (TEHRAN_EVENING - timedelta(minutes=40), "telegram")
        assert rows[ids[1]] == (fetched, "telegram")


def test_reading_queries_count_and_order_alike(any_store):
    from storage.models import CrawlRun, JudgedPage
    from storage.queries import (
        borderline_pages,
        get_article,
        list_runs,
        outlet_counts,
        telegram_seen,
    )
    from storage.writes import SightingData, record_sighting

    with _bare(any_store) as s:
        story = _story(s, 1, fetched_at=TEHRAN_EVENING)
        _story(s, 2, fetched_at=TEHRAN_EVENING + timedelta(hours=3))
        for n in (5, 6):
            record_sighting(
                s,
                SightingData(
                    story.id, f"https://www.irna.ir/news/{n}", f"https://www.irna.ir/news/{n}",
                    "irna", "near", 0.9,
                ),
            )  # fmt: skip
        same_start = datetime(2024, 1, 1, tzinfo=UTC)
        for status in ("ok", "partial", "failed"):
            s.add(CrawlRun(outlet="mehr", started_at=same_start, status=status))
        s.add(CrawlRun(outlet="irna", started_at=same_start - timedelta(days=1), status="ok"))
        for url, verdict in [
            ("https://t.me/Mehr_News/10", "stored"),
            ("https://t.me/mehr_news/12", "irrelevant"),
            ("https://t.me/other/3", "stored"),
            ("https://www.mehrnews.com/news/1", "stored"),
        ]:
            mark_seen(s, url, "mehr", verdict)
        dates = [None, TEHRAN_EVENING, TEHRAN_EVENING + timedelta(days=1)]
        for n, published in enumerate(dates, start=1):
            s.add(
                JudgedPage(
                    canonical_url=f"https://www.mehrnews.com/news/{30 + n}", url="u",
                    outlet="mehr", verdict="borderline", published=published,
                    fetched_at=TEHRAN_EVENING - timedelta(days=3),
                )
            )  # fmt: skip
        s.commit()

        counts = outlet_counts(s, "mehr")
        assert (counts.articles, counts.newest) == (2, TEHRAN_EVENING + timedelta(hours=3))
        assert outlet_counts(s, "irna").sightings == 2
        assert counts.last_run is not None and counts.last_run.status == "failed"
        assert [(r.outlet, r.status) for r in list_runs(s)] == [
            ("mehr", "failed"),
            ("mehr", "partial"),
            ("mehr", "ok"),
            ("irna", "ok"),
        ]
        assert [r.status for r in list_runs(s, "irna")] == ["ok"]
        assert telegram_seen(s, ["MEHR_NEWS", "absent"]) == {
            "mehr_news": {10: "stored", 12: "irrelevant"},
            "absent": {},
        }
        pages = borderline_pages(s, since=TEHRAN_EVENING - timedelta(days=4))
        assert [p.canonical_url[-2:] for p in pages] == ["33", "32", "31"]
        assert [p.canonical_url[-2:] for p in borderline_pages(s, until=TEHRAN_EVENING)] == ["31"]
        full = get_article(s, story.id)
        assert full is not None and [c.canonical_url[-1] for c in full.sightings] == ["5", "6"]


def test_a_deleted_articles_or_sightings_id_is_not_given_to_the_next_row(any_store):
    """A merged twin or a joined Telegram post deletes an ``articles`` row (its sightings go
    with it when it still has any); another process's near-duplicate index, or an analyst's
    note of ``a42``/``s17``, may still hold the id, so it must not come back as a different
    story or copy. PostgreSQL's sequences never reuse an id; SQLite's tables are
    ``AUTOINCREMENT`` since migration 0011 (an ``INTEGER PRIMARY KEY`` without it handed the
    largest id out again once its row was deleted)."""
    from storage.models import Sighting
    from storage.writes import SightingData, record_sighting

    def copy_of(story: Article, n: int) -> Sighting:
        url = f"https://www.irna.ir/news/{n}"
        return record_sighting(s, SightingData(story.id, url, url, "irna", "near", 0.9))

    with _bare(any_store) as s:
        _story(s, 1)
        newest = _story(s, 2)
        gone_copy = copy_of(newest, 2).id
        s.commit()
        gone = newest.id
        s.delete(newest)
        s.commit()
        assert s.get(Sighting, gone_copy) is None
        again = _story(s, 3)
        assert again.id > gone
        assert copy_of(again, 3).id > gone_copy


def test_days_are_utc_days_whatever_the_servers_time_zone(any_store):
    """``date()`` of a stored time (the web page's copies per day) is its UTC day on both
    backends, also on a PostgreSQL server whose ``TimeZone`` is Tehran's: PostgreSQL takes the
    day of a ``timestamptz`` in the session's zone, SQLite keeps UTC text."""
    from datetime import date

    from sqlalchemy import func

    if any_store.startswith("postgresql"):
        import psycopg

        name = any_store.rsplit("/", 1)[1]
        with psycopg.connect(any_store, autocommit=True) as conn:
            conn.execute(f"ALTER DATABASE \"{name}\" SET timezone = 'Asia/Tehran'")
    late_evening = datetime(2023, 12, 5, 22, 30, tzinfo=UTC)  # 6 December, 02:00 in Tehran
    with _bare(any_store) as s:
        _story(s, 1, published=late_evening)
        s.commit()
        day = s.scalar(select(func.date(Article.published)))
    assert str(day) == date(2023, 12, 5).isoformat()
    # The web page reads through its own read-only engine: the same day there.
    from monitor.web.app import readonly_engine

    engine = readonly_engine(any_store)
    with Session(engine) as s:
        assert str(s.scalar(select(func.date(Article.published)))) == "2023-12-05"
    engine.dispose()


def test_plain_row_readers_read_what_the_orm_reads(any_store):
    """``storage.rows`` (what the reading commands use, without the ORM) returns every field
    the mapped classes return, decoded the same way (aware UTC times, JSON lists), on both
    backends; its table handles name only columns the mapped tables have."""
    from dataclasses import fields

    from sqlalchemy.orm import selectinload

    from storage import rows
    from storage.models import Base, CrawlRun, Sighting
    from storage.writes import SightingData, record_sighting

    for handle in (rows.ARTICLES, rows.SIGHTINGS, rows.REVISIONS, rows.CRAWL_RUNS):
        mapped = Base.metadata.tables[handle.name]
        for col in handle.columns:
            assert col.name in mapped.columns, (handle.name, col.name)
            assert type(col.type).__name__ in (type(mapped.columns[col.name].type).__name__, "Text")

    with _bare(any_store) as s:
        story = _story(s, 1, fetched_at=TEHRAN_EVENING)
        _upsert(s, _article(canonical_url=story.canonical_url, body=story.body + " تکمیل شد."))
        for n in (6, 5):
            record_sighting(
                s,
                SightingData(
                    story.id, f"https://www.irna.ir/news/{n}", f"https://www.irna.ir/news/{n}",
                    "irna", "near", 0.9, title=f"رونوشت {n}", published=TEHRAN_EVENING,
                ),
            )  # fmt: skip
        s.add(CrawlRun(outlet="mehr", status="failed", failures=[{"url": "u", "reason": "۵۰۳"}]))
        s.commit()
        orm = s.scalar(
            select(Article)
            .where(Article.id == story.id)
            .options(selectinload(Article.sightings), selectinload(Article.revisions))
        )
        with s.get_bind().connect() as conn:
            (plain,) = rows.articles(conn, [story.id, 10_000], revisions=True)
            copy = rows.sighting(conn, orm.sightings[1].id)
            (run,) = rows.runs(conn, "mehr")
        for f in fields(rows.ArticleRow):
            if f.name not in ("sightings", "revisions"):
                assert getattr(plain, f.name) == getattr(orm, f.name), f.name
        assert plain.fetched_at.tzinfo is not None and plain.relevance_reasons == ["test"]
        assert [c.id for c in plain.sightings] == [c.id for c in orm.sightings]
        assert [r.body for r in plain.revisions] == [r.body for r in orm.revisions]
        assert copy is not None and copy.original is not None
        assert (copy.title, copy.original.id) == (orm.sightings[1].title, story.id)
        assert copy.published == TEHRAN_EVENING and isinstance(orm.sightings[1], Sighting)
        assert (run.status, run.failures) == ("failed", [{"url": "u", "reason": "۵۰۳"}])
        assert run.started_at.tzinfo is not None
