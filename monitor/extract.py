"""One adapter around trafilatura: article text, title, lead, date, author and tags.

Why an adapter and not trafilatura directly:

* trafilatura treats the zero-width non-joiner (U+200C) as non-printable and deletes it, which
  glues Persian words ("بی‌فایده" → "بیفایده"). Every ZWNJ is swapped for a printable
  placeholder before parsing and swapped back in every string we return.
* It returns ``None`` and logs why; the pipeline needs the reason, so failures raise
  ``ExtractionError`` with a one-line ``reason``.
* Agency pages carry furniture inside the article container ("انتهای پیام", "کد خبر",
  readmore boxes, tag lists, ad lists) and trafilatura sometimes starts the body with the
  headline (Tasnim). The outlet's selectors narrow the tree (``drop_selectors`` removed first,
  then ``body_selector``), and a line filter removes what is left.

With a matching ``body_selector`` the paragraphs are read from the selected node directly (the
outlet told us where the article is); otherwise trafilatura finds the main text.
"""

from __future__ import annotations

import copy
import json
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import lxml.html
import trafilatura
from lxml import etree

from monitor.boilerplate import clean_lines
from monitor.dates import find_published, parse_iso
from monitor.encoding import decode_html
from monitor.normalize import canonical_text, display_text

logger = logging.getLogger(__name__)

MIN_BODY_CHARS = 60
ZWNJ = "\u200c"
_PLACEHOLDERS = (
    "ꙮ",
    "ꚙ",
    "ꜿ",
)  # printable letters trafilatura keeps; one absent from the page is used

# Class/id words of containers that are furniture wherever they appear.
_FURNITURE_CLASS = re.compile(
    r"(?:^|[\s_-])(?:readmore|related|tags?|comments?|share|social|breadcrumb|hideTag|"
    r"newsQrCode|qrcode|short-?link|advert|ads|banner|most-?(?:viewed|visited)|sidebar|"
    r"footer|menu|navbar)(?:$|[\s_-])",
    re.I,
)
_GENERIC_DROP = ("script", "style", "noscript", "nav", "footer", "aside", "form", "iframe")
_LEAD_SELECTORS = (
    "p.summary", ".item-summary p", "div.item-summary", "h3.lead", "p.lead", "div.lead",
    ".introtext", ".subtitle", "[itemprop=description]:not(meta)",
)  # fmt: skip
_TAG_SELECTORS = ("footer.tags a", "section.tags a", ".tags li a", ".tags a", ".tags_title a")
_BLOCK_TAGS = {"p", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "td", "tr"}
_HTML_SNIFF = re.compile(r"<\s*(?:!doctype|html|head|body|div|p|article|span|meta|title)\b", re.I)


