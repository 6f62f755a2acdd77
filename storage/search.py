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

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, bindparam, select, text

from storage import bm25
from storage.rows import ArticleRow, SightingRow, articles, sighting

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from storage.models import Article, Sighting
    from storage.rows import Reader
from storage.types import UTCDateTime

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


def _newest_first(dialect: str, f: CopyFilter, *, skip_first: bool = False) -> str:
    """Newest first, as a union of conjunctive branches: {the story's own text, a copy's text}
    matches × {the original, a sighting} passes the filters. Each branch is a plain AND, so
    the planner can use the copy-date index (walk it and stop after a page when a word is
    common; use its range) or the text index (read a rare word's few matches and sort them).

    ``skip_first``: leave out the first branch (own text, own copy passes), which
    ``_newest`` answers by a walk; on SQLite the story's own text is then tested row by row
    where a sighting drives (one FTS5 seek each, not the word's whole doclist).
    """
    date = "coalesce(a.published, a.fetched_at)"
    own_text = _own_match(dialect)
    if skip_first and dialect == "sqlite":
        own_text = (
            "EXISTS (SELECT 1 FROM articles_fts WHERE articles_fts MATCH :match "
            "AND articles_fts.rowid = a.id)"
        )
    texts = [own_text, f"a.id IN ({_ids_sql(dialect, 'sightings')})"]
    own = _copy_condition(f, "a", "fetched_at")
    copies = _copy_condition(f, "c", "seen_at")
    passes = (
        [own, f"a.id IN (SELECT c.article_id FROM sightings c WHERE {copies})"] if own else [""]
    )
    pairs = [(t, p) for t in texts for p in passes]
    if skip_first:
        pairs = pairs[1:]
    branches = [
        f"SELECT * FROM (SELECT a.id AS id, {date} AS d FROM articles a WHERE {t} AND {_listed(f)}"
        + (f" AND {p}" if p else "")
        + f" ORDER BY d DESC, a.id DESC LIMIT :page_end) b{i}"
        for i, (t, p) in enumerate(pairs)
    ]
    return f"SELECT id, d FROM ({' UNION '.join(branches)}) u ORDER BY d DESC, id DESC"


def _statement(
    dialect: str,
    query: TextQuery | None,
    f: CopyFilter,
    *,
    count: bool,
) -> str:
    """Listing without a text query, or counting: one statement on both backends."""
    where = _story_filter(f)
    date = "coalesce(a.published, a.fetched_at)"
    if query is None:
        body = "FROM articles a" + (f" WHERE {where}" if where else "")
        if count:
            return f"SELECT count(*) {body}"
        return f"SELECT a.id, NULL AS score {body} ORDER BY {date} DESC, a.id DESC"
    own, copies = _ids_sql(dialect, "articles"), _ids_sql(dialect, "sightings")
    matched = f"(a.id IN ({own}) OR a.id IN ({copies}))"
    return f"SELECT count(*) FROM articles a WHERE {matched}" + (f" AND {where}" if where else "")


def dialect_of(reader: Reader) -> str:
    """The backend's name for a ``Connection`` or a ``Session``."""
    bind = reader if isinstance(reader, Connection) else reader.get_bind()
    return bind.dialect.name


def _params(session: Reader, query: TextQuery | None, f: CopyFilter) -> tuple[str, dict[str, Any]]:
    dialect = dialect_of(session)
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
    binds += [bindparam(n, expanding=True) for n in ("outlets", "ids")]
    return stmt.bindparams(*(b for b in binds if b.key in params and f":{b.key}" in sql))


SEARCH_WORK_MEM = "64MB"
# --sort relevance ranks the newest RANK_WINDOW matching stories (or the page's end, if later):
# ranking every match of two words found in half the store reads every match (seconds on
# 1,000,000 articles); an analyst ranking "ایران روسیه" wants the best of the recent coverage.
RANK_WINDOW = 200
# Whether the early-stopping walks are used (SQLite's date-keyed FTS5 index of migration 0007,
# PostgreSQL's probe); tests turn them off to compare against the plain plan.
EARLY_STOP = True


