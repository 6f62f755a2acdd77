"""Stage 1: article fields out of the page (trafilatura adapter, dates, attribution)."""

from __future__ import annotations

from scrapy.exceptions import DropItem

from monitor.failures import record_failure
from monitor.items import PageItem
from monitor.pipelines.base import Stage
from storage.writes import mark_seen


class ExtractPipeline(Stage):
    def open_spider(self) -> None:
        self.judge  # noqa: B018  (load the index before the first page, not during it)

    def process_item(self, item: PageItem) -> PageItem:
        from monitor.extract import ExtractionError

        self.stats.inc_value("monitor/pages")
        outlet = self.judge.outlets.get(item.outlet)
        try:
            item.extracted = self.judge.extract(item.body, item.url, item.encoding, outlet)
        except ExtractionError as exc:
            reason = f"not extracted: {exc.reason}"
            if "empty" in exc.reason or "short" in exc.reason:
                self.stats.inc_value("monitor/empty_body")
            record_failure(self.stats, item.url, reason)
            with self.session() as session:
                mark_seen(session, item.canonical_url, item.outlet, "failed", reason)
            raise DropItem(reason) from exc
        if not item.extracted.title and item.feed_title:
            item.extracted.title = item.feed_title
        if item.extracted.published is None:
            self.stats.inc_value("monitor/no_date")
        return item
