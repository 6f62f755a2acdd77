"""An analyst's own relevance verdicts: they override the model, and feed the next training.

A label is kept on the judged page (``judged_pages.label``) and, for a stored story, on its
article (``articles.label``), so the judge, the queries and ``recheck`` all see it. Labelling a
page relevant that the model rejected stores it now, through the same judge as a crawl.
"""

from __future__ import annotations

import json
from typing import TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.judge import Judge
from storage.models import Article, JudgedPage
from storage.writes import JudgedData, record_judged, set_label, unpack_fields


class LabelError(LookupError):
    """The page to label is not in the store."""


def _article_fields(article: Article) -> dict[str, object]:
    return {
        "title": article.title,
        "text": article.body,
        "lead": article.lead,
        "published": article.published.isoformat() if article.published else None,
        "date_source": article.date_source,
        "author": article.author,
        "tags": list(article.tags or []),
        "cited_source": article.cited_source,
    }


def _find(judge: Judge, session: Session, target: str) -> tuple[JudgedPage | None, Article | None]:
    if target[:1] in ("a", "A") and target[1:].isdigit():
        target = target[1:]  # the prefixed id `monitor query` and `show` print
    if target.isdigit():
        article = session.get(Article, int(target))
        if article is None:
            raise LabelError(f"no article {target}")
        return session.get(JudgedPage, article.canonical_url), article
    outlet = judge.outlet_of(target)
    canonical = (outlet.canonical_url(target) if outlet else None) or target
    row = session.get(JudgedPage, canonical)
    article = session.scalar(select(Article).where(Article.canonical_url == canonical))
    if row is None and article is None:
        raise LabelError(f"no judged page or article for {target}")
    return row, article


def apply_label(judge: Judge, session: Session, target: str, label: str) -> str:
    """Record ``label`` on the page; returns a one-line account of what changed."""
    from monitor.rechecking import kept_item, promote
    from monitor.verdict import Outcome, judge_page

    row, article = _find(judge, session, target)
    if row is None and article is not None:
        row = record_judged(
            session,
            JudgedData(
                canonical_url=article.canonical_url,
                url=article.url,
                outlet=article.outlet,
                verdict="new",
                language=article.language,
                relevance=article.relevance,
                relevance_reasons=list(article.relevance_reasons or []),
                model_version=None,
                title=article.title,
                published=article.published,
                fields=_article_fields(article),
                article_id=article.id,
                fetched_at=article.fetched_at,
            ),
        )
        session.flush()
    assert row is not None
    set_label(session, row.canonical_url, label)
    if article is not None:
        article.label = label
        return f"article {article.id} labelled {label}"
    item = kept_item(row) if label == "relevant" and row.verdict != "duplicate" else None
    if item is not None:
        session.flush()
        verdict = judge_page(judge, item, session)
        if verdict.outcome in (Outcome.NEW, Outcome.DUPLICATE):
            happened, article_id = promote(judge, session, item, verdict)
            set_label(session, row.canonical_url, label)
            if happened == "new" and article_id is not None:
                stored = session.get(Article, article_id)
                if stored is not None:
                    stored.label = label
                return f"{row.url} labelled relevant and stored as article {article_id}"
            return f"{row.url} labelled relevant: a {verdict.outcome.name.lower()} of {article_id}"
    return f"{row.url} labelled {label}"


def export_labels(session: Session, out: TextIO) -> int:
    """Write every labelled page as JSON lines in the development set's format."""
    count = 0
    rows = session.scalars(
        select(JudgedPage).where(JudgedPage.label.is_not(None)).order_by(JudgedPage.labelled_at)
    )
    for row in rows:
        fields = unpack_fields(row.content) or {}
        when = row.published or row.fetched_at
        lead = fields.get("lead")
        text = "\n".join(part for part in (lead, fields.get("text")) if part)
        record = {
            "id": f"label/{row.canonical_url}",
            "source": "analyst label (monitor label)",
            "url": row.url,
            "date": when.isoformat() if when else None,
            "title": row.title or fields.get("title") or "",
            "text": text,
            "relevant": row.label == "relevant",
            "kind": "relevant" if row.label == "relevant" else "analyst-irrelevant",
            "why": f"analyst label; the model said {row.verdict}",
            "unsure": False,
        }
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count
