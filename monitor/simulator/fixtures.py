"""Failure fixtures for robustness tests, served under any outlet host at ``/_fail/…``.

They are never linked from normal pages; a test points a request (or an outlet's feed) at them:

- ``/_fail/503``            503 with ``Retry-After: 1``
- ``/_fail/500``            500
- ``/_fail/malformed.xml``  a feed that is not well-formed XML (unclosed tags, stray ``&``)
- ``/_fail/gzip-bomb``      ~60 KB of gzip that inflates to 64 MiB, ``Content-Encoding: gzip``
- ``/_fail/slow?seconds=N`` answers after N seconds (default 5, at most 10); ``stop()`` wakes it
"""

from __future__ import annotations

import gzip
import threading
from dataclasses import dataclass, field

BOMB_SIZE = 64 * 1024 * 1024
MAX_SLOW = 10.0
_bomb: bytes | None = None
_bomb_lock = threading.Lock()


@dataclass
class Reply:
    """A response before conditional-GET and compression handling."""

    status: int
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    last_modified: object = None  # datetime | None
    compressible: bool = True


def gzip_bomb() -> bytes:
    """Built once, lazily: compressing 64 MiB of zeros takes a fraction of a second."""
    global _bomb
    with _bomb_lock:
        if _bomb is None:
            _bomb = gzip.compress(b"\0" * BOMB_SIZE, compresslevel=6, mtime=0)
        return _bomb


MALFORMED_FEED = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>خبرها & گزارش‌ها'
    "</title><item><title>خبر ناقص<link>https://www.mehrnews.com/news/1234567</link>"
    "<pubDate>not a date</pubDate></item><item><title>"
).encode()


def failure(name: str, query: dict[str, list[str]], stopping: threading.Event) -> Reply | None:
    if name == "503":
        return Reply(
            503,
            b"<html><body>Service Unavailable</body></html>",
            headers={"Retry-After": "1"},
            compressible=False,
        )
    if name == "500":
        return Reply(500, b"<html><body>Internal Server Error</body></html>", compressible=False)
    if name == "malformed.xml":
        return Reply(200, MALFORMED_FEED, "application/rss+xml; charset=utf-8", compressible=False)
    if name == "gzip-bomb":
        return Reply(
            200,
            gzip_bomb(),
            "text/html; charset=utf-8",
            headers={"Content-Encoding": "gzip"},
            compressible=False,
        )
    if name == "slow":
        try:
            seconds = float(query.get("seconds", ["5"])[0])
        except ValueError:
            seconds = 5.0
        stopping.wait(max(0.0, min(seconds, MAX_SLOW)))
        return Reply(
            200, b"<html><body><p>\xd8\xaf\xdb\x8c\xd8\xb1</p></body></html>", compressible=False
        )
    return None