def find_stories(
    session: Reader,
    query: TextQuery | None,
    filters: CopyFilter = CopyFilter(),
    *,
    sort: str = "date",
    limit: int = 50,
    offset: int = 0,
) -> list[StoryHit]:
    """One page of matching stories, newest first (by the original's own date) or best first
    among the newest ``max(RANK_WINDOW, offset + limit)`` matches."""
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {', '.join(SORTS)}")
    dialect, params = _params(session, query, filters)
    if dialect == "postgresql" and query is not None:
        # A bitmap of a common word's matches larger than work_mem turns lossy, and every row
        # of a lossy page is tested again, reading its tsvector: give the bitmaps room (for
        # this transaction only).
        session.execute(text(f"SET LOCAL work_mem = '{SEARCH_WORK_MEM}'"))
    if query is None:
        sql = _statement(dialect, None, filters, count=False) + " LIMIT :limit OFFSET :offset"
        params.update(limit=limit, offset=offset)
        rows = session.execute(_bind(sql, params), params)
        return [StoryHit(int(sid), None) for sid, _ in rows]
    page_end = limit + offset
    if sort == "date":
        newest = _newest(session, dialect, filters, params, page_end)
        return [StoryHit(sid, None) for sid, _ in newest[offset:page_end]]
    window = _newest(session, dialect, filters, params, max(RANK_WINDOW, page_end))
    scores = _scores(session, dialect, filters, params, window, query)
    ranked = sorted((sid for sid, _ in window), key=lambda sid: (-scores.get(sid, 0.0), -sid))
    return [StoryHit(sid, scores.get(sid, 0.0)) for sid in ranked[offset:page_end]]


def _newest(
    session: Reader, dialect: str, f: CopyFilter, params: dict[str, Any], n: int
) -> list[tuple[int, Any]]:
    """The ``n`` newest matching stories passing the filters: (id, sort date), newest first.

    The first branch (own text, original passes) is the one that meets a common word; it is
    answered by an early-stopping walk: SQLite's date-keyed index (``_keyed_walk``), on
    PostgreSQL the copy-date index then date windows of the text index (``_pg_own``)."""
    first: list[tuple[int, Any]] | None = None
    if dialect == "sqlite" and EARLY_STOP:
        first = _keyed_walk(session, f, params, n)
    elif dialect == "postgresql" and EARLY_STOP:
        first = _pg_own(session, f, params, n)
    sql = _newest_first(dialect, f, skip_first=first is not None) + " LIMIT :page_end"
    args = {**params, "page_end": n}
    rows = [(int(i), d) for i, d in session.execute(_bind(sql, args), args)]
    if first is not None:
        seen = {i for i, _ in rows}
        rows += [r for r in first if r[0] not in seen]
        rows.sort(key=lambda r: (r[1], r[0]), reverse=True)
    return rows[:n]


# PostgreSQL: the newest-first walk tests the words on at most WALK_FACTOR rows per story wanted
# (each ``@@`` test reads the row's tsvector); a pair rarer than that is looked up in the text
# index one date window at a time (``_pg_windows``).
WALK_FACTOR = 10
# How much wider than the estimate a date window is taken: a window short of matches costs
# another round, one too wide costs the heap reads of the extra matches.
WINDOW_MARGIN = 2.0


def _pg_own(
    session: Reader, f: CopyFilter, params: dict[str, Any], n: int
) -> list[tuple[int, Any]]:
    """The first branch on PostgreSQL (own text matches, the original passes the filters):
    the ``n`` newest, exactly, whatever the words' frequency.

    A common pair is found by walking the copy-date index newest first and testing the words
    on each row, stopping after ``n`` matches. When ``WALK_FACTOR * n`` rows hold fewer, the
    pair is rarer and the walk would read 1/density rows per story; the GIN index's
    matches are then intersected with a date window just before the walk's last row (a
    bitmap AND), sized from the density and the row rate the walk saw, widened until ``n``
    are found. Left to itself the planner either walks (hundreds of ms for a pair in 1 % of a
    1,000,000-article store) or reads every match's row to sort them (as slow for a pair in
    a few per cent)."""
    date = "coalesce(a.published, a.fetched_at)"
    own = _copy_condition(f, "a", "fetched_at")
    where = _listed(f) + (f" AND {own}" if own else "")
    walk = (
        f"SELECT a.id AS id, {date} AS d, a.search_vector AS v FROM articles a WHERE {where} "
        "ORDER BY d DESC, a.id DESC LIMIT :scan"
    )
    scan = WALK_FACTOR * n
    args = {**params, "scan": scan, "n": n}
    sql = (
        f"SELECT id, d FROM ({walk}) w WHERE v @@ CAST(:match AS tsquery) "
        "ORDER BY d DESC, id DESC LIMIT :n"
    )
    rows = [(int(i), d) for i, d in session.execute(_bind(sql, args), args)]
    if len(rows) == n:
        return rows
    stats = f"SELECT count(*), max(d), min(d), (array_agg(id ORDER BY d, id))[1] FROM ({walk}) w"
    read, newest, oldest, oldest_id = session.execute(_bind(stats, args), args).one()
    if read < scan:  # the walk read every row passing the filters
        return rows
    return rows + _pg_windows(
        session, where, params, n - len(rows), f, (oldest, int(oldest_id)),
        density=(len(rows) + 1) / read,
        rate=read / max((newest - oldest).total_seconds(), 1.0),
    )  # fmt: skip


