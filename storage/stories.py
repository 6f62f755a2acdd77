"""Stories across sources: Telegram posts' links, which story a URL belongs to, first sighting.

A story is one ``articles`` row and its ``sightings``. A post that announced an article and the
article itself are one story whichever was stored first; the story keeps when and where it
was first seen (``first_seen``, ``first_source``), so "on Telegram 40 minutes before the
website" is a query, not a guess.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Row, Table, bindparam, select, update
from sqlalchemy.orm import Session

from storage.models import Article, JudgedPage, PostLink, SeenUrl, Sighting
from storage.types import UTCDateTime

# Asked for every crawled web article (``monitor.telegram.stories``): Core statements built
# once, run on the session's connection (see ``storage.reads``).
_LINKS = PostLink.__table__.c
_POSTS_LINKING = (
    select(PostLink.__table__)
    .where(_LINKS.article_url == bindparam("url"))
    .order_by(_LINKS.posted_at.asc().nulls_last(), _LINKS.id)
)
_ARTICLES = Article.__table__.c
_AROUND = select(_ARTICLES.id).where(
    _ARTICLES.published.between(bindparam("low"), bindparam("high"))
)
_AROUND_FROM = _AROUND.where(_ARTICLES.source == bindparam("source"))
_FIRST_SEEN = select(
    _ARTICLES.first_seen,
    _ARTICLES.first_source,
    _ARTICLES.published,
    _ARTICLES.fetched_at,
    _ARTICLES.source,
).where(_ARTICLES.id == bindparam("id"))
_SET_FIRST_SEEN = (
    update(cast(Table, Article.__table__))
    .where(_ARTICLES.id == bindparam("story"))
    .values(first_seen=bindparam("seen", type_=UTCDateTime), first_source=bindparam("seen_source"))
)


def record_post_links(
    session: Session,
    *,
    post_url: str,
    channel: str,
    outlet: str | None,
    links: Iterable[tuple[str, str | None]],
    posted_at: datetime | None,
    title: str | None,
    body: str | None,
) -> list[PostLink]:
    """Keep every link of a post as ``(url, canonical article URL or None)``; idempotent."""
    rows = []
    for url, article_url in links:
        row = session.scalar(
            select(PostLink).where(PostLink.post_url == post_url, PostLink.url == url)
        )
        if row is None:
            row = PostLink(post_url=post_url, url=url)
            session.add(row)
        row.channel, row.outlet, row.article_url = channel, outlet, article_url
        row.posted_at, row.title, row.body = posted_at, title, body
        rows.append(row)
    session.flush()
    return rows


def story_of(session: Session, canonical_url: str) -> int | None:
    """The story (article id) a canonical URL belongs to: stored as it, or as its sighting."""
    article_id = session.scalar(select(Article.id).where(Article.canonical_url == canonical_url))
    if article_id is None:
        article_id = session.scalar(
            select(Sighting.article_id).where(Sighting.canonical_url == canonical_url)
        )
    return article_id


def own_row(session: Session, story_id: int, canonical_url: str) -> bool:
    """Whether ``canonical_url`` is the story's own row (not one of its sightings)."""
    return session.scalar(select(Article.canonical_url).where(Article.id == story_id)) == (
        canonical_url
    )


def posts_linking(session: Session, article_url: str) -> list[Row[Any]]:
    """Posts that link to this article (``post_links`` rows, read-only), earliest first; posts
    of unknown time after them.

    ``NULLS LAST`` is spelled out because the backends disagree on the default (SQLite sorts
    NULL first, PostgreSQL last), and the caller acts on the first post only."""
    return list(session.connection().execute(_POSTS_LINKING, {"url": article_url}))


