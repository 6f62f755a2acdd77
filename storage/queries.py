"""Read-side queries used by the CLI: one article with its sightings, runs, sources.

Search lives in ``storage.search``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from storage import rows
from storage.rows import ArticleRow, RunRow

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from storage.models import JudgedPage
    from storage.rows import Reader


def get_article(session: Reader, article_id: int) -> ArticleRow | None:
    """An article with its sightings and earlier revisions, or ``None``."""
    found = rows.articles(session, [article_id], revisions=True)
    return found[0] if found else None


def list_runs(session: Reader, outlet: str | None = None, limit: int = 30) -> list[RunRow]:
    return rows.runs(session, outlet, limit)


@dataclass(frozen=True)
class OutletCounts:
    articles: int
    sightings: int
    newest: datetime | None
    last_run: RunRow | None


def outlet_counts(session: Reader, outlet: str) -> OutletCounts:
    articles, newest, sightings = rows.outlet_articles(session, outlet)
    return OutletCounts(articles, sightings, newest, rows.last_run(session, outlet))


def telegram_seen(session: Session, channels: list[str]) -> dict[str, dict[int, str]]:
    """Judged Telegram posts by channel (lower-case name): ``{post id: verdict}``.

    Post URLs are ``https://t.me/<channel>/<id>``; the largest id is the channel's watermark.
    """
    from sqlalchemy import select

    from storage.models import SeenUrl

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
    limit: int | None = None,
    offset: int = 0,
) -> list[JudgedPage]:
    """Pages judged just under the relevance threshold (kept, not stories), newest first."""
    from sqlalchemy import func, select

    from storage.models import JudgedPage
    from storage.rows import borderline_conditions

    where = borderline_conditions(JudgedPage.__table__.c, outlets=outlets, since=since, until=until)
    when = func.coalesce(JudgedPage.published, JudgedPage.fetched_at)
    stmt = select(JudgedPage).where(*where).order_by(when.desc(), JudgedPage.canonical_url)
    return list(session.scalars(stmt.limit(limit).offset(offset)))
