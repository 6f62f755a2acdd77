"""The generic outlet spider: feeds, news sitemaps and listing pages of one outlet.

It only yields requests and ``PageItem``s. Which article requests are worth fetching is the
known-articles middleware's call, what a page says is the pipelines'. Discovery sources are
tried independently, so an outlet whose feed is broken is still crawled through its sitemap
and listings.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import unquote, urlsplit, urlunsplit

from lxml import etree
from scrapy import Request, Spider
from scrapy.http import Response
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap
from twisted.python.failure import Failure

from monitor.dates import parse_when
from monitor.failures import failure_reason, forget_pending, record_failure, record_url_failure
from monitor.items import PageItem
from monitor.middlewares.conditional import NotModified
from monitor.outlets import Outlet


def readable_url(url: str) -> str:
    """The URL as the outlet shows it: Persian slugs decoded, not percent-escaped."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=unquote(parts.path)))


def strip_junk(body: bytes) -> tuple[bytes, int]:
    """The body without leading NUL bytes and blanks (seen before real feeds and sitemaps),
    and how many junk bytes were dropped (blanks alone are not junk)."""
    stripped = body.lstrip(b"\0 \t\r\n")
    dropped = len(body) - len(stripped)
    return stripped, (dropped if b"\0" in body[:dropped] else 0)


def feed_entries(body: bytes) -> tuple[list[dict[str, str | None]], str | None]:
    """Links, titles and dates of an RSS 2.0 or Atom feed, and what was wrong with it.

    A malformed feed is reported (the second value) and still read as far as lxml's recovering
    parser gets: a broken item must not cost the good ones.
    """
    problem = None
    body, junk = strip_junk(body)
    if junk:
        problem = f"feed starts with {junk} junk byte(s) (read past them)"
    try:
        root = etree.fromstring(
            body, parser=etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
        )
    except etree.XMLSyntaxError as exc:
        problem = f"malformed feed: {exc}"
        parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True)
        try:
            root = etree.fromstring(body, parser=parser) if body.strip() else None
        except etree.XMLSyntaxError:
            root = None
    if root is None:
        return [], problem or "empty feed"
    entries = []
    for node in root.iter("{*}item", "{*}entry"):
        # ".//" rather than a direct child: in a recovered feed an unclosed tag swallows it.
        link = node.findtext(".//{*}link")
        if not link:
            href = node.find("{*}link[@href]")
            link = href.get("href") if href is not None else node.findtext("{*}guid")
        entries.append(
            {
                "link": (link or "").strip(),
                "title": (node.findtext("{*}title") or "").strip() or None,
                "updated": node.findtext("{*}updated"),
            }
        )
    if not entries and problem is None:
        problem = "feed has no items"
    return entries, problem


