"""Telegram channel previews (``https://t.me/s/<channel>``) for the simulator.

Bundled posts (``data/telegram.json``) are written by this project, so the demo works on a fresh
clone. With a corpus folder (``../shared/fixtures/telegram``: one ``<channel>.jsonl`` per channel)
the real posts are served too, replacing a bundled channel of the same name.

The markup follows the live preview's: a ``tgme_channel_info`` header, then
``div.tgme_widget_message_wrap`` blocks in ascending id order, each with
``data-post="<channel>/<id>"``, ``.tgme_widget_message_text`` (``<br>`` line breaks,
``<a href>`` links), a meta line with the views, the "edited" mark and a permalink that wraps
``<time datetime>``, photos only as CSS ``background-image`` URLs, and a "load more" link to
``?before=<smallest id>``.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path
from typing import Any

DATA_FILE = Path(__file__).resolve().parent / "data" / "telegram.json"
PAGE_SIZE = 20  # posts on one preview page (the live page shows about this many)
_BARE_LINK = re.compile(r"(?:https?://|www\.)\S+|\b[\w.-]+\.(?:ir|com|org|net)/\S+")


@dataclass
class SimPost:
    channel: str
    id: int
    date: datetime
    text: str
    links: list[dict[str, str]] = field(default_factory=list)  # {"text", "url"}
    views: str = ""
    photo: bool = False
    video: bool = False
    forwarded_from: dict[str, Any] | None = None  # {"name", "channel", "post"}
    batch: int = 0
    edited: bool = False
    modified: datetime | None = None
    inline_links: bool = False  # corpus posts: links are written inside the text

    @property
    def changed(self) -> datetime:
        return self.modified or self.date


@dataclass
class SimChannel:
    name: str
    title: str
    members: str
    posts: list[SimPost]


def _bundled(path: Path) -> dict[str, SimChannel]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    channels = {}
    for name, spec in raw["channels"].items():
        posts = [
            SimPost(
                channel=name,
                id=int(p["id"]),
                date=datetime.fromisoformat(p["date"]),
                text=p.get("text", ""),
                links=list(p.get("links") or []),
                views=p.get("views", ""),
                photo=bool(p.get("photo")),
                video=bool(p.get("video")),
                forwarded_from=p.get("forwarded_from"),
                batch=int(p.get("batch", 0)),
            )
            for p in spec["posts"]
        ]
        channels[name.lower()] = SimChannel(name, spec["title"], spec.get("members", ""), posts)
    return channels


def _corpus(folder: Path) -> dict[str, SimChannel]:
    """Real posts: ``{"channel", "id", "date", "views", "text", "photo", "links"}`` per line."""
    channels: dict[str, SimChannel] = {}
    for path in sorted(folder.glob("*.jsonl")):
        posts = []
        name = path.stem
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                if not line.strip():
                    continue
                rec = json.loads(line)
                name = rec.get("channel") or name
                posts.append(
                    SimPost(
                        channel=name,
                        id=int(rec["id"]),
                        date=datetime.fromisoformat(rec["date"].replace("Z", "+00:00")),
                        text=rec.get("text") or "",
                        links=[{"text": u, "url": u} for u in rec.get("links") or []],
                        views=rec.get("views") or "",
                        photo=bool(rec.get("photo")),
                        inline_links=True,
                    )
                )
        channels[name.lower()] = SimChannel(name, name, "", posts)
    return channels


class TelegramChannels:
    """Posts by channel, released by batch like the articles; edits mark a post edited."""

    def __init__(self, corpus: str | Path | None = None, data_file: Path = DATA_FILE) -> None:
        self.channels = _bundled(data_file)
        if corpus is not None:
            self.channels.update(_corpus(Path(corpus)))
        for ch in self.channels.values():
            ch.posts.sort(key=lambda p: p.id)
        self._lock = threading.Lock()

    def get(self, name: str) -> SimChannel | None:
        return self.channels.get(name.lower())

    def visible(self, channel: SimChannel, batch: int) -> list[SimPost]:
        return [p for p in channel.posts if p.batch <= batch]

    def edit(self, name: str, post_id: int, text: str) -> SimPost:
        ch = self.get(name)
        post = next((p for p in ch.posts if p.id == post_id), None) if ch else None
        if post is None:
            raise KeyError(f"no simulated post {name}/{post_id}")
        with self._lock:
            post.text, post.edited = text, True
            now = datetime.now(UTC).replace(microsecond=0)
            post.modified = max(now, post.changed + timedelta(seconds=1))
        return post

    def page(
        self, channel: SimChannel, batch: int, before: int | None, size: int = PAGE_SIZE
    ) -> tuple[bytes, datetime]:
        """The preview page (newest ``size`` posts below ``before``) and its Last-Modified."""
        posts = self.visible(channel, batch)
        if before is not None:
            posts = [p for p in posts if p.id < before]
        shown = posts[-size:]
        more = shown[0].id if shown and len(posts) > len(shown) else None
        modified = max((p.changed for p in shown), default=datetime(2020, 1, 1, tzinfo=UTC))
        return render_page(channel, shown, more, header=before is None), modified


def _text_html(post: SimPost) -> str:
    if post.inline_links:
        # Real corpus text: wrap the URLs it writes in links, as Telegram does.
        def link(m: re.Match[str]) -> str:
            url = m.group(0)
            href = url if url.startswith("http") else f"https://{url}"
            return f'<a href="{escape(href)}" target="_blank" rel="noopener">{escape(url)}</a>'

        pieces, last = [], 0
        for m in _BARE_LINK.finditer(post.text):
            pieces.append(escape(post.text[last : m.start()]))
            pieces.append(link(m))
            last = m.end()
        pieces.append(escape(post.text[last:]))
        return "".join(pieces).replace("\n", "<br/>")
    html = escape(post.text).replace("\n", "<br/>")
    for ln in post.links:
        html += (
            f'<br/><br/><a href="{escape(ln["url"])}" target="_blank" rel="noopener">'
            f"{escape(ln['text'])}</a>"
        )
    return html


def _post_html(ch: SimChannel, post: SimPost) -> str:
    when = post.date.astimezone(UTC)
    parts = [
        '<div class="tgme_widget_message_wrap js-widget_message_wrap">'
        f'<div class="tgme_widget_message text_not_supported_wrap js-widget_message" '
        f'data-post="{escape(ch.name)}/{post.id}" data-view="sim">'
        '<div class="tgme_widget_message_user"><a href="https://t.me/'
        f'{escape(ch.name)}"><i class="tgme_widget_message_user_photo"></i></a></div>'
        '<div class="tgme_widget_message_bubble">'
        '<div class="tgme_widget_message_author accent_color">'
        f'<a class="tgme_widget_message_owner_name" href="https://t.me/{escape(ch.name)}">'
        f'<span dir="auto">{escape(ch.title)}</span></a></div>'
    ]
    fwd = post.forwarded_from
    if fwd:
        href = f"https://t.me/{fwd['channel']}/{fwd['post']}" if fwd.get("channel") else None
        name = f'<span dir="auto">{escape(fwd["name"])}</span>'
        inner = (
            f'<a class="tgme_widget_message_forwarded_from_name" href="{escape(href)}">{name}</a>'
            if href
            else f'<span class="tgme_widget_message_forwarded_from_name">{name}</span>'
        )
        parts.append(
            f'<div class="tgme_widget_message_forwarded_from accent_color">Forwarded from {inner}'
            "</div>"
        )
    if post.photo:
        parts.append(
            '<a class="tgme_widget_message_photo_wrap" '
            f'href="https://t.me/{escape(ch.name)}/{post.id}" '
            f"style=\"width:800px;background-image:url('https://cdn4.telesco.pe/file/"
            f'sim{post.id}.jpg\')"><div class="tgme_widget_message_photo"></div></a>'
        )
    if post.video:
        parts.append(
            '<a class="tgme_widget_message_video_player" '
            f'href="https://t.me/{escape(ch.name)}/{post.id}">'
            '<i class="tgme_widget_message_video_thumb" '
            f"style=\"background-image:url('https://cdn4.telesco.pe/file/v{post.id}.jpg')\"></i>"
            '<div class="tgme_widget_message_video_wrap"><video class="tgme_widget_message_video" '
            f'src="https://cdn4.telesco.pe/file/v{post.id}.mp4?token=sim"></video></div></a>'
        )
    if post.text:
        parts.append(
            f'<div class="tgme_widget_message_text js-message_text" dir="auto">'
            f"{_text_html(post)}</div>"
        )
    edited = "edited " if post.edited else ""
    parts.append(
        '<div class="tgme_widget_message_footer compact js-message_footer">'
        '<div class="tgme_widget_message_info short js-message_info">'
        f'<span class="tgme_widget_message_views">{escape(post.views)}</span>'
        f'<span class="tgme_widget_message_meta">{edited}'
        f'<a class="tgme_widget_message_date" href="https://t.me/{escape(ch.name)}/{post.id}">'
        f'<time datetime="{when.strftime("%Y-%m-%dT%H:%M:%S+00:00")}" class="time">'
        f"{when.strftime('%H:%M')}</time></a></span></div></div></div></div></div>"
    )
    return "".join(parts)


def render_page(ch: SimChannel, posts: list[SimPost], more: int | None, header: bool) -> bytes:
    name = escape(ch.name)
    head = ""
    if header:
        head = (
            '<div class="tgme_channel_info"><div class="tgme_channel_info_header">'
            f'<div class="tgme_channel_info_header_title"><span dir="auto">{escape(ch.title)}'
            f'</span></div><div class="tgme_channel_info_header_username">'
            f'<a href="https://t.me/{name}">@{name}</a></div></div>'
            '<div class="tgme_channel_info_counters"><div class="tgme_channel_info_counter">'
            f'<span class="counter_value">{escape(ch.members)}</span>'
            '<span class="counter_type">subscribers</span></div></div></div>'
        )
    link = (
        f'<a href="/s/{name}?before={more}" class="tme_messages_more js-messages_more" '
        f'data-before="{more}"></a>'
        if more
        else ""
    )
    loader = f'<div class="tgme_widget_message_centered js-messages_more_wrap">{link}</div>'

    body = "".join(_post_html(ch, p) for p in posts)
    html = (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{escape(ch.title)} – Telegram</title>"
        f'<meta property="og:url" content="https://t.me/s/{name}"></head>'
        f'<body class="widget_frame_base tgme_webpreview_body"><main class="tgme_main">'
        f'<section class="tgme_channel_history js-message_history">{loader}{body}</section>'
        f"{head}</main></body></html>"
    )
    return html.encode("utf-8")
