"""The per-outlet pending set: work a crawl discovered but has not finished.

A listing (feed, sitemap, listing page) names articles; they are written here before they are
requested and leave once they have a verdict in ``seen_urls``. A killed crawl therefore leaves
its unfinished discoveries behind, and the next run starts with them, even when the listing that
named them has since scrolled on. Listing pages still to be read (catch-up pagination) are kept
the same way. Nothing here imports from ``monitor``: the crawl decides what to add.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.models import PendingUrl, SeenUrl
from storage.types import utcnow


@dataclass(frozen=True)
class Discovery:
    """One request to remember until it is done."""

    url: str
    kind: str = "article"  # article | listing
    canonical_url: str | None = None
    lastmod: datetime | None = None
    meta: dict[str, Any] = field(default_factory=dict)


def add_pending(session: Session, outlet: str, found: Iterable[Discovery]) -> int:
    """Remember discoveries not remembered yet (an existing row keeps its backoff)."""
    found = list({d.url: d for d in found}.values())
    if not found:
        return 0
    known = set(
        session.scalars(
            select(PendingUrl.url).where(PendingUrl.url.in_([d.url for d in found]))
        ).all()
    )
    added = 0
    for d in found:
        if d.url in known:
            continue
        session.add(
            PendingUrl(
                url=d.url[:2000],
                outlet=outlet,
                kind=d.kind,
                canonical_url=d.canonical_url,
                lastmod=d.lastmod,
                meta=d.meta,
                discovered_at=utcnow(),
            )
        )
        added += 1
    return added


def drop_pending(session: Session, urls: Iterable[str]) -> None:
    urls = list(urls)
    if urls:
        session.execute(delete(PendingUrl).where(PendingUrl.url.in_(urls)))


def pending_for(session: Session, outlet: str) -> list[PendingUrl]:
    return list(
        session.scalars(
            select(PendingUrl)
            .where(PendingUrl.outlet == outlet)
            .order_by(PendingUrl.discovered_at, PendingUrl.url)
        ).all()
    )


def backoff(attempts: int, base: float) -> timedelta:
    """Wait before attempt ``attempts + 1``: ``base`` doubled per earlier failure, at most a day."""
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 86400.0))


@dataclass
class Resolution:
    """What ``resolve`` found: rows finished, rows waiting to retry, rows with no verdict."""

    done: int = 0
    retrying: int = 0
    unjudged: list[PendingUrl] = field(default_factory=list)


def resolve(
    session: Session, outlet: str, max_attempts: int, backoff_base: float = 0.0
) -> Resolution:
    """Drop the outlet's pending articles that have a final verdict; keep the rest.

    An article is finished when ``seen_urls`` has a verdict other than ``failed`` that is not
    older than the revision the row was queued for, or a failure whose attempts are used up. A
    failure with attempts left stays, with ``not_before`` set by exponential backoff.
    """
    out = Resolution()
    rows = [r for r in pending_for(session, outlet) if r.kind == "article" and r.canonical_url]
    if not rows:
        return out
    seen = {
        s.canonical_url: s
        for s in session.scalars(
            select(SeenUrl).where(SeenUrl.canonical_url.in_({r.canonical_url for r in rows}))
        )
    }
    finished = []
    for row in rows:
        s = seen.get(row.canonical_url or "")
        if s is None:
            out.unjudged.append(row)
            continue
        if s.verdict == "failed":
            if (s.attempts or 0) >= max_attempts:
                finished.append(row.url)
            else:
                row.not_before = s.last_seen + backoff(s.attempts or 1, backoff_base)
                out.retrying += 1
            continue
        changed = s.lastmod or s.last_seen
        if row.lastmod is not None and changed is not None and row.lastmod > changed:
            out.unjudged.append(row)  # queued as a revision that was not fetched yet
            continue
        finished.append(row.url)
    drop_pending(session, finished)
    out.done = len(finished)
    return out


def due(rows: Iterable[PendingUrl], now: datetime | None = None) -> list[PendingUrl]:
    now = now or utcnow()
    return [r for r in rows if r.not_before is None or r.not_before <= now]


def failed_urls(
    session: Session, outlet: str | None, limit: int, max_attempts: int
) -> list[dict[str, Any]]:
    """Pages whose latest verdict is a failure, newest first: what ``runs --failures`` lists.
    ``state`` says whether the crawler will try again (``retrying``) or has given up."""
    query = select(SeenUrl).where(SeenUrl.verdict == "failed")
    if outlet:
        query = query.where(SeenUrl.outlet == outlet)
    rows = session.scalars(query.order_by(SeenUrl.last_seen.desc()).limit(limit))
    return [
        {
            "url": r.canonical_url,
            "outlet": r.outlet,
            "attempts": r.attempts,
            "state": "gave up" if (r.attempts or 0) >= max_attempts else "retrying",
            "last_seen": r.last_seen,
            "reason": r.reason,
        }
        for r in rows
    ]
