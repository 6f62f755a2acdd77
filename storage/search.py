"""Full-text search over stories: an article and the sightings that republished it.

The domain side parses what people type into a ``TextQuery`` of normalized tokens
(``monitor.searchquery``); this module only turns it into the backend's own syntax (an FTS5
MATCH expression on SQLite, a ``tsquery`` on PostgreSQL) and runs it. Both indexes hold the
same tokens split at the same spaces, so both backends find the same set of stories; only the
ranking formula differs (FTS5's BM25, PostgreSQL's ``ts_rank``).

A story matches when any of its copies' text matches, and passes the filters when any copy does
(its outlet, its own date, when it was fetched): a republication in range finds a story first
published long before.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session, selectinload

from storage.models import Article, Sighting, UTCDateTime

Phrase = tuple[str, ...]
SORTS = ("relevance", "date")


@dataclass(frozen=True)
class TextQuery:
    """Every group must match; a group matches when any of its phrases does (``OR``); no
    excluded phrase may match. Tokens are already normalized and contain word characters only."""

    groups: tuple[tuple[Phrase, ...], ...]
    exclude: tuple[Phrase, ...] = ()

    def positive_tokens(self) -> set[str]:
        return {tok for group in self.groups for phrase in group for tok in phrase}


@dataclass(frozen=True)
class CopyFilter:
    """What one copy (an article or a sighting) must satisfy; ``until`` is exclusive."""

    outlets: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    fetched_since: datetime | None = None
    # Where the story was first seen (web | telegram): a property of the story, not the copy.
    source: str | None = None
    # The story's relevance score at least this (a stricter view than the stored threshold).
    min_relevance: float | None = None

    def accepts(self, outlet: str | None, date: datetime | None, fetched: datetime) -> bool:
        """The same test in Python, for listing the copies of a found story."""
        when = date or fetched
        return (
            (not self.outlets or outlet in self.outlets)
            and (self.since is None or when >= self.since)
            and (self.until is None or when < self.until)
            and (self.fetched_since is None or fetched >= self.fetched_since)
        )


@dataclass(frozen=True)
class StoryHit:
    story_id: int
    score: float | None


def fts5_match(query: TextQuery) -> str:
    """An FTS5 MATCH expression; tokens are word characters, so quoting them is enough."""

    def phrase(p: Phrase) -> str:
        return '"' + " ".join(p) + '"'

    positive = " AND ".join("(" + " OR ".join(map(phrase, g)) + ")" for g in query.groups)
    return positive + "".join(f" NOT {phrase(p)}" for p in query.exclude)


def tsquery(query: TextQuery) -> str:
    """A ``tsquery`` literal; lexemes are quoted, phrases use the followed-by operator."""

    def phrase(p: Phrase) -> str:
        return "(" + " <-> ".join(f"'{tok}'" for tok in p) + ")"

    positive = " & ".join("(" + " | ".join(map(phrase, g)) + ")" for g in query.groups)
    return positive + "".join(f" & !{phrase(p)}" for p in query.exclude)


def _copy_condition(f: CopyFilter, alias: str, fetched: str) -> str:
    date = f"coalesce({alias}.published, {alias}.{fetched})"
    parts = []
    if f.outlets:
        parts.append(f"{alias}.outlet IN :outlets")
    if f.since:
        parts.append(f"{date} >= :since")
    if f.until:
        parts.append(f"{date} < :until")
    if f.fetched_since:
        parts.append(f"{alias}.{fetched} >= :fetched_since")
    return " AND ".join(parts)


# An analyst's "irrelevant" label overrides the model: the story is no longer listed.
_LISTED = "(a.label IS NULL OR a.label != 'irrelevant')"


def _listed(f: CopyFilter) -> str:
    """Stories that may be listed at all: not labelled irrelevant, from the asked source, at
    least as relevant as asked (an analyst's "relevant" label passes any bar)."""
    parts = [_LISTED]
    if f.source is not None:
        parts.append("coalesce(a.first_source, a.source) = :source")
    if f.min_relevance is not None:
        parts.append("(a.relevance >= :min_relevance OR a.label = 'relevant')")
    return " AND ".join(parts)


def _story_filter(f: CopyFilter) -> str:
    own = _copy_condition(f, "a", "fetched_at")
    if not own:
        return _listed(f)
    copies = _copy_condition(f, "c", "seen_at")
    return (
        f"{_listed(f)} AND "
        f"(({own}) OR EXISTS (SELECT 1 FROM sightings c WHERE c.article_id = a.id AND {copies}))"
    )


def _hits_sql(dialect: str, ranked: bool) -> str:
    if dialect == "sqlite":
        a_score = "-bm25(articles_fts)" if ranked else "NULL"
        s_score = "-bm25(sightings_fts)" if ranked else "NULL"
        return (
            f"SELECT rowid AS story, {a_score} AS score FROM articles_fts "
            "WHERE articles_fts MATCH :match "
            f"UNION ALL SELECT s.article_id, {s_score} FROM sightings_fts "
            "JOIN sightings s ON s.id = sightings_fts.rowid WHERE sightings_fts MATCH :match"
        )
    a_score = "ts_rank(a.search_vector, q.q)" if ranked else "NULL::real"
    s_score = "ts_rank(s.search_vector, q.q)" if ranked else "NULL::real"
    return (
        "SELECT a.id AS story, "
        f"{a_score} AS score FROM articles a, (SELECT CAST(:match AS tsquery) AS q) q "
        "WHERE a.search_vector @@ q.q "
        f"UNION ALL SELECT s.article_id, {s_score} "
        "FROM sightings s, (SELECT CAST(:match AS tsquery) AS q) q WHERE s.search_vector @@ q.q"
    )


def _own_match(dialect: str) -> str:
    """An article's own text matches (as a condition on alias ``a``)."""
    if dialect == "sqlite":
        return "a.id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH :match)"
    return "a.search_vector @@ CAST(:match AS tsquery)"


def _ids_sql(dialect: str, table: str) -> str:
    """The story ids whose copies in ``table`` match, without ranking them."""
    if dialect == "sqlite":
        if table == "articles":
            return "SELECT rowid FROM articles_fts WHERE articles_fts MATCH :match"
        return (
            "SELECT s.article_id FROM sightings_fts JOIN sightings s "
            "ON s.id = sightings_fts.rowid WHERE sightings_fts MATCH :match"
        )
    column = "id" if table == "articles" else "article_id"
    return f"SELECT {column} FROM {table} WHERE search_vector @@ CAST(:match AS tsquery)"


def _newest_first(dialect: str, f: CopyFilter, walk_dates: bool = False) -> str:
    """Newest first, as a union of conjunctive branches: {the story's own text, a copy's text}
    matches × {the original, a sighting} passes the filters. Each branch is a plain AND, so
    the planner can use the copy-date index (walk it and stop after a page when a word is
    common; use its range) or the text index (read a rare word's few matches and sort them)."""
    date = "coalesce(a.published, a.fetched_at)"
    texts = [_own_match(dialect), f"a.id IN ({_ids_sql(dialect, 'sightings')})"]
    own = _copy_condition(f, "a", "fetched_at")
    copies = _copy_condition(f, "c", "seen_at")
    passes = (
        [own, f"a.id IN (SELECT c.article_id FROM sightings c WHERE {copies})"] if own else [""]
    )
    branches = [
        f"SELECT * FROM (SELECT a.id AS id, {date} AS d FROM articles a WHERE {t} AND {_listed(f)}"
        + (f" AND {p}" if p else "")
        + f" ORDER BY d DESC, a.id DESC LIMIT :page_end) b{i}"
        for i, (t, p) in enumerate((t, p) for t in texts for p in passes)
    ]
    if walk_dates:  # SQLite, a common word in the stories' own text: see find_stories
        walk = "FROM articles a INDEXED BY ix_articles_copy_date WHERE"
        branches[0] = branches[0].replace("FROM articles a WHERE", walk)
    return f"SELECT id, NULL AS score FROM ({' UNION '.join(branches)}) u ORDER BY d DESC, id DESC"


def _statement(
    dialect: str,
    query: TextQuery | None,
    f: CopyFilter,
    sort: str,
    *,
    count: bool,
    walk_dates: bool = False,
) -> str:
    where = _story_filter(f)
    date = "coalesce(a.published, a.fetched_at)"
    if query is None:
        body = "FROM articles a" + (f" WHERE {where}" if where else "")
        if count:
            return f"SELECT count(*) {body}"
        return f"SELECT a.id, NULL AS score {body} ORDER BY {date} DESC, a.id DESC"
    ranked = sort == "relevance" and not count
    if count:
        own, copies = _ids_sql(dialect, "articles"), _ids_sql(dialect, "sightings")
        matched = f"(a.id IN ({own}) OR a.id IN ({copies}))"
        return f"SELECT count(*) FROM articles a WHERE {matched}" + (
            f" AND {where}" if where else ""
        )
    if not ranked:
        return _newest_first(dialect, f, walk_dates)
    hits = _hits_sql(dialect, ranked)
    body = (
        f"FROM (SELECT story, max(score) AS score FROM ({hits}) h GROUP BY story) st "
        "JOIN articles a ON a.id = st.story" + (f" WHERE {where}" if where else "")
    )
    if count:
        return f"SELECT count(*) {body}"
    order = "st.score DESC" if ranked else f"{date} DESC"
    return f"SELECT a.id, st.score {body} ORDER BY {order}, a.id DESC"


def _params(session: Session, query: TextQuery | None, f: CopyFilter) -> tuple[str, dict[str, Any]]:
    dialect = session.get_bind().dialect.name
    params: dict[str, Any] = {}
    if query is not None:
        params["match"] = fts5_match(query) if dialect == "sqlite" else tsquery(query)
    if f.outlets:
        params["outlets"] = list(f.outlets)
    if f.source is not None:
        params["source"] = f.source
    if f.min_relevance is not None:
        params["min_relevance"] = f.min_relevance
    for name in ("since", "until", "fetched_since"):
        if getattr(f, name) is not None:
            params[name] = getattr(f, name)
    return dialect, params


def _bind(sql: str, params: dict[str, Any]) -> Any:
    stmt = text(sql)
    binds = [bindparam(n, type_=UTCDateTime()) for n in ("since", "until", "fetched_since")]
    if "outlets" in params:
        binds.append(bindparam("outlets", expanding=True))
    return stmt.bindparams(*(b for b in binds if b.key in params))


def find_stories(
    session: Session,
    query: TextQuery | None,
    filters: CopyFilter = CopyFilter(),
    *,
    sort: str = "date",
    limit: int = 50,
    offset: int = 0,
) -> list[StoryHit]:
    """One page of matching stories, best or newest first (by the original's own date)."""
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {', '.join(SORTS)}")
    dialect, params = _params(session, query, filters)
    walk = dialect == "sqlite" and query is not None and sort == "date" and _common(session, params)
    sql = _statement(dialect, query, filters, sort, count=False, walk_dates=walk)
    sql += " LIMIT :limit OFFSET :offset"
    params.update(limit=limit, offset=offset)
    if ":page_end" in sql:
        params["page_end"] = limit + offset
    rows = session.execute(_bind(sql, params), params)
    return [StoryHit(int(sid), None if score is None else float(score)) for sid, score in rows]


# A word matched by at least this many articles is "common" (SQLite, newest first).
COMMON = 2000


def _common(session: Session, params: dict[str, Any]) -> bool:
    """Whether the text matches at least ``COMMON`` articles, found by reading no further.

    SQLite's planner estimates every FTS5 match as small, so it looks up each matching row and
    sorts them all: fine for a rare word, seconds for one in half the store. For a common word
    the copy-date index is walked instead, newest first, and the walk stops after a page."""
    sql = (
        "SELECT count(*) FROM (SELECT rowid FROM articles_fts "
        "WHERE articles_fts MATCH :match LIMIT :cap)"
    )
    found = session.execute(text(sql), {"match": params["match"], "cap": COMMON}).scalar_one()
    return int(found) >= COMMON


def count_stories(
    session: Session, query: TextQuery | None, filters: CopyFilter = CopyFilter()
) -> int:
    dialect, params = _params(session, query, filters)
    sql = _statement(dialect, query, filters, "date", count=True)
    return int(session.execute(_bind(sql, params), params).scalar_one())


def load_stories(session: Session, ids: Sequence[int]) -> list[Article]:
    """The stories' originals with their sightings, in the order of ``ids``."""
    if not ids:
        return []
    found = session.scalars(
        select(Article).where(Article.id.in_(ids)).options(selectinload(Article.sightings))
    ).all()
    by_id = {a.id: a for a in found}
    return [by_id[i] for i in ids if i in by_id]


def get_sighting(session: Session, sighting_id: int) -> Sighting | None:
    return session.scalar(
        select(Sighting)
        .where(Sighting.id == sighting_id)
        .options(selectinload(Sighting.original).selectinload(Article.sightings))
    )


def rewrite_search_text(session: Session, document: Callable[..., str], batch: int = 1000) -> int:
    """Recompute ``search_text`` of every article and sighting with ``document(*fields)``;
    the full-text indexes follow (triggers on SQLite, a generated column on PostgreSQL)."""
    n = 0
    last = 0
    while articles := session.scalars(
        select(Article).where(Article.id > last).order_by(Article.id).limit(batch)
    ).all():
        for a in articles:
            n += _set_search_text(a, document(a.title, a.lead, a.body))
        last = articles[-1].id
        session.flush()
        session.expunge_all()
    last = 0
    while sightings := session.scalars(
        select(Sighting).where(Sighting.id > last).order_by(Sighting.id).limit(batch)
    ).all():
        for s in sightings:
            n += _set_search_text(s, document(s.title, s.body))
        last = sightings[-1].id
        session.flush()
        session.expunge_all()
    return n


def _set_search_text(row: Article | Sighting, new: str) -> int:
    if row.search_text == new:
        return 0
    row.search_text = new
    return 1
