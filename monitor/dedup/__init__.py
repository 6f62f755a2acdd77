"""Duplicate detection: is a new page a republication of a seed or a stored article?

``fingerprint(body)`` turns an article body into a ``Fingerprint`` (content hash, MinHash
signature, feature count, version); ``DedupIndex`` holds the fingerprints of the seeds and of
every stored article and answers ``query(fp)`` with a ``Match`` (exact or near, the original's
key, the score) or ``None``. See docs/dedup.md.

``Match`` and ``fingerprint_input`` come without numpy; the names that need it (fingerprints
and the index) are imported on first use (PEP 562), so a stage that only passes a ``Match``
along (the crawl's pipelines, loaded before its first request) does not pay for numpy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from monitor.dedup.match import Match

if TYPE_CHECKING:
    from monitor.dedup.fingerprints import (
        FINGERPRINT_VERSION,
        Fingerprint,
        containment,
        fingerprint,
    )
    from monitor.dedup.index import DEFAULT_THRESHOLD, DedupIndex

_LAZY = {
    "FINGERPRINT_VERSION": "monitor.dedup.fingerprints",
    "Fingerprint": "monitor.dedup.fingerprints",
    "containment": "monitor.dedup.fingerprints",
    "fingerprint": "monitor.dedup.fingerprints",
    "DEFAULT_THRESHOLD": "monitor.dedup.index",
    "DedupIndex": "monitor.dedup.index",
}


def __getattr__(name: str) -> Any:
    """The numpy-backed names, imported when first asked for."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


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
