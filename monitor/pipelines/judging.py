"""Stage 1: the verdict on a page (``monitor.verdict.judge_page``); nothing is written here."""

from __future__ import annotations

from monitor.items import PageItem
from monitor.pipelines.base import Stage
from monitor.verdict import judge_page


class JudgePipeline(Stage):
    def open_spider(self) -> None:
        self.judge  # noqa: B018  (load the index before the first page, not during it)

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