def _pg_windows(
    session: Reader,
    where: str,
    params: dict[str, Any],
    need: int,
    f: CopyFilter,
    below: tuple[datetime, int],
    *,
    density: float,
    rate: float,
) -> list[tuple[int, Any]]:
    """The ``need`` newest matches older than ``below`` (a (date, id) pair), read from the GIN
    index a date window at a time, newest window first. ``density`` (matches per row) and
    ``rate`` (rows per second) size the first window; each window that falls short doubles the
    next one's span, and once a window would reach past the oldest row (or ``since``) the last
    one has no lower bound."""
    date = "coalesce(a.published, a.fetched_at)"
    floor = session.execute(text(f"SELECT min({date}) FROM articles a")).scalar_one()
    if f.since is not None and (floor is None or f.since > floor):
        floor = f.since
    found: list[tuple[int, Any]] = []
    hi_date, hi_id = below
    span = WINDOW_MARGIN * need / density / rate
    while need > 0:
        lo = hi_date - timedelta(seconds=span)
        last = floor is None or lo <= floor
        # The ORDER BY on ``d + 0`` keeps the planner off the newest-first walk of the date
        # index (what this replaces): it intersects the GIN and date indexes and sorts the
        # window's matches.
        sql = (
            f"SELECT a.id, {date} AS d FROM articles a "
            f"WHERE a.search_vector @@ CAST(:match AS tsquery) AND {where} "
            f"AND {date} <= :hi_date AND ({date}, a.id) < (:hi_date, :hi_id)"
            + ("" if last else f" AND {date} >= :lo")
            + f" ORDER BY {date} + interval '0' DESC, a.id DESC LIMIT :need"
        )
        args = {**params, "hi_date": hi_date, "hi_id": hi_id, "lo": lo, "need": need}
        rows = [(int(i), d) for i, d in session.execute(_bind(sql, args), args)]
        found += rows
        need -= len(rows)
        if last:
            break
        hi_date, hi_id = lo, 0
        span *= 2
    return found


# SQLite's date key (migration 0007): seconds since 2000 of the sort date × 2**31 + id.
_KEY_UNIT = 2**31
_EPOCH_2000 = datetime(2000, 1, 1, tzinfo=UTC)


def _key_of(when: datetime) -> int:
    """The lowest key of ``when``'s second (the key counts whole seconds)."""
    return math.floor((when - _EPOCH_2000).total_seconds()) * _KEY_UNIT


def _key_range(f: CopyFilter) -> tuple[int | None, int | None]:
    """Keys that can hold the filter's dates, a second wider on each side (a superset: the
    exact date test runs too)."""
    lo = None if f.since is None else _key_of(f.since) - _KEY_UNIT
    hi = None if f.until is None else _key_of(f.until) + 2 * _KEY_UNIT
    return lo, hi


def _keyed_walk(
    session: Reader, f: CopyFilter, params: dict[str, Any], n: int
) -> list[tuple[int, Any]]:
    """Stories whose own text matches and whose original passes the filters, newest first:
    the date-keyed FTS5 index read backwards from the newest key (or the filter's end date),
    each match's article looked up, stopping after ``n``. The key orders by the second, so
    the rest of the last row's second is read too and the exact (date, id) order decides."""
    own = _copy_condition(f, "a", "fetched_at")
    lo, hi = _key_range(f)

    def walk(lo: int | None, hi: int | None, limit: int | None) -> list[tuple[int, Any, int]]:
        sql = (
            "SELECT a.id, coalesce(a.published, a.fetched_at) AS d, articles_date_fts.rowid "
            "FROM articles_date_fts JOIN articles a "
            f"ON a.id = (articles_date_fts.rowid & {_KEY_UNIT - 1}) "
            f"WHERE articles_date_fts MATCH :match AND {_listed(f)}"
            + (f" AND {own}" if own else "")
            + ("" if lo is None else " AND articles_date_fts.rowid >= :key_lo")
            + ("" if hi is None else " AND articles_date_fts.rowid < :key_hi")
            + " ORDER BY articles_date_fts.rowid DESC"
            + ("" if limit is None else " LIMIT :n")
        )
        args = {**params, "key_lo": lo, "key_hi": hi, "n": limit}
        return [(int(i), d, int(k)) for i, d, k in session.execute(_bind(sql, args), args)]

    rows = walk(lo, hi, n)
    if len(rows) == n:  # the rest of the last row's second
        last = rows[-1][2]
        second = last - last % _KEY_UNIT
        rows += walk(second if lo is None else max(lo, second), last, None)
    return [(i, d) for i, d, _ in rows]


