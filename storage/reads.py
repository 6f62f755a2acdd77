"""Small reads the judge needs: URL lookups, fingerprint rows, seed files, labels.

Plain values in, plain values out: the domain side decides what they mean.

The reads the crawl makes for every page (URL lookups, labels, the catch-up's id scan) are
Core statements built once at import and run on the session's connection: the same object on
every call keeps its cache key and compiled form, where an ORM ``select`` built per call cost
the crawl's one writer thread more than the database did.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import String, bindparam, func, select, text
from sqlalchemy.orm import Session

from storage.models import Article, JudgedPage, Sighting, StoredFingerprint

_ARTICLES = Article.__table__.c
_SIGHTINGS = Sighting.__table__.c
_FINGERPRINTS = StoredFingerprint.__table__.c
_URL = bindparam("url", type_=String)

# A canonical URL's article: its own row, else the original of its sighting (one round trip).
_ARTICLE_FOR_URL = select(
    func.coalesce(
        select(_ARTICLES.id).where(_ARTICLES.canonical_url == _URL).scalar_subquery(),
        select(_SIGHTINGS.article_id).where(_SIGHTINGS.canonical_url == _URL).scalar_subquery(),
    )
)
_ARTICLE_ID_OF_URL = select(_ARTICLES.id).where(_ARTICLES.canonical_url == _URL)
_ARTICLE_EXISTS = select(_ARTICLES.id).where(_ARTICLES.id == bindparam("id"))
_IDS_AFTER = select(_FINGERPRINTS.article_id).where(_FINGERPRINTS.article_id > bindparam("id"))
_LABEL = select(JudgedPage.__table__.c.label).where(JudgedPage.__table__.c.canonical_url == _URL)


def max_fingerprinted_id(session: Session) -> int:
    return session.scalar(select(func.max(StoredFingerprint.article_id))) or 0


def seed_files(session: Session) -> dict[int, str]:
    rows = session.execute(
        select(Article.id, Article.seed_file).where(Article.seed_file.is_not(None))
    ).all()
    return {article_id: name for article_id, name in rows if name}


def article_for_url(session: Session, canonical_url: str) -> int | None:
    """The article a canonical URL belongs to: its own row, or the original of its sighting."""
    found = session.connection().execute(_ARTICLE_FOR_URL, {"url": canonical_url}).scalar()
    return None if found is None else int(found)


def is_article_url(session: Session, canonical_url: str) -> bool:
    """Whether ``canonical_url`` is a stored article's own URL (not a sighting's)."""
    found = session.connection().execute(_ARTICLE_ID_OF_URL, {"url": canonical_url}).scalar()
    return found is not None


def article_exists(session: Session, article_id: int) -> bool:
    found = session.connection().execute(_ARTICLE_EXISTS, {"id": article_id}).scalar()
    return found is not None


def fingerprint_ids_after(session: Session, article_id: int) -> list[int]:
    return list(session.connection().execute(_IDS_AFTER, {"id": article_id}).scalars())


def fingerprints_of(session: Session, ids: list[int]) -> list[tuple[int, bytes]]:
    rows = session.execute(
        select(StoredFingerprint.article_id, StoredFingerprint.data)
        .where(StoredFingerprint.article_id.in_(ids))
        .order_by(StoredFingerprint.article_id)
    ).all()
    return [(aid, bytes(data)) for aid, data in rows]


def fingerprints_after(session: Session, article_id: int) -> list[tuple[int, bytes]]:
    rows = session.execute(
        select(StoredFingerprint.article_id, StoredFingerprint.data).where(
            StoredFingerprint.article_id > article_id
        )
    ).all()
    return [(aid, bytes(data)) for aid, data in rows]


def fingerprint_blobs(session: Session, after: int = 0) -> Iterator[tuple[int, bytes]]:
    """Stored fingerprints with article id > ``after`` as ``(article id, bytes)``, streamed in
    id order."""
    rows = session.execute(
        select(StoredFingerprint.article_id, StoredFingerprint.data)
        .where(StoredFingerprint.article_id > after)
        .order_by(StoredFingerprint.article_id)
    )
    return ((aid, bytes(data)) for aid, data in rows)


def fingerprints_unchanged_below(session: Session, up_to: int, rows: int) -> bool:
    """Whether exactly ``rows`` fingerprint rows have article id <= ``up_to``, given that
    ``fingerprint_changes`` has not moved since they were read.

    SQLite: always, without counting (0.9 s at a million rows): its writers are serialized and
    migration 0009's trigger counts a row inserted below the largest id, as well as deletions.
    PostgreSQL: counted, since a transaction that took a lower id can commit after a higher
    one was read.
    """
    if session.get_bind().dialect.name == "sqlite":
        return True
    query = select(func.count()).select_from(StoredFingerprint)
    return session.scalar(query.where(StoredFingerprint.article_id <= up_to)) == rows


def fingerprint_changes(session: Session) -> int:
    """A counter the database's triggers bump whenever fingerprint rows are changed or
    deleted (migration 0009): equal readings mean no existing row changed in between."""
    if session.get_bind().dialect.name == "sqlite":
        query = "SELECT generation FROM fingerprint_changes WHERE id = 1"
    else:  # is_called is false until the first nextval
        query = "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM fingerprint_changes_seq"
    return int(session.scalar(text(query)) or 0)


def articles_needing_fingerprint(session: Session, version: str, after: int = 0) -> list[Article]:
    """Articles with id > ``after`` whose fingerprint is missing or was made by another
    version."""
    stale = session.scalars(
        select(Article)
        .join(StoredFingerprint)
        .where(StoredFingerprint.version != version, Article.id > after)
    ).all()
    missing = session.scalars(
        select(Article)
        .outerjoin(StoredFingerprint)
        .where(StoredFingerprint.article_id.is_(None), Article.id > after)
    ).all()
    return [*stale, *missing]


def label_of(session: Session, canonical_url: str) -> str | None:
    label = session.connection().execute(_LABEL, {"url": canonical_url}).scalar()
    return None if label is None else str(label)
