"""Typed SQLAlchemy 2.0 models: what the monitor keeps, on SQLite or PostgreSQL alike.

Seeds are ordinary ``articles`` rows with ``seed_file`` set, so every duplicate verdict points at
an article id. A duplicate page is never an article: it is a ``sightings`` row that names its
original. ``seen_urls`` remembers every article URL the crawler has judged (stored, duplicate,
irrelevant, failed), which is what lets a second crawl skip pages it already read.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.types import UTCDateTime, utcnow


class Base(DeclarativeBase):
    pass


class Article(Base):
    __tablename__ = "articles"
    # SQLite: a deleted row's id is never handed out again (migration 0011); PostgreSQL's
    # sequence never reuses one anyway.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    canonical_url: Mapped[str] = mapped_column(String(1000), unique=True)
    url: Mapped[str] = mapped_column(String(2000))
    outlet: Mapped[str | None] = mapped_column(String(64), index=True)
    seed_file: Mapped[str | None] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(Text, default="")
    lead: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str | None] = mapped_column(String(300))
    cited_source: Mapped[str | None] = mapped_column(String(200))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    language: Mapped[str] = mapped_column(String(8), default="fa")
    published: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    published_jalali: Mapped[str | None] = mapped_column(String(32))
    date_source: Mapped[str | None] = mapped_column(String(64))
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    relevance: Mapped[float] = mapped_column(Float, default=0.0)
    relevance_reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    content_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    # The search tokens of title, lead and body (monitor.searchtext.search_document), which the
    # full-text index covers: FTS5 table ``articles_fts`` on SQLite, the generated
    # ``search_vector`` column on PostgreSQL (migration 0005; neither is mapped here).
    search_text: Mapped[str] = mapped_column(Text, default="")
    # An analyst's verdict (relevant | irrelevant), which overrides the model's.
    label: Mapped[str | None] = mapped_column(String(16))
    # Where the story's row came from (web | telegram), and where and when the story was first
    # seen anywhere: a Telegram post that announced the article an hour before it appeared.
    source: Mapped[str] = mapped_column(String(16), default="web", server_default="web")
    first_seen: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_source: Mapped[str | None] = mapped_column(String(16))

    fingerprint: Mapped[StoredFingerprint | None] = relationship(
        back_populates="article", cascade="all, delete-orphan", uselist=False
    )
    sightings: Mapped[list[Sighting]] = relationship(
        back_populates="original", cascade="all, delete-orphan", order_by="Sighting.seen_at"
    )
    revisions: Mapped[list[Revision]] = relationship(
        back_populates="article", cascade="all, delete-orphan", order_by="Revision.changed_at"
    )


class StoredFingerprint(Base):
    """One row per article: the bytes of ``monitor.dedup.Fingerprint``, from which the
    near-duplicate index is rebuilt at start-up."""

    __tablename__ = "fingerprints"

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    version: Mapped[str] = mapped_column(String(64))

    article: Mapped[Article] = relationship(back_populates="fingerprint")


class Sighting(Base):
    """A page that republished a known story: where, when, how close, and of what."""

    __tablename__ = "sightings"
    __table_args__ = {"sqlite_autoincrement": True}  # as for articles (migration 0011)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    canonical_url: Mapped[str] = mapped_column(String(1000), unique=True)
    url: Mapped[str] = mapped_column(String(2000))
    outlet: Mapped[str | None] = mapped_column(String(64))
    title: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))  # url | exact | near
    score: Mapped[float] = mapped_column(Float, default=1.0)
    published: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cited_source: Mapped[str | None] = mapped_column(String(200))
    # The page's own text, so ``monitor recheck`` can re-judge it after a normalizer change.
    body: Mapped[str | None] = mapped_column(Text)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Search tokens of the copy's own title and text, indexed like ``Article.search_text``.
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    source: Mapped[str] = mapped_column(String(16), default="web", server_default="web")

    original: Mapped[Article] = relationship(back_populates="sightings")


class PostLink(Base):
    """A link written in a Telegram post, kept whatever the post's verdict.

    ``article_url`` is the canonical URL when the link points at an article of a configured
    outlet: when that article is stored (before or after the post), post and article become
    one story. The post's text is kept so it can join the story even if it was judged
    irrelevant on its own (a one-line "details here" post).
    """

    __tablename__ = "post_links"
    __table_args__ = (UniqueConstraint("post_url", "url"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_url: Mapped[str] = mapped_column(String(1000), index=True)
    channel: Mapped[str] = mapped_column(String(64))
    outlet: Mapped[str | None] = mapped_column(String(64))
    url: Mapped[str] = mapped_column(String(2000))
    article_url: Mapped[str | None] = mapped_column(String(1000), index=True)
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    title: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str | None] = mapped_column(Text)


class Revision(Base):
    """The earlier text of an article that its outlet later corrected."""

    __tablename__ = "revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str | None] = mapped_column(String(64))

    article: Mapped[Article] = relationship(back_populates="revisions")


class SeenUrl(Base):
    """Every article URL judged so far, so it is not fetched again unless it changed."""

    __tablename__ = "seen_urls"

    canonical_url: Mapped[str] = mapped_column(String(1000), primary_key=True)
    outlet: Mapped[str | None] = mapped_column(String(64), index=True)
    verdict: Mapped[str] = mapped_column(String(16))  # stored | duplicate | irrelevant | failed
    reason: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    lastmod: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class JudgedPage(Base):
    """Every judged article page with its extracted text (compressed), verdict and model.

    Kept so that a better relevance model can recover a story an older one missed
    (``monitor recheck --relevance``), and so an analyst's label can override the model.
    ``content`` is zlib-compressed JSON of the extracted fields; retention may clear it.
    """

    __tablename__ = "judged_pages"

    canonical_url: Mapped[str] = mapped_column(String(1000), primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    outlet: Mapped[str | None] = mapped_column(String(64), index=True)
    verdict: Mapped[str] = mapped_column(String(16), index=True)
    language: Mapped[str | None] = mapped_column(String(8))
    relevance: Mapped[float | None] = mapped_column(Float)
    relevance_reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    model_version: Mapped[str | None] = mapped_column(String(64))
    title: Mapped[str | None] = mapped_column(Text)
    published: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The story this page belongs to: its own article, or the original it duplicates.
    article_id: Mapped[int | None] = mapped_column(Integer, index=True)
    label: Mapped[str | None] = mapped_column(String(16))  # relevant | irrelevant (analyst's)
    labelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class HttpValidator(Base):
    """ETag and Last-Modified of a feed, sitemap or listing page, for conditional GET."""

    __tablename__ = "http_validators"

    url: Mapped[str] = mapped_column(String(2000), primary_key=True)
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CrawlRun(Base):
    """One crawl of one outlet, with its counts and what failed."""

    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    outlet: Mapped[str] = mapped_column(String(64), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="running")
    trigger: Mapped[str] = mapped_column(String(16), default="manual")  # manual | scheduled | demo
    pid: Mapped[int | None] = mapped_column(Integer)
    # The ``monitor worker`` (host:pid or its --name) that ran a queued crawl; NULL otherwise.
    worker: Mapped[str | None] = mapped_column(String(128))
    requests: Mapped[int] = mapped_column(Integer, default=0)
    not_modified: Mapped[int] = mapped_column(Integer, default=0)
    pages: Mapped[int] = mapped_column(Integer, default=0)
    new: Mapped[int] = mapped_column(Integer, default=0)
    duplicate: Mapped[int] = mapped_column(Integer, default=0)
    irrelevant: Mapped[int] = mapped_column(Integer, default=0)
    revised: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    empty_bodies: Mapped[int] = mapped_column(Integer, default=0)
    no_dates: Mapped[int] = mapped_column(Integer, default=0)
    blocked: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    stats: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class PendingUrl(Base):
    """Work a crawl found but has not finished: an article not yet judged, a listing page not
    yet read. Written before the request goes out, deleted once the URL has a verdict (or its
    attempts are used up), so a killed crawl's discoveries are the next run's first work."""

    __tablename__ = "pending_urls"

    url: Mapped[str] = mapped_column(String(2000), primary_key=True)
    outlet: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="article")  # article | listing
    canonical_url: Mapped[str | None] = mapped_column(String(1000))
    lastmod: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Request meta the callback needs (feed title, listing template and page number).
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    discovered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Backoff after a failure: not requested again before this time.
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime)


def _fit_lengths(mapper: Any, connection: Any, target: Any) -> None:
    """Values pages send may be longer than a column allows (an author meta of 5,000
    characters): PostgreSQL would refuse the row, SQLite would keep it whole. Both now keep
    the row with the value cut to the column's length, ending in "…", and log a note. Keys
    and unique columns are left alone: cutting them would change what the row is."""
    for column in mapper.columns:
        length = getattr(column.type, "length", None)
        if not length or column.primary_key or column.unique or not column.key:
            continue
        value = getattr(target, column.key, None)
        if isinstance(value, str) and len(value) > length:
            setattr(target, column.key, value[: length - 1] + "…")
            _log.warning(
                "%s.%s cut from %d to %d characters", mapper.local_table, column.key,
                len(value), length,
            )  # fmt: skip


_log = logging.getLogger(__name__)
event.listen(Base, "before_insert", _fit_lengths, propagate=True)
event.listen(Base, "before_update", _fit_lengths, propagate=True)


class Watch(Base):
    """A saved query over stories whose new matches are announced (``monitor watch``)."""

    __tablename__ = "watches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    query: Mapped[str] = mapped_column(Text, default="")
    outlets: Mapped[list[str]] = mapped_column(JSON, default=list)
    min_relevance: Mapped[float | None] = mapped_column(Float)
    notify: Mapped[list[str]] = mapped_column(JSON, default=list)  # Apprise URLs
    digest: Mapped[str | None] = mapped_column(String(16))  # None | hourly | daily
    # Announce a republication of an already announced story too (off: it updates nothing).
    republications: Mapped[bool] = mapped_column(Boolean, default=False)
    # Stories with a copy fetched from this time on are new to the watch.
    since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WatchHit(Base):
    """A story a watch has collected: collected once, so announced once."""

    __tablename__ = "watch_hits"
    __table_args__ = (UniqueConstraint("watch_id", "article_id", name="uq_watch_hits_story"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    watch_id: Mapped[int] = mapped_column(ForeignKey("watches.id", ondelete="CASCADE"), index=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    matched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    copies: Mapped[int] = mapped_column(Integer, default=1)  # copies when last announced
    period: Mapped[str | None] = mapped_column(String(32))  # digest period it belongs to


class Alert(Base):
    """The outbox: one delivery of one message to one Apprise URL, written before it is sent.

    ``key`` is the idempotency key the receiver sees; it is unique, so collecting twice can
    never queue the same delivery twice. States: pending → sending → sent | failed (see
    ``monitor.alerts`` for the reconciliation of a ``sending`` row after a crash)."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    watch_id: Mapped[int] = mapped_column(ForeignKey("watches.id", ondelete="CASCADE"), index=True)
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))  # story | update | digest
    period: Mapped[str | None] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(Text)  # the Apprise URL
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    tries: Mapped[int] = mapped_column(Integer, default=0)
    in_doubt: Mapped[int] = mapped_column(Integer, default=0)  # sends whose outcome was lost
    next_try_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(100))  # host:pid while sending
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
