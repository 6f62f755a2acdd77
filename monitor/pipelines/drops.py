"""The typed ``DropItem`` of every outcome but a new story, each with its stats counter.

Raised by the pipeline (``monitor.pipelines.record``), so Scrapy's own accounting and ours
agree. Kept out of ``monitor.verdict``, which ``monitor check`` imports without Scrapy.
"""

from __future__ import annotations

from scrapy.exceptions import DropItem

from monitor.verdict import Outcome


class PageDropped(DropItem):
    """A page the pipeline does not store as a new article; ``stat`` is its counter."""

    stat = "monitor/dropped"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotExtracted(PageDropped):
    stat = "monitor/not_extracted"


class Duplicate(PageDropped):
    stat = "monitor/duplicate"


class Irrelevant(PageDropped):
    stat = "monitor/irrelevant"


class Borderline(PageDropped):
    stat = "monitor/borderline"


class Failed(PageDropped):
    """An unexpected error in a stage (a locked database, an integrity error)."""

    stat = "monitor/failed"


DROPS: dict[Outcome, type[PageDropped]] = {
    Outcome.NOT_EXTRACTED: NotExtracted,
    Outcome.DUPLICATE: Duplicate,
    Outcome.IRRELEVANT: Irrelevant,
    Outcome.BORDERLINE: Borderline,
    Outcome.FAILED: Failed,
}
