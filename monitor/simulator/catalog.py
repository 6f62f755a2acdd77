"""The simulator's in-memory article store: what is visible now, and what changed when.

Articles come from ``build_data.manifest()`` (the seeds, hand-written stories and the newsroom's
generated articles; ``corpus`` adds real feed items from a folder). A batch number hides
articles until ``release(batch)``; ``update`` edits an article and bumps its modified time, the
value feeds, sitemaps and conditional GET use.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from monitor.outlets import BUNDLED, Outlet, load_outlets, outlet_for_url
from monitor.simulator.build_data import manifest


@dataclass
class ServedArticle:
    """One served article; ``modified`` starts at ``published`` and moves on ``update``."""

    outlet: str
    id: str
    url: str
    title: str
    lead: str
    paragraphs: list[str]
    published: datetime
    modified: datetime
    kind: str
    batch: int = 0
    kicker: str | None = None
    author: str | None = None
    tags: list[str] = field(default_factory=list)
    section: str = ""
    encoding: str = "utf-8"
    raw: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_record(cls, rec: dict[str, Any]) -> ServedArticle:
        published = datetime.fromisoformat(rec["published"])
        return cls(
            outlet=rec["outlet"],
            id=str(rec["id"]),
            url=rec["url"],
            title=rec["title"],
            lead=rec.get("lead") or "",
            paragraphs=list(rec["paragraphs"]),
            published=published,
            modified=published,
            kind=rec["kind"],
            batch=int(rec.get("batch", 0)),
            kicker=rec.get("kicker"),
            author=rec.get("author"),
            tags=list(rec.get("tags") or []),
            section=rec.get("section") or "",
            encoding=rec.get("encoding") or "utf-8",
            raw=rec,
        )


class Catalog:
    """Articles by outlet, newest first, filtered by the released batch. Thread-safe."""

    def __init__(self, corpus: str | Path | None = None, scale: int | None = None) -> None:
        records = manifest(corpus)
        if scale:  # benchmarks: at least this many articles (monitor.simulator.scaling)
            from monitor.simulator.scaling import scaled_records

            records = scaled_records(records, scale)
        # The bundled file only: the simulator plays the real outlets, not a user's overrides.
        self.outlets: dict[str, Outlet] = load_outlets(BUNDLED)
        self._lock = threading.RLock()
        self.batch = 0
        self.articles = [ServedArticle.from_record(r) for r in records]
        self._by_id = {(a.outlet, a.id): a for a in self.articles}
        # Visible lists by outlet, built once per change (release or update): filtering and
        # sorting every article on every request cost 3.4 ms a page at 5,000 articles, more
        # than the rest of serving it, and that CPU came out of the crawl being measured.
        self._changes = 0
        self._visible: dict[str | None, tuple[int, list[ServedArticle], dict[int, int]]] = {}

    def outlet_for_host(self, host: str) -> Outlet | None:
        return outlet_for_url(f"https://{host}/", self.outlets)

    def visible(self, outlet: str | None = None) -> list[ServedArticle]:
        """Visible articles, newest first (by publication time); a new list, the caller's."""
        return list(self._visible_now(outlet)[0])

    def earlier(self, art: ServedArticle, n: int) -> list[ServedArticle]:
        """Up to ``n`` visible articles of ``art``'s outlet published before it, newest first
        (the related and popular boxes of its page)."""
        items, position = self._visible_now(art.outlet)
        start = position.get(id(art))
        if start is None:  # not visible: every visible article older than it
            return [a for a in items if a.published < art.published][:n]
        after = (a for a in items[start + 1 :] if a.published < art.published)
        return [a for _, a in zip(range(n), after, strict=False)]

    def _visible_now(self, outlet: str | None) -> tuple[list[ServedArticle], dict[int, int]]:
        with self._lock:
            cached = self._visible.get(outlet)
            if cached is not None and cached[0] == self._changes:
                return cached[1], cached[2]
            items = sorted(
                (
                    a
                    for a in self.articles
                    if a.batch <= self.batch and (outlet is None or a.outlet == outlet)
                ),
                key=lambda a: (a.published, a.id),
                reverse=True,
            )
            position = {id(a): i for i, a in enumerate(items)}
            self._visible[outlet] = (self._changes, items, position)
            return items, position

    def lookup(self, url: str) -> ServedArticle | None:
        """The visible article a real URL (any host alias, with or without slug) points to."""
        outlet = outlet_for_url(url, self.outlets)
        if outlet is None:
            return None
        art_id = outlet.article_id(url)
        with self._lock:
            art = self._by_id.get((outlet.key, art_id)) if art_id else None
            return art if art is not None and art.batch <= self.batch else None

    def release(self, batch: int) -> None:
        with self._lock:
            self.batch = max(self.batch, int(batch))
            self._changes += 1

    def update(
        self, url: str, paragraphs: list[str] | None = None, title: str | None = None
    ) -> ServedArticle:
        """Edit an article in place; its modified time becomes now (and always moves forward)."""
        outlet = outlet_for_url(url, self.outlets)
        art_id = outlet.article_id(url) if outlet else None
        with self._lock:
            art = self._by_id.get((outlet.key, art_id)) if outlet and art_id else None
            if art is None:
                raise KeyError(f"no simulated article at {url}")
            if paragraphs is not None:
                art.paragraphs = list(paragraphs)
            if title is not None:
                art.title = title
            now = datetime.now(UTC).replace(microsecond=0)
            art.modified = max(now, art.modified + timedelta(seconds=1))
            self._changes += 1
            return art

    def last_modified(self, articles: list[ServedArticle]) -> datetime:
        """Newest modification among ``articles`` (a fixed old date when there are none)."""
        if not articles:
            return datetime(2020, 1, 1, tzinfo=UTC)
        return max(a.modified for a in articles)
