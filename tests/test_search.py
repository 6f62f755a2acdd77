"""Full-text search on both backends: spelling variants, whole words, phrases, stories and dates.

The articles are written by this project for the test and stored through the real writer
(``upsert_article``, ``record_sighting``), so the search text and the FTS5 triggers or the
PostgreSQL generated column are the ones a crawl produces.
"""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import count

import pytest
from sqlalchemy.orm import Session

from monitor.searchquery import QueryError, parse_query
from monitor.store import open_store as connect
from storage.search import SORTS, CopyFilter, count_stories, find_stories, load_stories
from tests.storing import article_data, record_sighting, upsert_article

_N = count(1)
NO_FILTER = CopyFilter()

# Each group: the stories that must come back for every one of the spellings.
STORIES = {
    "rail": [
        "قرارداد ساخت راه‌آهن رشت آستارا با مشارکت روسیه نهایی شد.",
        "مسیر راه آهن شمال جنوب با سرمایه روسی تکمیل می‌شود.",
        "هیئتی برای بازدید از پروژه راهآهن به گیلان رفت.",
    ],
    "coop": [
        "همکاری‌ها در حوزه انرژی گسترش یافت.",
        "وزیران درباره همکاری ها در بخش کشاورزی رایزنی کردند.",
        "سند همکاریها در زمینه حمل و نقل امضا شد.",
    ],
    "talks": [
        "وزیران خارجه دو کشور در مسکو گفت‌وگو کردند.",
        "گفتگوی تلفنی سفیران درباره ترانزیت انجام شد.",
        "دو طرف برای گفت و گو درباره ترانزیت آماده‌اند.",
    ],
    "virus": ["شیوع ویروس آنفلوانزا در مدارس تهران کاهش یافت."],
    "russians": ["هیئت روس برای مذاکره به تهران آمد."],
    "program": ["برنامه سفر هیئت اقتصادی اعلام شد."],
}
VARIANTS = {
    "rail": ["راه‌آهن", "راه آهن", "راهآهن", "راه‌آهنی"[:-1]],
    "coop": ["همکاری‌ها", "همکاری ها", "همکاریها", "همکاری"],
    "talks": ["گفت‌وگو", "گفتگو", "گفت و گو"],
}


def _when(y: int, m: int, d: int, h: int = 12) -> datetime:
    return datetime(y, m, d, h, tzinfo=UTC)


def _store(session: Session, body: str, *, outlet: str = "mehr", published=None) -> int:
    n = next(_N)
    article, _ = upsert_article(
        session,
        article_data(
            canonical_url=f"https://example.test/news/{n}",
            url=f"https://example.test/news/{n}",
            outlet=outlet,
            title=body.split(".")[0],
            body=body,
            published=published or _when(2024, 5, 1),
            relevance=0.9,
        ),
    )
    return article.id


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest):
    url = request.getfixturevalue("db_url" if request.param == "sqlite" else "pg_url")
    with Session(connect(url)) as session:
        ids = {k: [_store(session, body) for body in bodies] for k, bodies in STORIES.items()}
        session.commit()
        yield session, ids


def _found(session: Session, text: str, filters: CopyFilter = NO_FILTER, **kw) -> set[int]:
    """The stories found, without the seed articles (ids 1–5) every store starts with."""
    hits = find_stories(session, parse_query(text), filters, limit=1000, **kw)
    return {h.story_id for h in hits} - set(range(1, 6))


def test_every_spelling_of_a_compound_or_plural_finds_the_same_stories(store):
    session, ids = store
    for group, spellings in VARIANTS.items():
        for spelling in spellings:
            assert _found(session, spelling) == set(ids[group]), (group, spelling)
        # Seeds included, every spelling still gives one and the same set.
        sets = {
            frozenset(h.story_id for h in find_stories(session, parse_query(s), limit=1000))
            for s in spellings
        }
        assert len(sets) == 1, group


def test_words_match_whole_never_inside_another_word(store):
    session, ids = store
    assert _found(session, "روس") == set(ids["russians"])  # not ویروس
    assert _found(session, "ویروس") == set(ids["virus"])
    assert _found(session, "نامه") == set()  # not برنامه
    assert _found(session, "ر") == set()