def note_first_seen(session: Session, article_id: int, when: datetime | None, source: str) -> None:
    """Move the story's first sighting earlier when ``when`` is earlier than what it has.

    A story with no first sighting yet starts from its own row (published time, else fetched
    time, and its source), so calling this in any order gives the same answer.

    The crawl calls this for every stored page and every copy: unless the session holds the
    article already (then its copy is changed), the five columns are read and written with
    Core statements rather than by loading the whole row.
    """
    if Session.identity_key(Article, article_id) in session.identity_map:
        article = session.get(Article, article_id)
        assert article is not None
        seen, seen_source = _first_seen(
            article.first_seen,
            article.first_source,
            article.published or article.fetched_at,
            article.source,
            when,
            source,
        )
        if (seen, seen_source) != (article.first_seen, article.first_source):
            article.first_seen, article.first_source = seen, seen_source
        return
    conn = session.connection()
    row = conn.execute(_FIRST_SEEN, {"id": article_id}).first()
    if row is None:
        return
    seen, seen_source = _first_seen(
        row.first_seen, row.first_source, row.published or row.fetched_at, row.source, when, source
    )
    if (seen, seen_source) != (row.first_seen, row.first_source):
        conn.execute(
            _SET_FIRST_SEEN, {"story": article_id, "seen": seen, "seen_source": seen_source}
        )


def _first_seen(
    first_seen: datetime | None,
    first_source: str | None,
    own: datetime | None,
    own_source: str | None,
    when: datetime | None,
    source: str,
) -> tuple[datetime | None, str | None]:
    if first_seen is None:
        first_seen, first_source = own, own_source or "web"
    if when is not None and (first_seen is None or when < first_seen):
        first_seen, first_source = when, source
    return first_seen, first_source


def set_sighting_source(session: Session, canonical_url: str, source: str) -> None:
    row = session.scalar(select(Sighting).where(Sighting.canonical_url == canonical_url))
    if row is not None:
        row.source = source


def stories_around(
    session: Session, when: datetime | None, window: timedelta, source: str | None = None
) -> set[int]:
    """Stories published within ``window`` of ``when`` (from ``source`` only, if given): the
    few rows a Telegram post and an article are compared with directly."""
    if when is None:
        return set()
    params = {"low": when - window, "high": when + window, "source": source}
    stmt = _AROUND if source is None else _AROUND_FROM
    return set(session.connection().execute(stmt, params).scalars())


def join_story(
    session: Session, story_id: int, into: int, kind: str, score: float, body: str | None = None
) -> Sighting:
    """Make story ``story_id`` (a post stored before the article it announced) a sighting of
    story ``into`` (the article), with its own sightings; the first sighting carries over.

    The article becomes the story's row because it is the fuller text; the post stays as
    where and when the story was first seen. The post's own revisions go with its row.
    """
    old = session.get(Article, story_id)
    target = session.get(Article, into)
    if old is None or target is None:
        raise ValueError(f"cannot join story {story_id} into {into}: missing row")
    for sighting in list(old.sightings):
        # Through the relationship, not ``article_id``: a sighting left in ``old.sightings``
        # would be deleted with ``old`` by the delete-orphan cascade below.
        sighting.original = target
    first_seen = old.first_seen or old.published
    row = Sighting(
        article_id=into,
        canonical_url=old.canonical_url,
        url=old.url,
        outlet=old.outlet,
        kind=kind,
        score=score,
        title=old.title,
        published=old.published,
        cited_source=old.cited_source,
        body=body if body is not None else "\n".join(p for p in (old.lead, old.body) if p),
        source=old.source,
        # The story's search tokens stay searchable as the copy's (they cover its title, lead
        # and body, which is what a copy's own tokens are made of).
        search_text=old.search_text,
    )
    seen = session.get(SeenUrl, old.canonical_url)
    if seen is not None:
        seen.verdict, seen.reason = "duplicate", f"joined story {into}"
    for page in session.scalars(select(JudgedPage).where(JudgedPage.article_id == story_id)):
        page.article_id = into  # the post and its own copies now belong to the article's story
        if page.canonical_url == old.canonical_url:
            page.verdict = "duplicate"
    session.delete(old)
    session.flush()
    session.add(row)
    note_first_seen(session, into, first_seen, old.first_source or old.source)
    session.flush()
    return row


def merge_copy(
    session: Session, later: int, into: int, kind: str, score: float, body: str | None = None
) -> Sighting | None:
    """Make article ``later`` a sighting of article ``into`` (its earlier twin, stored by a
    process that raced it), keeping its search text; ``None`` when either row is gone already
    (the other process merged first). The row is locked first on PostgreSQL, so two processes
    merging the same pair do it once."""
    old = session.get(Article, later, with_for_update=True, populate_existing=True)
    if old is None or session.get(Article, into) is None:
        return None
    return join_story(session, later, into, kind, score, body)
