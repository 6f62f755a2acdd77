"""``monitor check``: the crawler's verdict on saved pages or URLs, without storing anything."""

from __future__ import annotations

import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from http.client import HTTPMessage
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit, urlunsplit

from monitor.defaults import USER_AGENT

if TYPE_CHECKING:
    from monitor.channels import Channel
    from monitor.extract import Extracted
    from monitor.items import PageItem
    from monitor.judge import Judge

PAGE_SUFFIXES = {".html", ".htm", ".xhtml", ".txt", ""}
MAX_BYTES = 10 * 1024 * 1024
STDIN = "-"  # one page or text read from standard input ("pbpaste | monitor check -")


def expand_paths(paths: list[str]) -> list[str]:
    """Files as given, directories as their page files (sorted), URLs untouched."""
    out: list[str] = []
    for p in paths:
        if p.startswith(("http://", "https://")) or p == STDIN:
            out.append(p)
            continue
        path = Path(p)
        if path.is_dir():
            out.extend(
                str(f)
                for f in sorted(path.rglob("*"))
                if f.is_file() and f.suffix.lower() in PAGE_SUFFIXES
            )
        elif path.exists():
            out.append(p)
        else:
            raise FileNotFoundError(f"no such file: {p}")
    return out


def read_page(source: str, mirror: str | None = None) -> tuple[bytes, str | None, str | None]:
    """(bytes, declared charset, URL) of a file or an http(s) URL (10 MiB at most).

    With ``mirror`` an outlet URL is fetched from the mirror (the simulator) and keeps its
    real URL, exactly as the crawler does it.
    """
    if source.startswith(("http://", "https://")):
        from monitor.mirror import mirrored_url

        fetch = mirrored_url(mirror, source) if mirror else source
        req = urllib.request.Request(quote_iri(fetch), headers={"User-Agent": USER_AGENT})
        opener = urllib.request.build_opener(_SameHostRedirects())
        deadline = time.monotonic() + DEADLINE
        with opener.open(req, timeout=30) as resp:
            chunks: list[bytes] = []
            size = 0
            while size <= MAX_BYTES:
                if time.monotonic() > deadline:
                    raise OSError(f"no complete answer within {DEADLINE:g} s")
                chunk = resp.read(64 * 1024)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
            body = b"".join(chunks)
            real = source if mirror else resp.geturl()
            return body[:MAX_BYTES], resp.headers.get_content_charset(), real
    if source == STDIN:
        data = sys.stdin.buffer.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            raise OSError(f"standard input is larger than {MAX_BYTES // (1024 * 1024)} MiB")
        return data, None, None
    data = Path(source).read_bytes()
    return data[:MAX_BYTES], None, None


DEADLINE = 60.0  # seconds for one page, redirects and body included


class _SameHostRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to http(s) on the same host and port, at most five times: a
    page judged by hand must not lead the tool to another server, port or scheme."""

    max_redirections = 5

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        old, new = urlsplit(req.full_url), urlsplit(newurl)
        if new.scheme not in ("http", "https") or new.netloc != old.netloc:
            raise OSError(f"redirect refused: {req.full_url} → {newurl}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def quote_iri(url: str) -> str:
    """Percent-encode a URL's non-ASCII path (Persian slugs) for the HTTP request line."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=quote(parts.path, safe="/%:@")))


def page_text_file(source: str, body: bytes) -> bool:
    """A plain-text file (a seed, say) or text on standard input (a Telegram post pasted) is
    judged as the article text itself: its first line is the title."""
    return (source.endswith(".txt") or source == STDIN) and b"<" not in body[:2000]


def check_pages(
    sources: list[str],
    *,
    db: str,
    outlets_file: str | None = None,
    url: str | None = None,
    mirror: str | None = None,
    seeds: str | None = None,
    terms: str | None = None,
    actors: str | None = None,
    weights: str | None = None,
) -> Iterator[dict[str, Any]]:
    """One verdict dict per page; the judge (index, relevance model) is loaded once."""
    from monitor.startup import loading

    with loading():  # what judging needs, loaded once (see monitor.startup)
        import monitor.extract  # noqa: F401  (trafilatura: every page is extracted)
        from monitor.channels import load_channels
        from monitor.judge import Judge
        from monitor.outlets import load_outlets
        from monitor.store import open_store

        judge = Judge(
            open_store(db, seeds), load_outlets(outlets_file), terms, actors=actors, weights=weights
        )
        channels = load_channels(outlets_file)
    for source in sources:
        yield check_one(judge, source, url, mirror, channels)


