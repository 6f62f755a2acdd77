"""Read-side queries used by the CLI: one article with its sightings, runs, sources.

Search lives in ``storage.search``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from storage.models import Article, CrawlRun, JudgedPage, SeenUrl, Sighting


def get_article(session: Session, article_id: int) -> Article | None:
    return session.scalar(
        select(Article)
        .where(Article.id == article_id)
        .options(selectinload(Article.sightings), selectinload(Article.revisions))
    )


def list_runs(session: Session, outlet: str | None = None, limit: int = 30) -> list[CrawlRun]:
    stmt = select(CrawlRun).order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc())
    if outlet:
        stmt = stmt.where(CrawlRun.outlet == outlet)
    return list(session.scalars(stmt.limit(limit)))


@dataclass(frozen=True)
class OutletCounts:
    articles: int
    sightings: int
    newest: datetime | None
    last_run: CrawlRun | None


def outlet_counts(session: Session, outlet: str) -> OutletCounts:
    articles, newest = session.execute(
        select(func.count(Article.id), func.max(Article.fetched_at)).where(
            Article.outlet == outlet, Article.seed_file.is_(None)
        )
    ).one()
    sightings = session.scalar(select(func.count(Sighting.id)).where(Sighting.outlet == outlet))
    last = session.scalar(
        select(CrawlRun).where(CrawlRun.outlet == outlet).order_by(CrawlRun.id.desc()).limit(1)
    )
    return OutletCounts(articles or 0, sightings or 0, newest, last)


def telegram_seen(session: Session, channels: list[str]) -> dict[str, dict[int, str]]:
    """Judged Telegram posts by channel (lower-case name): ``{post id: verdict}``.

    Post URLs are ``https://t.me/<channel>/<id>``; the largest id is the channel's watermark.
    """
    wanted = {c.lower() for c in channels}
    found: dict[str, dict[int, str]] = {c: {} for c in wanted}
    rows = session.execute(
        select(SeenUrl.canonical_url, SeenUrl.verdict).where(
            SeenUrl.canonical_url.like("https://t.me/%")
        )
    )
    for url, verdict in rows:
        channel, _, post_id = url.removeprefix("https://t.me/").partition("/")
        if channel.lower() in wanted and post_id.isdigit():
            found[channel.lower()][int(post_id)] = verdict
    return found


def borderline_pages(
    session: Session,
    *,
    outlets: Sequence[str] = (),
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[JudgedPage]:
    """Pages judged just under the relevance threshold (kept, not stories), newest first."""
    when = func.coalesce(JudgedPage.published, JudgedPage.fetched_at)
    stmt = select(JudgedPage).where(JudgedPage.verdict == "borderline")
    if outlets:
        stmt = stmt.where(JudgedPage.outlet.in_(list(outlets)))
    if since:
        stmt = stmt.where(when >= since)
    if until:
        stmt = stmt.where(when < until)
    return list(session.scalars(stmt.order_by(when.desc())))
