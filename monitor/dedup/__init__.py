"""Duplicate detection: is a new page a republication of a seed or a stored article?

``fingerprint(body)`` turns an article body into a ``Fingerprint`` (content hash, MinHash
signature, feature count, version); ``DedupIndex`` holds the fingerprints of the seeds and of
every stored article and answers ``query(fp)`` with a ``Match`` (exact or near, the original's
key, the score) or ``None``. See docs/dedup.md.
"""

from monitor.dedup.fingerprints import FINGERPRINT_VERSION, Fingerprint, containment, fingerprint
from monitor.dedup.index import DEFAULT_THRESHOLD, DedupIndex, Match


def fingerprint_input(lead: str | None, body: str | None) -> str:
    """What every page and article is fingerprinted on: lead and body, never the headline
    (republishers rewrite headlines)."""
    return "\n".join(part for part in (lead, body) if part)


__all__ = [
    "DEFAULT_THRESHOLD",
    "FINGERPRINT_VERSION",
    "DedupIndex",
    "Fingerprint",
    "Match",
    "containment",
    "fingerprint",
    "fingerprint_input",
]
