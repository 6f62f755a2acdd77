"""Stage 1: the verdict on a page (``monitor.verdict.judge_page``); nothing is written here."""

from __future__ import annotations

import logging
import threading

from scrapy import signals

from monitor.items import PageItem
from monitor.pipelines.base import Stage
from monitor.verdict import judge_page

log = logging.getLogger(__name__)


class JudgePipeline(Stage):
    def open_spider(self) -> None:
        """Load the Judge (trafilatura, the relevance model, the near-duplicate index: most of
        a second of CPU) in a background thread that starts when the first request reaches the
        downloader: the thread competes for the interpreter lock, so started earlier it slowed
        the way to that first request; started then, it loads while the first feeds and
        sitemaps are fetched. The first page waits for it if it comes sooner, and a spider
        that sends no request loads it on its first page. A load that fails here is tried
        again, and fails with its error, on that first page."""
        self._preload_started = False
        self.crawler.signals.connect(self._start_preload, signal=signals.request_reached_downloader)

    def _start_preload(self) -> None:
        if self._preload_started:
            return
        self._preload_started = True
        self.crawler.signals.disconnect(
            self._start_preload, signal=signals.request_reached_downloader
        )
        threading.Thread(target=self._preload, name="judge-preload", daemon=True).start()

    def _preload(self) -> None:
        try:
            self.judge  # noqa: B018
        except Exception as exc:  # the first page's own attempt reports it
            log.debug("loading the judge ahead failed: %s", exc)

    def process_item(self, item: PageItem) -> PageItem:
        self.stats.inc_value("monitor/pages")
        try:
            with self.session() as session:
                item.verdict = judge_page(self.judge, item, session)
        except Exception as exc:
            raise self.fail(item, exc) from exc
        extracted = item.verdict.extracted
        if extracted is not None and extracted.published is None:
            self.stats.inc_value("monitor/no_date")
        return item
