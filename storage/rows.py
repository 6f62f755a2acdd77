"""Stored stories, copies and crawl runs as plain rows, read with SQLAlchemy Core.

Why not the ORM classes of ``storage.models``: every reading command (``query``, ``show``,
``sources``, ``runs``, ``status``) would import ``sqlalchemy.orm`` and build the mapped classes
first, about a fifth of a second of CPU before the first row, on every start
(docs/benchmarks.md, cold start). These readers take a ``Connection`` or a ``Session`` (both
execute Core statements) and return dataclasses with the mapped classes' attribute names, so
the views, the web page, watches and exports read them the same way. Nothing here writes.

The ``table()`` handles below name only the columns read here; ``tests/test_reading.py``
checks each against the mapped table, so a column renamed in a migration cannot be missed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Float, Integer, Text, column, func, select, table

from storage.types import UTCDateTime

if TYPE_CHECKING:
    from sqlalchemy import Connection, TableClause
    from sqlalchemy.orm import Session

    Reader = Connection | Session


@dataclass(slots=True)
class RevisionRow:
    id: int
    article_id: int
    changed_at: datetime
    title: str
    body: str
    content_hash: str | None


@dataclass(slots=True)
class SightingRow:
    id: int
    article_id: int
    canonical_url: str
    url: str
    outlet: str | None
    title: str | None
    kind: str
    score: float
    published: datetime | None
    cited_source: str | None
    body: str | None
    seen_at: datetime
    source: str
    original: ArticleRow | None = None  # filled by ``get_sighting`` only


@dataclass(slots=True)
class ArticleRow:
    """An article (a story's original) without its search tokens, with its sightings (in the
    order they were seen) and, where asked for, its earlier revisions."""

    id: int
    canonical_url: str
    url: str
    outlet: str | None
    seed_file: str | None
    title: str
    lead: str | None
    body: str
    author: str | None
    cited_source: str | None
    tags: list[str]
    language: str
    published: datetime | None
    published_jalali: str | None
    date_source: str | None
    fetched_at: datetime
    updated_at: datetime | None
    relevance: float
    relevance_reasons: list[str]
    content_hash: str | None
    label: str | None
    source: str
    first_seen: datetime | None
    first_source: str | None
    sightings: list[SightingRow] = field(default_factory=list)
    revisions: list[RevisionRow] = field(default_factory=list)


@dataclass(slots=True)
class RunRow:
    id: int
    outlet: str
    started_at: datetime
    finished_at: datetime | None
    status: str
    trigger: str
    pid: int | None
    worker: str | None
    requests: int
    not_modified: int
    pages: int
    new: int
    duplicate: int
    irrelevant: int
    revised: int
    failed: int
    empty_bodies: int
    no_dates: int
    blocked: int
    failures: list[dict[str, Any]]
    stats: dict[str, Any]


# Column types that need decoding (aware datetimes, JSON); the rest are read as they come.
_TYPES: dict[str, Any] = {
    "id": Integer,
    "article_id": Integer,
    "published": UTCDateTime,
    "fetched_at": UTCDateTime,
    "updated_at": UTCDateTime,
    "first_seen": UTCDateTime,
    "seen_at": UTCDateTime,
    "changed_at": UTCDateTime,
    "started_at": UTCDateTime,
    "finished_at": UTCDateTime,
    "tags": JSON,
    "relevance_reasons": JSON,
    "failures": JSON,
    "stats": JSON,
    "relevance": Float,
    "score": Float,
}
_RELATIONS = {"sightings", "revisions", "original"}


def _table(name: str, row: type) -> TableClause:
    """A Core handle on ``name`` with the columns of ``row`` (its relations left out)."""
    return table(
        name,
        *(
            column(f.name, _TYPES.get(f.name, Text))
            for f in fields(row)
            if f.name not in _RELATIONS
        ),
    )


ARTICLES = _table("articles", ArticleRow)
SIGHTINGS = _table("sightings", SightingRow)
REVISIONS = _table("revisions", RevisionRow)
CRAWL_RUNS = _table("crawl_runs", RunRow)


def _rows(reader: Reader, statement: Any, row: type) -> list[Any]:
    return [row(**r._mapping) for r in reader.execute(statement)]


def sightings_of(reader: Reader, article_ids: Sequence[int]) -> dict[int, list[SightingRow]]:
    """Each article's sightings, earliest seen first."""
    found: dict[int, list[SightingRow]] = {i: [] for i in article_ids}
    if not article_ids:
        return found
    s = SIGHTINGS.c
    stmt = select(SIGHTINGS).where(s.article_id.in_(list(article_ids)))
    for sighting in _rows(reader, stmt.order_by(s.seen_at, s.id), SightingRow):
        found[sighting.article_id].append(sighting)
    return found


