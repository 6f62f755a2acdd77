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
from storage.search import CopyFilter, count_stories, find_stories, load_stories
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


@pytest.fixture(params=["sqlite", "postgresql"])
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


def test_the_common_word_plan_gives_the_same_pages(db_url: str, monkeypatch):
    """SQLite walks the date index for a common word; the pages must not change."""
    import storage.search

    with Session(connect(db_url)) as s:
        for i in range(12):
            _store(s, f"خبر شماره {i} درباره تهران.", published=_when(2020 + i % 5, 1 + i, 1))
        s.commit()
        q = parse_query("تهران")
        pages = {}
        for common in (10**9, 1):
            monkeypatch.setattr(storage.search, "COMMON", common)
            pages[common] = [
                [h.story_id for h in find_stories(s, q, limit=5, offset=o)] for o in (0, 5, 10)
            ]
        assert pages[1] == pages[10**9]
        assert sum(len(p) for p in pages[1]) >= 12
