"""Seed rows: ordinary ``articles`` with ``seed_file`` set, so every duplicate verdict points
at an article id. What a seed's title or fingerprint is, the caller decides."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from storage.rows import ARTICLES

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from storage.models import Article
    from storage.rows import Reader
    from storage.writes import FingerprintBlob


def stored_seed_files(session: Reader) -> set[str]:
    a = ARTICLES.c
    return {
        name
        for name in session.execute(select(a.seed_file).where(a.seed_file.is_not(None))).scalars()
        if name
    }


def unexamined_seed_files(session: Reader, names: Collection[str]) -> set[str]:
    """Which of the stored seeds ``names`` were stored before seeds had dates (no
    ``date_source`` at all).

    One lookup per name (``seed_file = :name``, the unique index): asked as one query ("any
    seed with no date source", or ``seed_file IN (…)``), SQLite scans the whole table once its
    statistics exist (``ANALYZE`` counts the millions of non-seed rows, all NULL, as one value):
    171 ms at 1,000,000 articles, at every start of every command that opens the store.
    """
    a = ARTICLES.c
    unexamined = set()
    for name in sorted(names):
        row = session.execute(select(a.date_source).where(a.seed_file == name)).first()
        if row is not None and row.date_source is None:
            unexamined.add(name)
    return unexamined


def date_seed(
    session: Session, seed_file: str, *, title: str, published: datetime | None, date_source: str
) -> None:
    """Give a stored seed the title and date its text states."""
    from storage.models import Article

    article = session.scalar(select(Article).where(Article.seed_file == seed_file))
    if article is not None:
        article.title, article.published, article.date_source = title, published, date_source


def insert_seed(
    session: Session,
    *,
    seed_file: str,
    outlet: str | None,
    title: str,
    body: str,
    search_text: str,
    fp: FingerprintBlob,
    published: datetime | None = None,
    date_source: str | None = None,
) -> Article:
    from storage.models import Article
    from storage.writes import save_fingerprint

    article = Article(
        canonical_url=f"seed:{seed_file}",
        url=f"seed:{seed_file}",
        outlet=outlet,
        seed_file=seed_file,
        title=title,
        body=body,
        search_text=search_text,
        published=published,
        date_source=date_source,
        relevance=1.0,
        relevance_reasons=["seed article"],
    )
    session.add(article)
    session.flush()
    save_fingerprint(session, article, fp)
    return article