class ExtractionError(ValueError):
    """A page that gave no article; ``reason`` says why in one line."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Extracted:
    """What the pipeline stores about one article page (display text, ZWNJ kept)."""

    title: str
    text: str
    lead: str | None = None
    published: datetime | None = None
    date_source: str = "none"
    author: str | None = None
    tags: list[str] = field(default_factory=list)
    cited_source: str | None = None
    modified: datetime | None = None


# --- helpers ---------------------------------------------------------------------------------


class _Page:
    """The parsed page with ZWNJ protected, and the placeholder to undo it."""

    def __init__(self, html: str) -> None:
        self.placeholder = next((p for p in _PLACEHOLDERS if p not in html), _PLACEHOLDERS[0])
        protected = re.sub(r"&zwnj;|&#8204;|&#x200c;", ZWNJ, html, flags=re.I)
        protected = protected.replace(ZWNJ, self.placeholder)
        protected = re.sub(r"^\s*<\?xml[^>]*\?>", "", protected)
        try:
            self.tree = lxml.html.document_fromstring(protected)
        except (etree.ParserError, ValueError) as exc:
            raise ExtractionError(f"unparseable HTML: {exc}") from exc

    def restore(self, text: str) -> str:
        return text.replace(self.placeholder, ZWNJ)

    def text(self, el: Any) -> str:
        return display_text(self.restore(el.text_content()))


def _css(tree: Any, selector: str | None) -> list[Any]:
    if not selector:
        return []
    try:
        return tree.cssselect(selector)
    except Exception:  # a user's bad selector must not stop extraction
        logger.warning("bad CSS selector %r ignored", selector)
        return []


def _remove(el: Any) -> None:
    """Remove an element but keep its tail text attached to the document."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail and el.tail.strip():
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def _metas(tree: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for el in tree.iter("meta"):
        content = el.get("content")
        for attr in ("property", "name", "itemprop"):
            key = el.get(attr)
            if key and content and key.lower() not in out:
                out[key.lower()] = content.strip()
    return out


def _decode(html: str | bytes, charset: str | None) -> str:
    if isinstance(html, bytes):
        if html.lstrip()[:5] == b"%PDF-":
            raise ExtractionError("not HTML: the document is a PDF")
        return decode_html(html, charset)
    return html


# --- metadata --------------------------------------------------------------------------------


def _title(page: _Page, outlet: Any, metas: dict[str, str]) -> str:
    """Outlet title selector, then a lone h1, then og:title, then <title> without its suffix."""
    for el in _css(page.tree, getattr(outlet, "title_selector", None)):
        if text := page.text(el):
            return text
    heads = [t for t in (page.text(h) for h in page.tree.iter("h1")) if t]
    if len(heads) == 1 or (heads and len(heads[0]) > 15):
        return heads[0]
    if og := metas.get("og:title"):
        return display_text(page.restore(og))
    title_el = page.tree.find(".//title")
    if title_el is not None:
        raw = page.restore(title_el.text_content())
        parts = [p.strip() for p in re.split(r"\s+[-|–]\s+|-\s+(?=اخبار)", raw) if p.strip()]
        return display_text(max(parts, key=len) if parts else raw)
    return ""


def _lead(page: _Page, metas: dict[str, str]) -> str | None:
    for selector in _LEAD_SELECTORS:
        for el in _css(page.tree, selector):
            if (text := page.text(el)) and len(text) > 20:
                return text
    for key in ("og:description", "description"):
        if (value := metas.get(key)) and len(value) > 20:
            return display_text(page.restore(value))
    return None


_AUTHOR_SELECTORS = ("ul.author-id strong", "[itemprop=author] [itemprop=name]", ".news-author",
                     ".author-name", "span.author")  # fmt: skip


def _author(page: _Page, metas: dict[str, str]) -> str | None:
    """A byline from the page, else author metadata that is not just the site's name."""
    for selector in _AUTHOR_SELECTORS:
        names = [t for t in (page.text(el) for el in _css(page.tree, selector)) if t]
        if names:
            return "، ".join(dict.fromkeys(names))
    site = canonical_text(metas.get("og:site_name", "") or "")
    for key in ("author", "article:author", "og:article:author", "dc.creator"):
        value = metas.get(key)
        if not value or value.startswith("http") or "|" in value:
            continue
        if site and canonical_text(value) == site:
            continue
        return display_text(page.restore(value)).strip(" -")
    for script in page.tree.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text_content() or "null", strict=False)
        except ValueError:
            continue
        for node in data if isinstance(data, list) else [data]:
            author = node.get("author") if isinstance(node, dict) else None
            if isinstance(author, list) and author:
                author = author[0]
            if isinstance(author, dict):
                author = author.get("name")
            if isinstance(author, str) and author.strip():
                return display_text(page.restore(author))
    return None


def _tags(page: _Page, metas: dict[str, str]) -> list[str]:
    found: list[str] = []
    for selector in _TAG_SELECTORS:
        found = [t for t in (page.text(a) for a in _css(page.tree, selector)) if t]
        if found:
            break
    if not found:
        raw = metas.get("keywords") or metas.get("article:tag") or metas.get("news_keywords") or ""
        found = [display_text(page.restore(t)) for t in re.split(r"[,،]", raw)]
    return list(dict.fromkeys(t for t in found if t))


def _modified(metas: dict[str, str]) -> datetime | None:
    for key in ("article:modified_time", "og:updated_time", "datemodified"):
        if (value := metas.get(key)) and (dt := parse_iso(value)):
            return dt
    return None


# --- body ------------------------------------------------------------------------------------


def _strip_furniture(root: Any, keep: Any | None = None) -> None:
    """Drop generic furniture containers (never ``keep`` or one of its ancestors)."""
    protected = set(keep.iterancestors()) | {keep} if keep is not None else set()
    for el in list(root.iter()):
        if not isinstance(el.tag, str) or el in protected or el.getparent() is None:
            continue
        marker = f"{el.get('class', '')} {el.get('id', '')}"
        if el.tag in _GENERIC_DROP or (marker.strip() and _FURNITURE_CLASS.search(marker)):
            _remove(el)


def _blocks(page: _Page, node: Any) -> list[str]:
    """Paragraph-like text blocks of ``node``, in order, each on its own line."""
    lines: list[str] = []
    buffer: list[str] = []

    def flush() -> None:
        text = " ".join("".join(buffer).split())
        if text:
            lines.append(text)
        buffer.clear()

    def walk(el: Any) -> None:
        if not isinstance(el.tag, str):
            if el.tail:
                buffer.append(el.tail)
            return
        is_block = el.tag in _BLOCK_TAGS or el.tag in ("div", "section", "br", "ul", "ol", "table")
        if is_block:
            flush()
        if el.text:
            buffer.append(el.text)
        for child in el:
            walk(child)
        if is_block:
            flush()
        if el.tail:
            buffer.append(el.tail)

    walk(node)
    flush()
    return [page.restore(line) for line in lines]