def test_letters_digits_and_diacritics_are_folded(store):
    session, ids = store
    assert _found(session, "ويروس") == set(ids["virus"])  # Arabic yeh
    assert _found(session, "ویـروس") == set(ids["virus"])  # tatweel
    assert _found(session, "وِیروس") == set(ids["virus"])  # kasra


def test_phrases_exclusion_and_or(store):
    session, ids = store
    assert _found(session, '"وزیران خارجه"') == {ids["talks"][0]}
    assert _found(session, '"خارجه وزیران"') == set()
    assert _found(session, "ترانزیت -تلفنی") == {ids["talks"][2]}
    assert _found(session, "ویروس OR روس") == set(ids["virus"] + ids["russians"])
    with pytest.raises(QueryError):
        parse_query("-ویروس")


def test_a_story_is_found_through_a_copy_its_text_and_its_date(store):
    session, _ids = store
    original = _store(session, "نشست کمیسیون مشترک اقتصادی برگزار شد.", published=_when(2023, 1, 1))
    # A republication ten months later adds a sentence of its own.
    record_sighting(
        session,
        original_id=original,
        canonical_url="https://isna.test/1",
        url="https://isna.test/1",
        outlet="isna",
        kind="near",
        score=0.8,
        title="کمیسیون مشترک",
        published=_when(2023, 12, 5, 14),
        body="نشست کمیسیون مشترک اقتصادی برگزار شد. دبیرخانه دائمی در آستاراخان گشایش یافت.",
    )
    session.commit()
    assert _found(session, "آستاراخان") == {original}  # only the copy's text has it
    december = CopyFilter(since=_when(2023, 11, 22, 0), until=_when(2023, 12, 22, 0))
    assert _found(session, "کمیسیون", december) == {original}
    # Without words: the same range also finds seed 002 (article 3), by the date its text
    # states ("سه شنبه 14 آذر 1402 - 18:23").
    assert {h.story_id for h in find_stories(session, None, december)} == {3, original}
    # Outlet and date are tested on the same copy: Mehr's copy is from January.
    assert _found(session, "کمیسیون", CopyFilter(outlets=("isna",))) == {original}
    mehr_in_december = CopyFilter(outlets=("mehr",), since=december.since, until=december.until)
    assert _found(session, "کمیسیون", mehr_in_december) == set()
    (story,) = load_stories(session, [original])
    assert len(story.sightings) == 1


def test_ranking_dates_and_paging(store):
    session, _ids = store
    early = _store(session, "سفر سفیر به اصفهان.", published=_when(2020, 1, 1))
    late = _store(
        session, "سفر سفیر به اصفهان و سفر دوباره سفیر به شیراز.", published=_when(2021, 1, 1)
    )
    session.commit()
    by_date = find_stories(session, parse_query("سفیر اصفهان"), sort="date")
    assert [h.story_id for h in by_date] == [late, early]
    by_rank = find_stories(session, parse_query("سفیر"), sort="relevance")
    assert by_rank[0].story_id == late and by_rank[0].score is not None
    assert by_rank[0].score >= by_rank[-1].score
    everything = find_stories(session, None, limit=1000)
    assert count_stories(session, None) == len(everything)
    page = find_stories(session, None, limit=3, offset=3)
    assert [h.story_id for h in page] == [h.story_id for h in everything[3:6]]


def test_the_sqlite_store_reads_well_in_datasette_and_sqlite_utils(db_url: str):
    """The FTS table is the one Datasette's search box picks (its detection query, verbatim
    in spirit), searching it the way Datasette does finds the story, JSON is readable UTF-8."""
    import sqlite3

    with Session(connect(db_url)) as s:
        aid = _store(s, "نشست کمیسیون مشترک در مسکو.")
        upsert_article(
            s,
            article_data(
                canonical_url="https://example.test/tags",
                url="https://example.test/tags",
                outlet="irna",
                title="برچسب",
                body="متن",
                tags=["روسیه"],
            ),
        )
        s.commit()
    conn = sqlite3.connect(db_url.removeprefix("sqlite:///"))
    fts = conn.execute(
        "SELECT name FROM sqlite_master WHERE rootpage = 0 AND "
        "sql LIKE '%VIRTUAL TABLE%USING FTS%content=\"articles\"%'"
    ).fetchall()
    assert fts == [("articles_fts",)]
    found = conn.execute(
        "SELECT id FROM articles WHERE rowid IN "
        "(SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)",
        ("کمیسیون",),
    ).fetchall()
    assert (aid,) in found
    raw = conn.execute("SELECT tags FROM articles WHERE url = 'https://example.test/tags'")
    assert raw.fetchone() == ('["روسیه"]',)