def articles(reader: Reader, ids: Sequence[int], *, revisions: bool = False) -> list[ArticleRow]:
    """The articles ``ids`` that exist, in that order, with their sightings."""
    if not ids:
        return []
    a = ARTICLES.c
    found = _rows(reader, select(ARTICLES).where(a.id.in_(list(ids))), ArticleRow)
    copies = sightings_of(reader, [x.id for x in found])
    for article in found:
        article.sightings = copies[article.id]
    if revisions and found:
        r = REVISIONS.c
        stmt = select(REVISIONS).where(r.article_id.in_([x.id for x in found]))
        by_article = {x.id: x for x in found}
        for rev in _rows(reader, stmt.order_by(r.changed_at, r.id), RevisionRow):
            by_article[rev.article_id].revisions.append(rev)
    by_id = {x.id: x for x in found}
    return [by_id[i] for i in ids if i in by_id]


def sighting(reader: Reader, sighting_id: int) -> SightingRow | None:
    """A sighting with its original (and the original's sightings), or ``None``."""
    s = SIGHTINGS.c
    found = _rows(reader, select(SIGHTINGS).where(s.id == sighting_id), SightingRow)
    if not found:
        return None
    originals = articles(reader, [found[0].article_id])
    if not originals:
        return None
    found[0].original = originals[0]
    return found[0]


def runs(
    reader: Reader,
    outlet: str | None = None,
    limit: int | None = 30,
    *,
    statuses: Sequence[str] = (),
) -> list[RunRow]:
    """Crawl runs, newest first (``limit`` None: all of them)."""
    c = CRAWL_RUNS.c
    stmt = select(CRAWL_RUNS)
    if outlet:
        stmt = stmt.where(c.outlet == outlet)
    if statuses:
        stmt = stmt.where(c.status.in_(list(statuses)))
    return _rows(reader, stmt.order_by(c.started_at.desc(), c.id.desc()).limit(limit), RunRow)


def last_run(reader: Reader, outlet: str) -> RunRow | None:
    """The outlet's crawl run with the highest id (the one started last)."""
    c = CRAWL_RUNS.c
    stmt = select(CRAWL_RUNS).where(c.outlet == outlet).order_by(c.id.desc()).limit(1)
    found = _rows(reader, stmt, RunRow)
    return found[0] if found else None


def new_run_starts(reader: Reader, outlet: str, limit: int) -> list[datetime]:
    """When the outlet's runs that found something new started, newest first."""
    c = CRAWL_RUNS.c
    stmt = (
        select(c.started_at)
        .where(c.outlet == outlet, c.new > 0)
        .order_by(c.started_at.desc())
        .limit(limit)
    )
    return [r[0] for r in reader.execute(stmt)]


def outlet_articles(reader: Reader, outlet: str) -> tuple[int, datetime | None, int]:
    """Articles an outlet published first (seeds left out), the newest fetch, its sightings."""
    a, s = ARTICLES.c, SIGHTINGS.c
    n, newest = reader.execute(
        select(func.count(a.id), func.max(a.fetched_at)).where(
            a.outlet == outlet, a.seed_file.is_(None)
        )
    ).one()
    copies = reader.execute(select(func.count(s.id)).where(s.outlet == outlet)).scalar()
    return int(n or 0), newest, int(copies or 0)


def articles_from_source(reader: Reader, source: str) -> int:
    """Stored articles whose first stored copy came from ``source`` (``web``, ``telegram``)."""
    a = ARTICLES.c
    stmt = select(func.count()).where(a.seed_file.is_(None), a.source == source)
    return int(reader.execute(stmt).scalar_one())


_JUDGED = table(
    "judged_pages",
    column("verdict", Text),
    column("outlet", Text),
    column("published", UTCDateTime),
    column("fetched_at", UTCDateTime),
)


def borderline_conditions(
    columns: Any,
    *,
    outlets: Sequence[str] = (),
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[Any]:
    """The WHERE conditions of the borderline pages (kept just under the relevance threshold)
    in a date and outlet range, on ``judged_pages``' ``columns`` (Core or the model's table)."""
    when = func.coalesce(columns.published, columns.fetched_at)
    conditions = [columns.verdict == "borderline"]
    if outlets:
        conditions.append(columns.outlet.in_(list(outlets)))
    if since is not None:
        conditions.append(when >= since)
    if until is not None:
        conditions.append(when < until)
    return conditions


def borderline_count(
    reader: Reader,
    *,
    outlets: Sequence[str] = (),
    since: datetime | None = None,
    until: datetime | None = None,
) -> int:
    """How many pages ``storage.queries.borderline_pages`` would list (without the ORM)."""
    where = borderline_conditions(_JUDGED.c, outlets=outlets, since=since, until=until)
    return int(reader.execute(select(func.count()).select_from(_JUDGED).where(*where)).scalar_one())


def articles_per_outlet(reader: Reader) -> dict[str | None, int]:
    """Stored articles per outlet, seeds left out."""
    a = ARTICLES.c
    stmt = select(a.outlet, func.count()).where(a.seed_file.is_(None)).group_by(a.outlet)
    return {outlet: int(n) for outlet, n in reader.execute(stmt)}
