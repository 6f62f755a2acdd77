"""One adapter around trafilatura: article text, title, lead, date, author and tags.

Why an adapter and not trafilatura directly:

* trafilatura treats the zero-width non-joiner (U+200C) as non-printable and deletes it, which
  glues Persian words ("بی‌فایده" → "بیفایده"). Every ZWNJ is swapped for a printable
  placeholder before parsing and swapped back in every string we return.
* It returns ``None`` and logs why; the pipeline needs the reason, so failures raise
  ``ExtractionError`` with a one-line ``reason``.
* Agency pages carry furniture inside the article container ("انتهای پیام", "کد خبر",
  readmore boxes, tag lists, ad lists) and trafilatura sometimes starts the body with the
  headline (Tasnim). The outlet's selectors and a Persian line filter remove it.

Those improvements must never make a page worse than trafilatura alone, because most pages
come from outlets nobody tuned for. So the body is found by a fallback chain, and the result
records which step produced it (``Extracted.method``):

1. ``selector`` — the outlet's ``body_selector`` node, read paragraph by paragraph, filtered;
2. ``trafilatura+cleanup`` — trafilatura on the page without the outlet's ``drop_selectors``
   and generic furniture containers (readmore, related, tags, sidebar…), then the line filter
   (``monitor.boilerplate.clean_lines``);
3. ``trafilatura+filter`` — trafilatura alone on the untouched page, then the line filter
   (2 and 3 on Arabic-script pages only: the filter knows Persian and Arabic furniture, not
   English or German);
4. ``trafilatura`` — trafilatura alone on the untouched page;
5. ``baseline`` — trafilatura's own last-resort extractor (all paragraph-like text), used
   only when trafilatura finds nothing.

A step is refused when it gives less than ``MIN_BODY_CHARS`` or cuts the text below what
trafilatura alone found: it must keep at least ``KEEP_SHARE`` of the characters of
trafilatura's long paragraphs (a filter may drop link lists, never the article).
"""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import trafilatura
from lxml import etree

from monitor.attribution import cited_source as _attributed_source
from monitor.boilerplate import clean_lines
from monitor.charmap import counter
from monitor.dates import find_published
from monitor.encoding import decode_html
from monitor.normalize import canonical_text, display_text
from monitor.outlets import Outlet
from monitor.pagetree import css, json_ld_nodes, metas, parse_document

logger = logging.getLogger(__name__)

MIN_BODY_CHARS = 60
# Share of trafilatura's long-paragraph characters a filtered body must keep.
KEEP_SHARE = 0.5
# A line of trafilatura's output with this many words is a paragraph (not a link or a label).
_PARAGRAPH_WORDS = 20
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
_ARABIC_SCRIPT = "[\u0620-\u064a\u0671-\u06d3\u06fa-\u06ff]"
_LATIN = "[A-Za-z\u00c0-\u024f]"
_PERSIAN_ONLY = "[پچژگ]"
_arabic_script_letters = counter(_ARABIC_SCRIPT)
_latin_letters = counter(_LATIN)
_persian_only_letters = counter(_PERSIAN_ONLY)
_ARABIC_ONLY = re.compile("[ةيكى]")


