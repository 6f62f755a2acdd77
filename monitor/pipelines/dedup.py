"""Stage 2: is this page a story we already have (a seed or a stored article)?

A duplicate is not stored as a new article: its sighting (URL, outlet, kind, score, original)
is, and the page's URL is remembered so it is never fetched again.
"""

from __future__ import annotations

from scrapy.exceptions import DropItem

from monitor.items import PageItem
from monitor.judge import fingerprint_text
from monitor.pipelines.base import Stage
from storage.writes import mark_seen, record_sighting


class DedupPipeline(Stage):
    def process_item(self, item: PageItem) -> PageItem:
        from monitor.dedup import fingerprint

        extracted = item.extracted
        item.fingerprint = fingerprint(fingerprint_text(extracted))
        with self.session() as session:
            if item.refetch:
                return item  # an update of our own stored article: the store makes a revision
            dup = self.judge.url_duplicate(session, item.canonical_url)
            if dup is None:
                self.judge.catch_up(session)
                dup = self.judge.text_duplicate(item.fingerprint)
            if dup is None:
                return item
            item.duplicate = dup
            record_sighting(
                session,
                original_id=dup.of,
                canonical_url=item.canonical_url,
                url=item.url,
                outlet=item.outlet,
                kind=dup.kind,
                score=dup.score,
                title=extracted.title,
                published=extracted.published,
                cited_source=extracted.cited_source,
                body=fingerprint_text(extracted),
            )
            mark_seen(
                session,
                item.canonical_url,
                item.outlet,
                "duplicate",
                f"{dup.kind} duplicate of {dup.of}",
                item.lastmod,
            )
        self.stats.inc_value("monitor/duplicate")
        self.stats.inc_value(f"monitor/duplicate/{dup.kind}")
        raise DropItem(f"{dup.kind} duplicate of {dup.of} (score {dup.score:.2f})")
