"""``monitor recheck``: what the current normalizer, threshold or relevance model would decide
differently.

Dedup: stored articles are replayed in the order they were stored, each compared with the ones
before it; sightings are re-judged from the text kept with them. Nothing is changed.

Relevance: every judged page whose text was kept is scored again with the current model (an
analyst's label still wins). ``apply`` promotes pages that are now relevant through the same
judge as a crawl (dedup included, so a promoted copy of a stored story becomes its sighting),
keeping their original fetch time. A stored story the model would now reject is reported and
kept: demoting is an analyst's decision (``monitor label ID irrelevant``), never silent.
"""

from __future__ import annotations

from dataclasses import fields as dataclass_fields
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.judge import Judge
from storage.models import Article, JudgedPage, Sighting
from storage.writes import unpack_fields

if TYPE_CHECKING:
    from monitor.items import PageItem
    from monitor.verdict import Verdict


def recheck_store(session: Session, threshold: float | None = None) -> list[dict[str, Any]]:
    from monitor.dedup import DedupIndex, fingerprint, fingerprint_input

    index = DedupIndex()
    changes: list[dict[str, Any]] = []
    for article in session.scalars(select(Article).order_by(Article.id)):
        text = article.body if article.seed_file else fingerprint_input(article.lead, article.body)
        fp = fingerprint(text)
        match = index.query(fp, threshold) if not article.seed_file else None
        if match is not None:
            changes.append(
                {
                    "what": "article",
                    "id": article.id,
                    "url": article.url,
                    "was": "new article",
                    "now": f"{match.kind} duplicate of {match.of} ({match.score:.2f})",
                }
            )
        index.add(article.id, fp)
    for s in session.scalars(select(Sighting).order_by(Sighting.id)):
        if not s.body:
            continue
        match = index.query(fingerprint(s.body), threshold)
        now = f"{match.kind} duplicate of {match.of}" if match else "new article"
        if match is None or match.of != s.article_id:
            changes.append(
                {
                    "what": "sighting",
                    "id": s.id,
                    "url": s.url,
                    "was": f"{s.kind} duplicate of {s.article_id}",
                    "now": now,
                }
            )
    return changes


def extracted_from(content: bytes | None) -> Any:
    """The ``Extracted`` kept with a judged page, or None when retention cleared it."""
    from monitor.extract import Extracted

    values = unpack_fields(content)
    if values is None:
        return None
    known = {f.name for f in dataclass_fields(Extracted)}
    kept = {k: v for k, v in values.items() if k in known}
    if kept.get("published"):
        kept["published"] = datetime.fromisoformat(kept["published"])
    return Extracted(**kept)


def kept_item(row: JudgedPage, *, refetch: bool = False) -> PageItem | None:
    """A judged page as the item the judge takes, from its kept text (None when cleared)."""
    from monitor.items import PageItem

    extracted = extracted_from(row.content)
    if extracted is None:
        return None
    return PageItem(
        url=row.url,
        canonical_url=row.canonical_url,
        outlet=row.outlet or "",
        extracted=extracted,
        fetched_at=row.fetched_at,  # a promoted page keeps its original fetch time
        refetch=refetch,
    )


def promote(
    judge: Judge, session: Session, item: PageItem, verdict: Verdict
) -> tuple[str, int | None]:
    """Record a kept page's new verdict as a crawl would, and index a new story."""
    from monitor.recording import record_verdict

    happened, article_id = record_verdict(session, item, verdict)
    if happened == "new" and verdict.fingerprint is not None and article_id is not None:
        judge.remember(article_id, verdict.fingerprint)
    return happened, article_id


def recheck_relevance(
    judge: Judge, session: Session, *, apply: bool = False
) -> list[dict[str, Any]]:
    """Pages whose relevance verdict would change under the current model (and, with
    ``apply``, the promotions done)."""
    from monitor.verdict import Outcome, judge_page

    changes: list[dict[str, Any]] = []
    rows = session.scalars(
        select(JudgedPage)
        .where(JudgedPage.content.is_not(None))
        .where(JudgedPage.verdict.in_(("new", "irrelevant", "borderline")))
        .order_by(JudgedPage.fetched_at)
    ).all()
    for row in rows:
        # Our own stored article is never a duplicate of itself: judged as a refetch.
        item = kept_item(row, refetch=row.verdict == "new")
        if item is None:
            continue
        verdict = judge_page(judge, item, session)
        now_relevant = verdict.relevant
        was_relevant = row.verdict == "new"
        rel = verdict.relevance
        score = round(float(rel.score), 4) if rel is not None else None
        change: dict[str, Any] = {
            "url": row.url,
            "outlet": row.outlet,
            "title": row.title,
            "was": row.verdict,
            "was_score": row.relevance,
            "score": score,
            "model": getattr(rel, "version", None),
        }
        if was_relevant and not now_relevant:
            changes.append({**change, "now": "irrelevant (kept: label it to demote)"})
            continue
        if was_relevant:
            continue
        new_state = verdict.outcome.name.lower()
        if new_state == row.verdict:
            continue
        if apply and verdict.outcome in (Outcome.NEW, Outcome.DUPLICATE):
            happened, article_id = promote(judge, session, item, verdict)
            session.commit()
            change["applied"] = f"{happened} {article_id}"
        changes.append({**change, "now": new_state})
    return changes
