"""Idempotent writes keyed on the canonical URL: articles, fingerprints, sightings, revisions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.normalize import canonical_text
from storage.models import Article, Fingerprint, HttpValidator, Revision, SeenUrl, Sighting, utcnow


def fingerprint_input(lead: str | None, body: str | None) -> str:
    """What every page and article is fingerprinted on: lead and body, never the headline
    (republishers rewrite headlines)."""
    return "\n".join(part for part in (lead, body) if part)


def fingerprint_source(article: Article) -> str:
    return fingerprint_input(article.lead, article.body)


def save_fingerprint(
    session: Session, article: Article, text: str | None = None, fp: Any = None
) -> Fingerprint:
    """Store the article's fingerprint (computed here unless the caller already has it)."""
    from monitor.dedup import fingerprint

    if fp is None:
        fp = fingerprint(text if text is not None else fingerprint_source(article))
    row = session.get(Fingerprint, article.id)
    if row is None:
        row = Fingerprint(article_id=article.id)
        session.add(row)
    row.content_hash, row.data, row.version = fp.content_hash, fp.to_bytes(), fp.version
    article.content_hash = fp.content_hash
    return row


@dataclass
class ArticleData:
    """What the pipeline knows about a page it decided to keep."""

    canonical_url: str
    url: str
    outlet: str | None
    title: str
    body: str
    lead: str | None = None
    author: str | None = None
    cited_source: str | None = None
    tags: list[str] = field(default_factory=list)
    published: datetime | None = None
    published_jalali: str | None = None
    date_source: str | None = None
    relevance: float = 0.0
    relevance_reasons: list[str] = field(default_factory=list)
    lastmod: datetime | None = None


def upsert_article(session: Session, data: ArticleData, fp: Any = None) -> tuple[Article, str]:
    """Insert a new article, or record a revision when its text changed.

    Returns the row and what happened: ``"new"``, ``"revised"`` or ``"unchanged"``.
    """
    article = session.scalar(select(Article).where(Article.canonical_url == data.canonical_url))
    outcome = "new"
    if article is not None:
        if (article.title, article.body, article.lead) == (data.title, data.body, data.lead):
            return article, "unchanged"
        session.add(
            Revision(
                article_id=article.id,
                title=article.title,
                body=article.body,
                content_hash=article.content_hash,
                changed_at=utcnow(),
            )
        )
        article.updated_at = utcnow()
        outcome = "revised"
    else:
        article = Article(canonical_url=data.canonical_url, fetched_at=utcnow())
        session.add(article)
    for name in (
        "url",
        "outlet",
        "title",
        "body",
        "lead",
        "author",
        "cited_source",
        "tags",
        "published",
        "published_jalali",
        "date_source",
        "relevance",
        "relevance_reasons",
    ):
        setattr(article, name, getattr(data, name))
    article.search_text = canonical_text(f"{data.title}\n{data.lead or ''}\n{data.body}")
    session.flush()
    save_fingerprint(session, article, fp=fp)
    return article, outcome


def record_sighting(
    session: Session,
    *,
    original_id: int,
    canonical_url: str,
    url: str,
    outlet: str | None,
    kind: str,
    score: float,
    title: str | None = None,
    published: datetime | None = None,
    cited_source: str | None = None,
    body: str | None = None,
) -> Sighting:
    row = session.scalar(select(Sighting).where(Sighting.canonical_url == canonical_url))
    if row is None:
        row = Sighting(canonical_url=canonical_url)
        session.add(row)
    row.article_id, row.url, row.outlet, row.kind, row.score = original_id, url, outlet, kind, score
    row.title, row.published, row.cited_source, row.seen_at = (
        title,
        published,
        cited_source,
        utcnow(),
    )
    row.body = body
    return row


def mark_seen(
    session: Session,
    canonical_url: str,
    outlet: str | None,
    verdict: str,
    reason: str | None = None,
    lastmod: datetime | None = None,
) -> SeenUrl:
    row = session.get(SeenUrl, canonical_url)
    now = utcnow()
    if row is None:
        row = SeenUrl(canonical_url=canonical_url, outlet=outlet, first_seen=now, attempts=0)
        session.add(row)
    row.verdict, row.reason, row.last_seen = verdict, reason, now
    row.attempts = (row.attempts or 0) + 1
    if lastmod is not None:
        row.lastmod = lastmod
    return row


def save_validator(session: Session, url: str, etag: str | None, last_modified: str | None) -> None:
    row = session.get(HttpValidator, url) or HttpValidator(url=url)
    row.etag, row.last_modified, row.checked_at = etag, last_modified, utcnow()
    session.merge(row)
