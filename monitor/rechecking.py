"""``monitor recheck``: what the current normalizer and threshold would decide differently.

Stored articles are replayed in the order they were stored, each compared with the ones before
it; sightings are re-judged from the text kept with them. Nothing is changed: the report says
which decisions would flip, so an operator can judge a threshold or hazm upgrade first.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Article, Sighting
from storage.writes import fingerprint_source


def recheck_store(session: Session, threshold: float | None = None) -> list[dict[str, Any]]:
    from monitor.dedup import DedupIndex, fingerprint

    index = DedupIndex.from_rows([])
    changes: list[dict[str, Any]] = []
    for article in session.scalars(select(Article).order_by(Article.id)):
        fp = fingerprint(article.body if article.seed_file else fingerprint_source(article))
        match = index.query(fp, threshold) if not article.seed_file else None
        if match is not None:
            changes.append(
                {
                    "what": "article",
                    "id": article.id,
                    "url": article.url,
                    "was": "new article",
                    "now": f"{match.kind} duplicate of {match.of} ({match.score:.2f})",
                }
            )
        index.add(article.id, fp)
    for s in session.scalars(select(Sighting).order_by(Sighting.id)):
        if not s.body:
            continue
        match = index.query(fingerprint(s.body), threshold)
        now = f"{match.kind} duplicate of {match.of}" if match else "new article"
        if match is None or match.of != s.article_id:
            changes.append(
                {
                    "what": "sighting",
                    "id": s.id,
                    "url": s.url,
                    "was": f"{s.kind} duplicate of {s.article_id}",
                    "now": now,
                }
            )
    return changes