def check_one(
    judge: Judge,
    source: str,
    url: str | None = None,
    mirror: str | None = None,
    channels: Mapping[str, Channel] | None = None,
) -> dict[str, Any]:
    """The crawl's verdict on one page or Telegram post (``judge_page``), as a JSON-ready
    dict."""
    from sqlalchemy.orm import Session

    from monitor.dates import to_jalali
    from monitor.telegram.items import post_link
    from monitor.verdict import Outcome, judge_page

    result: dict[str, Any] = {"file": source}
    try:
        link = post_link(source)
        if link is not None:
            item = telegram_post(*link, channels or {}, mirror)
        else:
            item = _page_item(judge, source, url, mirror)
    except OSError as exc:
        return {**result, "error": f"cannot read: {exc}"}
    except LookupError as exc:
        return {**result, "url": source, "error": str(exc)}
    with Session(judge.engine) as session:
        verdict = judge_page(judge, item, session)
    if verdict.outcome is Outcome.NOT_EXTRACTED or verdict.extracted is None:
        return {**result, "url": item.url, "error": verdict.reason}
    extracted, rel = verdict.extracted, verdict.relevance
    published = extracted.published
    return {
        **result,
        "url": item.url,
        "canonical_url": item.canonical_url if item.outlet else None,
        "outlet": item.outlet or None,
        "verdict": verdict.outcome.name.lower(),
        "reason": verdict.reason,
        "language": verdict.language,
        "title": extracted.title,
        "published": published.isoformat() if published else None,
        "published_jalali": to_jalali(published) if published else None,
        "date_source": extracted.date_source,
        "author": extracted.author,
        "cited_source": extracted.cited_source,
        "text": extracted.text,
        "relevant": verdict.relevant,
        "relevance": (
            {
                "score": round(float(rel.score), 4),
                "reasons": [*verdict.notes, *rel.reasons],
                "version": getattr(rel, "version", None),
            }
            if rel is not None
            else None
        ),
        "duplicate": judge.describe(verdict.duplicate),
        "error": None,
    }


def _page_item(judge: Judge, source: str, url: str | None, mirror: str | None) -> PageItem:
    """A saved page, text file, standard input or URL as the pipelines take a fetched page."""
    from monitor.items import PageItem

    body, declared, fetched_url = read_page(source, mirror)
    page_url = url or fetched_url or _source_url(source)
    outlet = judge.outlet_of(page_url)
    canonical = (outlet.canonical_url(page_url) if outlet else None) or page_url
    item = PageItem(
        url=page_url,
        canonical_url=canonical,
        outlet=outlet.key if outlet else "",
        body=body,
        encoding=declared,
    )
    if page_text_file(source, body):
        item.extracted = _text_as_extracted(body.decode("utf-8", errors="replace"))
    return item


def telegram_post(
    name: str, post_id: int, channels: Mapping[str, Channel], mirror: str | None = None
) -> PageItem:
    """A post read as the Telegram spider reads it: from the channel's preview page, the page
    that ends at the post (``?before=`` the next id), parsed and made an item the same way."""
    from monitor.channels import Channel
    from monitor.telegram.items import post_item
    from monitor.telegram.parse import parse_channel_page

    channel = channels.get(name.lower()) or Channel(name=name, title=name)
    body, _, _ = read_page(f"{channel.page_url}?before={post_id + 1}", mirror)
    post = next((p for p in parse_channel_page(body).posts if p.id == post_id), None)
    if post is None:
        raise LookupError(f"post {post_id} is not on {channel.page_url}'s preview")
    return post_item(post, channel)


def _source_url(source: str) -> str:
    if "://" in source:
        return source
    return "stdin:" if source == STDIN else f"file://{Path(source).resolve()}"


def _text_as_extracted(text: str) -> Extracted:
    from monitor.attribution import cited_source
    from monitor.extract import Extracted
    from monitor.normalize import display_text

    text = display_text(text)
    lines = text.splitlines()
    title = lines[0] if lines else ""
    return Extracted(
        cited_source=cited_source(text),
        title=title,
        text="\n".join(lines[1:]) or title,
        lead=None,
        published=None,
        date_source="none",
        author=None,
        tags=[],
    )
