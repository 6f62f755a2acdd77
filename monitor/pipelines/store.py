"""Stage 4: store a new article (or a revision of a corrected one), one commit per page.

Committing page by page is what makes a half-failed or killed crawl keep everything it got.
"""

from __future__ import annotations

from monitor.items import PageItem
from monitor.pipelines.base import Stage
from storage.writes import ArticleData, mark_seen, upsert_article


class StorePipeline(Stage):
    def process_item(self, item: PageItem) -> PageItem:
        from monitor.dates import to_jalali

        ex, rel = item.extracted, item.relevance
        data = ArticleData(
            canonical_url=item.canonical_url,
            url=item.url,
            outlet=item.outlet,
            title=ex.title,
            body=ex.text,
            lead=ex.lead,
            author=ex.author,
            cited_source=ex.cited_source,
            tags=list(ex.tags or []),
            published=ex.published,
            published_jalali=to_jalali(ex.published) if ex.published else None,
            date_source=ex.date_source,
            relevance=float(rel.score),
            relevance_reasons=list(rel.reasons),
            lastmod=item.lastmod,
        )
        with self.session() as session:
            article, outcome = upsert_article(session, data, item.fingerprint)
            mark_seen(session, item.canonical_url, item.outlet, "stored", None, item.lastmod)
            item.stored_id = article.id
        if outcome == "revised":
            self.judge.index.remove(article.id)
        if outcome in ("new", "revised"):
            self.judge.remember(article.id, item.fingerprint)
        self.stats.inc_value(f"monitor/{outcome}")
        return item
