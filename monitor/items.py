"""The item that travels from the spider through the pipeline stages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from monitor.examine import Examined
    from monitor.extract import Extracted
    from monitor.telegram.parse import Post
    from monitor.verdict import Verdict


@dataclass
class PageItem:
    """A fetched page, and the verdict the judge gave it.

    The spider fills the first block. A source that already knows the page's fields (a
    Telegram post) sets ``extracted`` and HTML extraction is skipped. ``verdict`` is filled by
    the judge stage and written by the record stage.
    """

    url: str
    canonical_url: str
    outlet: str
    body: bytes = b""
    encoding: str | None = None  # charset declared in the HTTP header, if any
    lastmod: datetime | None = None  # from the sitemap: drives refetch of updated articles
    feed_title: str | None = None
    refetch: bool = False
    source: str = "web"  # web | telegram
    fetched_at: datetime | None = None
    post: Post | None = None  # the parsed Telegram post (links, channel)

    extracted: Extracted | None = None
    # The store-free part of the verdict, when a worker process computed it (``--jobs``).
    examined: Examined | None = None
    verdict: Verdict | None = None
    stored_id: int | None = None
    notes: list[str] = field(default_factory=list)
