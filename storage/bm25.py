"""FTS5's BM25 for a window of articles, without FTS5's pass over every match (SQLite).

``bm25()`` scores a row as the sum over the query's phrases of

    IDF(phrase) * f * (k1 + 1) / (f + k1 * (1 - b + b * D / avgdl))

with k1 = 1.2, b = 0.75, ``f`` the phrase's occurrences in the row, ``D`` the row's length in
tokens, ``avgdl`` the index's mean length, and IDF = log((N - n + 0.5) / (n + 0.5)) (at least
1e-6) over the N rows of the index, ``n`` of them holding the phrase. It finds ``n`` by walking
the phrase's whole list of matches once per query: for words in half of a 1,000,000-article
store that pass is about 40 ms a word, while the 200 rows of the ranked window take 0.1 ms to
read.

Here every term holding at least ``MIN_CACHED_DOCS`` articles has its count kept in
``search_term_docs`` (migration 0012), refreshed by ``refresh_term_docs`` when the index has
changed by more than ``STALE_FRACTION`` since (the daemon after a crawl, the benchmark after a
build, ``monitor reindex``); any other phrase is counted in the index, where its list is short
(a rarer word) or as long as ``bm25()`` would walk (a phrase of several words). N and the
total length come from FTS5's own averages record, ``D`` from its per-row sizes, ``f`` from the
row's stored ``search_text``, so the score is FTS5's to the last bit while the counts are
current. When the counts are missing or stale, or a row's text does not split into the tokens
FTS5 counted, the caller falls back to ``bm25()``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Connection, bindparam, text

if TYPE_CHECKING:  # the reading commands import no ORM
    from storage.rows import Reader

K1 = 1.2
B = 0.75
# Terms in at least this many articles have their count cached; counting a rarer one in the
# index reads at most this many entries (plus what the store gained since), about 0.1 ms.
MIN_CACHED_DOCS = 1000
# The cached counts are used while the index's row and token totals are within this fraction
# of what they were when counted: a count is then off by at most that share of the store.
STALE_FRACTION = 0.03
# False: always FTS5's ``bm25()`` (the benchmark's ``--bm25`` compares the two).
USE_CACHED_COUNTS = True
# The index the cache is counted in; ``articles_date_fts`` holds the same rows and tokens.
COUNTED_INDEX = "articles_fts"

Phrase = tuple[str, ...]


def _varints(blob: bytes) -> list[int]:
    """SQLite's big-endian varints (FTS5's averages record and per-row sizes)."""
    out: list[int] = []
    i = 0
    while i < len(blob):
        value = 0
        for k in range(9):
            byte = blob[i]
            i += 1
            if k == 8:
                value = (value << 8) | byte
                break
            value = (value << 7) | (byte & 0x7F)
            if not byte & 0x80:
                break
        out.append(value)
    return out


def index_totals(conn: Reader, fts: str) -> tuple[int, int]:
    """(rows, tokens) of an FTS5 index, from its averages record (what ``bm25()`` reads)."""
    blob = conn.execute(text(f"SELECT block FROM {fts}_data WHERE id = 1")).scalar()
    if not blob:
        return 0, 0
    values = _varints(bytes(blob))
    return values[0], sum(values[1:])


def _state(session: Reader) -> tuple[int, int] | None:
    present = session.execute(
        text("SELECT 1 FROM sqlite_master WHERE name = 'search_term_docs_state'")
    ).first()
    if present is None:  # a store before migration 0012, opened without upgrading it
        return None
    row = session.execute(text("SELECT rows, tokens FROM search_term_docs_state")).first()
    return (int(row[0]), int(row[1])) if row else None


def _near(now: int, then: int) -> bool:
    return abs(now - then) <= STALE_FRACTION * then


def is_current(session: Reader, fts: str = COUNTED_INDEX) -> bool:
    """Whether the cached counts may be used for ``fts`` (its totals near the counted ones)."""
    state = _state(session)
    if state is None:
        return False
    rows, tokens = index_totals(session, fts)
    return rows > 0 and _near(rows, state[0]) and _near(tokens, state[1])


def refresh_term_docs(session: Reader, min_docs: int | None = None) -> int:
    """Count every term of the articles' index held by at least ``min_docs`` articles and
    replace the cache with them; returns how many. Reads the whole index (about 12 s at
    1,000,000 articles); the write is short. The caller commits."""
    min_docs = MIN_CACHED_DOCS if min_docs is None else min_docs
    vocab = "temp.search_term_docs_vocab"
    session.execute(text(f"DROP TABLE IF EXISTS {vocab}"))
    session.execute(
        text(f"CREATE VIRTUAL TABLE {vocab} USING fts5vocab(main, {COUNTED_INDEX}, 'row')")
    )
    try:
        rows, tokens = index_totals(session, COUNTED_INDEX)
        counts = session.execute(
            text(f"SELECT term, doc FROM {vocab} WHERE doc >= :m"), {"m": min_docs}
        ).all()
    finally:
        session.execute(text(f"DROP TABLE IF EXISTS {vocab}"))
    session.execute(text("DELETE FROM search_term_docs"))
    if counts:
        session.execute(
            text("INSERT INTO search_term_docs (term, docs) VALUES (:t, :d)"),
            [{"t": t, "d": d} for t, d in counts],
        )
    session.execute(
        text(
            "INSERT OR REPLACE INTO search_term_docs_state (id, rows, tokens, min_docs, "
            "counted_at) VALUES (1, :r, :k, :m, :at)"
        ),
        {"r": rows, "k": tokens, "m": min_docs, "at": datetime.now(UTC).isoformat()},
    )
    return len(counts)


def _sqlite(reader: Reader) -> bool:
    bind = reader if isinstance(reader, Connection) else reader.get_bind()
    return bind.dialect.name == "sqlite"


def refresh_if_stale(session: Reader) -> bool:
    """Refresh the counts when missing or stale; whether it did. The caller commits."""
    if not _sqlite(session) or is_current(session):
        return False
    rows, _ = index_totals(session, COUNTED_INDEX)
    if rows == 0 and _state(session) is None:
        return False
    refresh_term_docs(session)
    return True


def forget_term_docs(session: Reader) -> None:
    """Drop the counts (after the search text was rewritten): ``bm25()`` until a refresh."""
    if _sqlite(session):
        session.execute(text("DELETE FROM search_term_docs_state"))
        session.execute(text("DELETE FROM search_term_docs"))


def _match(phrase: Phrase) -> str:
    return '"' + " ".join(phrase) + '"'


def doc_counts(session: Reader, fts: str, phrases: Iterable[Phrase]) -> dict[Phrase, int] | None:
    """How many rows of ``fts`` hold each phrase, or None when the cache is not current. A
    single word is read from the cache (absent: it had fewer than ``MIN_CACHED_DOCS`` when
    counted, so counting it in the index is cheap); a phrase of several words is counted in
    the index, as ``bm25()`` does."""
    if not USE_CACHED_COUNTS or not is_current(session, fts):
        return None
    wanted = sorted(set(phrases))
    words = [p[0] for p in wanted if len(p) == 1]
    cached: dict[str, int] = {}
    if words:
        stmt = text("SELECT term, docs FROM search_term_docs WHERE term IN :terms").bindparams(
            bindparam("terms", expanding=True)
        )
        cached = {t: int(d) for t, d in session.execute(stmt, {"terms": words})}
    out: dict[Phrase, int] = {}
    for p in wanted:
        if len(p) == 1 and p[0] in cached:
            out[p] = cached[p[0]]
        else:
            sql = f"SELECT count(*) FROM {fts} WHERE {fts} MATCH :p"
            out[p] = int(session.execute(text(sql), {"p": _match(p)}).scalar_one())
    return out


def _occurrences(tokens: Sequence[str], phrase: Phrase) -> int:
    if len(phrase) == 1:
        return tokens.count(phrase[0])
    n = len(phrase)
    first = phrase[0]
    return sum(
        1
        for i in range(len(tokens) - n + 1)
        if tokens[i] == first and tuple(tokens[i : i + n]) == phrase
    )


def window_scores(
    session: Reader, fts: str, phrases: Sequence[Phrase], rows: dict[int, int]
) -> dict[int, float] | None:
    """BM25 (higher is better, ``-bm25()``) of articles whose own text matches, given as
    {article id: their rowid in ``fts``}, for the query's positive ``phrases`` in the order
    of its MATCH expression (excluded phrases add nothing to a matching row). None when the
    counts are not current or a row's text does not split into the tokens FTS5 counted."""
    if not rows:
        return {}
    counts = doc_counts(session, fts, phrases)
    if counts is None:
        return None
    n_rows, n_tokens = index_totals(session, fts)
    avgdl = float(n_tokens) / float(n_rows)
    idf = []
    for p in phrases:
        hits = min(counts[p], n_rows)  # a cached count may exceed a store that shrank
        value = math.log((n_rows - hits + 0.5) / (hits + 0.5))
        idf.append(value if value > 0.0 else 1e-6)
    sizes_sql = text(f"SELECT id, sz FROM {fts}_docsize WHERE id IN :keys").bindparams(
        bindparam("keys", expanding=True)
    )
    found = session.execute(sizes_sql, {"keys": list(rows.values())})
    sizes = {int(k): bytes(sz) for k, sz in found}
    texts_sql = text("SELECT id, search_text FROM articles WHERE id IN :ids").bindparams(
        bindparam("ids", expanding=True)
    )
    texts = {int(i): t or "" for i, t in session.execute(texts_sql, {"ids": list(rows)})}
    scores: dict[int, float] = {}
    for story, key in rows.items():
        tokens = texts.get(story, "").split()
        size = sizes.get(key)
        if size is None or _varints(size)[0] != len(tokens):
            return None
        length = float(len(tokens))
        score = 0.0
        for i, p in enumerate(phrases):
            f = float(_occurrences(tokens, p))
            score += idf[i] * ((f * (K1 + 1.0)) / (f + K1 * (1 - B + B * length / avgdl)))
        scores[story] = score
    return scores
