"""Row shapes for people and programs: stories, copies, article and sighting detail, runs, outlets.

One place decides what a row holds, so the table, JSON/CSV output, exports and a future web page
show the same fields. It sits on the domain side (not in ``storage/``) because rows carry both
calendars: every datetime appears as an aware ISO 8601 value and, beside it, ``*_jalali`` in
Tehran time.

Ids have one prefix per kind of stored thing: ``a42`` is an article (the original of a story),
``s17`` a sighting (a copy another outlet republished). ``monitor show`` takes either, and a bare
number means an article, as it always did.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from storage.models import Article, CrawlRun, JudgedPage, Sighting
    from storage.rows import ArticleRow, RunRow, SightingRow
    from storage.search import CopyFilter

    # The readers of ``storage.rows`` return plain rows; alerts and feeds load ORM objects
    # (joined with their watches). Both have the same attribute names.
    Story = ArticleRow | Article
    Seen = SightingRow | Sighting
    Run = RunRow | CrawlRun

ARTICLE_PREFIX, SIGHTING_PREFIX = "a", "s"


@dataclass(frozen=True)
class ItemId:
    kind: str  # "article" | "sighting"
    number: int

    def __str__(self) -> str:
        return (ARTICLE_PREFIX if self.kind == "article" else SIGHTING_PREFIX) + str(self.number)


def parse_item_id(value: str) -> ItemId:
    """``a42``/``42`` → article 42, ``s17`` → sighting 17; ``ValueError`` for anything else."""
    raw = value.strip().lower()
    kind = "article"
    if raw[:1] in (ARTICLE_PREFIX, SIGHTING_PREFIX):
        kind = "article" if raw[0] == ARTICLE_PREFIX else "sighting"
        raw = raw[1:]
    if not raw.isdigit() or int(raw) <= 0:
        raise ValueError(f"not an id: {value!r} (use a42 for an article, s17 for a sighting)")
    return ItemId(kind, int(raw))


def article_id(a: Story) -> str:
    return str(ItemId("article", a.id))


def sighting_id(s: Seen) -> str:
    return str(ItemId("sighting", s.id))


def jalali(dt: datetime | None) -> str | None:
    if dt is None:
        return None
    from monitor.dates import to_jalali

    return to_jalali(dt)


def _dated(name: str, dt: datetime | None) -> dict[str, Any]:
    return {name: dt, f"{name}_jalali": jalali(dt)}


@dataclass(frozen=True)
class Copy:
    """One copy of a story, article or sighting, with the date filters look at."""

    id: str
    kind: str  # original | url | exact | near
    outlet: str | None
    title: str | None
    url: str
    published: datetime | None
    fetched: datetime
    row: Story | Seen

    @property
    def date(self) -> datetime:
        return self.published or self.fetched


def copies(a: Story) -> list[Copy]:
    """The original and every sighting, earliest first (by each copy's own date)."""
    out = [Copy(article_id(a), "original", a.outlet, a.title, a.url, a.published, a.fetched_at, a)]
    out += [
        Copy(sighting_id(s), s.kind, s.outlet, s.title, s.url, s.published, s.seen_at, s)
        for s in a.sightings
    ]
    return sorted(out, key=lambda c: (c.date, c.kind != "original"))


def story_row(
    a: Story,
    *,
    score: float | None = None,
    snippet: Any = None,
    filters: CopyFilter | None = None,
) -> dict[str, Any]:
    """A story: its first publisher and first-seen time, how many outlets carried it, which."""
    all_copies = copies(a)
    first = all_copies[0]
    outlets = list(dict.fromkeys(c.outlet or "seed" for c in all_copies))
    in_range = [
        c
        for c in all_copies
        if filters is None or filters.accepts(c.outlet, c.published, c.fetched)
    ]
    row: dict[str, Any] = {
        "id": article_id(a),
        "title": a.title,
        "first_outlet": first.outlet,
        **_dated("first_seen", first.date),
        "outlets": len(outlets),
        "outlet_names": outlets,
        "copies": len(all_copies),
        "copies_in_range": [c.id for c in in_range],
        "url": a.url,
        "relevance": round(a.relevance, 3),
        "score": None if score is None else round(score, 4),
        # Where the story appeared first (a Telegram post before the website, say).
        "source": a.first_source or a.source,
    }
    if a.first_seen is not None and (first.date is None or a.first_seen < first.date):
        row.update(_dated("first_seen", a.first_seen))
    if snippet is not None:
        row["snippet"] = snippet.text
        row["snippet_marks"] = [list(m) for m in snippet.marks]
    return row


def copy_row(c: Copy, story: Story, *, full_text: bool = False) -> dict[str, Any]:
    """One copy for ``--rows`` and exports; ``full_text`` adds lead and body."""
    r = c.row
    row: dict[str, Any] = {
        "id": c.id,
        "story": article_id(story),
        "kind": c.kind,
        "outlet": c.outlet,
        "title": c.title,
        "url": c.url,
        **_dated("published", c.published),
        **_dated("fetched", c.fetched),
        "similarity": 1.0 if c.kind == "original" else round(r.score, 3),  # type: ignore[union-attr]
        "cited_source": r.cited_source,
        "source": r.source,
    }
    if full_text:
        row["lead"] = r.lead if c.kind == "original" else None  # type: ignore[union-attr]
        row["body"] = r.body
    return row


def article_detail(a: Story) -> dict[str, Any]:
    return {
        "id": article_id(a),
        "outlet": a.outlet,
        "title": a.title,
        "url": a.url,
        **_dated("published", a.published),
        **_dated("fetched", a.fetched_at),
        "date_source": a.date_source,
        "cited_source": a.cited_source,
        "relevance": round(a.relevance, 3),
        "relevance_reasons": a.relevance_reasons,
        "author": a.author,
        "tags": a.tags,
        "seed_file": a.seed_file,
        "source": a.first_source or a.source,
        **_dated("first_seen", a.first_seen),
        "lead": a.lead,
        "body": a.body,
        "sightings": [copy_row(c, a) for c in copies(a) if c.kind != "original"],
        "revisions": [_dated("changed_at", r.changed_at) | {"title": r.title} for r in a.revisions],
    }


def sighting_detail(s: Seen) -> dict[str, Any]:
    """A sighting, its original, and its place among the story's copies (1 = first seen)."""
    story = s.original
    assert story is not None, "a sighting from get_sighting carries its original"
    order = [c.id for c in copies(story)]
    return {
        "id": sighting_id(s),
        "story": article_id(story),
        "kind": s.kind,
        "similarity": round(s.score, 3),
        "outlet": s.outlet,
        "title": s.title,
        "url": s.url,
        **_dated("published", s.published),
        **_dated("seen", s.seen_at),
        "cited_source": s.cited_source,
        "body": s.body,
        "place": order.index(sighting_id(s)) + 1,
        "copies": len(order),
        "original": {
            "id": article_id(story),
            "outlet": story.outlet,
            "title": story.title,
            "url": story.url,
            **_dated("published", story.published),
        },
    }


# The counts shown for a crawl, in the order people read them.
RUN_COUNTS = ("requests", "not_modified", "pages", "new", "duplicate", "irrelevant", "failed")


def run_row(r: Run) -> dict[str, Any]:
    return {
        "id": r.id,
        "outlet": r.outlet,
        "status": r.status,
        "trigger": r.trigger,
        "worker": r.worker,  # the `monitor worker` that ran a queued crawl; None otherwise
        "started_at": r.started_at,
        "finished_at": r.finished_at,
        **{name: getattr(r, name) for name in (*RUN_COUNTS[:6], "revised", "failed")},
        "failures": r.failures,
    }


def source_row(key: str, outlet: Any, counts: Any) -> dict[str, Any]:
    """An outlet as configured, with what the store holds from it."""
    s = outlet.schedule
    return {
        "outlet": key,
        "name": outlet.name,
        "name_fa": outlet.name_fa,
        "enabled": outlet.enabled,
        "domains": list(outlet.domains),
        "feeds": list(outlet.feeds),
        "sitemaps": list(outlet.sitemaps),
        "listings": list(outlet.listings),
        "schedule": s.cron or f"every {s.interval}s ±{s.jitter}s",
        "articles": counts.articles,
        "sightings": counts.sightings,
        "last_run": counts.last_run.started_at if counts.last_run else None,
    }


def table_columns(rows: Sequence[dict[str, Any]], wanted: Sequence[str]) -> list[str]:
    return [c for c in wanted if not rows or c in rows[0]]


def borderline_row(page: JudgedPage) -> dict[str, Any]:
    """A page kept just under the relevance threshold: not a story, listed on request."""
    return {
        "url": page.url,
        "outlet": page.outlet,
        "title": page.title,
        **_dated("published", page.published),
        **_dated("fetched", page.fetched_at),
        "relevance": None if page.relevance is None else round(page.relevance, 3),
        "reasons": page.relevance_reasons,
        "model": page.model_version,
    }


def snippet_source(story: Story, wanted: set[str]) -> str:
    """The copy text a snippet is taken from: the original's, else the first copy that has a
    wanted word (a story can match through a republication's text alone)."""
    from monitor.searchtext import search_tokens

    texts = [_unrepeated(story.title, story.lead, story.body)]
    texts += [_unrepeated(s.title, s.body) for s in story.sightings if s.body]
    for t in texts:
        if wanted & set(search_tokens(t[:20000])):
            return t[:20000]
    return texts[0][:20000]


def _unrepeated(*parts: str | None) -> str:
    """The parts joined by lines, without a part that the next one opens with: a Telegram
    post's title is its first line, and many leads repeat the headline, so a snippet would
    otherwise show the same words twice."""
    kept = [p.strip() for p in parts if p and p.strip()]
    flat = [" ".join(p.split()) for p in kept]
    return "\n".join(
        p for i, p in enumerate(kept) if not (i + 1 < len(kept) and flat[i + 1].startswith(flat[i]))
    )
