"""Small lookups on a parsed page shared by the extractor and the date finder.

One definition of each so that a user's broken selector or an odd meta tag is handled the same
way wherever the page is read.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import lxml.html
from lxml import etree
from lxml.cssselect import CSSSelector, SelectorError

logger = logging.getLogger(__name__)

_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def parse_document(text: str) -> Any:
    """An lxml document for ``text``; an XML declaration in a str is dropped (lxml refuses it).

    Raises ``ValueError`` (``etree.ParserError`` is one) when lxml cannot build a tree.
    """
    return lxml.html.document_fromstring(_XML_DECLARATION.sub("", text))


@lru_cache(maxsize=512)
def _compiled(selector: str) -> CSSSelector | None:
    """``selector`` translated to XPath and compiled once (``tree.cssselect`` translates it on
    every call); ``None`` for a selector that does not compile."""
    try:
        return CSSSelector(selector, translator="html")  # what HtmlElement.cssselect uses
    except (SelectorError, etree.XPathError, ValueError):
        return None


def css(tree: Any, selector: str | None) -> list[Any]:
    """Elements matching ``selector``; a bad selector (from a user's outlet file) matches none."""
    if not selector:
        return []
    compiled = _compiled(selector)
    try:
        if compiled is None:
            raise ValueError(selector)
        found: Any = compiled(tree)  # a CSS selector's XPath always gives a list of elements
        return list(found)
    except (SelectorError, etree.XPathError, ValueError):
        logger.warning("bad CSS selector %r ignored", selector)
        return []


def meta_pairs(tree: Any) -> list[tuple[str, str]]:
    """(lower-cased property/name/itemprop, content) of every meta with content, in order."""
    out: list[tuple[str, str]] = []
    for el in tree.iter("meta"):
        content = el.get("content")
        if not content or not content.strip():
            continue
        for attr in ("property", "name", "itemprop"):
            key = el.get(attr)
            if key and key.strip():
                out.append((key.strip().lower(), content.strip()))
    return out


def metas(tree: Any) -> dict[str, str]:
    """The first content of each meta key (see ``meta_pairs``)."""
    out: dict[str, str] = {}
    for key, content in meta_pairs(tree):
        out.setdefault(key, content)
    return out


def json_ld_nodes(tree: Any) -> Iterator[dict[str, Any]]:
    """Every JSON object in the page's JSON-LD blocks, nested ``@graph`` items included."""

    def walk(node: Any) -> Iterator[dict[str, Any]]:
        if isinstance(node, dict):
            yield node
            for child in node.values():
                yield from walk(child)
        elif isinstance(node, list):
            for child in node:
                yield from walk(child)

    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text_content() or "null", strict=False)
        except (ValueError, TypeError, RecursionError):
            logger.debug("unparseable JSON-LD block skipped")
            continue
        try:
            yield from walk(data)
        except RecursionError:
            logger.debug("JSON-LD nested too deeply; rest skipped")
