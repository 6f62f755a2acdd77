"""One story across sources: a Telegram post and the article it announced.

``StoryLinkPipeline`` runs between the judge stage and the record stage, so it can change a
verdict before it is written:

- a post's links are kept (``post_links``) whatever the post's verdict; when one points at an
  article already stored (as a story or a sighting), the post is a sighting of that story
  (kind ``link``), and so is a post whose text sits inside an article of the same days (a
  copied headline and lead: compared directly, since LSH misses a short text in a long one);
- an article that a post links to, or whose text carries a post stored alone, becomes the
  story's row once stored, and the post its first sighting (``storage.stories.join_story``);
- once an article is stored, the posts linking to it that were not stored (judged irrelevant
  on their own, say) join it as sightings.

Every outcome moves the story's first sighting (``first_seen``, ``first_source``) to the
earliest copy, so a story that broke on Telegram says so whichever copy was crawled first.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler

from monitor.dedup import Match, fingerprint_input
from monitor.items import PageItem
from monitor.pipelines.base import Stage
from monitor.searchtext import search_document
from monitor.verdict import Outcome, Verdict
from storage.stories import (
    join_story,
    note_first_seen,
    own_row,
    posts_linking,
    record_post_links,
    stories_around,
    story_of,
)
from storage.writes import SightingData, record_sighting

# A post and the article it copies appear within days of each other: only stories published
# this close are compared directly (the dedup index's LSH stays the general search).
STORY_WINDOW = timedelta(days=3)


def _as_duplicate(verdict: Verdict, match: Match) -> None:
    verdict.outcome = Outcome.DUPLICATE
    verdict.duplicate = match
    verdict.reason = f"{match.kind} duplicate of {match.of} (score {match.score:.2f})"


class StoryLinkPipeline(Stage):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        crawler.signals.connect(self.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(self.item_dropped, signal=signals.item_dropped)
        # Articles that absorb a post story once stored: canonical URL → (story, kind, score).
        self._joins: dict[str, tuple[int, str, float]] = {}

    def process_item(self, item: PageItem) -> PageItem:
        verdict = item.verdict
        if verdict is None or verdict.extracted is None or item.refetch:
            return item  # not extracted, or an edit of our own row (a revision)
        with self.session() as session:
            if item.source == "telegram":
                self._post(session, item, verdict)
            elif verdict.outcome is not Outcome.DUPLICATE:
                self._article(session, item, verdict)
            dup = verdict.duplicate
            if verdict.outcome is Outcome.DUPLICATE and dup is not None:
                # The story's first sighting moves earlier if this copy is; the record stage
                # writes the sighting itself.
                published = verdict.extracted.published
                note_first_seen(session, dup.of, published, item.source)
        return item

    # --- a Telegram post -------------------------------------------------------------------

    def _post(self, session: Any, item: PageItem, verdict: Verdict) -> None:
        post = item.post
        ex = verdict.extracted
        assert ex is not None
        links = [(url, self._article_url(url)) for url in (post.links if post else [])]
        if links:
            record_post_links(
                session,
                post_url=item.canonical_url,
                channel=post.channel if post else "",
                outlet=item.outlet,
                links=links,
                posted_at=ex.published,
                title=ex.title,
                body=ex.text,
            )
        if verdict.outcome is Outcome.DUPLICATE:
            return  # a forward or repost of a stored story: already a sighting
        story = next((s for _, a in links if a and (s := story_of(session, a)) is not None), None)
        if story is not None:
            _as_duplicate(verdict, Match("link", story, 1.0))  # type: ignore[arg-type]
            return
        match = self._compare(session, item, verdict, None, "new_in_old")
        if match is not None:
            _as_duplicate(verdict, match)

    def _article_url(self, url: str) -> str | None:
        outlet = self.judge.outlet_of(url)
        return outlet.canonical_url(url) if outlet else None

    # --- a web article ---------------------------------------------------------------------

    def _article(self, session: Any, item: PageItem, verdict: Verdict) -> None:
        for link in posts_linking(session, item.canonical_url):
            story = story_of(session, link.post_url)
            if story is None:
                continue
            if own_row(session, story, link.post_url):
                self._joins[item.canonical_url] = (story, "link", 1.0)
            else:  # the post is a sighting of another story: so is the article
                _as_duplicate(verdict, Match("link", story, 1.0))  # type: ignore[arg-type]
            return
        match = self._compare(session, item, verdict, "telegram", "old_in_new")
        if match is not None:
            self._joins[item.canonical_url] = (match.of, match.kind, match.score)

    def _compare(
        self, session: Any, item: PageItem, verdict: Verdict, source: str | None, direction: str
    ) -> Match | None:
        """Containment against the stories of the same days, compared directly (see
        ``DedupIndex.compare``: LSH misses a short post inside a long article)."""
        ex = verdict.extracted
        if ex is None or verdict.fingerprint is None:
            return None
        keys = stories_around(session, ex.published, STORY_WINDOW, source)
        if not keys:
            return None
        self.judge.catch_up(session)
        return self.judge.index.compare(verdict.fingerprint, keys, direction)  # type: ignore[arg-type]

    # --- after the record stage ------------------------------------------------------------

    def item_scraped(self, item: Any) -> None:
        """A stored row: its first sighting, a post story it absorbs, unstored posts that
        announced it."""
        if not isinstance(item, PageItem) or item.stored_id is None or item.verdict is None:
            return
        ex = item.verdict.extracted
        with self.session() as session:
            note_first_seen(session, item.stored_id, ex.published if ex else None, item.source)
            if item.source != "web":
                return
            join = self._joins.pop(item.canonical_url, None)
            if join is not None and join[0] != item.stored_id:
                story, kind, score = join
                if story_of(session, item.canonical_url) == item.stored_id:
                    join_story(session, story, item.stored_id, kind, score)
                    self.judge.forget(story)
                    self.stats.inc_value("monitor/telegram/joined")
            for link in posts_linking(session, item.canonical_url):
                if story_of(session, link.post_url) is not None:
                    continue
                record_sighting(
                    session,
                    SightingData(
                        original_id=item.stored_id,
                        canonical_url=link.post_url,
                        url=link.post_url,
                        outlet=link.outlet,
                        kind="link",
                        score=1.0,
                        title=link.title,
                        published=link.posted_at,
                        body=fingerprint_input(None, link.body),
                        source="telegram",
                        search_text=search_document(link.title, link.body),
                    ),
                )
                note_first_seen(session, item.stored_id, link.posted_at, "telegram")

    def item_dropped(self, item: Any, exception: BaseException, **kwargs: Any) -> None:
        """A dropped article absorbs no post story."""
        if isinstance(item, PageItem):
            self._joins.pop(item.canonical_url, None)
