"""The near-duplicate index, rebuilt from the ``fingerprints`` table at start-up.

Fingerprints made with another normalizer or scheme version are recomputed from the stored
text first: a hazm upgrade or a rule change must re-fingerprint, never silently miss.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Article, Fingerprint
from storage.writes import save_fingerprint

log = logging.getLogger(__name__)


def refresh_fingerprints(session: Session) -> int:
    """Recompute fingerprints whose version is not the current one; returns how many."""
    from monitor.dedup import fingerprint

    current = fingerprint("").version
    stale = session.scalars(
        select(Article).join(Fingerprint).where(Fingerprint.version != current)
    ).all()
    missing = session.scalars(
        select(Article).outerjoin(Fingerprint).where(Fingerprint.article_id.is_(None))
    ).all()
    for article in [*stale, *missing]:
        save_fingerprint(session, article, article.body if article.seed_file else None)
    if stale or missing:
        log.warning("re-fingerprinted %d articles (version %s)", len(stale) + len(missing), current)
    return len(stale) + len(missing)


def load_index(session: Session):  # type: ignore[no-untyped-def]
    """A ``DedupIndex`` over the seeds and every stored article."""
    from monitor.dedup import DedupIndex

    if refresh_fingerprints(session):
        session.commit()
    rows = session.execute(
        select(Fingerprint.article_id, Fingerprint.data).order_by(Fingerprint.article_id)
    )
    # Straight from the stored bytes, streamed: no Fingerprint objects at start-up.
    return DedupIndex.from_blobs((aid, bytes(data)) for aid, data in rows)
