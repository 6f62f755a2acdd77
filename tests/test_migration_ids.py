"""Migration 0011: SQLite's ``articles`` and ``sightings`` rebuilt with ``AUTOINCREMENT``.

A store is brought to revision 0010 (the schema before), filled through the real writers, its
newest article deleted, then upgraded the way every command upgrades (``storage.db.migrate``):
every row and id is kept, search finds what it found, the foreign keys still hold, and the
deleted ids are not handed out again.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session
from sqlalchemy.schema import CreateTable

from monitor.searchquery import parse_query
from storage import db
from storage.models import Article, Base, Revision, Sighting
from storage.search import CopyFilter, find_stories
from tests.storing import article_data, record_sighting, upsert_article

TEXTS = [
    "قرارداد ساخت راه‌آهن رشت آستارا با مشارکت روسیه نهایی شد.",
    "وزیران خارجه دو کشور در مسکو درباره راه‌آهن گفت‌وگو کردند.",
    "شیوع ویروس آنفلوانزا در مدارس تهران کاهش یافت.",
    "هیئت روس برای مذاکره درباره راه‌آهن به تهران آمد.",
]
QUERIES = ["راه‌آهن", "تهران", "مسکو گفتگو", "ویروس", "بندر انزلی", "راه‌آهن -ویروس"]


def _mehr_story(s: Session, n: int, title: str, body: str, **over: Any) -> tuple[Any, str]:
    """A Mehr article numbered ``n`` (the new rows these tests number)."""
    url = f"https://www.mehrnews.com/news/{n}"
    data = article_data(
        canonical_url=url, url=url, outlet="mehr", title=title, body=body, relevance=0.9, **over
    )
    return upsert_article(s, data)


def _at_0010(path: Path) -> Engine:
    """A new store migrated to 0010 the way ``storage.db.migrate`` migrates (one transaction)."""
    engine = db.make_engine(f"sqlite:///{path}")
    runner = db._transactional_ddl(engine)
    cfg = db._alembic_config()
    with runner.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0010")
    runner.dispose()
    assert db.current_revision(engine) == "0010"
    return engine


def _fill(engine: Engine) -> tuple[int, int]:
    """Four stories, copies of two, a revision; the newest story (with its copy) deleted.
    Returns the deleted article's and sighting's ids."""
    with Session(engine) as s:
        ids = []
        for n, body in enumerate(TEXTS, 1):
            title = body.split(" ", 3)[-1]
            when = datetime(2024, 5, n, 12, tzinfo=UTC)
            article, _ = _mehr_story(s, n, title, body, published=when)
            ids.append(article.id)
        copies = [
            record_sighting(
                s,
                original_id=ids[i],
                canonical_url=f"https://www.irna.ir/news/{i}",
                url=f"https://www.irna.ir/news/{i}",
                outlet="irna",
                kind="near",
                score=0.9,
                body=f"{TEXTS[i]} بندر انزلی",
                published=datetime(2024, 6, 1, tzinfo=UTC),
            ).id
            for i in (0, 3)
        ]
        s.add(Revision(article_id=ids[1], title="پیشین", body="متن پیشین"))
        s.commit()
        s.delete(s.get(Article, ids[3]))  # a merged twin: the newest row, with its copy
        s.commit()
        assert s.get(Sighting, copies[1]) is None
        return ids[3], copies[1]


def _rows(engine: Engine) -> dict[str, list[Any]]:
    tables = ("articles", "sightings", "fingerprints", "revisions", "fingerprint_changes")
    with engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT * FROM {t} ORDER BY 1")).all() for t in tables}


def _found(engine: Engine) -> dict[tuple[str, str], list[int]]:
    with Session(engine) as s:
        return {
            (q, sort): [h.story_id for h in find_stories(s, parse_query(q), sort=sort)]
            for q in QUERIES
            for sort in ("date", "relevance")
        } | {
            ("in may", "date"): [
                h.story_id
                for h in find_stories(
                    s,
                    parse_query("راه‌آهن"),
                    CopyFilter(since=datetime(2024, 5, 2, tzinfo=UTC)),
                )
            ]
        }


def _table_sql(conn: Any, table: str) -> str:
    return str(
        conn.execute(
            text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :t"), {"t": table}
        ).scalar_one()
    )


def test_a_0010_store_keeps_its_rows_ids_and_search_and_never_reuses_a_deleted_id(
    tmp_path: Path,
) -> None:
    engine = _at_0010(tmp_path / "old.db")
    gone, gone_copy = _fill(engine)
    rows, found = _rows(engine), _found(engine)
    assert found[("راه‌آهن", "date")] == [2, 1] and found[("بندر انزلی", "date")] == [1]
    with engine.connect() as conn:
        assert "AUTOINCREMENT" not in _table_sql(conn, "articles")

    db.migrate(engine)

    assert db.current_revision(engine) == db.head_revision()
    assert _rows(engine) == rows  # every row, id, fingerprint and revision as it was
    assert _found(engine) == found
    with engine.connect() as conn:
        for table in ("articles", "sightings"):
            assert "AUTOINCREMENT" in _table_sql(conn, table)
        assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
        assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        for fts in ("articles_fts", "sightings_fts"):  # index and content agree
            conn.execute(text(f"INSERT INTO {fts}({fts}) VALUES('integrity-check')"))
        triggers = {
            r[0] for r in conn.execute(text("SELECT name FROM sqlite_master WHERE type='trigger'"))
        }
        assert {f"{t}_{s}" for t in ("articles_fts", "sightings_fts", "articles_date_fts")
                for s in ("ai", "ad", "au")} <= triggers  # fmt: skip
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1  # on for everyone else

    with Session(engine) as s:
        article, _ = _mehr_story(
            s,
            9,
            "تازه",
            "خبر تازه درباره بندر انزلی و راه‌آهن.",
            published=datetime(2024, 7, 1, tzinfo=UTC),
        )
        copy = record_sighting(
            s,
            original_id=article.id,
            canonical_url="https://www.irna.ir/news/9",
            url="https://www.irna.ir/news/9",
            outlet="irna",
            kind="near",
            score=0.9,
        )
        s.commit()
        assert article.id > gone and copy.id > gone_copy
        # The new rows are kept in step by the recreated triggers: found by search.
        assert [h.story_id for h in find_stories(s, parse_query("بندر انزلی"))] == [article.id, 1]
        # And from now on SQLite itself never hands the newest id out again.
        newest = article.id
        s.delete(article)
        s.commit()
        again, _ = _mehr_story(s, 10, "دیگر", "خبری دیگر.")
        s.commit()
        assert again.id == newest + 1


def test_an_empty_0010_store_upgrades_and_numbers_from_one(tmp_path: Path) -> None:
    engine = _at_0010(tmp_path / "empty.db")
    db.migrate(engine)
    with Session(engine) as s:
        article, _ = _mehr_story(s, 1, "نخست", "نخستین خبر.")
        s.commit()
        assert article.id == 1


def test_the_rebuild_refuses_to_run_with_foreign_keys_on(tmp_path: Path) -> None:
    """With foreign keys on, dropping the old ``articles`` would first delete every
    fingerprint, sighting and revision by ``ON DELETE CASCADE``: the migration stops instead,
    and the failed upgrade leaves the store as it was."""
    path = tmp_path / "old.db"
    engine = _at_0010(path)
    _fill(engine)
    rows = _rows(engine)
    cfg = db._alembic_config()
    # The ordinary engine: foreign keys on.
    with pytest.raises(RuntimeError, match="foreign keys off"), engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0011")
    assert db.current_revision(engine) == "0010"
    assert _rows(engine) == rows


def test_new_and_migrated_stores_agree_with_the_models_on_autoincrement(tmp_path: Path) -> None:
    """Which tables never reuse an id is the same in the models (``sqlite_autoincrement``) and
    in a store the migrations made."""
    engine = db.connect(f"sqlite:///{tmp_path / 'new.db'}")
    dialect = create_engine("sqlite://").dialect
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            model = str(CreateTable(table).compile(dialect=dialect))
            assert ("AUTOINCREMENT" in model) == ("AUTOINCREMENT" in _table_sql(conn, table.name))
            assert ("AUTOINCREMENT" in model) == (table.name in ("articles", "sightings"))
    db._READY.pop(f"sqlite:///{tmp_path / 'new.db'}").dispose()
    # The file itself, read without SQLAlchemy: the sequence table exists and is empty.
    with sqlite3.connect(tmp_path / "new.db") as plain:
        assert plain.execute("SELECT count(*) FROM sqlite_sequence").fetchone() == (0,)
