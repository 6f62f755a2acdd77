"""The pages that lead a crawler to articles: RSS feeds, news sitemaps, listings and robots.txt.

Which paths exist is read from ``outlets.toml`` (the URL contract), so every feed, sitemap and
listing template configured there is served: date placeholders in a sitemap path accept any date
(the simulator keeps one news sitemap per outlet and lists every visible article in it), and a
listing's ``{page}`` query parameter selects the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape
from urllib.parse import parse_qs, urlsplit

from monitor.outlets import Outlet
from monitor.simulator.catalog import ServedArticle
from monitor.simulator.markup import SITES, fa, jalali, month_name

FEED_SIZE = 30
PAGE_SIZE = 12
PLACEHOLDERS = {
    "y": r"\d{4}",
    "m": r"\d{1,2}",
    "d": r"\d{1,2}",
    "jy": r"\d{4}",
    "jm": r"\d{1,2}",
    "jd": r"\d{1,2}",
}
# Real disallowed paths (outlets.md); nothing a spider needs is among them.
DISALLOW = {
    "mehr": ["/d/", "/old/upload", "/page/archive.xhtml", "/print/"],
    "irna": ["/d/", "/old/upload", "/page/archive.xhtml", "/print/"],
    "isna": ["/d/", "/old/upload", "/page/archive.xhtml", "/print/"],
    "tasnim": ["/ContentManager", "/Tasnim/Uploaded/Video", "/fa/print/"],
    "jamejam": ["/fa/print/", "/fa/ajax/"],
    "irib": ["/fa/print/", "/fa/ajax/"],
    "alalam": ["/admin/", "/print/"],
    "fars": ["/newstext", "/printable", "/api"],
}


def x(text: object) -> str:
    return escape(str(text), quote=False)


@dataclass(frozen=True)
class Route:
    """One configured index URL: kind ("feed", "sitemap", "listing"), path regex, page key."""

    kind: str
    path: re.Pattern[str]
    page_key: str | None = None
    template: str = ""


def _path_regex(path: str) -> re.Pattern[str]:
    pattern = re.escape(path.rstrip("/") or "/")
    for name, rx in PLACEHOLDERS.items():
        pattern = pattern.replace(re.escape("{" + name + "}"), rx)
    return re.compile(f"^{pattern}/?$")


def routes(outlet: Outlet) -> list[Route]:
    found: list[Route] = [Route("sitemap", re.compile(r"^/sitemap\.xml$"), None, "/sitemap.xml")]
    for kind, templates in (
        ("feed", outlet.feeds),
        ("sitemap", outlet.sitemaps),
        ("listing", outlet.listings),
    ):
        for template in templates:
            parts = urlsplit(template)
            page_key = next((k for k, v in parse_qs(parts.query).items() if v == ["{page}"]), None)
            found.append(Route(kind, _path_regex(parts.path), page_key, template))
    return found


def match(outlet: Outlet, path: str) -> Route | None:
    """The configured route for ``path``; topic feeds (``/rss/tp/7``) fall back to their feed."""
    table = routes(outlet)
    exact = next((r for r in table if r.path.match(path)), None)
    if exact is not None:
        return exact
    return next(
        (
            r
            for r in table
            if r.kind == "feed" and path.startswith(urlsplit(r.template).path.rstrip("/") + "/")
        ),
        None,
    )


def rfc822(dt: datetime) -> str:
    return format_datetime(dt.astimezone(UTC), usegmt=True)


def w3c(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def rss(outlet: Outlet, feed_url: str, articles: list[ServedArticle], updated: datetime) -> bytes:
    """RSS 2.0, the latest FEED_SIZE items; pubDate in GMT as the Nastooh feeds write it."""
    site, base = SITES[outlet.key]
    items = []
    for a in articles[:FEED_SIZE]:
        items.append(
            f"<item><title>{x(a.title)}</title><link>{x(a.url)}</link>"
            f'<guid isPermaLink="true">{x(a.url)}</guid><pubDate>{rfc822(a.published)}</pubDate>'
            f"<description>{x(a.lead)}</description><category>{x(a.section)}</category></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>'
        f"<title>{x(site)}</title><link>{base}/</link><description>{x(outlet.name_fa)} - آخرین "
        f'اخبار</description><language>fa</language><atom:link href="{x(feed_url)}" rel="self" '
        f'type="application/rss+xml"/><lastBuildDate>{rfc822(updated)}</lastBuildDate>'
        + "".join(items)
        + "</channel></rss>\n"
    ).encode()


def sitemap(outlet: Outlet, articles: list[ServedArticle]) -> bytes:
    """A Google News sitemap of every visible article, with lastmod = modified time."""
    site, _ = SITES[outlet.key]
    urls = "".join(
        f"<url><loc>{x(a.url)}</loc><lastmod>{w3c(a.modified)}</lastmod><news:news>"
        f"<news:publication><news:name>{x(site)}</news:name><news:language>fa</news:language>"
        f"</news:publication><news:publication_date>{w3c(a.published)}</news:publication_date>"
        f"<news:title>{x(a.title)}</news:title></news:news></url>"
        for a in articles
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">' + urls + "</urlset>\n"
    ).encode()


def robots(outlet: Outlet, host: str) -> bytes:
    lines = ["User-agent: *", *(f"Disallow: {p}" for p in DISALLOW.get(outlet.key, []))]
    lines.append("Allow: /")
    concrete = [s for s in outlet.sitemaps if "{" not in s]
    for s in concrete or [f"https://{host}/sitemap.xml"]:
        lines.append(f"Sitemap: {s}")
    return ("\n".join(lines) + "\n").encode()


# ---------------------------------------------------------------------------------- listings


def _page_url(route: Route, page: int) -> str:
    return route.template.replace("{page}", str(page))


def _item(outlet: str, a: ServedArticle) -> str:
    j = jalali(a.published)
    when = fa(f"{j.day} {month_name(j.month)} {j.year} - {j.hour:02d}:{j.minute:02d}")
    iso_fa = fa(f"{j.year}-{j.month:02d}-{j.day:02d} {j.hour:02d}:{j.minute:02d}")
    t, u, lead = x(a.title), escape(a.url, quote=True), x(a.lead)
    if outlet == "mehr":
        return (
            f'<li class="news"><figure><a href="{u}"><img src="https://media.mehrnews.com/d/'
            f'{a.id}.jpg" alt=""></a></figure><div class="desc"><h3><a href="{u}">{t}</a>'
            f"</h3><p>{lead}</p><time>{when}</time></div></li>"
        )
    if outlet == "irna":
        return (
            f'<li class="news"><figure><img src="https://img9.irna.ir/d/{a.id}.jpg" alt="">'
            f'</figure><div class="desc"><h3><a href="{u}">{t}</a></h3><p>{lead}</p>'
            f'<time><a href="{u}">{iso_fa}</a></time></div></li>'
        )
    if outlet == "isna":
        return (
            f'<li><div class="desc"><h3><a href="{u}">{t}</a></h3><p>{lead}</p>'
            f'<time><a href="{u}" title="{when}">{when}</a></time></div></li>'
        )
    if outlet == "tasnim":
        return (
            f'<article class="list-item"><a href="{u}"><h2 class="title">{t}</h2>'
            f'<h4 class="lead">{lead}</h4><time>{when}</time></a></article>'
        )
    if outlet in ("jamejam", "irib"):
        return (
            f'<li><div class="archive_content"><h3><a href="{u}">{t}</a></h3>'
            f'<p class="lead">{lead}</p><span class="date">{when}</span></div></li>'
        )
    if outlet == "alalam":
        return f'<li><h3><a href="{u}">{t}</a></h3><p>{lead}</p></li>'
    return (
        f'<div class="_card_5tq2"><a href="{u}"><h3>{t}</h3></a><p>{lead}</p>'
        f"<time>{when}</time></div>"
    )


def listing(outlet: Outlet, route: Route, page: int, articles: list[ServedArticle]) -> bytes:
    """One archive page, newest first, in the outlet's own list markup, with pagination."""
    site, base = SITES[outlet.key]
    pages = max(1, -(-len(articles) // PAGE_SIZE))
    chunk = articles[(page - 1) * PAGE_SIZE : page * PAGE_SIZE] if page >= 1 else []
    items = "".join(_item(outlet.key, a) for a in chunk)
    key = outlet.key
    if key == "mehr":
        body = f'<section class="list"><ul>{items}</ul></section>'
    elif key == "irna":
        body = f'<section class="box list"><ul>{items}</ul></section>'
    elif key == "isna":
        body = f'<div class="items"><ul>{items}</ul></div>'
    elif key == "tasnim":
        body = f'<div class="news-container archive-result">{items}</div>'
    elif key == "alalam":
        body = f'<ul class="news-list">{items}</ul>'
    elif key in ("jamejam", "irib"):
        body = f'<div class="archive_list"><ul>{items}</ul></div>'
    else:
        body = f'<section class="_list_8ab1">{items}</section>'
    nav = []
    if page > 1:
        nav.append(f'<li class="prev"><a href="{escape(_page_url(route, page - 1))}">قبلی</a></li>')
    for p in range(1, pages + 1):
        cls = ' class="active"' if p == page else ""
        nav.append(f'<li{cls}><a href="{escape(_page_url(route, p))}">{fa(p)}</a></li>')
    if page < pages:
        nav.append(f'<li class="next"><a href="{escape(_page_url(route, page + 1))}">بعدی</a></li>')
    return (
        '<!DOCTYPE html><html lang="fa" dir="rtl"><head><meta charset="utf-8">'
        f"<title>آرشیو اخبار - {x(site)}</title></head><body>"
        f'<header><nav class="menu"><ul><li><a href="{base}/">صفحه نخست</a></li></ul></nav>'
        "</header>"
        f'<main><h1 class="archive-title">آرشیو</h1>{body}'
        f'<ul class="pagination">{"".join(nav)}</ul></main>'
        f"<footer><p>{x(site)}</p></footer></body></html>"
    ).encode()
