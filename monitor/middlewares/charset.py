"""Drop a charset label no HTML page can be in before anything reads the response as text.

Servers send labels like ``rot13``, ``hex``, ``base64`` or ``utf-16`` on UTF-8 bytes. Scrapy's
text responses would try that codec (and raise ``LookupError`` in the meta-refresh middleware
or a callback), losing the page. Such a label is removed from ``Content-Type`` here, next to
the downloader, and ``monitor.encoding.decode_html`` detects the encoding from the bytes.
"""

from __future__ import annotations

import re

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from scrapy.responsetypes import responsetypes

from monitor.encoding import _codec, charset_from_header, detect_encoding

_CHARSET_PARAM = re.compile(r";\s*charset\s*=[^;]*", re.IGNORECASE)


class CharsetLabelMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CharsetLabelMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        raw = response.headers.get(b"Content-Type")
        if not raw:
            return response
        content_type = raw.decode("latin-1")
        label = charset_from_header(content_type)
        if label is None or _codec(label) is not None:
            return response
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("monitor/charset_label_dropped")
        headers = response.headers.copy()
        headers[b"Content-Type"] = _CHARSET_PARAM.sub("", content_type).encode("latin-1")
        cls = responsetypes.from_args(headers=headers, url=response.url, body=response.body)
        text = issubclass(cls, TextResponse)
        kwargs = {"encoding": detect_encoding(response.body)} if text else {}
        return response.replace(cls=cls, headers=headers, **kwargs)
