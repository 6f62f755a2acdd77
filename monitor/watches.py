"""Watches: saved queries over stories, and collecting the stories that are new to each.

A watch is the search of ``monitor query`` (the same parser, the same full-text index, the same
story semantics) kept in the store with where to announce its finds. After every crawl,
``collect`` asks each watch's query for stories with a copy fetched since the watch last looked
(less a margin, so a copy another process committed late is not missed) and records each story
it has not collected before as a ``watch_hits`` row. The unique (watch, story) pair is what
makes "one alert per story" hold however often collection runs, from however many processes:
an alert is queued in the same transaction as its hit, so both exist or neither does.

A republication of a story the watch already announced changes nothing, unless the watch was
added with ``--republications``: then each collection that finds more copies than were last
announced queues one "update" alert naming the new total.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import Watch, WatchHit
from storage.rows import ArticleRow
from storage.search import CopyFilter, StoryHit, TextQuery, find_stories, load_stories
from storage.types import utcnow

log = logging.getLogger(__name__)

DIGESTS = ("hourly", "daily")
# A copy committed this long after its fetch time is still collected by the next look.
LOOK_BACK = timedelta(hours=2)
PAGE = 500


class WatchError(ValueError):
    """A watch cannot be added or found; the message says why, in one line."""


@dataclass(frozen=True)
class WatchSpec:
    name: str
    query: str = ""
    outlets: tuple[str, ...] = ()
    min_relevance: float | None = None
    notify: tuple[str, ...] = ()
    digest: str | None = None
    republications: bool = False
    since: datetime | None = None


def parse_text(query: str) -> TextQuery | None:
    from monitor.searchquery import QueryError, parse_query

    try:
        return parse_query(query)
    except QueryError as exc:
        raise WatchError(f"query: {exc}") from None


def validate(spec: WatchSpec) -> None:
    if not spec.name.strip() or len(spec.name) > 100 or any(c.isspace() for c in spec.name):
        raise WatchError(f"watch name must be 1–100 characters without spaces: {spec.name!r}")
    if spec.digest is not None and spec.digest not in DIGESTS:
        raise WatchError(f"--digest must be one of {', '.join(DIGESTS)}, not {spec.digest!r}")
    if spec.min_relevance is not None and not 0.0 <= spec.min_relevance <= 1.0:
        raise WatchError(f"--min-relevance must be between 0 and 1, not {spec.min_relevance}")
    for url in spec.notify:
        check_notify_url(url)
    parse_text(spec.query)


def check_notify_url(url: str) -> None:
    """An Apprise URL Apprise can load (``json://host/path``, ``tgram://…``, ``mailto://…``)."""
    import apprise

    if not apprise.Apprise().add(url):
        raise WatchError(f"--notify: not an Apprise URL Apprise understands: {url!r}")


def add_watch(session: Session, spec: WatchSpec, now: datetime | None = None) -> Watch:
    validate(spec)
    if session.scalar(select(Watch.id).where(Watch.name == spec.name)) is not None:
        raise WatchError(f"a watch named {spec.name!r} exists (remove it first)")
    now = now or utcnow()
    watch = Watch(
        name=spec.name,
        query=spec.query,
        outlets=list(spec.outlets),
        min_relevance=spec.min_relevance,
        notify=list(spec.notify),
        digest=spec.digest,
        republications=spec.republications,
        since=spec.since or now,
        created_at=now,
    )
    session.add(watch)
    session.flush()
    return watch


def get_watch(session: Session, name: str) -> Watch:
    watch = session.scalar(select(Watch).where(Watch.name == name))
    if watch is None:
        known = session.scalars(select(Watch.name).order_by(Watch.name)).all()
        raise WatchError(f"no watch named {name!r} (watches: {', '.join(known) or 'none'})")
    return watch


def list_watches(session: Session) -> list[Watch]:
    return list(session.scalars(select(Watch).order_by(Watch.name)))


def remove_watch(session: Session, name: str) -> None:
    session.delete(get_watch(session, name))


def watch_filter(watch: Watch, fetched_since: datetime | None) -> CopyFilter:
    return CopyFilter(outlets=tuple(watch.outlets or ()), fetched_since=fetched_since)


def matching_stories(
    session: Session, watch: Watch, fetched_since: datetime | None, limit: int | None = None
) -> list[ArticleRow]:
    """Stories the watch's query finds with a copy fetched since then, oldest first (the
    order they are announced in), relevance floor applied."""
    text = parse_text(watch.query)
    filters = watch_filter(watch, fetched_since)
    hits: list[StoryHit] = []
    offset = 0
    while True:
        page = find_stories(session, text, filters, sort="date", limit=PAGE, offset=offset)
        hits.extend(page)
        offset += PAGE
        if len(page) < PAGE or (limit is not None and len(hits) >= limit):
            break
    stories = load_stories(session, [h.story_id for h in hits][: limit or None])
    if fetched_since is not None:  # a seed is "fetched" when loaded: only a new copy is news
        stories = [s for s in stories if s.seed_file is None or _new_copy(s, filters)]
    if watch.min_relevance is not None:
        stories = [s for s in stories if s.relevance >= watch.min_relevance]
    return list(reversed(stories))


def _new_copy(story: ArticleRow, filters: CopyFilter) -> bool:
    return any(filters.accepts(c.outlet, c.published, c.seen_at) for c in story.sightings)


def period_of(digest: str | None, when: datetime) -> str | None:
    """The digest period a story found at ``when`` belongs to: Tehran day or UTC hour."""
    if digest is None:
        return None
    if digest == "hourly":
        return when.strftime("%Y-%m-%dT%H:00Z")
    from monitor.dates import to_tehran

    return to_tehran(when).strftime("%Y-%m-%d")


@dataclass
class Collected:
    watch: str
    stories: int = 0
    updates: int = 0
    alerts: int = 0


def collect(session: Session, now: datetime | None = None) -> list[Collected]:
    """Collect every watch's new stories and queue their alerts; commits per watch."""
    from monitor import alerts

    now = now or utcnow()
    out = []
    for watch in list_watches(session):
        result = Collected(watch.name)
        looked = watch.checked_at - LOOK_BACK if watch.checked_at else None
        fetched_since = max(watch.since, looked) if looked else watch.since
        known = {
            h.article_id: h
            for h in session.scalars(select(WatchHit).where(WatchHit.watch_id == watch.id))
        }
        for story in matching_stories(session, watch, fetched_since):
            ncopies = 1 + len(story.sightings)
            hit = known.get(story.id)
            if hit is None:
                hit = WatchHit(
                    watch_id=watch.id,
                    article_id=story.id,
                    matched_at=now,
                    copies=ncopies,
                    period=period_of(watch.digest, now),
                )
                session.add(hit)
                known[story.id] = hit
                result.stories += 1
                if watch.digest is None:
                    result.alerts += alerts.queue_story(session, watch, story, "story", now)
            elif watch.republications and ncopies > hit.copies:
                hit.copies = ncopies
                result.updates += 1
                if watch.digest is None:
                    result.alerts += alerts.queue_story(session, watch, story, "update", now)
        if watch.digest is not None:
            result.alerts += alerts.queue_digests(session, watch, now)
        watch.checked_at = now
        try:
            session.commit()
        except IntegrityError:  # another process collected the same story first: it announces
            session.rollback()
            log.info("watch %s: collected concurrently elsewhere; next look picks up", watch.name)
            continue
        out.append(result)
    return out


def preview(session: Session, watch: Watch, limit: int = 20) -> Sequence[ArticleRow]:
    """What the watch would find in the whole store (ignoring ``since``), newest first."""
    return list(reversed(matching_stories(session, watch, None, limit=limit)))