class OutletSpider(Spider):
    """Crawls the outlet in ``outlet``; the loader makes one subclass per configured outlet."""

    name = "outlet"
    outlet: ClassVar[Outlet]
    custom_settings: dict[str, Any] | None = {}

    def __init__(
        self, *args: Any, since: str | None = None, catchup: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        # Sitemap entries older than the last successful run cannot hold anything new.
        self.since = parse_when(since)
        self.catchup_pages = int(catchup) if catchup else self.outlet.catchup_pages
        # Listings whose validators must not advance: a child sitemap of theirs failed.
        self.blocked_sources: set[str] = set()

    async def start(self) -> AsyncIterator[Request]:
        now = datetime.now(UTC)
        o = self.outlet
        for url in o.expand(o.feeds, now):
            yield self._discovery(url, self.parse_feed)
        for url in o.expand(o.sitemaps, now):
            yield self._discovery(url, self.parse_sitemap)
        for template in o.listings:
            (url,) = o.expand((template,), now, pages=1) if "{page}" in template else [template]
            yield self._discovery(url, self.parse_listing, template=template, page=1)

    def _discovery(self, url: str, callback: Any, **meta: Any) -> Request:
        return Request(
            url, callback=callback, errback=self.failed, meta={"conditional": True, **meta}
        )

    def article_request(self, url: str, **meta: Any) -> Request | None:
        canonical = self.outlet.canonical_url(url)
        if canonical is None:
            self.crawler.stats.inc_value("monitor/skipped/not_article")
            return None
        return Request(
            url,
            callback=self.parse_article,
            errback=self.failed,
            meta={"canonical_url": canonical, **meta},
        )

    def resume_request(self, row: Any) -> Request | None:
        """A request for a pending row left by an earlier, unfinished run (``storage.pending``).

        Listing pages are fetched without validators: their articles were never read.
        """
        meta = row.meta or {}
        if row.kind == "listing":
            return Request(
                row.url,
                callback=self.parse_listing,
                errback=self.failed,
                meta={"template": meta.get("template", row.url), "page": meta.get("page", 1)},
            )
        return self.article_request(row.url, feed_title=meta.get("feed_title"), lastmod=row.lastmod)

    def parse_feed(self, response: Response) -> Iterator[Request]:
        self.crawler.stats.inc_value("monitor/sources_ok")
        entries, problem = feed_entries(response.body)
        if problem:
            record_failure(self.crawler.stats, response.url, problem)
        for entry in entries:
            link = response.urljoin(entry["link"] or "")
            req = self.article_request(
                link, feed_title=entry["title"], lastmod=parse_when(entry["updated"])
            )
            if req:
                yield req

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        body = response.body
        if body[:2] == b"\x1f\x8b":
            try:
                body = gunzip(body, max_size=self.settings.getint("DOWNLOAD_MAXSIZE"))
            except Exception as exc:  # over the size limit, or not really gzip
                record_failure(self.crawler.stats, response.url, f"sitemap gzip: {exc}")
                if response.meta.get("parent"):
                    self.blocked_sources.add(response.meta["parent"])
                return
        body, junk = strip_junk(body)
        if junk:
            record_failure(self.crawler.stats, response.url, f"sitemap starts with {junk} NUL(s)")
        try:
            sitemap = Sitemap(body)
            if sitemap.type not in ("urlset", "sitemapindex"):
                raise ValueError(sitemap.type)
        except Exception:  # lxml raises several types on garbage
            record_failure(self.crawler.stats, response.url, "sitemap is not XML")
            if response.meta.get("parent"):
                self.blocked_sources.add(response.meta["parent"])
            return
        self.crawler.stats.inc_value("monitor/sources_ok")
        for entry in sitemap:
            loc = entry.get("loc")
            if not loc:
                continue
            lastmod = parse_when(entry.get("lastmod"))
            if sitemap.type == "sitemapindex":
                if loc == response.url:
                    record_failure(self.crawler.stats, loc, "sitemap index lists itself")
                elif self.since is None or lastmod is None or lastmod >= self.since:
                    yield self._discovery(loc, self.parse_sitemap, parent=response.url)
                continue
            if self.since and lastmod and lastmod < self.since:
                self.crawler.stats.inc_value("monitor/skipped/old")
                continue
            req = self.article_request(loc, lastmod=lastmod)
            if req:
                yield req

    def parse_listing(self, response: Response) -> Iterator[Request]:
        self.crawler.stats.inc_value("monitor/sources_ok")
        for node in response.css(self.outlet.listing_links):
            href = node.attrib.get("href")
            if href:
                req = self.article_request(response.urljoin(href))
                if req:
                    yield req
        page: int = response.meta["page"]
        template: str = response.meta["template"]
        if "{page}" in template and page < self.catchup_pages:
            # Dropped by the known-articles middleware when this page held nothing new.
            (url,) = self.outlet.expand(
                (template.replace("{page}", str(page + 1)),), datetime.now(UTC)
            )
            yield Request(
                url,
                callback=self.parse_listing,
                errback=self.failed,
                meta={
                    "conditional": True,
                    "listing_next": True,
                    "template": template,
                    "page": page + 1,
                },
            )

    def parse_article(self, response: Response) -> Iterator[PageItem]:
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        charset = None
        if "charset=" in content_type.lower():
            charset = content_type.lower().split("charset=")[-1].split(";")[0].strip() or None
        yield PageItem(
            url=readable_url(response.url),
            canonical_url=response.meta["canonical_url"],
            outlet=self.outlet.key,
            body=response.body,
            encoding=charset,
            lastmod=response.meta.get("lastmod"),
            feed_title=response.meta.get("feed_title"),
            refetch=bool(response.meta.get("refetch")),
        )

    def _stopping(self) -> bool:
        """Whether the crawl is being shut down (SIGTERM, time limit): requests cut off then
        are not failures of their pages."""
        engine = getattr(self.crawler, "engine", None)
        slot = getattr(engine, "_slot", None)
        return engine is not None and (
            not engine.running or (slot is not None and slot.closing is not None)
        )

    def failed(self, failure: Failure) -> None:
        """Errback: a request that could not be completed is a recorded failure, not a crash."""
        if failure.check(NotModified):
            return
        request = failure.request  # type: ignore[attr-defined]
        reason = failure_reason(failure)
        record_failure(self.crawler.stats, request.url, reason)
        if request.meta.get("parent"):
            self.blocked_sources.add(request.meta["parent"])
        canonical = request.meta.get("canonical_url")
        if canonical and self._stopping():
            return  # cut off by a shutdown, not the page's fault: it stays pending, no attempt used
        if canonical:  # an article: its verdict is the failure, counted against its attempts
            record_url_failure(self.settings.get("MONITOR_DB"), canonical, self.outlet.key, reason)
        elif request.meta.get("listing_next") or "template" in request.meta:
            forget_pending(self.settings.get("MONITOR_DB"), request.url)
