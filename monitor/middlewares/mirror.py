"""Send outlet requests to a mirror (the local simulator) while everything else sees real URLs.

With ``MONITOR_MIRROR = "http://127.0.0.1:8800"`` a request for ``https://www.mehrnews.com/rss``
goes out as ``http://127.0.0.1:8800/www.mehrnews.com/rss``. The rewrite happens in the download
handler, below every middleware: robots.txt, throttling slots, conditional GET, the spiders,
pipelines and the store all see only real outlet URLs, and going from the simulator to the real
web is one setting.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.crawler import Crawler
from scrapy.http import Response

from monitor.mirror import mirrored_url


class MirrorDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 handler, pointed at ``MONITOR_MIRROR`` when that is set."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.mirror: str | None = crawler.settings.get("MONITOR_MIRROR") or None

    async def download_request(self, request: Request) -> Response:
        if not self.mirror or request.url.startswith(self.mirror):
            return await super().download_request(request)
        response = await super().download_request(
            request.replace(url=mirrored_url(self.mirror, request.url))
        )
        return response.replace(url=request.url)
