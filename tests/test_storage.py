"""The store on a real SQLite file and on the local PostgreSQL server."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

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


def test_sqlite_file_is_created_migrated_seeded_and_in_wal_mode(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    _exercise(url)
    with connect(url).connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"


@pytest.mark.postgres
def test_postgresql_works_the_same(pg_url):
    _exercise(pg_url)


def test_a_sqlite_file_in_a_missing_folder_is_an_error(tmp_path):
    # A mistyped --db must not silently become a new, empty store.
    with pytest.raises(StoreError, match="does not exist"):
        connect(f"sqlite:///{tmp_path / 'no' / 'such' / 'x.db'}")
    assert not (tmp_path / "no").exists()


def test_a_bad_url_is_one_clear_error():
    with pytest.raises(StoreError, match="not a database URL"):
        connect("not a url at all")


def test_fingerprints_of_another_normalizer_version_are_remade_on_load(tmp_path):
    """A hazm upgrade or a rule change re-fingerprints the store instead of missing silently."""
    from sqlalchemy import update

    from monitor.dedup.persist import load_index

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = connect(url)
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
