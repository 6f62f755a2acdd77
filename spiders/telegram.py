"""The Telegram spider: every configured public channel, through its web preview.

One spider reads all channels, rather than one per channel or outlet, because Telegram
rate-limits the preview per client, not per channel: one crawler means one ``t.me`` download
slot (``DOWNLOAD_SLOTS``), so the delay between requests holds across channels. Each channel
still has its own watermark, depth and failures, so one missing channel costs nothing else.

Per channel: the newest page ``https://t.me/s/<name>`` (a conditional request: an unchanged
preview costs a 304), then ``?before=<smallest id>`` while the page holds posts newer than the
channel's watermark (the newest post already judged) and the depth allows. Posts already
judged are skipped, except a stored post the preview marks edited, which goes to the store
again to become a revision. The spider only yields requests and items; judging is the
pipelines'.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any, ClassVar

from scrapy import Request, Spider
from scrapy.http import Response
from sqlalchemy.orm import Session
from twisted.python.failure import Failure

from monitor.channels import load_channels
from monitor.failures import failure_reason, record_failure
from monitor.items import PageItem
from monitor.middlewares.conditional import NotModified
from monitor.telegram.items import post_item
from monitor.telegram.parse import parse_channel_page
from storage.db import connect, default_db_url
from storage.queries import telegram_seen


class TelegramSpider(Spider):
    name = "telegram"
    allowed_domains: ClassVar[list[str]] = ["t.me"]

    def __init__(
        self, *args: Any, channels: str | None = None, pages: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.only = {c.strip().lower() for c in channels.split(",")} if channels else None
        self.pages_arg = int(pages) if pages else None

    async def start(self) -> AsyncIterator[Request]:
        settings = self.crawler.settings
        configured = load_channels(settings.get("MONITOR_OUTLETS"))
        unknown = sorted((self.only or set()) - set(configured))
        for name in unknown:
            record_failure(self.crawler.stats, f"https://t.me/s/{name}", "channel not configured")
        self.channels = {
            k: c
            for k, c in configured.items()
            if (c.enabled if self.only is None else k in self.only)
        }
        self.default_pages = self.pages_arg or settings.getint("MONITOR_TELEGRAM_PAGES", 10)
        db = settings.get("MONITOR_DB") or default_db_url()
        with Session(connect(db)) as session:
            # {channel key: {post id: verdict}}: the watermark is the largest id judged.
            self.seen = telegram_seen(session, list(self.channels))
        for key, channel in self.channels.items():
            yield Request(
                channel.page_url,
                callback=self.parse_page,
                errback=self.failed,
                meta={"conditional": True, "channel": key, "page": 1},
            )

    def watermark(self, key: str) -> int:
        return max(self.seen.get(key, {}), default=0)

    def parse_page(self, response: Response) -> Iterator[Request | PageItem]:
        key: str = response.meta["channel"]
        channel = self.channels[key]
        page_no: int = response.meta["page"]
        page = parse_channel_page(response.body)
        stats = self.crawler.stats
        assert stats is not None
        if not page.posts:
            if page_no == 1:
                record_failure(stats, response.url, "no posts on the channel preview")
            return
        stats.inc_value("monitor/sources_ok")
        seen = self.seen.get(key, {})
        watermark = self.watermark(key)
        for post in page.posts:
            verdict = seen.get(post.id)
            if verdict is None and post.id > watermark:
                stats.inc_value("monitor/telegram/posts")
                yield post_item(post, channel)
            elif verdict == "stored" and post.edited:
                stats.inc_value("monitor/telegram/edited")
                yield post_item(post, channel, refetch=True)
            else:
                stats.inc_value("monitor/skipped/known")
        depth = channel.pages or self.default_pages
        before = page.before
        if before is not None and before > watermark + 1 and page_no < depth:
            yield Request(
                f"{channel.page_url}?before={before}",
                callback=self.parse_page,
                errback=self.failed,
                meta={"channel": key, "page": page_no + 1},
            )

    def failed(self, failure: Failure) -> None:
        """Errback: a preview that could not be read is a recorded failure, not a crash."""
        if failure.check(NotModified):
            return
        request = failure.request  # type: ignore[attr-defined]
        reason = failure_reason(failure)
        record_failure(self.crawler.stats, request.url, reason)