def _pages(session: Session, q, filters: CopyFilter, size: int = 5) -> list[list[int]]:
    return [
        [h.story_id for h in find_stories(session, q, filters, limit=size, offset=o)]
        for o in range(0, 30, size)
    ]


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_the_early_stopping_walks_give_the_same_pages_as_the_plain_plan(
    backend: str, request: pytest.FixtureRequest, monkeypatch
):
    """SQLite reads the date-keyed FTS5 index newest first and stops after a page; PostgreSQL
    with filters reads the newest rows in range first. The pages must equal the plain plan's
    (read every match, sort), also for copies within one second (SQLite's key counts whole
    seconds) and for stories found through a sighting."""
    import storage.search

    url = request.getfixturevalue("db_url" if backend == "sqlite" else "pg_url")
    with Session(connect(url)) as s:
        for i in range(12):
            _store(s, f"خبر شماره {i} درباره تهران.", published=_when(2020 + i % 5, 1 + i, 1))
        # Four stories in one second, the later microsecond on the lower id.
        second = _when(2019, 6, 1)
        tied = [
            _store(s, "خبر هم‌زمان درباره تهران.", published=second.replace(microsecond=us))
            for us in (900, 700, 500, 100)
        ]
        old = _store(s, "گزارش قدیمی بدون آن واژه.", published=_when(2018, 3, 3))
        record_sighting(
            s,
            original_id=old,
            canonical_url="https://isna.test/tehran",
            url="https://isna.test/tehran",
            outlet="isna",
            kind="near",
            score=0.8,
            title="بازنشر",
            published=_when(2021, 7, 7),
            body="گزارش قدیمی با افزوده‌ای درباره تهران.",
        )
        s.commit()
        q = parse_query("تهران")
        filters = [
            NO_FILTER,
            CopyFilter(since=_when(2019, 1, 1), until=_when(2022, 1, 1)),
            CopyFilter(outlets=("isna",)),
            CopyFilter(outlets=("mehr",), since=_when(2019, 6, 1), until=_when(2019, 6, 2)),
        ]
        for f in filters:
            for size in (1, 2, 3, 5):  # page ends falling inside the four tied stories
                monkeypatch.setattr(storage.search, "EARLY_STOP", False)
                plain = _pages(s, q, f, size)
                monkeypatch.setattr(storage.search, "EARLY_STOP", True)
                assert _pages(s, q, f, size) == plain, (f, size)
        for size in (1, 2, 3, 5):
            listed = [sid for page in _pages(s, q, NO_FILTER, size) for sid in page]
            mine = [sid for sid in listed if sid > 5]  # without the seeds
            assert len(mine) == len(set(mine)) == 17
            # the sighting of 2021 found the story; it sorts by the original's date (last)
            assert mine[-1] == old
            assert [sid for sid in mine if sid in tied] == tied  # by microsecond, not id


