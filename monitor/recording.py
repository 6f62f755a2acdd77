"""Writing a verdict: the one place that turns an outcome into rows.

A new story becomes an article (or a revision of its own earlier text), a republication a
sighting of its original; every judged page keeps its extracted text with the verdict and the
model version (``judged_pages``), and every outcome marks its URL in ``seen_urls``, so the
crawler never fetches it again unless it changed. The crawl's record stage and
``monitor recheck --relevance --apply`` both call ``record_verdict``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from monitor.examine import extracted_fields
from monitor.verdict import Outcome, Verdict
from storage.writes import (
    ArticleData,
    JudgedData,
    SightingData,
    store_article,
    write_judged,
    write_seen,
    write_sighting,
)

if TYPE_CHECKING:
    from monitor.dedup import Fingerprint, Match
    from monitor.items import PageItem
    from monitor.judge import Judge


def record_verdict(
    session: Session, item: PageItem, verdict: Verdict, *, keep_text: bool = True
) -> tuple[str, int | None]:
    """Write ``verdict``; returns what happened (new, revised, unchanged, duplicate,
    irrelevant, borderline, not_extracted) and the id of the story's article, if any."""
    from monitor.dates import to_jalali
    from monitor.dedup import fingerprint_input
    from monitor.dedup.persist import blob
    from monitor.normalize import search_text

    ex = verdict.extracted
    outcome = verdict.outcome
    if ex is None or outcome is Outcome.NOT_EXTRACTED:
        write_seen(session, item.canonical_url, item.outlet, "failed", verdict.reason)
        return "not_extracted", None
    rel = verdict.relevance
    document = verdict.search_text
    if document is None and outcome in (Outcome.DUPLICATE, Outcome.NEW):
        document = search_text(ex.title, ex.lead, ex.text)
    article_id: int | None = None
    happened = outcome.value
    if outcome is Outcome.DUPLICATE and verdict.duplicate is not None:
        article_id = verdict.duplicate.of
        write_sighting(
            session,
            SightingData(
                original_id=article_id,
                canonical_url=item.canonical_url,
                url=item.url,
                outlet=item.outlet,
                kind=verdict.duplicate.kind,
                score=verdict.duplicate.score,
                title=ex.title,
                published=ex.published,
                cited_source=ex.cited_source,
                body=fingerprint_input(ex.lead, ex.text),
                search_text=document or "",
                source=item.source,
            ),
        )
    elif outcome is Outcome.NEW:
        assert verdict.fingerprint is not None
        data = ArticleData(
            canonical_url=item.canonical_url,
            url=item.url,
            outlet=item.outlet,
            title=ex.title,
            body=ex.text,
            search_text=document or "",
            lead=ex.lead,
            author=ex.author,
            cited_source=ex.cited_source,
            tags=list(ex.tags or []),
            language=verdict.language or "fa",
            published=ex.published,
            published_jalali=to_jalali(ex.published) if ex.published else None,
            date_source=ex.date_source,
            relevance=float(rel.score) if rel else 0.0,
            relevance_reasons=[*verdict.notes, *(rel.reasons if rel else [])],
            fetched_at=item.fetched_at,
            source=item.source,
        )
        article_id, happened = store_article(session, data, blob(verdict.fingerprint))
    write_seen(session, item.canonical_url, item.outlet, outcome.seen, verdict.reason, item.lastmod)
    write_judged(
        session,
        JudgedData(
            canonical_url=item.canonical_url,
            url=item.url,
            outlet=item.outlet,
            verdict=outcome.value,
            language=verdict.language,
            relevance=float(rel.score) if rel else None,
            relevance_reasons=list(rel.reasons) if rel else [],
            model_version=getattr(rel, "version", None) if rel else None,
            title=ex.title,
            published=ex.published,
            fields=extracted_fields(ex) if keep_text and verdict.content is None else None,
            content=verdict.content if keep_text else None,
            article_id=article_id,
            fetched_at=item.fetched_at,
        ),
    )
    return happened, article_id


def reconcile_new(
    session: Session, judge: Judge, article_id: int, fp: Fingerprint, body: str | None = None
) -> Match | None:
    """Right after a new article is committed: did another process store the same story
    since this process's index last caught up? Two ``monitor worker`` crawls can judge two
    copies of one story at the same moment, each against an index without the other.

    The rule is the same in every process, so the outcome does not depend on who looks first:
    of two copies, the one with the later id becomes a sighting of the earlier one. Each
    process looks after its own commit, so of two racing processes at least one sees the
    other's row (whichever read comes last follows both commits) and merges the pair; if both
    see it, the row lock in ``merge_copy`` lets one merge and the other find nothing to do.

    Returns the match when this process's article was the later copy (it is now a sighting of
    ``match.of``), else ``None`` (a later copy by another process may have become ours).
    """
    from monitor.dedup import Match
    from storage.reads import article_exists
    from storage.stories import merge_copy

    judge.known.add(article_id)  # not our own row as a twin of itself
    if not judge.catch_up(session):
        return None
    match = judge.live_match(session, fp)
    if match is None:
        return None
    earlier, later = sorted((article_id, match.of))
    merged = merge_copy(session, later, earlier, match.kind, match.score, body)
    session.commit()
    if merged is None:  # the other process merged the pair already
        if article_exists(session, article_id):
            return None
        return Match(match.kind, earlier, match.score)
    judge.forget(later)
    return Match(match.kind, earlier, match.score) if later == article_id else None
