"""A live progress line per outlet while ``monitor crawl`` runs (a rich Progress display).

The CLI owns the display and registers it in ``DISPLAYS`` under the name it puts in
``MONITOR_PROGRESS`` (settings are deep-copied, so the object itself cannot travel there);
without one this extension is not configured, so crawls under the daemon print only log lines.
"""

from __future__ import annotations

from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

DISPLAYS: dict[str, Any] = {}


class Progress:
    def __init__(self, crawler: Crawler, display: Any) -> None:
        self.crawler = crawler
        self.display = display
        self.task: Any = None
        for handler, signal in (
            (self.opened, signals.spider_opened),
            (self.update, signals.response_received),
            (self.update, signals.item_scraped),
            (self.update, signals.item_dropped),
            (self.closed, signals.spider_closed),
        ):
            crawler.signals.connect(handler, signal=signal)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Progress:
        display = DISPLAYS.get(str(crawler.settings.get("MONITOR_PROGRESS")))
        if display is None:
            raise NotConfigured  # no message: nothing to warn about
        return cls(crawler, display)

    def _fields(self) -> dict[str, Any]:
        s = self.crawler.stats.get_stats() if self.crawler.stats else {}
        return {
            "pages": s.get("monitor/pages", 0),
            "new": s.get("monitor/new", 0),
            "dups": s.get("monitor/duplicate", 0),
            "failed": s.get("monitor/failed", 0),
        }

    def opened(self, spider: Spider) -> None:
        self.task = self.display.add_task(spider.name, total=None, **self._fields())

    def update(self, *args: Any, **kwargs: Any) -> None:
        if self.task is not None:
            s = self.crawler.stats.get_stats() if self.crawler.stats else {}
            self.display.update(
                self.task, completed=s.get("downloader/response_count", 0), **self._fields()
            )

    def closed(self, spider: Spider) -> None:
        if self.task is not None:
            self.update()
            self.display.update(self.task, total=self.display.tasks[self.task].completed)
