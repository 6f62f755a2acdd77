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

The crawl's writer writes four rows for every page (``write_seen``, ``write_judged``,
``write_sighting``, ``store_article``): those are Core statements built once per backend and
run on the session's connection with the page's values as parameters, so SQLAlchemy compiles
each once and the ORM's bulk-insert path (a third of the writer's time) is not involved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from types import FunctionType
from typing import Any

from sqlalchemy import Table, bindparam, func, select
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

# Re-exported: readers of judged pages import them from here.
from storage.packing import pack_fields as pack_fields
from storage.packing import unpack_fields as unpack_fields


def _insert(session: Session, model: Any) -> Any:
    """``INSERT`` with ``on_conflict_do_*`` for the session's backend."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(model)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(model)


# Statements built once per backend and kind (``_statement``): the same object on every call
# keeps its SQLAlchemy cache key and its compiled form.
_STATEMENTS: dict[tuple[str, str], Any] = {}


def _table(model: Any) -> Table:
    return model.__table__


def _statement(session: Session, name: str, build: Any) -> Any:
    """The statement ``build(insert)`` for the session's backend, built on first use;
    ``insert`` is the backend's ``insert`` function (``on_conflict_do_*``)."""
    dialect = session.get_bind().dialect.name
    stmt = _STATEMENTS.get((dialect, name))
    if stmt is None:
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
        stmt = _STATEMENTS[(dialect, name)] = build(insert)
    return stmt


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


def _fingerprint_upsert(insert: Any) -> Any:
    stmt = insert(_table(StoredFingerprint))
    return stmt.on_conflict_do_update(
        index_elements=["article_id"],
        set_={name: stmt.excluded[name] for name in ("content_hash", "data", "version")},
    )


def write_fingerprint(session: Session, article_id: int, fp: FingerprintBlob) -> None:
    """Store (or replace) an article's fingerprint, without reading it back."""
    values = {
        "article_id": article_id,
        "content_hash": fp.content_hash,
        "data": fp.data,
        "version": fp.version,
    }
    session.connection().execute(_statement(session, "fingerprint", _fingerprint_upsert), values)


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


# The stored article of a canonical URL and the fields a revision compares.
_ARTICLE_LOOKUP = select(
    _table(Article).c.id,
    _table(Article).c.title,
    _table(Article).c.body,
    _table(Article).c.lead,
).where(_table(Article).c.canonical_url == bindparam("canonical_url"))


def _article_insert(insert: Any) -> Any:
    # Claim the URL: if another process stored it first, nothing is inserted (no id back).
    stmt = insert(_table(Article))
    return stmt.on_conflict_do_nothing(index_elements=["canonical_url"]).returning(
        _table(Article).c.id
    )


def store_article(session: Session, data: ArticleData, fp: FingerprintBlob) -> tuple[int, str]:
    """Insert a new article, or record a revision when its text changed.

    Returns the article's id and what happened: ``"new"``, ``"revised"`` or ``"unchanged"``.
    A new article is one ``INSERT`` with all its fields and its content hash (then its
    fingerprint); a revision goes through the ORM (``Revision`` row, changed fields).
    """
    conn = session.connection()
    stored = conn.execute(_ARTICLE_LOOKUP, {"canonical_url": data.canonical_url}).first()
    if stored is not None:
        if (stored.title, stored.body, stored.lead) == (data.title, data.body, data.lead):
            return stored.id, "unchanged"
        article = session.get(Article, stored.id)
        assert article is not None
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
        for name in _ARTICLE_FIELDS:
            setattr(article, name, getattr(data, name))
        session.flush()
        save_fingerprint(session, article, fp)
        return article.id, "revised"
    values = {name: getattr(data, name) for name in _ARTICLE_FIELDS}
    values["canonical_url"] = data.canonical_url
    values["fetched_at"] = data.fetched_at or utcnow()
    values["content_hash"] = fp.content_hash
    new_id = conn.execute(_statement(session, "article", _article_insert), values).scalar()
    if new_id is None:  # another process stored it since our lookup: as on a refetch
        return store_article(session, data, fp)
    write_fingerprint(session, new_id, fp)
    return new_id, "new"


