"""A Telegram post as the pipelines (and ``monitor check``) take it.

Here, not in the spider, so ``monitor check`` can judge a post link without importing Scrapy.
"""

from __future__ import annotations

import re

from monitor.channels import Channel
from monitor.items import PageItem
from monitor.telegram.parse import Post

# https://t.me/<channel>/<id> (a post's permalink) or https://t.me/s/<channel>/<id>
POST_LINK_RE = re.compile(r"^https?://t\.me/(?:s/)?([A-Za-z][A-Za-z0-9_]{3,31})/(\d+)/?$")


def post_link(url: str) -> tuple[str, int] | None:
    """(channel name, post id) of a Telegram post link, or None for any other URL."""
    m = POST_LINK_RE.match(url)
    return (m.group(1), int(m.group(2))) if m else None


def post_item(post: Post, channel: Channel, refetch: bool = False) -> PageItem:
    """A post as the pipelines take it: already extracted, source ``telegram``."""
    # Imported here: ``monitor.extract`` brings trafilatura (~0.3 s), and the spider loader
    # imports this module before every crawl's first request; the Judge loads it anyway.
    from monitor.extract import Extracted

    extracted = Extracted(
        title=post.title,
        text=post.text,
        published=post.published,
        date_source="telegram:time[datetime]" if post.published else "none",
    )
    return PageItem(
        url=post.url,
        canonical_url=channel.post_url(post.id),
        outlet=channel.owner,
        body=b"",
        refetch=refetch,
        extracted=extracted,
        source="telegram",
        post=post,
    )
