"""Stage 3: keep only pages about Iran–Russia relations (explainable topic model)."""

from __future__ import annotations

from scrapy.exceptions import DropItem

from monitor.items import PageItem
from monitor.pipelines.base import Stage
from storage.writes import mark_seen


class RelevancePipeline(Stage):
    def process_item(self, item: PageItem) -> PageItem:
        item.relevance = self.judge.relevance(item.extracted)
        if item.relevance.relevant or item.refetch:
            return item
        with self.session() as session:
            mark_seen(
                session,
                item.canonical_url,
                item.outlet,
                "irrelevant",
                f"score {item.relevance.score:.2f}",
                item.lastmod,
            )
        self.stats.inc_value("monitor/irrelevant")
        raise DropItem(f"not about Iran–Russia relations (score {item.relevance.score:.2f})")
