"""Atom feeds of stories: all of them, or what one watch collected.

One entry per story (never per copy): its id is a ``urn:uuid`` derived from the original's
canonical URL, so the same story keeps its id across runs, rebuilds and databases; ``updated``
moves when a republication (or a correction) arrives, which is how feed readers learn that
more outlets carried it. Text is Persian, so the feed is ``xml:lang="fa"`` and every entry's
content is an XHTML ``div`` with ``dir="rtl"``. Dates are RFC 3339 in UTC. The XML is built
with ElementTree, which escapes every stored string; control characters XML cannot carry are
removed first.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.alerts import both_calendars_fa, clean, first_lines, outlet_name
from monitor.views import copies
from storage.models import Watch, WatchHit
from storage.rows import ArticleRow
from storage.search import find_stories, load_stories

ATOM = "http://www.w3.org/2005/Atom"
XHTML = "http://www.w3.org/1999/xhtml"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
NS = uuid.UUID("6f1c8a52-3b0e-5d47-9a51-2f1d0c7e9b11")  # this project's namespace for ids
ENTRIES = 100

ET.register_namespace("", ATOM)


def rfc3339(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def story_uri(story: ArticleRow) -> str:
    return uuid.uuid5(NS, f"story\n{story.canonical_url}").urn


def feed_uri(watch: Watch | None) -> str:
    if watch is None:
        return uuid.uuid5(NS, "feed\nall stories").urn
    return uuid.uuid5(NS, f"feed\n{watch.name}\n{watch.created_at.isoformat()}").urn


def story_updated(story: ArticleRow) -> datetime:
    times = [story.fetched_at, *(s.seen_at for s in story.sightings)]
    if story.updated_at:
        times.append(story.updated_at)
    return max(times)


def feed_stories(session: Session, watch: Watch | None, limit: int = ENTRIES) -> list[ArticleRow]:
    """A watch's collected stories (newest first), or the newest stories of the store."""
    if watch is None:
        hits = find_stories(session, None, sort="date", limit=limit)
        return load_stories(session, [h.story_id for h in hits])
    ids = session.scalars(
        select(WatchHit.article_id)
        .where(WatchHit.watch_id == watch.id)
        .order_by(WatchHit.id.desc())
        .limit(limit)
    ).all()
    return load_stories(session, ids)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        el.text = clean(text)
    return el


def _content(entry: ET.Element, story: ArticleRow) -> None:
    content = _sub(entry, "content", type="xhtml")
    div = ET.SubElement(content, f"{{{XHTML}}}div", {"dir": "rtl", "lang": "fa"})
    all_copies = copies(story)
    outlets = list(dict.fromkeys(c.outlet for c in all_copies))
    lines = [
        f"{outlet_name(story.outlet)} · {both_calendars_fa(story.published or all_copies[0].date)}",
        first_lines(story, 600),
        f"منتشرشده در {len(outlets)} رسانه: " + "، ".join(outlet_name(o) for o in outlets),
    ]
    for line in lines:
        ET.SubElement(div, f"{{{XHTML}}}p").text = clean(line)


def build_feed(
    stories: Sequence[ArticleRow], *, watch: Watch | None = None, self_url: str | None = None
) -> bytes:
    """The Atom document; ``updated`` is the newest entry's, so an unchanged store gives a
    byte-identical feed."""
    feed = ET.Element(f"{{{ATOM}}}feed", {XML_LANG: "fa"})
    title = f"دیده‌بان {watch.name}" if watch else "خبرهای روابط ایران و روسیه"
    _sub(feed, "title", title)
    _sub(feed, "id", feed_uri(watch))
    updated = max((story_updated(s) for s in stories), default=None)
    fallback = watch.created_at if watch else datetime(2024, 1, 1, tzinfo=UTC)
    _sub(feed, "updated", rfc3339(updated or fallback))
    _sub(feed, "generator", "iran-russia-monitor")
    if self_url:
        _sub(feed, "link", rel="self", href=self_url, type="application/atom+xml")
    for story in stories:
        entry = _sub(feed, "entry")
        _sub(entry, "id", story_uri(story))
        _sub(entry, "title", clean(story.title, single_line=True) or "(بی‌عنوان)")
        _sub(entry, "link", rel="alternate", href=clean(story.url, single_line=True))
        first = copies(story)[0]
        _sub(entry, "published", rfc3339(story.published or first.date))
        _sub(entry, "updated", rfc3339(story_updated(story)))
        author = _sub(entry, "author")
        _sub(author, "name", outlet_name(story.outlet))
        for outlet in dict.fromkeys(c.outlet or "seed" for c in copies(story)):
            _sub(entry, "category", term=outlet)
        _sub(entry, "summary", first_lines(story))
        _content(entry, story)
    ET.indent(feed)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"


def watch_feed(session: Session, name: str | None, self_url: str | None = None) -> bytes:
    from monitor.watches import get_watch

    watch = get_watch(session, name) if name else None
    return build_feed(feed_stories(session, watch), watch=watch, self_url=self_url)