class ExtractionError(ValueError):
    """A page that gave no article; ``reason`` says why in one line."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Extracted:
    """What the pipeline stores about one article page (display text, ZWNJ kept).

    ``method`` is the step of the fallback chain that produced ``text`` (``selector``,
    ``trafilatura+cleanup``, ``trafilatura+filter``, ``trafilatura`` or ``baseline``);
    ``date_source`` the rule that found ``published`` (aware UTC); ``published_offset`` the
    UTC offset the page stated for it ("+03:00"), or Tehran's when it stated none; ``script``
    is ``persian``, ``arabic`` or ``other`` (an Arabic page keeps its own letters in every
    displayed string).
    """

    title: str
    text: str
    lead: str | None = None
    published: datetime | None = None
    date_source: str = "none"
    author: str | None = None
    tags: list[str] = field(default_factory=list)
    cited_source: str | None = None
    method: str = "trafilatura"
    published_offset: str | None = None
    script: str = "persian"


# --- helpers ---------------------------------------------------------------------------------


class _Page:
    """The parsed page with ZWNJ protected, and the placeholder to undo it."""

    def __init__(self, html: str) -> None:
        self.placeholder = next((p for p in _PLACEHOLDERS if p not in html), _PLACEHOLDERS[0])
        protected = re.sub(r"&zwnj;|&#8204;|&#x200c;", ZWNJ, html, flags=re.I)
        protected = protected.replace(ZWNJ, self.placeholder)
        try:
            self.tree = parse_document(protected)
        except ValueError as exc:
            raise ExtractionError(f"unparseable HTML: {exc}") from exc
        self.script = _script(self.tree)
        persian_letters = self.script != "arabic"
        self.display: Callable[[str], str] = lambda t: display_text(
            t, persian_letters=persian_letters
        )

    def restore(self, text: str) -> str:
        return text.replace(self.placeholder, ZWNJ)

    def text(self, el: Any) -> str:
        return self.display(self.restore(el.text_content()))


def _script(tree: Any) -> str:
    """``arabic`` or ``persian`` for an Arabic-script page, else ``other``.

    The html ``lang`` decides between Arabic and Persian when it names one; otherwise letters
    only Persian uses (پ چ ژ گ) against letters only Arabic uses (ة and, on pages in
    windows-1256, ي/ك also appear in Persian, hence the Persian letters count first).
    """
    body = tree.find("body")
    sample = (body if body is not None else tree).text_content()[:20000]
    arabic_script = _arabic_script_letters(sample)
    if arabic_script == 0 or arabic_script < _latin_letters(sample):
        return "other"
    lang = (tree.get("lang") or "").strip().lower()
    if lang.startswith("ar"):
        return "arabic"
    if lang.startswith("fa") or lang.startswith("per"):
        return "persian"
    persian = _persian_only_letters(sample)
    if persian * 200 >= arabic_script:  # ≥ 0.5 % of letters: Persian writes them constantly
        return "persian"
    return "arabic" if _ARABIC_ONLY.search(sample) else "persian"


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


def _decode(html: str | bytes, charset: str | None) -> str:
    if isinstance(html, bytes):
        if html.lstrip()[:5] == b"%PDF-":
            raise ExtractionError("not HTML: the document is a PDF")
        return decode_html(html, charset)
    return html


# --- metadata --------------------------------------------------------------------------------


def _title(page: _Page, outlet: Outlet | None, meta: dict[str, str]) -> str:
    """Outlet title selector, then a lone h1, then og:title, then <title> without its suffix."""
    for el in css(page.tree, getattr(outlet, "title_selector", None)):
        if text := page.text(el):
            return text
    heads = [t for t in (page.text(h) for h in page.tree.iter("h1")) if t]
    if len(heads) == 1 or (heads and len(heads[0]) > 15):
        return heads[0]
    if og := meta.get("og:title"):
        return page.display(page.restore(og))
    title_el = page.tree.find(".//title")
    if title_el is not None:
        raw = page.restore(title_el.text_content())
        parts = [p.strip() for p in re.split(r"\s+[-|–]\s+|-\s+(?=اخبار)", raw) if p.strip()]
        return page.display(max(parts, key=len) if parts else raw)
    return ""


def _lead(page: _Page, meta: dict[str, str]) -> str | None:
    for selector in _LEAD_SELECTORS:
        for el in css(page.tree, selector):
            if (text := page.text(el)) and len(text) > 20:
                return text
    for key in ("og:description", "description"):
        if (value := meta.get(key)) and len(value) > 20:
            return page.display(page.restore(value))
    return None


_AUTHOR_SELECTORS = ("ul.author-id strong", "[itemprop=author] [itemprop=name]", ".news-author",
                     ".author-name", "span.author")  # fmt: skip


def _author(page: _Page, meta: dict[str, str]) -> str | None:
    """A byline from the page, else author metadata that is not just the site's name."""
    for selector in _AUTHOR_SELECTORS:
        names = [t for t in (page.text(el) for el in css(page.tree, selector)) if t]
        if names:
            return "، ".join(dict.fromkeys(names))
    site = canonical_text(meta.get("og:site_name", "") or "")
    for key in ("author", "article:author", "og:article:author", "dc.creator"):
        value = meta.get(key)
        if not value or value.startswith("http") or "|" in value:
            continue
        if site and canonical_text(value) == site:
            continue
        return page.display(page.restore(value)).strip(" -")
    for node in json_ld_nodes(page.tree):
        author = node.get("author")
        if isinstance(author, list) and author:
            author = author[0]
        if isinstance(author, dict):
            author = author.get("name")
        if isinstance(author, str) and author.strip():
            return page.display(page.restore(author))
    return None


def _tags(page: _Page, meta: dict[str, str]) -> list[str]:
    found: list[str] = []
    for selector in _TAG_SELECTORS:
        found = [t for t in (page.text(a) for a in css(page.tree, selector)) if t]
        if found:
            break
    if not found:
        raw = meta.get("keywords") or meta.get("article:tag") or meta.get("news_keywords") or ""
        found = [page.display(page.restore(t)) for t in re.split(r"[,،]", raw)]
    return list(dict.fromkeys(t for t in found if t))


def _offset_text(dt: datetime) -> str | None:
    offset = dt.utcoffset()
    if offset is None:
        return None
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


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
    """trafilatura's main text, one line per block; comments are not the article.

    trafilatura works on its own copy of a tree it is given (``bare_extraction`` copies it,
    ``tests/test_hot_paths.py`` checks the page is left as it was), so none is made here.
    """
    try:
        text = trafilatura.extract(root, url=url, include_comments=False, deduplicate=False)
    except (ValueError, TypeError, etree.LxmlError, RecursionError) as exc:
        logger.warning("trafilatura failed on %s: %s", url, exc)
        return []
    if not text:
        return []
    return [re.sub(r"^[-•*]\s+", "", page.restore(line)) for line in text.split("\n")]


