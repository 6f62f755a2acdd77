"""Stage 2: write the verdict (``monitor.recording.record_verdict``), one commit per page.

Committing page by page is what makes a half-failed or killed crawl keep everything it got.
Every outcome but a new story is then raised as its typed ``DropItem`` with its counter.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor.dedup import Match
from monitor.failures import record_failure
from monitor.items import PageItem
from monitor.pipelines.base import Stage
from monitor.pipelines.drops import DROPS, Duplicate
from monitor.recording import reconcile_new, record_verdict
from monitor.verdict import Outcome
from storage.writes import prune_judged_text


class RecordPipeline(Stage):
    def close_spider(self) -> None:
        """Apply the retention of judged pages' text (``MONITOR_KEEP_JUDGED_DAYS``)."""
        days = self.crawler.settings.get("MONITOR_KEEP_JUDGED_DAYS")
        if days is None:
            return
        before = datetime.now(UTC) - timedelta(days=float(days))
        with self.session() as session:
            cleared = prune_judged_text(session, before)
        self.stats.set_value("monitor/judged_text_cleared", cleared)

    def _reconcile(self, item: PageItem, article_id: int) -> Match | None:
        from monitor.dedup import fingerprint_input

        verdict = item.verdict
        assert verdict is not None and verdict.fingerprint is not None
        ex = verdict.extracted
        body = fingerprint_input(ex.lead, ex.text) if ex is not None else None
        try:
            with self.session() as session:
                return reconcile_new(session, self.judge, article_id, verdict.fingerprint, body)
        except Exception as exc:  # the article stays stored; a later look can still merge it
            self.stats.inc_value("monitor/reconcile_failed")
            record_failure(self.stats, item.url, f"reconcile: {type(exc).__name__}: {exc}"[:300])
            return None

    def process_item(self, item: PageItem) -> PageItem:
        verdict = item.verdict
        assert verdict is not None, "RecordPipeline runs after JudgePipeline"
        try:
            with self.session() as session:
                happened, article_id = record_verdict(session, item, verdict)
        except Exception as exc:
            raise self.fail(item, exc) from exc
        if verdict.outcome is not Outcome.NEW:
            drop = DROPS[verdict.outcome](verdict.reason or verdict.outcome.name.lower())
            self.stats.inc_value(drop.stat)
            if verdict.outcome is Outcome.NOT_EXTRACTED:
                record_failure(self.stats, item.url, drop.reason)
                if "empty" in drop.reason or "short" in drop.reason:
                    self.stats.inc_value("monitor/empty_body")
            if verdict.duplicate is not None:
                self.stats.inc_value(f"monitor/duplicate/{verdict.duplicate.kind}")
            raise drop
        assert verdict.fingerprint is not None and article_id is not None
        if happened == "new":
            twin = self._reconcile(item, article_id)
            if twin is not None:  # a racing process stored this story first: a sighting
                self.stats.inc_value("monitor/duplicate/race")
                self.stats.inc_value(f"monitor/duplicate/{twin.kind}")
                drop = Duplicate(f"{twin.kind} duplicate of {twin.of} (stored by another crawl)")
                self.stats.inc_value(drop.stat)
                raise drop
        item.stored_id = article_id
        if happened == "revised":
            self.judge.forget(article_id)
        if happened in ("new", "revised"):
            self.judge.remember(article_id, verdict.fingerprint)
        self.stats.inc_value(f"monitor/{happened}")
        return item