@pytest.mark.postgres
def test_postgresql_date_windows_give_the_same_pages_as_the_plain_plan(pg_url: str, monkeypatch):
    """A pair rarer than the walk's budget is found through the text index one date window at
    a time (``_pg_own``): with a one-row budget and windows half the estimate, every page
    needs several windows, the last without a lower bound. The pages must equal the plain
    plan's, with filters, for both orders, and when a window ends inside a second shared by
    several matches."""
    import storage.search

    with Session(connect(pg_url)) as s:
        for i in range(60):
            # every third article matches; three share one second (microseconds apart)
            body = "سفیر در بندر دیدار کرد." if i % 3 == 0 else "گزارش دیگری از بازار."
            when = _when(2015 + i % 9, 1 + i % 12, 1 + i % 27)
            if i in (3, 6, 9):
                when = _when(2019, 6, 1).replace(microsecond=100 * i)
            _store(s, body, outlet=("mehr", "isna", "irna")[i % 3 // 2], published=when)
        s.commit()
        q = parse_query("سفیر بندر")
        filters = [
            NO_FILTER,
            CopyFilter(outlets=("mehr",)),
            CopyFilter(since=_when(2016, 1, 1), until=_when(2021, 1, 1)),
            CopyFilter(outlets=("mehr",), since=_when(2019, 1, 1)),
        ]
        monkeypatch.setattr(storage.search, "WALK_FACTOR", 1)
        monkeypatch.setattr(storage.search, "WINDOW_MARGIN", 0.5)
        monkeypatch.setattr(storage.search, "RANK_WINDOW", 3)
        for f in filters:
            for size in (1, 2, 4, 7):
                monkeypatch.setattr(storage.search, "EARLY_STOP", False)
                plain = _pages(s, q, f, size)
                ranked = find_stories(s, q, f, sort="relevance", limit=size)
                monkeypatch.setattr(storage.search, "EARLY_STOP", True)
                assert _pages(s, q, f, size) == plain, (f, size)
                assert find_stories(s, q, f, sort="relevance", limit=size) == ranked, (f, size)
        everything = [sid for page in _pages(s, q, NO_FILTER, 5) for sid in page]
        assert len(everything) == 20


def test_relevance_ranks_the_newest_window_and_a_wide_window_ranks_all(store, monkeypatch):
    """Ranking reads only the newest RANK_WINDOW matches; with a window wider than the matches
    it is the full ranking (best first, whatever the date)."""
    import storage.search

    session, _ids = store
    best = _store(session, "سفیر و سفیر و سفیر و سفیر در بندر.", published=_when(2015, 1, 1))
    rest = [
        _store(session, f"سفیر در بندر شماره {i} دیدار کرد.", published=_when(2024, 1, 1 + i))
        for i in range(8)
    ]
    session.commit()
    q = parse_query("سفیر بندر")
    full = find_stories(session, q, sort="relevance", limit=50)
    assert full[0].story_id == best
    assert {h.story_id for h in full} == {best, *rest}
    assert [h.score for h in full] == sorted((h.score for h in full), reverse=True)
    monkeypatch.setattr(storage.search, "RANK_WINDOW", 3)
    window = find_stories(session, q, sort="relevance", limit=3)
    assert {h.story_id for h in window} == set(rest[-3:])  # the three newest
    # A page beyond the window widens it to the page's end: the same ranking as the full one.
    deep = find_stories(session, q, sort="relevance", limit=3, offset=6)
    assert [h.story_id for h in deep] == [h.story_id for h in full[6:9]]


def test_a_filter_matching_only_old_stories_still_finds_them(store):
    """The newest matches are all outside the range; the walk goes on (or seeks) to the old
    ones, for both orders."""
    session, _ids = store
    old = [
        _store(
            session, f"گزارش بندر و سفیر شماره {i}.", outlet="irna", published=_when(2010, 2, i + 1)
        )
        for i in range(2)
    ]
    for i in range(30):
        _store(session, f"گزارش بندر و سفیر تازه {i}.", published=_when(2024, 2, 1 + i % 28))
    session.commit()
    q = parse_query("بندر سفیر")
    in_2010 = CopyFilter(since=_when(2010, 1, 1), until=_when(2011, 1, 1))
    irna = CopyFilter(outlets=("irna",))
    for f in (in_2010, irna):
        for sort in SORTS:
            assert _found(session, "بندر سفیر", f, sort=sort) == set(old), (f, sort)
    by_date = find_stories(session, q, in_2010, sort="date")
    assert [h.story_id for h in by_date] == old[::-1]


def test_the_query_help_states_the_rank_window():
    """The CLI states the window in its help without importing storage (cold start)."""
    from monitor.cli.reading import SortOpt
    from storage.search import RANK_WINDOW

    assert f"newest {RANK_WINDOW} matches" in SortOpt.__metadata__[0].help


def test_a_store_of_0006_is_upgraded_and_the_date_index_follows_date_changes(tmp_path, monkeypatch):
    """Migration 0007 indexes the articles already stored; its triggers move an article in the
    date-keyed index when its date changes, so newest first stays the plain plan's order."""
    from alembic import command
    from sqlalchemy import text

    import storage.search
    from storage.db import _alembic_config, migrate

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = connect(url)
    with Session(engine) as s:
        a = _store(s, "دیدار سفیر در بندر انزلی.", published=_when(2021, 1, 1))
        b = _store(s, "سفیر در بندر انزلی ماند.", published=_when(2022, 1, 1))
        s.commit()
    cfg = _alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0006")
        assert "articles_date_fts" not in {
            r[0] for r in conn.execute(text("SELECT name FROM sqlite_master"))
        }
        # Written under 0006: no date-keyed index to keep in step.
        conn.execute(
            text("UPDATE articles SET published = '2023-01-01 00:00:00.000000' WHERE id = :a"),
            {"a": a},
        )
    migrate(engine)
    q = parse_query("سفیر انزلی")
    with Session(engine) as s:
        assert [h.story_id for h in find_stories(s, q)] == [a, b]
        s.execute(
            text("UPDATE articles SET published = '2020-01-01 00:00:00.000000' WHERE id = :a"),
            {"a": a},
        )
        s.commit()
        assert [h.story_id for h in find_stories(s, q)] == [b, a]
        monkeypatch.setattr(storage.search, "EARLY_STOP", False)
        assert [h.story_id for h in find_stories(s, q)] == [b, a]


@pytest.mark.postgres
def test_postgresql_keeps_the_search_vector_in_the_row(pg_url: str):
    """Migration 0010: every ``@@`` test and ``ts_rank`` reads a row's tsvector; stored MAIN
    it stays (compressed) in the row instead of going out of line to TOAST. Found through
    search as before: a long article whose row must be toasted still matches."""
    from sqlalchemy import text

    engine = connect(pg_url)
    with engine.connect() as conn:
        storage = dict(
            conn.execute(
                text(
                    "SELECT attrelid::regclass::text, attstorage FROM pg_attribute "
                    "WHERE attname = 'search_vector' AND attrelid IN "
                    "('articles'::regclass, 'sightings'::regclass)"
                )
            ).all()
        )
    assert storage == {"articles": "m", "sightings": "m"}
    with Session(engine) as s:
        words = " ".join(f"واژه{i}" for i in range(600))
        long_id = _store(s, f"گزارش بلند درباره بندر. {words}.")
        s.commit()
        assert _found(s, "بندر واژه599") == {long_id}


# Ranked search on SQLite: BM25 from cached document counts (storage.bm25, migration 0012).
_WORDS = [
    "ایران", "روسیه", "سفیر", "بندر", "گاز", "نفت", "مسکو", "تهران", "دیدار", "قرارداد",
    "تحریم", "همکاری",
]  # fmt: skip


def _fts5_ranking(session: Session, text_query: str) -> list[tuple[int, float]]:
    """FTS5's own ``bm25()`` over every match, best first (the ranking's tie order)."""
    from sqlalchemy import text

    from storage.search import fts5_match

    rows = session.execute(
        text("SELECT rowid, -bm25(articles_fts) FROM articles_fts WHERE articles_fts MATCH :m"),
        {"m": fts5_match(parse_query(text_query))},
    ).all()
    return sorted(((int(i), float(s)) for i, s in rows), key=lambda r: (-r[1], -r[0]))


def _same(got: list[tuple[int, float]], expected: list[tuple[int, float]]) -> bool:
    """The same stories in the same order with the same scores (to rounding)."""
    return (
        len(got) == len(expected) > 0
        and [i for i, _ in got] == [i for i, _ in expected]
        and [s for _, s in got] == pytest.approx([s for _, s in expected], rel=1e-12)
    )


def _ranked(session: Session, text_query: str, spy: list[bool]) -> list[tuple[int, float]]:
    spy.clear()
    hits = find_stories(session, parse_query(text_query), sort="relevance", limit=1000)
    return [(h.story_id, h.score or 0.0) for h in hits]


@pytest.fixture
def ranked_store(db_url: str, monkeypatch):
    """60 articles of 4–40 words drawn from a dozen, some in most articles (IDF at its floor),
    some in a few; the fast path's use recorded in ``spy`` (True: cached counts, False:
    ``bm25()``)."""
    import random

    import storage.search
    from storage import bm25

    rng = random.Random(14)
    weights = [30, 25, 8, 6, 4, 4, 3, 3, 2, 2, 1, 1]
    with Session(connect(db_url)) as s:
        for i in range(60):
            words = rng.choices(_WORDS, weights, k=rng.randint(4, 40))
            body = " ".join(words[:3]) + ". " + " ".join(words[3:]) + "."
            _store(s, body, published=_when(2020 + i % 5, 1 + i % 12, 1 + i % 28, i % 24))
        s.commit()
        spy: list[bool] = []
        real = bm25.window_scores

        def recorded(*args, **kw):  # type: ignore[no-untyped-def]
            out = real(*args, **kw)
            spy.append(out is not None)
            return out

        monkeypatch.setattr(bm25, "window_scores", recorded)
        monkeypatch.setattr(storage.search, "RANK_WINDOW", 1000)
        yield s, spy


RANKED_QUERIES = [
    "ایران", "سفیر", "قرارداد", "ایران روسیه", "سفیر بندر گاز", "گاز OR نفت",
    "تحریم OR همکاری OR ایران", "روسیه -تحریم", '"دیدار سفیر"', '"ایران روسیه" مسکو',
]  # fmt: skip


@pytest.mark.parametrize("min_docs", [1, 1000])
@pytest.mark.parametrize("early_stop", [True, False])
def test_bm25_from_cached_counts_ranks_as_fts5(ranked_store, monkeypatch, min_docs, early_stop):
    """With the counts current, the ranking and its scores are FTS5's ``bm25()``: every word
    cached (``min_docs`` 1) or none (1000: each counted in the index), single words, several,
    OR, exclusion and phrases, through either index."""
    import storage.search
    from storage import bm25

    session, spy = ranked_store
    monkeypatch.setattr(storage.search, "EARLY_STOP", early_stop)
    cached = bm25.refresh_term_docs(session, min_docs)
    assert cached > len(_WORDS) if min_docs == 1 else cached == 0  # the seeds add words
    session.commit()
    assert bm25.is_current(session)
    for q in RANKED_QUERIES:
        expected = _fts5_ranking(session, q)
        got = _ranked(session, q, spy)
        assert spy == [True], q
        assert _same(got, expected), q


def test_stale_or_unusable_counts_fall_back_to_fts5_bm25(ranked_store):
    """The cached counts are read (a wrong one changes the scores); once the store has grown
    by more than STALE_FRACTION, after a search-text rewrite, or when a row's text does not
    split into the tokens FTS5 counted, the ranking is ``bm25()``'s; a refresh brings the
    counts back."""
    from sqlalchemy import text

    from monitor.searchtext import search_document
    from storage import bm25
    from storage.search import rewrite_search_text

    session, spy = ranked_store
    bm25.refresh_term_docs(session, 1)
    session.commit()
    q = "قرارداد OR تحریم"
    assert _same(_ranked(session, q, spy), _fts5_ranking(session, q))
    session.execute(text("UPDATE search_term_docs SET docs = 2 WHERE term = 'تحریم'"))
    assert not _same(_ranked(session, q, spy), _fts5_ranking(session, q))
    assert spy == [True]
    # Grown by more than STALE_FRACTION (3 %) of the 65 rows counted: the counts are stale.
    assert not bm25.refresh_if_stale(session)  # current: nothing to do
    for i in range(3):
        _store(session, f"قرارداد تازه شماره {i}.", published=_when(2025, 1, 1 + i))
    session.commit()
    assert not bm25.is_current(session)
    assert _same(_ranked(session, q, spy), _fts5_ranking(session, q))
    assert spy == [False]
    assert bm25.refresh_if_stale(session)
    session.commit()
    assert bm25.is_current(session)
    assert _same(_ranked(session, q, spy), _fts5_ranking(session, q))
    assert spy == [True]
    # A text FTS5 splits otherwise (the underscore separates words for its tokenizer).
    newest = max(i for i, _ in _fts5_ranking(session, q))
    session.execute(
        text("UPDATE articles SET search_text = search_text || ' گاز_نفت' WHERE id = :i"),
        {"i": newest},
    )
    assert _same(_ranked(session, q, spy), _fts5_ranking(session, q))
    assert spy == [False]
    # Rewriting the search text forgets the counts (a new normalizer changes the words).
    assert rewrite_search_text(session, search_document) > 0
    session.commit()
    assert not bm25.is_current(session)
    assert _same(_ranked(session, q, spy), _fts5_ranking(session, q))
    assert spy == [False]
