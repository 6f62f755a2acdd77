"""Posts out of a channel's public web preview (``https://t.me/s/<channel>``): a pure function.

The preview is one HTML page of ``div.tgme_widget_message`` blocks, oldest first, each with
``data-post="<channel>/<id>"``. What we keep of a block: the permalink, ``time[datetime]``,
the view counter, the text with its line breaks (``<br>`` and block boundaries) and its links'
targets, the forwarded-from channel, photo and video presence, and the "edited" mark Telegram
puts in the meta line. Older posts are at ``?before=<smallest id on the page>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import lxml.html
from lxml.html import HtmlElement

_VIEWS_RE = re.compile(r"^\s*([\d.,]+)\s*([KMB]?)\s*$", re.I)
_LETTER_RE = re.compile(r"[^\W\d_]")
_SPACE_RE = re.compile(r"[ \t\r\n]+")
_SCALE = {"": 1, "K": 1_000, "M": 1_000_000, "B": 1_000_000_000}


@dataclass
class Post:
    channel: str
    id: int
    url: str  # https://t.me/<channel>/<id>, the permalink
    published: datetime | None
    text: str = ""
    links: list[str] = field(default_factory=list)
    views: str = ""  # as Telegram shows it: "5.47K"
    forwarded_from: str | None = None  # channel name (or title when it has no public name)
    photos: int = 0
    video: bool = False
    edited: bool = False

    @property
    def views_count(self) -> int | None:
        return views_count(self.views)

    @property
    def title(self) -> str:
        """The first line with words in it, shortened: what listings show for a post (and what
        the relevance model weighs as a headline). Channels open posts with marker lines such
        as "📷" or "♦️", which are not headlines."""
        lines = [line.strip() for line in self.text.splitlines() if line.strip()]
        first = next((line for line in lines if _LETTER_RE.search(line)), lines[0] if lines else "")
        return first if len(first) <= 140 else first[:139].rstrip() + "…"


@dataclass
class ChannelPage:
    posts: list[Post]  # ascending ids, as the page shows them
    before: int | None  # the id to page back from; None: no older posts (or none on the page)

    @property
    def smallest(self) -> int | None:
        return min((p.id for p in self.posts), default=None)


def views_count(views: str) -> int | None:
    """``"5.47K"`` → 5470; ``""`` or garbage → None."""
    m = _VIEWS_RE.match(views or "")
    if not m:
        return None
    number = float(m.group(1).replace(",", ""))
    return round(number * _SCALE[m.group(2).upper()])


def _xpath(el: HtmlElement, expr: str) -> list[Any]:
    """An XPath query's nodes (lxml's own result type is a union of every kind of answer)."""
    result = el.xpath(expr)
    return result if isinstance(result, list) else []


def _classes(el: HtmlElement) -> set[str]:
    return set((el.get("class") or "").split())


def _find(root: HtmlElement, cls: str) -> HtmlElement | None:
    found = _xpath(root, f".//*[contains(concat(' ', normalize-space(@class), ' '), ' {cls} ')]")
    return found[0] if found else None


def _find_all(root: HtmlElement, cls: str) -> list[HtmlElement]:
    return list(
        _xpath(root, f".//*[contains(concat(' ', normalize-space(@class), ' '), ' {cls} ')]")
    )


_BLOCK = {"p", "div", "blockquote", "pre", "li"}


def message_text(el: HtmlElement) -> tuple[str, list[str]]:
    """Text with its line breaks, and the links' targets in order (no duplicates).

    Telegram writes line breaks as ``<br>``; a hyperlink keeps its anchor text in the text and
    its ``href`` in the links. Emoji images keep their alt text.
    """
    parts: list[str] = []
    links: list[str] = []

    def add(raw: str | None) -> None:
        # Newlines in the HTML source are spaces on screen: only <br> and blocks break lines.
        if raw:
            parts.append(_SPACE_RE.sub(" ", raw))

    def walk(node: HtmlElement) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag == "br":
            parts.append("\n")
        elif tag == "img":
            parts.append(node.get("alt") or "")
        else:
            if tag in _BLOCK and parts and not parts[-1].endswith("\n"):
                parts.append("\n")
            if tag == "a":
                href = (node.get("href") or "").strip()
                if href.startswith(("http://", "https://")) and href not in links:
                    links.append(href)
            add(node.text)
            for child in node:
                walk(child)
                add(child.tail)
            if tag in _BLOCK:
                parts.append("\n")

    add(el.text)
    for child in el:
        walk(child)
        add(child.tail)
    text = "".join(parts).replace("\xa0", " ")
    lines = [re.sub(r" {2,}", " ", line).strip() for line in text.split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return text, links


def _forwarded(block: HtmlElement) -> str | None:
    fwd = _find(block, "tgme_widget_message_forwarded_from")
    if fwd is None:
        return None
    name = _find(fwd, "tgme_widget_message_forwarded_from_name")
    href = name.get("href") if name is not None else None
    if href:
        path = urlsplit(href).path.strip("/").split("/")
        if path and path[0] and path[0] != "s":
            return path[0]
    label = (name if name is not None else fwd).text_content().strip()
    return re.sub(r"^Forwarded from\s*", "", label) or None


def _published(block: HtmlElement) -> datetime | None:
    times = _xpath(
        block,
        ".//a[contains(concat(' ', normalize-space(@class), ' '), ' tgme_widget_message_date ')]"
        "//time[@datetime]",
    ) or _xpath(block, ".//time[@datetime]")
    if not times:
        return None
    try:
        when = datetime.fromisoformat(times[0].get("datetime").replace("Z", "+00:00"))
    except ValueError:
        return None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC)


def parse_post(block: HtmlElement) -> Post | None:
    """One ``div.tgme_widget_message``; None when it has no usable ``data-post``."""
    channel, _, raw_id = (block.get("data-post") or "").partition("/")
    if not channel or not raw_id.isdigit():
        return None
    post = Post(
        channel=channel,
        id=int(raw_id),
        url=f"https://t.me/{channel}/{int(raw_id)}",
        published=_published(block),
    )
    # Quoted replies carry a text element of their own: read only the post's.
    text_el = next(
        (
            t
            for t in _find_all(block, "tgme_widget_message_text")
            if not any("tgme_widget_message_reply" in _classes(a) for a in t.iterancestors())
        ),
        None,
    )
    if text_el is not None:
        post.text, post.links = message_text(text_el)
    views = _find(block, "tgme_widget_message_views")
    post.views = views.text_content().strip() if views is not None else ""
    post.forwarded_from = _forwarded(block)
    post.photos = len(_find_all(block, "tgme_widget_message_photo_wrap"))
    player = _find(block, "tgme_widget_message_video_player")
    post.video = bool(_xpath(block, ".//video")) or player is not None
    meta = _find(block, "tgme_widget_message_meta")
    post.edited = meta is not None and "edited" in (meta.text or "").lower()
    return post


def parse_channel_page(html: str | bytes) -> ChannelPage:
    """Every post on a preview page, ascending by id, and where older ones are."""
    if isinstance(html, bytes):
        html = html.decode("utf-8", errors="replace")
    if not html.strip():
        return ChannelPage([], None)
    root = lxml.html.document_fromstring(html)
    posts = [
        p
        for p in (
            parse_post(b)
            for b in _xpath(
                root,
                "//div[contains(concat(' ', normalize-space(@class), ' '), "
                "' tgme_widget_message ')][@data-post]",
            )
        )
        if p is not None
    ]
    posts.sort(key=lambda p: p.id)
    return ChannelPage(posts, _older(root, posts))


def _older(root: HtmlElement, posts: list[Post]) -> int | None:
    """Where older posts are: the page's "load more" link (``data-before``); an empty pager
    means the channel's first post is on this page. A page without a pager at all (an
    unfamiliar layout) pages back from its smallest id, as the live page's link would."""
    if not posts:
        return None
    more = _find(root, "tme_messages_more")
    if more is not None and (more.get("data-before") or "").isdigit():
        return int(more.get("data-before") or 0)
    if more is not None or _find(root, "js-messages_more_wrap") is not None:
        return None
    return posts[0].id
