"""Stories written straight into a test store (synthetic Persian text written for the tests)."""

from __future__ import annotations

import itertools
from datetime import datetime

from sqlalchemy.orm import Session

from monitor.searchtext import search_document
from storage.models import Article, Sighting
from storage.types import utcnow

_N = itertools.count(1)


def add_story(
    session: Session,
    title: str,
    body: str,
    *,
    outlet: str | None = "mehr",
    fetched: datetime | None = None,
    published: datetime | None = None,
    relevance: float = 0.8,
    lead: str | None = None,
) -> Article:
    n = next(_N)
    url = f"https://www.mehrnews.com/news/{900000 + n}/test"
    article = Article(
        canonical_url=url,
        url=url,
        outlet=outlet,
        title=title,
        lead=lead,
        body=body,
        published=published,
        fetched_at=fetched or utcnow(),
        relevance=relevance,
        relevance_reasons=["ایران و روسیه در یک جمله"],
        search_text=search_document(title, lead, body),
    )
    session.add(article)
    session.flush()
    return article


def add_copy(
    session: Session, story: Article, outlet: str, *, seen: datetime | None = None
) -> Sighting:
    n = next(_N)
    url = f"https://www.irna.ir/news/{800000 + n}/copy"
    row = Sighting(
        article_id=story.id,
        canonical_url=url,
        url=url,
        outlet=outlet,
        title=story.title,
        kind="near",
        score=0.9,
        body=story.body,
        seen_at=seen or utcnow(),
        search_text=search_document(story.title, story.body),
    )
    session.add(row)
    session.flush()
    session.refresh(story)
    return row