def _trafilatura_lines(page: _Page, root: Any, url: str) -> list[str]:
    text = trafilatura.extract(
        copy.deepcopy(root),
        url=url,
        include_comments=False,
        include_tables=False,
        deduplicate=False,
        favor_precision=False,
    )
    if not text:
        return []
    return [re.sub(r"^[-•*]\s+", "", page.restore(line)) for line in text.split("\n")]


def extract(
    html: str | bytes, url: str, outlet: Any = None, *, charset: str | None = None
) -> Extracted:
    """The article in ``html``; raises ``ExtractionError`` with the reason when there is none.

    ``charset`` is the HTTP charset (or whole ``Content-Type``) for bytes input; the page's
    meta charset and detection are used when it is absent.
    """
    if html is None or len(html) == 0:
        raise ExtractionError("empty document")
    text = _decode(html, charset)
    if not text.strip():
        raise ExtractionError("empty document")
    if not _HTML_SNIFF.search(text[:5000]):
        raise ExtractionError("not HTML: no HTML tags in the first 5000 characters")
    page = _Page(text)
    metas = _metas(page.tree)
    title = _title(page, outlet, metas)
    lead = _lead(page, metas)
    published, date_source = find_published(page.tree, url, outlet)

    lines, how = _body_lines(page, url, outlet)
    body = clean_lines(lines, title, lead, outlet)
    body_text = "\n".join(body)
    if not body_text:
        raw_chars = len(" ".join(line.strip() for line in lines))
        if raw_chars:
            raise ExtractionError(
                f"body too short: nothing left after removing headline and boilerplate "
                f"({raw_chars} characters before, {how})"
            )
        raise ExtractionError(f"empty body ({how})")
    if len(body_text) < MIN_BODY_CHARS:
        raise ExtractionError(
            f"body too short: {len(body_text)} characters, minimum {MIN_BODY_CHARS} ({how})"
        )
    return Extracted(
        title=title,
        text=body_text,
        lead=lead,
        published=published,
        date_source=date_source,
        author=_author(page, metas),
        tags=_tags(page, metas),
        cited_source=_cited_source(body_text) or _dateline_source(page, body[0]),
        modified=_modified(metas),
    )


def _body_lines(page: _Page, url: str, outlet: Any) -> tuple[list[str], str]:
    """Lines of the article body and how they were found (for error reasons)."""
    work = copy.deepcopy(page.tree)
    for selector in getattr(outlet, "drop_selectors", ()):
        for el in _css(work, selector):
            _remove(el)
    selector = getattr(outlet, "body_selector", None)
    nodes = _css(work, selector)
    if nodes:
        node = nodes[0]
        _strip_furniture(node)
        lines = _blocks(page, node)
        if len("".join(lines)) >= MIN_BODY_CHARS:
            return lines, f"selector {selector}"
        logger.info(
            "body selector %r gave too little text on %s; trying trafilatura", selector, url
        )
    elif selector:
        logger.info("body selector %r matched nothing on %s", selector, url)
    _strip_furniture(work)
    lines = _trafilatura_lines(page, work, url)
    if lines:
        return lines, "trafilatura"
    body = work.find("body")
    chars = len(" ".join(_blocks(page, body))) if body is not None else 0
    if chars == 0:
        raise ExtractionError("empty body: no text outside navigation and page furniture")
    if chars < MIN_BODY_CHARS:
        # Not worth blaming trafilatura: the page has almost no text outside its furniture.
        raise ExtractionError(
            f"body too short: {chars} characters of page text, minimum {MIN_BODY_CHARS}"
        )
    return [], f"trafilatura found no main text in {chars} characters of page text"


def _dateline_source(page: _Page, first_body_line: str) -> str | None:
    """The source in a dateline above the body ("العالم - ایران"), where the body names none.

    Such a line sits outside the article text, so it is looked for among the page's short
    text blocks before the body's first line: the article credits nobody else there.
    """
    for el in page.tree.iter("div", "span", "p", "li"):
        if el.getparent() is None or len(el):  # only leaf blocks: no menus of links
            continue
        line = page.text(el).strip()
        if not line:
            continue
        if first_body_line.startswith(line[:40]):
            return None  # reached the body
        if len(line.split()) <= 5 and " - " in line and (name := _cited_source(line)):
            return name
    return None


def _cited_source(text: str) -> str | None:
    """The agency the article credits, when the attribution module is available."""
    try:
        from monitor.attribution import cited_source
    except ImportError:
        return None
    try:
        return cited_source(text)
    except Exception:  # attribution is a hint; its failure must not lose the article
        logger.exception("cited_source failed")
        return None
