"""The verdict on one page, in one order: decode → extract → language → dedup → relevance.

``judge_page`` is the only place that decides what a page is. The crawl's pipeline stages and
``monitor check`` both call it, so a page judged by hand gets exactly the crawl's verdict, and
``recheck --relevance --apply`` promotes a page through the same steps.

Dedup comes before relevance on purpose: a republication of a seed or a stored story is a
sighting of that story whatever the relevance model says of the copy (a wire copy with a
trimmed lead can score lower than its original), and analysts want every place it appeared.

Outcomes other than ``new`` are raised by the pipeline as ``DropItem`` subclasses carrying their
stats key (``monitor.pipelines.drops``), so Scrapy's own accounting and ours agree. This module
does not import Scrapy: ``monitor check`` judges pages without it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from monitor.dedup import Match
from storage import reads

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from monitor.dedup import Fingerprint
    from monitor.extract import Extracted
    from monitor.items import PageItem
    from monitor.judge import Judge
    from monitor.relevance import Relevance


class Outcome(StrEnum):
    """What happened to a page (the value is what ``judged_pages.verdict`` records)."""

    NOT_EXTRACTED = "not_extracted"
    DUPLICATE = "duplicate"
    IRRELEVANT = "irrelevant"
    BORDERLINE = "borderline"
    NEW = "new"
    FAILED = "failed"

    @property
    def seen(self) -> str:
        """The ``seen_urls`` verdict: a stored page, or one to retry (up to the attempt cap)."""
        return {"new": "stored", "not_extracted": "failed"}.get(self.value, self.value)


@dataclass
class Verdict:
    """Everything the judge learned about a page, and its outcome with a one-line reason."""

    outcome: Outcome
    reason: str | None = None
    extracted: Extracted | None = None
    language: str | None = None
    fingerprint: Fingerprint | None = None
    duplicate: Match | None = None
    relevance: Relevance | None = None
    relevant: bool = False  # the relevance verdict (the model's, or the analyst's label)
    notes: list[str] = field(default_factory=list)
    search_text: str | None = None  # built by a worker (``Examined.search_text``), if any
    content: bytes | None = None  # the packed extracted fields, by a worker, if any


PERSIAN = "fa"


def judge_page(judge: Judge, item: PageItem, session: Session) -> Verdict:
    """The verdict on ``item``; reads the store (URL duplicates, labels), never writes it.

    Steps 1–3 and the scores (``monitor.examine.examine``) need no store: a crawl with
    ``--jobs`` computes them in a worker process and hands them over as ``item.examined``;
    otherwise they are computed here. The decisions that read the store follow either way.
    """
    from monitor.examine import examine

    examined = item.examined if item.examined is not None else examine(judge, item)
    item.examined = None  # handed over: the verdict keeps what is needed
    # 1–2. decode and extract (a Telegram post arrives already extracted)
    if examined.extracted is None:
        return Verdict(Outcome.NOT_EXTRACTED, examined.error or "not extracted")
    verdict = Verdict(
        Outcome.NEW,
        extracted=examined.extracted,
        search_text=examined.search_text,
        content=examined.content,
    )

    # 3. language
    verdict.language = examined.language

    # 4. dedup: against the seeds and everything stored
    verdict.fingerprint = examined.fingerprint
    assert verdict.fingerprint is not None
    if not item.refetch:
        dup = judge.url_duplicate(session, item.canonical_url)
        if dup is None:
            judge.catch_up(session)
            dup = judge.live_match(session, verdict.fingerprint)
        # A page whose canonical URL is a stored article is that article, never a sighting of
        # it: another process (a one-off crawl beside the daemon) may have stored it between
        # this page's fetch and now, and the URL lookup or the fingerprint index then finds it.
        if (
            dup is not None
            and item.canonical_url
            and reads.is_article_url(session, item.canonical_url)
        ):
            item.refetch = True  # judged as a refetch: a revision if the text changed
            dup = None
        verdict.duplicate = dup

    # 5. relevance: Persian pages only; an analyst's label wins over the model. A duplicate
    # is scored too (``check`` shows it, the judged page keeps it), but stays a duplicate.
    relevant = borderline = False
    if verdict.language == PERSIAN:
        rel = verdict.relevance = examined.relevance
        assert rel is not None
        label = judge.label_of(session, item.canonical_url)
        if label is not None:
            verdict.notes.append(f"analyst label: {label}")
            relevant = label == "relevant"
        else:
            relevant, borderline = rel.relevant, rel.borderline
    verdict.relevant = relevant

    # 6. outcome
    if verdict.duplicate is not None:
        dup = verdict.duplicate
        verdict.outcome = Outcome.DUPLICATE
        verdict.reason = f"{dup.kind} duplicate of {dup.of} (score {dup.score:.2f})"
    elif relevant or item.refetch:
        verdict.outcome = Outcome.NEW  # a refetch of our own article becomes a revision
    elif verdict.language != PERSIAN:
        verdict.outcome = Outcome.IRRELEVANT
        verdict.reason = f"language {verdict.language}: relevance is judged on Persian pages"
    elif borderline:
        assert verdict.relevance is not None
        rel = verdict.relevance
        verdict.outcome = Outcome.BORDERLINE
        verdict.reason = f"borderline (score {rel.score:.2f} < {rel.threshold:.2f})"
    else:
        score = verdict.relevance.score if verdict.relevance is not None else 0.0
        why = "analyst label" if verdict.notes else f"score {score:.2f}"
        verdict.outcome = Outcome.IRRELEVANT
        verdict.reason = f"not about Iran–Russia relations ({why})"
    return verdict
