"""The crawl's hot paths, prepared once, give exactly what the plain calls give.

hazm's translation table and patterns are built once (``normalize.hazm_normalize``), boilerplate
phrase keys once per outlet, CSS selectors compiled once, and a page's lines normalized in one
pass (``boilerplate.line_keys``). Each is compared with the reference it replaces, and the
verdict on real simulator pages (over HTTP) is compared field by field with the verdict given
when every reference is patched back in.
"""

from __future__ import annotations

import urllib.request
from typing import Any

import pytest
from sqlalchemy.orm import Session

import monitor.boilerplate as boilerplate
import monitor.normalize as normalize
import monitor.pagetree as pagetree
from monitor.checking import quote_iri
from monitor.items import PageItem
from monitor.judge import Judge
from monitor.simulator.catalog import Catalog
from monitor.store import open_store
from monitor.verdict import Verdict, judge_page

EDGE_TEXTS = [
    "",
    "ﻻ ﻵ ﷼ ﷲ ﷽ ﷰ متن",  # hazm's unicode replacements (ligatures, words in one code point)
    "اِعلاممممم کَرد : « زمین لرزه ای به بُزرگیِ 6 دهم ریشتر ...»",
    "كيف يمكن ي ك ۀ ة ٤٥٦ ۴۵۶ ـــ",  # Arabic letters, digits, tatweel
    "\u0653\u0670\u06d6 نشانه‌ها \u200c\u200d و &amp; &#1740; &zwnj;",
    "line one\nline two &#10; still two\n\nخط سوم",
]


def _texts() -> list[str]:
    texts = list(EDGE_TEXTS)
    for art in Catalog().articles:
        texts.append(art.title)
        texts.append(art.lead)
        texts.extend(art.paragraphs)
    return texts


def test_hazm_steps_equal_hazm_normalizer() -> None:
    reference = normalize._hazm().normalize
    for text in _texts():
        assert normalize.hazm_normalize(text) == reference(text), text[:80]


def test_line_keys_equal_one_call_per_line() -> None:
    lines = [t for t in _texts() if t and "\n" not in t][:400]
    lines += ["سطر با &#10; موجودیت", "", "  -- |", "انتهای پیام"]
    assert boilerplate.line_keys(lines) == [normalize.canonical_text(x) for x in lines]


def test_boilerplate_keys_are_normalized_once_and_match() -> None:
    class Outlet:
        boilerplate = ("خبرگزاری نمونه", "کد خبر")

    expected = sorted(
        {
            k
            for k in (
                normalize.canonical_text(p)
                for p in (*boilerplate.generic_boilerplate(), *Outlet.boilerplate)
            )
            if k
        },
        key=len,
        reverse=True,
    )
    assert boilerplate.boilerplate_keys(Outlet()) == expected
    before = boilerplate._phrase_keys.cache_info().hits
    boilerplate.boilerplate_keys(Outlet())
    assert boilerplate._phrase_keys.cache_info().hits == before + 1


def test_compiled_selector_matches_cssselect_and_ignores_bad_ones() -> None:
    import lxml.html

    tree = lxml.html.document_fromstring(
        "<html><body><div class='a b'><p id='x'>یک</p><P>دو</P></div></body></html>"
    )
    for selector in ("div.a p", "#x", "P", "div > p:first-child"):
        assert pagetree.css(tree, selector) == tree.cssselect(selector)
    assert pagetree.css(tree, "div[[") == []


def _reference_compiled(selector: str) -> Any:
    """What ``pagetree.css`` did before: ``tree.cssselect`` on every call."""
    return lambda tree: tree.cssselect(selector)


def _reference_line_keys(lines: list[str]) -> list[str]:
    return [normalize.canonical_text(line) for line in lines]


def _summary(v: Verdict) -> dict[str, Any]:
    fp = v.fingerprint
    rel = v.relevance
    return {
        "outcome": v.outcome,
        "reason": v.reason,
        "extracted": v.extracted,
        "language": v.language,
        "fingerprint": fp.to_bytes() if fp is not None else None,
        "duplicate": v.duplicate,
        "relevance": (rel.score, list(rel.reasons), rel.relevant, rel.borderline) if rel else None,
        "notes": v.notes,
    }


def test_verdicts_unchanged_on_simulator_pages(
    simulator: Any, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = open_store(db_url)
    judge = Judge(engine)
    arts = Catalog().visible()
    # Every kind of page (seeds, republications, traps, new stories) and every outlet's
    # unrelated pages, a few each: all CMS families, all furniture.
    picked: list[Any] = [a for a in arts if a.kind != "unrelated"]
    per_outlet: dict[str, int] = {}
    for a in arts:
        if a.kind == "unrelated" and per_outlet.get(a.outlet, 0) < 4:
            per_outlet[a.outlet] = per_outlet.get(a.outlet, 0) + 1
            picked.append(a)
    items = []
    for a in picked:
        fetch = f"{simulator.url}/{a.url.split('://', 1)[1]}"  # type: ignore[attr-defined]
        with urllib.request.urlopen(quote_iri(fetch)) as resp:
            body = resp.read()
            charset = resp.headers.get_content_charset()
        items.append(PageItem(url=a.url, canonical_url=a.url, outlet=a.outlet, body=body,
                              encoding=charset))  # fmt: skip

    with Session(engine) as session:
        fast = [_summary(judge_page(judge, item, session)) for item in items]
    monkeypatch.setattr(normalize, "hazm_normalize", normalize._hazm().normalize)
    monkeypatch.setattr(boilerplate, "line_keys", _reference_line_keys)
    monkeypatch.setattr(pagetree, "_compiled", _reference_compiled)
    with Session(engine) as session:
        slow = [_summary(judge_page(judge, item, session)) for item in items]
    assert len(items) >= 40
    outcomes = {s["outcome"] for s in fast}
    assert len(outcomes) >= 3, outcomes  # new, duplicate, irrelevant at least: a real mix
    for item, a, b in zip(items, fast, slow, strict=True):
        assert a == b, item.url
