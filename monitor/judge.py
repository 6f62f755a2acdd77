"""The judge's equipment: outlets, the relevance model and the near-duplicate index.

``monitor.verdict.judge_page`` decides; this class holds what deciding needs, loaded once per
process (one pass over the fingerprints table), so each page afterwards is judged without
scanning any table. It reads the store and never writes it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from monitor.dedup import DedupIndex, Fingerprint, Match
from monitor.dedup.index import LayeredIndex
from monitor.outlets import Outlet, load_outlets, outlet_for_url
from storage import reads
from storage.db import derived_path

if TYPE_CHECKING:
    from monitor.extract import Extracted
    from monitor.relevance import Relevance, RelevanceModel

log = logging.getLogger(__name__)

# Ids a catch-up looks back over below the highest id it has read. PostgreSQL hands out ids
# when a row is inserted, not when it is committed, so a row from another process may become
# visible after higher ids have: a short per-page transaction leaves such a gap open only while
# a few other pages commit, far fewer than this.
CATCH_UP_LOOKBACK = 512


def catch_up_lookback(engine: Engine) -> int:
    """``CATCH_UP_LOOKBACK``, or none for SQLite: there a writer holds the database's one write
    lock from its first insert to its commit, so rows become visible in id order and none can
    appear below the highest id read. Looking back cost the crawl's writer two scans of 512 ids
    for every stored page (a tenth of its time with ``--jobs``)."""
    return 0 if engine.dialect.name == "sqlite" else CATCH_UP_LOOKBACK


class Judge:
    def __init__(
        self,
        engine: Engine,
        outlets: Mapping[str, Outlet] | None = None,
        topic_terms: str | None = None,
        relevance_model: RelevanceModel | None = None,
        *,
        actors: str | None = None,
        weights: str | None = None,
        threshold: float | None = None,
        band: float | None = None,
    ) -> None:
        from monitor.dedup.persist import BASE_SUFFIX, load_index
        from monitor.relevance import RelevanceModel

        self.engine = engine
        self.lookback = catch_up_lookback(engine)
        self.outlets = dict(outlets) if outlets is not None else load_outlets()
        self.relevance_model = relevance_model or RelevanceModel.load(
            topic_terms, actors=actors, weights=weights, threshold=threshold, band=band
        )
        base = derived_path(engine.url.render_as_string(hide_password=False), BASE_SUFFIX)
        with Session(engine) as session:
            # A persisted base mapped from disk plus the rows stored since (monitor.dedup.persist)
            read_only = engine.url.query.get("mode") == "ro"
            self.index: DedupIndex | LayeredIndex = load_index(session, base, write=not read_only)
            self.max_id = reads.max_fingerprinted_id(session)
            self.seed_files = reads.seed_files(session)
            # Ids at the top of the store that the index holds (or chose to skip), so a
            # catch-up fetches only the rows it has not seen.
            self.known: set[int] = set(
                reads.fingerprint_ids_after(session, self.max_id - self.lookback)
            )

    def outlet_of(self, url: str) -> Outlet | None:
        return outlet_for_url(url, self.outlets)

    def extract(
        self, body: bytes | str, url: str, declared: str | None = None, outlet: Outlet | None = None
    ) -> Extracted:
        """Extracted fields, or raises ``ExtractionError`` with a one-line reason."""
        from monitor.encoding import decode_html
        from monitor.extract import extract

        html = decode_html(body, declared) if isinstance(body, bytes) else body
        return extract(html, url, outlet or self.outlet_of(url))

    def language(self, extracted: Extracted) -> str:
        from monitor.language import detect_language

        return detect_language(f"{extracted.title}\n{extracted.lead or ''}\n{extracted.text}")

    def url_duplicate(self, session: Session, canonical_url: str | None) -> Match | None:
        """A page whose canonical URL is already stored, as an article or a sighting."""
        if not canonical_url:
            return None
        article_id = reads.article_for_url(session, canonical_url)
        return Match("url", article_id, 1.0) if article_id is not None else None

    def catch_up(self, session: Session) -> int:
        """Index fingerprints other processes stored since this judge loaded, so concurrent
        crawls (one-off crawls beside the daemon, ``monitor worker`` processes) dedup each
        other: the ids above ``max_id - lookback`` (one index range scan), then the
        bytes of the ones not yet known."""
        ids = reads.fingerprint_ids_after(session, self.max_id - self.lookback)
        missing = [i for i in ids if i not in self.known]
        rows = reads.fingerprints_of(session, missing) if missing else []
        for article_id, data in rows:
            self.index.add(article_id, Fingerprint.from_bytes(data))
        self.known.update(missing)
        if ids:
            self.max_id = max(self.max_id, max(ids))
            low = self.max_id - self.lookback
            if len(self.known) > 4 * CATCH_UP_LOOKBACK:
                self.known = {i for i in self.known if i > low}
        return len(rows)

    def live_match(self, session: Session, fp: Fingerprint) -> Match | None:
        """``index.query``, skipping originals that are no longer stories: another process
        may have made a racing copy a sighting of its earlier twin since this index added it."""
        match = self.index.query(fp)
        while match is not None and not reads.article_exists(session, match.of):
            self.index.remove(match.of)
            match = self.index.query(fp)
        return match

    def relevance(self, extracted: Extracted) -> Relevance:
        return self.relevance_model.score(extracted.title, extracted.text, extracted.lead)

    def label_of(self, session: Session, canonical_url: str | None) -> str | None:
        """An analyst's verdict on this page, which overrides the model."""
        return reads.label_of(session, canonical_url) if canonical_url else None

    def remember(self, article_id: int, fp: Fingerprint) -> None:
        """Add a newly stored article to the index, so later pages are compared with it."""
        self.index.add(article_id, fp)
        self.known.add(article_id)

    def forget(self, article_id: int) -> None:
        """Drop an article's old fingerprint (before a revision adds the new one)."""
        self.index.remove(article_id)

    def describe(self, dup: Match | None) -> dict[str, object] | None:
        """The JSON shape of a duplicate: ``of`` is the seed file name for a seed."""
        if dup is None:
            return None
        return {
            "kind": dup.kind,
            "of": self.seed_files.get(dup.of, dup.of),
            "score": round(dup.score, 4),
        }
