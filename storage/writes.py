"""Idempotent writes keyed on the canonical URL: articles, fingerprints, sightings, revisions,
judged pages and seen URLs.

Storage knows nothing of the crawler or of Persian: callers pass computed values (the
fingerprint's bytes, the search text), so a rule change on the domain side never needs a
change here.

Rows keyed on a URL are written with ``INSERT … ON CONFLICT`` (SQLAlchemy's PostgreSQL and
SQLite dialects), never select-then-insert: crawl processes on several machines (``monitor
worker``) may write the same URL at once, and the second writer must update the row, not fail
on the unique key. The row is then read back (``populate_existing``) so the session's copy is
the stored one.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import asdict, dataclass, field
from datetime import datetime
from types import FunctionType
from typing import Any

from sqlalchemy import func, select
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


def _insert(session: Session, model: Any) -> Any:
    """``INSERT`` with ``on_conflict_do_*`` for the session's backend."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(model)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(model)


def _upsert(session: Session, model: Any, key: str, values: dict[str, Any], **update: Any) -> Any:
    """Insert ``values``, or on a conflict of ``key`` set ``update``: ``None`` takes the
    inserted value, a function gets the inserted row (``excluded``), anything else is an
    expression. Returns the stored row."""
    _write(session, model, key, values, **update)
    return session.get(model, values[key], populate_existing=True)


def _write(session: Session, model: Any, key: str, values: dict[str, Any], **update: Any) -> None:
    """``_upsert`` without reading the row back: the crawl's writer calls this for every page
    and never looks at the row (the read back was a fifth of its time with ``--jobs``)."""
    stmt = _insert(session, model).values(**values)
    setters = {
        name: stmt.excluded[name]
        if v is None
        else v(stmt.excluded)
        if isinstance(v, FunctionType)
        else v
        for name, v in update.items()
    }
    stmt = stmt.on_conflict_do_update(index_elements=[key], set_=setters)
    session.execute(stmt, execution_options={"synchronize_session": False})


@dataclass(frozen=True)
class FingerprintBlob:
    """A fingerprint as the store keeps it (``monitor.dedup.Fingerprint.to_bytes``)."""

    content_hash: str
    data: bytes
    version: str


def save_fingerprint(session: Session, article: Article, fp: FingerprintBlob) -> None:
    session.flush()  # the article row first (its fingerprint references it)
    values = {
        "article_id": article.id,
        "content_hash": fp.content_hash,
        "data": fp.data,
        "version": fp.version,
    }
    _upsert(
        session,
        StoredFingerprint,
        "article_id",
        values,
        content_hash=None,
        data=None,
        version=None,
    )
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
        # Claim the URL first: if another process stored it since our select, its row is the
        # article and this page becomes a revision of it (or unchanged), as on a refetch.
        stmt = _insert(session, Article).values(
            canonical_url=data.canonical_url,
            fetched_at=data.fetched_at or utcnow(),
            url=data.url,
            title=data.title,
            body=data.body,
        )
        new_id = session.scalar(
            stmt.on_conflict_do_nothing(index_elements=["canonical_url"]).returning(Article.id)
        )
        if new_id is None:
            return upsert_article(session, data, fp)
        article = session.get(Article, new_id, populate_existing=True)
        assert article is not None
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
    values = {
        "canonical_url": data.canonical_url,
        "article_id": data.original_id,
        "url": data.url,
        "outlet": data.outlet,
        "kind": data.kind,
        "score": data.score,
        "title": data.title,
        "published": data.published,
        "cited_source": data.cited_source,
        "body": data.body,
        "search_text": data.search_text,
        "source": data.source,
        "seen_at": utcnow(),
    }
    stmt = _insert(session, Sighting).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["canonical_url"],
        set_={k: stmt.excluded[k] for k in values if k != "canonical_url"},
    )
    session.execute(stmt, execution_options={"synchronize_session": False})
    row = session.scalar(
        select(Sighting)
        .where(Sighting.canonical_url == data.canonical_url)
        .execution_options(populate_existing=True)
    )
    assert row is not None
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
    """Keep a judged page; an analyst's label on an earlier judgement survives (the upsert
    never touches ``label``)."""
    write_judged(session, data)
    return session.get(JudgedPage, data.canonical_url, populate_existing=True)  # type: ignore[return-value]


def write_judged(session: Session, data: JudgedData) -> None:
    """``record_judged`` without reading the row back (the crawl's writer, every page)."""
    values = asdict(data)
    fields = values.pop("fields")
    fetched_at = values.pop("fetched_at")
    values["content"] = pack_fields(fields) if fields is not None else None
    values["fetched_at"] = fetched_at or utcnow()
    update: dict[str, Any] = {k: None for k in values if k not in ("canonical_url", "fetched_at")}
    if fetched_at is None:  # keep the stored fetch time
        update["fetched_at"] = func.coalesce(JudgedPage.fetched_at, utcnow())
    else:
        update["fetched_at"] = None
    _write(session, JudgedPage, "canonical_url", values, **update)


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
    write_seen(session, canonical_url, outlet, verdict, reason, lastmod)
    return session.get(SeenUrl, canonical_url, populate_existing=True)  # type: ignore[return-value]


def write_seen(
    session: Session,
    canonical_url: str,
    outlet: str | None,
    verdict: str,
    reason: str | None = None,
    lastmod: datetime | None = None,
) -> None:
    """``mark_seen`` without reading the row back (the crawl's writer, every page)."""
    now = utcnow()
    values = {
        "canonical_url": canonical_url,
        "outlet": outlet,
        "first_seen": now,
        "attempts": 1,
        "verdict": verdict,
        "reason": reason,
        "last_seen": now,
        "lastmod": lastmod,
    }
    _write(
        session,
        SeenUrl,
        "canonical_url",
        values,
        verdict=None,
        reason=None,
        last_seen=None,
        attempts=func.coalesce(SeenUrl.attempts, 0) + 1,
        lastmod=lambda new: func.coalesce(new.lastmod, SeenUrl.lastmod),
    )


def save_validator(session: Session, url: str, etag: str | None, last_modified: str | None) -> None:
    values = {"url": url, "etag": etag, "last_modified": last_modified, "checked_at": utcnow()}
    _upsert(session, HttpValidator, "url", values, etag=None, last_modified=None, checked_at=None)
