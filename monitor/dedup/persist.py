"""The near-duplicate index and the store: rebuilt from stored bytes, refreshed when stale.

Fingerprints made with another normalizer or scheme version are recomputed from the stored
text first: a hazm upgrade or a rule change must re-fingerprint, never silently miss.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from monitor.dedup import fingerprint_input
from monitor.dedup.fingerprints import FINGERPRINT_VERSION, Fingerprint, fingerprint
from monitor.dedup.index import DedupIndex
from storage import reads
from storage.writes import FingerprintBlob, save_fingerprint

log = logging.getLogger(__name__)


def blob(fp: Fingerprint) -> FingerprintBlob:
    return FingerprintBlob(fp.content_hash, fp.to_bytes(), fp.version)


def refresh_fingerprints(session: Session) -> int:
    """Recompute fingerprints whose version is not the current one; returns how many."""
    articles = reads.articles_needing_fingerprint(session, FINGERPRINT_VERSION)
    for article in articles:
        text = article.body if article.seed_file else fingerprint_input(article.lead, article.body)
        save_fingerprint(session, article, blob(fingerprint(text)))
    if articles:
        log.warning("re-fingerprinted %d articles (version %s)", len(articles), FINGERPRINT_VERSION)
    return len(articles)


def load_index(session: Session) -> DedupIndex:
    """A ``DedupIndex`` over the seeds and every stored article."""
    if refresh_fingerprints(session):
        session.commit()
    # Straight from the stored bytes, streamed: no Fingerprint objects at start-up.
    return DedupIndex.from_blobs(reads.fingerprint_blobs(session))
