"""The mirror's address for a real outlet URL (the local simulator serves this shape).

Its own module, free of Scrapy: the crawl's download handler (``monitor.middlewares.mirror``)
and ``monitor check --mirror`` both use it, and ``check`` must not pay for importing Scrapy
and Twisted to rewrite one URL.
"""

from __future__ import annotations

from urllib.parse import urlsplit


def mirrored_url(mirror: str, url: str) -> str:
    """The mirror's address for a real URL (pure; the simulator serves this shape)."""
    parts = urlsplit(url)
    query = f"?{parts.query}" if parts.query else ""
    return f"{mirror.rstrip('/')}/{parts.netloc}{parts.path or '/'}{query}"
