"""The item that travels from the spider through the pipeline stages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class PageItem:
    """A fetched article page, and what each stage learned about it.

    The spider fills the first block; extraction, relevance and dedup each fill their own field,
    so every stage can be run and tested alone (``monitor check`` runs them without a store).
    """

    url: str
    canonical_url: str
    outlet: str
    body: bytes
    encoding: str | None = None  # charset declared in the HTTP header, if any
    lastmod: datetime | None = None  # from the sitemap: drives refetch of updated articles
    feed_title: str | None = None
    refetch: bool = False

    extracted: Any = None  # monitor.extract.Extracted
    relevance: Any = None  # monitor.relevance.Relevance
    fingerprint: Any = None  # monitor.dedup.Fingerprint
    duplicate: Any = None  # monitor.dedup.Match, or a URL match
    stored_id: int | None = None
    notes: list[str] = field(default_factory=list)