def _scores(
    session: Reader,
    dialect: str,
    f: CopyFilter,
    params: dict[str, Any],
    window: list[tuple[int, Any]],
    query: TextQuery,
) -> dict[int, float]:
    """Each windowed story's best score over its matching copies (BM25 on SQLite, ``ts_rank``
    on PostgreSQL).

    On SQLite the originals that match are read from the date-keyed index from the window's
    oldest second on (one pass over a cursor, not one per story), and scored by
    ``storage.bm25`` from cached document counts; while those are missing or stale, by FTS5's
    ``bm25()``, which counts every row holding each word once per query."""
    if not window:
        return {}
    ids = [sid for sid, _ in window]
    wanted = set(ids)
    args = {**params, "ids": ids}
    if dialect == "sqlite":
        fts = "articles_date_fts" if EARLY_STOP else "articles_fts"
        if EARLY_STOP:
            story = f"rowid & {_KEY_UNIT - 1}"
            oldest = min(_as_datetime(d) for _, d in window)
            args["key_lo"] = _key_of(oldest) - _KEY_UNIT
            args["key_hi"] = _key_range(f)[1]
            where = "rowid >= :key_lo" + ("" if f.until is None else " AND rowid < :key_hi")
        else:
            story, where = "rowid", "rowid IN :ids"
        matched = f"SELECT {story} AS story, rowid FROM {fts} WHERE {fts} MATCH :match AND {where}"
        copies = (
            "SELECT s.article_id, -bm25(sightings_fts) FROM sightings_fts JOIN sightings s "
            "ON s.id = sightings_fts.rowid WHERE sightings_fts MATCH :match "
            "AND s.article_id IN :ids"
        )
        keys = {
            int(sid): int(key)
            for sid, key in session.execute(_bind(matched, args), args)
            if int(sid) in wanted
        }
        positive = [p for group in query.groups for p in group]
        own = bm25.window_scores(session, fts, positive, keys)
        if own is not None:
            scores = dict(own)
            for sid, score in session.execute(_bind(copies, args), args):
                sid, score = int(sid), float(score)
                scores[sid] = max(score, scores.get(sid, score))
            return {sid: s for sid, s in scores.items() if sid in wanted}
        own_sql = (
            f"SELECT {story} AS story, -bm25({fts}) AS score FROM {fts} "
            f"WHERE {fts} MATCH :match AND {where}"
        )
    else:
        q = "(SELECT CAST(:match AS tsquery) AS q) q"
        own_sql = (
            f"SELECT a.id AS story, ts_rank(a.search_vector, q.q) AS score FROM articles a, {q} "
            "WHERE a.id IN :ids AND a.search_vector @@ q.q"
        )
        copies = (
            f"SELECT s.article_id, ts_rank(s.search_vector, q.q) FROM sightings s, {q} "
            "WHERE s.article_id IN :ids AND s.search_vector @@ q.q"
        )
    sql = f"SELECT story, max(score) FROM ({own_sql} UNION ALL {copies}) h GROUP BY story"
    rows = session.execute(_bind(sql, args), args)
    return {int(sid): float(score) for sid, score in rows if int(sid) in wanted}


def _as_datetime(value: Any) -> datetime:
    """A sort date as read by a text query: a ``datetime`` (PostgreSQL) or SQLite's text."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


def count_stories(
    session: Reader, query: TextQuery | None, filters: CopyFilter = CopyFilter()
) -> int:
    dialect, params = _params(session, query, filters)
    sql = _statement(dialect, query, filters, count=True)
    return int(session.execute(_bind(sql, params), params).scalar_one())


def load_stories(session: Reader, ids: Sequence[int]) -> list[ArticleRow]:
    """The stories' originals with their sightings, in the order of ``ids``."""
    return articles(session, ids)


def get_sighting(session: Reader, sighting_id: int) -> SightingRow | None:
    """A sighting with its original and the original's other sightings."""
    return sighting(session, sighting_id)


def rewrite_search_text(session: Session, document: Callable[..., str], batch: int = 1000) -> int:
    """Recompute ``search_text`` of every article and sighting with ``document(*fields)``;
    the full-text indexes follow (triggers on SQLite, a generated column on PostgreSQL)."""
    from storage.models import Article, Sighting

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
    if n:  # the cached document counts no longer describe the index
        bm25.forget_term_docs(session)
    return n


def _set_search_text(row: Article | Sighting, new: str) -> int:
    if row.search_text == new:
        return 0
    row.search_text = new
    return 1
