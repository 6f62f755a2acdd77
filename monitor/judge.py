"""The verdict on one page: extraction, duplicate check, relevance. No Scrapy, no writes.

The crawl pipelines and ``monitor check`` both call this, so a page judged by hand gets exactly
the verdict the crawler would give it. Loading it costs one pass over the fingerprints table
(the near-duplicate index); each page afterwards is judged without scanning any table.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from monitor.outlets import Outlet, load_outlets, outlet_for_url
from storage.index import load_index
from storage.models import Article, Fingerprint, Sighting
from storage.writes import fingerprint_input

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Duplicate:
    """What a page duplicates: ``kind`` is url, exact or near; ``of`` an article id."""

    kind: str
    of: int
    score: float


def fingerprint_text(extracted: Any) -> str:
    """The extracted page's fingerprint input (see ``storage.writes.fingerprint_input``)."""
    return fingerprint_input(extracted.lead, extracted.text)


class Judge:
    def __init__(
        self,
        engine: Engine,
        outlets: Mapping[str, Outlet] | None = None,
        topic_terms: str | None = None,
    ) -> None:
        from monitor.relevance import RelevanceModel

        self.engine = engine
        self.outlets = dict(outlets) if outlets is not None else load_outlets()
        self.relevance_model = RelevanceModel.load(topic_terms)
        with Session(engine) as session:
            self.index = load_index(session)
            self.max_id = session.scalar(select(func.max(Fingerprint.article_id))) or 0
            self.seed_files: dict[int, str] = dict(
                session.execute(
                    select(Article.id, Article.seed_file).where(Article.seed_file.is_not(None))
                ).all()
            )

    def outlet_of(self, url: str) -> Outlet | None:
        return outlet_for_url(url, self.outlets)

    def extract(
        self, body: bytes | str, url: str, declared: str | None = None, outlet: Outlet | None = None
    ) -> Any:
        """Extracted fields, or raises ``ExtractionError`` with a one-line reason."""
        from monitor.encoding import decode_html
        from monitor.extract import extract

        html = decode_html(body, declared) if isinstance(body, bytes) else body
        return extract(html, url, outlet or self.outlet_of(url))

    def url_duplicate(self, session: Session, canonical_url: str | None) -> Duplicate | None:
        """A page whose canonical URL is already stored, as an article or a sighting."""
        if not canonical_url:
            return None
        article_id = session.scalar(
            select(Article.id).where(Article.canonical_url == canonical_url)
        )
        if article_id is None:
            article_id = session.scalar(
                select(Sighting.article_id).where(Sighting.canonical_url == canonical_url)
            )
        return Duplicate("url", article_id, 1.0) if article_id is not None else None

    def catch_up(self, session: Session) -> int:
        """Index fingerprints stored since this judge loaded (by other processes): one
        primary-key range query, so concurrent crawls of two outlets still dedup each other."""
        from monitor.dedup import Fingerprint as Fp

        rows = session.execute(
            select(Fingerprint.article_id, Fingerprint.data).where(
                Fingerprint.article_id > self.max_id
            )
        ).all()
        for article_id, data in rows:
            self.index.add(article_id, Fp.from_bytes(data))
            self.max_id = max(self.max_id, article_id)
        return len(rows)

    def text_duplicate(self, fp: Any) -> Duplicate | None:
        match = self.index.query(fp)
        return Duplicate(match.kind, match.of, float(match.score)) if match else None

    def relevance(self, extracted: Any) -> Any:
        return self.relevance_model.score(extracted.title, extracted.text, extracted.lead)

    def remember(self, article_id: int, fp: Any) -> None:
        """Add a newly stored article to the index, so later pages are compared with it."""
        self.index.add(article_id, fp)
        self.max_id = max(self.max_id, article_id)

    def describe(self, dup: Duplicate | None) -> dict[str, Any] | None:
        """The JSON shape of a duplicate: ``of`` is the seed file name for a seed."""
        if dup is None:
            return None
        return {
            "kind": dup.kind,
            "of": self.seed_files.get(dup.of, dup.of),
            "score": round(dup.score, 4),
        }
