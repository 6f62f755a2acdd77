"""Idempotent writes keyed on the canonical URL: articles, fingerprints, sightings, revisions,
judged pages and seen URLs.

Storage knows nothing of the crawler or of Persian: callers pass computed values (the
fingerprint's bytes, the search text), so a rule change on the domain side never needs a
change here.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import (
    Article,
    HttpValidator,
    JudgedPage,
    Revision,
    SeenUrl,
    Sighting,
    StoredFingerprint,
    utcnow,
)


@dataclass(frozen=True)
class FingerprintBlob:
    """A fingerprint as the store keeps it (``monitor.dedup.Fingerprint.to_bytes``)."""

    content_hash: str
    data: bytes
    version: str


def save_fingerprint(session: Session, article: Article, fp: FingerprintBlob) -> None:
    row = session.get(StoredFingerprint, article.id)
    if row is None:
        row = StoredFingerprint(article_id=article.id)
        session.add(row)
    row.content_hash, row.data, row.version = fp.content_hash, fp.data, fp.version
    article.content_hash = fp.content_hash


@dataclass
class ArticleData:
    """What the pipeline knows about a page it decided to keep."""

    canonical_url: str
    url: str
    outlet: str | None
    title: str
    body: str
    search_text: str
    lead: str | None = None
    author: str | None = None
    cited_source: str | None = None
    tags: list[str] = field(default_factory=list)
    language: str = "fa"
    published: datetime | None = None
    published_jalali: str | None = None
    date_source: str | None = None
    relevance: float = 0.0
    relevance_reasons: list[str] = field(default_factory=list)
    fetched_at: datetime | None = None  # when the page was fetched (a promotion keeps it)
    source: str = "web"  # web | telegram


_ARTICLE_FIELDS = (
    "url",
    "outlet",
    "title",
    "body",
    "lead",
    "author",
    "cited_source",
    "tags",
    "language",
    "published",
    "published_jalali",
    "date_source",
    "relevance",
    "relevance_reasons",
    "search_text",
    "source",
)


def upsert_article(session: Session, data: ArticleData, fp: FingerprintBlob) -> tuple[Article, str]:
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
        article = Article(canonical_url=data.canonical_url, fetched_at=data.fetched_at or utcnow())
        session.add(article)
    for name in _ARTICLE_FIELDS:
        setattr(article, name, getattr(data, name))
    session.flush()
    save_fingerprint(session, article, fp)
    return article, outcome


@dataclass
class SightingData:
    """A page that republished a stored story."""

    original_id: int
    canonical_url: str
    url: str
    outlet: str | None
    kind: str
    score: float
    title: str | None = None
    published: datetime | None = None
    cited_source: str | None = None
    body: str | None = None
    # The copy's own search tokens (``monitor.normalize.search_text`` of title and body), so a
    # story is found through any copy's text.
    search_text: str = ""
    source: str = "web"  # web | telegram


def record_sighting(session: Session, data: SightingData) -> Sighting:
    row = session.scalar(select(Sighting).where(Sighting.canonical_url == data.canonical_url))
    if row is None:
        row = Sighting(canonical_url=data.canonical_url)
        session.add(row)
    row.article_id, row.url, row.outlet = data.original_id, data.url, data.outlet
    row.kind, row.score, row.title = data.kind, data.score, data.title
    row.published, row.cited_source, row.body = data.published, data.cited_source, data.body
    row.search_text = data.search_text
    row.source = data.source
    row.seen_at = utcnow()
    return row


@dataclass
class JudgedData:
    """A judged page: verdict, model, and the extracted fields to keep (compressed)."""

    canonical_url: str
    url: str
    outlet: str | None
    verdict: str
    language: str | None
    relevance: float | None
    relevance_reasons: list[str]
    model_version: str | None
    title: str | None
    published: datetime | None
    fields: dict[str, Any] | None  # extracted fields, JSON-serialisable
    article_id: int | None = None
    fetched_at: datetime | None = None


def pack_fields(fields: dict[str, Any]) -> bytes:
    return zlib.compress(json.dumps(fields, ensure_ascii=False, default=str).encode(), 6)


def unpack_fields(content: bytes | None) -> dict[str, Any] | None:
    return json.loads(zlib.decompress(content)) if content else None


def record_judged(session: Session, data: JudgedData) -> JudgedPage:
    """Keep a judged page; an analyst's label on an earlier judgement survives."""
    row = session.get(JudgedPage, data.canonical_url)
    if row is None:
        row = JudgedPage(canonical_url=data.canonical_url)
        session.add(row)
    values = asdict(data)
    fields = values.pop("fields")
    fetched_at = values.pop("fetched_at")
    for name, value in values.items():
        setattr(row, name, value)
    row.content = pack_fields(fields) if fields is not None else None
    row.fetched_at = fetched_at or row.fetched_at or utcnow()
    return row


def prune_judged_text(session: Session, before: datetime) -> int:
    """Clear the kept text of pages judged before ``before`` (their verdicts stay); returns
    how many were cleared. An analyst's labelled pages keep theirs (training material)."""
    from sqlalchemy import update

    result = session.execute(
        update(JudgedPage)
        .where(JudgedPage.fetched_at < before)
        .where(JudgedPage.content.is_not(None))
        .where(JudgedPage.label.is_(None))
        .values(content=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def set_label(session: Session, canonical_url: str, label: str) -> JudgedPage | None:
    row = session.get(JudgedPage, canonical_url)
    if row is not None:
        row.label, row.labelled_at = label, utcnow()
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
