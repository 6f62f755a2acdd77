"""Values longer than their column are kept, cut with "…", on both backends (no DataError)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from storage.db import connect
from storage.models import Article


def _store_long_author(url: str) -> Article:
    with Session(connect(url)) as session:
        article = Article(
            canonical_url="https://www.mehrnews.com/news/1",
            url="https://www.mehrnews.com/news/1",
            outlet="mehr",
            title="t",
            body="b",
            author="نویسنده " * 100,
            cited_source="x" * 500,
        )
        session.add(article)
        session.commit()
        return session.get(Article, article.id)  # type: ignore[return-value]


def test_long_author_is_cut_on_sqlite(db_url: str):
    article = _store_long_author(db_url)
    assert len(article.author) == 300 and article.author.endswith("…")
    assert len(article.cited_source) == 200


@pytest.mark.postgres
def test_long_author_is_cut_on_postgresql(pg_url: str):
    article = _store_long_author(pg_url)
    assert len(article.author) == 300 and article.author.endswith("…")
