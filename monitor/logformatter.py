"""Log lines for dropped and scraped pages: the URL and the reason, never the whole page.

Scrapy's default formatter prints the item's repr at WARNING for every drop; ours carries the
page body, and most drops (duplicate, irrelevant) are the monitor working as intended.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import logformatter
from scrapy.http import Response
from twisted.python.failure import Failure


class MonitorLogFormatter(logformatter.LogFormatter):
    def dropped(
        self,
        item: Any,
        exception: BaseException,
        response: Response | Failure | None,
        spider: Any = None,
    ) -> logformatter.LogFormatterResult:
        return {
            "level": logging.INFO,
            "msg": "Dropped %(url)s: %(reason)s",
            "args": {"url": getattr(item, "url", "?"), "reason": exception},
        }

    def scraped(
        self, item: Any, response: Response | Any, spider: Any = None
    ) -> logformatter.LogFormatterResult:
        return {
            "level": logging.DEBUG,
            "msg": "Stored %(url)s as article %(id)s",
            "args": {"url": getattr(item, "url", "?"), "id": getattr(item, "stored_id", None)},
        }