def _baseline_lines(page: _Page, root: Any) -> list[str]:
    """trafilatura's last-resort extractor: every paragraph-like text of the page (on its
    own copy of the tree, like ``_trafilatura_lines``)."""
    try:
        _, text, _ = trafilatura.baseline(root)
    except (ValueError, TypeError, etree.LxmlError, RecursionError):
        return []
    return [page.restore(line) for line in (text or "").split("\n")]


def _chars(lines: list[str]) -> int:
    return sum(len(line.strip()) for line in lines)


def _kept_share(candidate: list[str], reference: list[str], kept_apart: list[str]) -> float:
    """Share of the characters of ``reference``'s paragraphs found again in ``candidate`` or
    in ``kept_apart`` (the headline and lead, which the filter moves out of the body)."""
    paragraphs = [canonical_text(x) for x in reference if len(x.split()) >= _PARAGRAPH_WORDS]
    paragraphs = [p for p in paragraphs if p]
    if not paragraphs:
        return 1.0
    found = canonical_text("\n".join([*candidate, *kept_apart]))
    total = sum(len(p) for p in paragraphs)
    return sum(len(p) for p in paragraphs if p in found) / total


def extract(
    html: str | bytes, url: str, outlet: Outlet | None = None, *, charset: str | None = None
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
    meta = metas(page.tree)
    title = _title(page, outlet, meta)
    lead = _lead(page, meta)
    published, date_source = find_published(page.tree, url, outlet)
    body, method = _body(page, url, outlet, title, lead)
    body_text = "\n".join(body)
    first_line = body[0] if body else ""
    return Extracted(
        title=title,
        text=body_text,
        lead=lead,
        published=published.astimezone(UTC) if published else None,
        date_source=date_source,
        author=_author(page, meta),
        tags=_tags(page, meta),
        cited_source=_cited_source(body_text) or _dateline_source(page, first_line),
        method=method,
        published_offset=_offset_text(published) if published else None,
        script=page.script,
    )


def _body(
    page: _Page, url: str, outlet: Outlet | None, title: str, lead: str | None
) -> tuple[list[str], str]:
    """The body lines and the chain step that produced them (see the module docstring)."""
    alone = _trafilatura_lines(page, page.tree, url)
    plain = [line for line in (page.display(x) for x in alone) if line]
    kept_apart = [t for t in (title, lead) if t]

    def filtered(lines: list[str]) -> list[str]:
        return clean_lines(lines, title, lead, outlet, page.display)

    def selector_step() -> list[str]:
        work = _without_dropped(page, outlet)
        selector = getattr(outlet, "body_selector", None)
        nodes = css(work, selector)
        if not nodes:
            if selector:
                logger.info("body selector %r matched nothing on %s", selector, url)
            return []
        _strip_furniture(nodes[0])
        return filtered(_blocks(page, nodes[0]))

    def cleanup_step() -> list[str]:
        work = _without_dropped(page, outlet)
        _strip_furniture(work)
        return filtered(_trafilatura_lines(page, work, url))

    steps: list[tuple[str, Callable[[], list[str]]]] = []
    if getattr(outlet, "body_selector", None):
        steps.append(("selector", selector_step))
    if page.script != "other":
        steps.append(("trafilatura+cleanup", cleanup_step))
        steps.append(("trafilatura+filter", lambda: filtered(alone)))
    steps.append(("trafilatura", lambda: plain))
    refused: list[str] = []
    for method, step in steps:
        lines = step()
        chars = _chars(lines)
        if chars < MIN_BODY_CHARS:
            refused.append(f"{method} {chars} characters")
            continue
        share = 1.0 if method == "trafilatura" else _kept_share(lines, plain, kept_apart)
        if share < KEEP_SHARE:
            logger.info(
                "%s kept %.0f%% of trafilatura's paragraphs on %s", method, 100 * share, url
            )
            refused.append(f"{method} kept {share:.0%} of trafilatura's text")
            continue
        return lines, method
    if not alone:
        base = [x for x in (page.display(y) for y in _baseline_lines(page, page.tree)) if x]
        if _chars(base) >= MIN_BODY_CHARS:
            return base, "baseline"
        refused.append(f"baseline {_chars(base)} characters")
    detail = "; ".join(refused)
    # No text at all once the furniture is gone: there is no article here.
    work = _without_dropped(page, outlet)
    _strip_furniture(work)
    body = work.find("body")
    if body is None or not _chars(_blocks(page, body)):
        raise ExtractionError(f"empty body: no text outside page furniture ({detail})")
    raise ExtractionError(f"body too short: minimum {MIN_BODY_CHARS} characters ({detail})")


def _without_dropped(page: _Page, outlet: Outlet | None) -> Any:
    """A copy of the page without the elements the outlet's ``drop_selectors`` name."""
    work = copy.deepcopy(page.tree)
    for selector in getattr(outlet, "drop_selectors", ()):
        for el in css(work, selector):
            _remove(el)
    return work


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
    """The agency the article credits; attribution is a hint, its failure loses nothing."""
    try:
        return _attributed_source(text)
    except Exception:  # a hint: the article must be kept whatever attribution does
        logger.exception("cited_source failed")
        return None