def upsert_article(session: Session, data: ArticleData, fp: FingerprintBlob) -> tuple[Article, str]:
    """``store_article``, returning the stored row (the session's copy)."""
    session.flush()  # the session's pending changes first: the lookup reads the connection
    article_id, outcome = store_article(session, data, fp)
    article = session.get(Article, article_id)
    assert article is not None
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


def _sighting_upsert(insert: Any) -> Any:
    stmt = insert(_table(Sighting))
    return stmt.on_conflict_do_update(
        index_elements=["canonical_url"],
        set_={name: stmt.excluded[name] for name in _SIGHTING_UPDATED},
    )


_SIGHTING_UPDATED = (
    "article_id",
    "url",
    "outlet",
    "kind",
    "score",
    "title",
    "published",
    "cited_source",
    "body",
    "search_text",
    "source",
    "seen_at",
)


def write_sighting(session: Session, data: SightingData) -> None:
    """Keep a page as a sighting of its story (the crawl's writer, without a read back)."""
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
    session.connection().execute(_statement(session, "sighting", _sighting_upsert), values)


def record_sighting(session: Session, data: SightingData) -> Sighting:
    """``write_sighting``, returning the stored row."""
    session.flush()
    write_sighting(session, data)
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
    # ``fields`` already packed (``pack_fields``), by a judging worker: used when ``fields``
    # is None.
    content: bytes | None = None


def record_judged(session: Session, data: JudgedData) -> JudgedPage:
    """Keep a judged page; an analyst's label on an earlier judgement survives (the upsert
    never touches ``label``)."""
    session.flush()
    write_judged(session, data)
    return session.get(JudgedPage, data.canonical_url, populate_existing=True)  # type: ignore[return-value]


def _judged_upsert(keep_fetched: bool) -> Any:
    def build(insert: Any) -> Any:
        table = _table(JudgedPage)
        stmt = insert(table)
        update = {name: stmt.excluded[name] for name in _JUDGED_UPDATED}
        # A page judged again without a fetch time (a recheck) keeps the stored one.
        fetched = stmt.excluded.fetched_at
        update["fetched_at"] = (
            func.coalesce(table.c.fetched_at, fetched) if keep_fetched else fetched
        )
        return stmt.on_conflict_do_update(index_elements=["canonical_url"], set_=update)

    return build


# Set on a conflict, with ``fetched_at`` (see ``_judged_upsert``); ``label`` never is.
_JUDGED_UPDATED = (
    "url",
    "outlet",
    "verdict",
    "language",
    "relevance",
    "relevance_reasons",
    "model_version",
    "title",
    "published",
    "article_id",
    "content",
)


def write_judged(session: Session, data: JudgedData) -> None:
    """``record_judged`` without reading the row back (the crawl's writer, every page)."""
    content = data.content
    if content is None and data.fields is not None:
        content = pack_fields(data.fields)
    values = {
        "canonical_url": data.canonical_url,
        "url": data.url,
        "outlet": data.outlet,
        "verdict": data.verdict,
        "language": data.language,
        "relevance": data.relevance,
        "relevance_reasons": data.relevance_reasons,
        "model_version": data.model_version,
        "title": data.title,
        "published": data.published,
        "article_id": data.article_id,
        "content": content,
        "fetched_at": data.fetched_at or utcnow(),
    }
    keep = data.fetched_at is None
    stmt = _statement(session, "judged-keep" if keep else "judged", _judged_upsert(keep))
    session.connection().execute(stmt, values)


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
    session.flush()
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
    session.connection().execute(_statement(session, "seen", _seen_upsert), values)


def _seen_upsert(insert: Any) -> Any:
    table = _table(SeenUrl)
    stmt = insert(table)
    new = stmt.excluded
    return stmt.on_conflict_do_update(
        index_elements=["canonical_url"],
        set_={
            "verdict": new.verdict,
            "reason": new.reason,
            "last_seen": new.last_seen,
            "attempts": func.coalesce(table.c.attempts, 0) + 1,
            "lastmod": func.coalesce(new.lastmod, table.c.lastmod),
        },
    )


def save_validator(session: Session, url: str, etag: str | None, last_modified: str | None) -> None:
    values = {"url": url, "etag": etag, "last_modified": last_modified, "checked_at": utcnow()}
    _upsert(session, HttpValidator, "url", values, etag=None, last_modified=None, checked_at=None)
