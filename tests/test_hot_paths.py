"""The crawl's hot paths, prepared once, give exactly what the plain calls give.

hazm's translation table and patterns are built once (``normalize.hazm_normalize``), boilerplate
phrase keys once per outlet, CSS selectors compiled once, and a page's lines normalized in one
pass (``boilerplate.line_keys``). Each is compared with the reference it replaces, and the
verdict on real simulator pages (over HTTP) is compared field by field with the verdict given
when every reference is patched back in.

The judging stage's own fast paths (``monitor.charmap``'s translators and counters in place of
``str.translate`` and ``len(re.findall(...))``, whitespace collapsed with ``str.split``, search
compounds tried only after a compound's first word, no tree copies trafilatura and htmldate
make themselves) are checked the same way: alone, and on everything ``examine_in_worker``
returns for simulator pages and the real pages in ../shared.
"""

from __future__ import annotations

import dataclasses
import json
import re
import sys
import unicodedata
import urllib.request
from typing import Any

import htmldate
import lxml.html
import pytest
import trafilatura
from sqlalchemy.orm import Session

import monitor.boilerplate as boilerplate
import monitor.dates as dates
import monitor.examine as examining
import monitor.extract as extract
import monitor.language as language
import monitor.normalize as normalize
import monitor.pagetree as pagetree
import monitor.searchtext as searchtext
from bench.extraction_eval import SHARED_EVAL, SHARED_REAL
from monitor.charmap import counter, translator
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


def _picked() -> list[Any]:
    """Every kind of page (seeds, republications, traps, new stories) and every outlet's
    unrelated pages, a few each: all CMS families, all furniture."""
    arts = Catalog().visible()
    picked: list[Any] = [a for a in arts if a.kind != "unrelated"]
    per_outlet: dict[str, int] = {}
    for a in arts:
        if a.kind == "unrelated" and per_outlet.get(a.outlet, 0) < 4:
            per_outlet[a.outlet] = per_outlet.get(a.outlet, 0) + 1
            picked.append(a)
    return picked


def test_verdicts_unchanged_on_simulator_pages(
    simulator: Any, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = open_store(db_url)
    judge = Judge(engine)
    items = []
    for a in _picked():
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


# -- the judging stage's fast paths ----------------------------------------------------------

EXOTIC = "a\u2028b\x1cc\x85d\u3000e\xa0f \t g  h\u200c\u200ci\u00adj_k\n\n l ـ ٤ ۴ ي ك ة"


def _tables() -> list[dict[int, Any]]:
    return [
        normalize._DIGITS,
        normalize._FOLD,
        normalize._DISPLAY_LETTERS,
        normalize._hazm_steps().table,
        dates._LETTER_FIX,
        searchtext._FOLD,
        {ord("a"): None, ord("b"): ord("c"), ord("d"): "dd", ord("e"): "e", ord("]"): "^"},
    ]


def test_translator_equals_str_translate() -> None:
    texts = [*_texts()[:600], EXOTIC]
    for table in _tables():
        every_key = "".join(chr(k) for k in table) + " x " + "".join(chr(k) for k in table)
        fast = translator(table)
        for text in [*texts, every_key]:
            assert fast(text) == text.translate(table), text[:80]
    assert translator({ord("a"): "a"})("abc") == "abc"  # nothing changes: the identity


def test_counter_equals_findall_length() -> None:
    classes = [extract._ARABIC_SCRIPT, extract._LATIN, extract._PERSIAN_ONLY,
               language._ARABIC_SCRIPT, language._LETTER, language._PERSIAN_ONLY,
               language._ARABIC_ONLY]  # fmt: skip
    for char_class in classes:
        count = counter(char_class)
        for text in [*_texts()[:600], EXOTIC, "Latin text 123 é ü"]:
            assert count(text) == len(re.findall(char_class, text)), text[:80]


def test_whitespace_folding_equals_the_regex_forms() -> None:
    # str.split and \s agree on every code point: canonical_text relies on it.
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        assert char.isspace() == bool(re.fullmatch(r"\s", char)), hex(code)
    for text in [*_texts()[:600], EXOTIC]:
        folded = normalize._fold(text)
        assert normalize.canonical_text(text) == re.sub(r"\s+", " ", folded).strip()
        lines = [re.sub(r"\s+", " ", line).strip() for line in folded.split("\n")]
        assert normalize.canonical_lines(text, keep_empty=True) == lines
        for persian_letters in (True, False):
            assert normalize.display_text(text, persian_letters=persian_letters) == (
                _reference_display(text, persian_letters)
            )


def _reference_display(text: str, persian_letters: bool) -> str:
    """``display_text`` as it was written before its fast paths."""
    text = unicodedata.normalize("NFC", text)
    if persian_letters:
        text = text.translate(normalize._DISPLAY_LETTERS)
    text = re.sub("[\u200b\u200d\u200e\u200f\ufeff]", "", text)
    text = re.sub("\u200c{2,}", "\u200c", text)
    text = re.sub(r"[ \t\u00a0]+", " ", text)
    lines = [line.strip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


def test_trafilatura_and_htmldate_leave_a_given_tree_as_it_was() -> None:
    html = (
        "<html><head><title>عنوان</title><meta property='article:modified_time' "
        "content='2024-01-02'></head><body><nav>منو</nav><article><h1>تیتر خبر</h1>"
        + "<p>بند نخست خبر که به اندازه کافی بلند است تا متن اصلی به شمار آید.</p>"
        * 6
        + "<script>var x = 1;</script><div class='tags'><a>برچسب</a></div>"
        "<span class='date'>۱۴ آذر ۱۴۰۲</span></article><footer>© 2023</footer></body></html>"
    )
    tree = lxml.html.document_fromstring(html)
    before = lxml.html.tostring(tree)
    assert trafilatura.extract(tree, url="https://x.ir/a", include_comments=False)
    trafilatura.baseline(tree)
    for extensive in (False, True):
        htmldate.find_date(tree, extensive_search=extensive, original_date=True)
    assert lxml.html.tostring(tree) == before


class _Everything:
    """A set that holds every word: search compounds tried after every word, as before."""

    def __contains__(self, _: object) -> bool:
        return True


def _references(monkeypatch: pytest.MonkeyPatch) -> None:
    """Patch the reference of every fast path back in."""
    for module, name, table in (
        (normalize, "_fold_digits", normalize._DIGITS),
        (normalize, "_fold_letters", normalize._FOLD),
        (normalize, "_display_letters", normalize._DISPLAY_LETTERS),
        (dates, "_fix_letters", dates._LETTER_FIX),
        (searchtext, "_fold_letters", searchtext._FOLD),
    ):
        monkeypatch.setattr(module, name, lambda text, table=table: text.translate(table))
    for module, name, char_class in (
        (extract, "_arabic_script_letters", extract._ARABIC_SCRIPT),
        (extract, "_latin_letters", extract._LATIN),
        (extract, "_persian_only_letters", extract._PERSIAN_ONLY),
        (language, "_arabic_script", language._ARABIC_SCRIPT),
        (language, "_letters", language._LETTER),
        (language, "_persian_only", language._PERSIAN_ONLY),
        (language, "_arabic_only", language._ARABIC_ONLY),
    ):
        monkeypatch.setattr(module, name, lambda text, c=char_class: len(re.findall(c, text)))
    monkeypatch.setattr(normalize, "hazm_normalize", normalize._hazm().normalize)
    monkeypatch.setattr(boilerplate, "line_keys", _reference_line_keys)
    monkeypatch.setattr(pagetree, "_compiled", _reference_compiled)
    monkeypatch.setattr(searchtext, "compound_heads", _Everything)


def _shared_items(every: int) -> list[PageItem]:
    """The real pages in ../shared (Persian agency pages and every ``every``-th page of the
    regression set), if present."""
    items = []
    if SHARED_REAL.is_dir():
        for page in sorted(SHARED_REAL.glob("*.html")):
            spec = json.loads(page.with_name(page.stem + ".expected.json").read_text("utf-8"))
            items.append(PageItem(spec["url"], spec["url"], "", body=page.read_bytes()))
    if SHARED_EVAL.is_dir():
        spec = json.loads((SHARED_EVAL / "evaldata.json").read_text("utf-8"))
        for url, page in list(spec.items())[::every]:
            body = (SHARED_EVAL / "pages" / page["file"]).read_bytes()
            items.append(PageItem(url, url, "", body=body))
    return items


def _examined(item: PageItem) -> dict[str, Any]:
    out = examining.examine_in_worker(item)
    fields = dataclasses.asdict(out)
    fields["fingerprint"] = out.fingerprint.to_bytes() if out.fingerprint else None
    return fields


@pytest.mark.parametrize(
    "every",
    [
        pytest.param(3, id="some"),  # a third of the real pages, some simulator pages
        pytest.param(1, id="all", marks=pytest.mark.long),  # every page of both
    ],
)
def test_examined_pages_unchanged(
    every: int, simulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    examiner = examining.Examiner()
    monkeypatch.setattr(examining, "_WORKER", examiner)
    items = []
    for a in _picked() if every > 1 else Catalog().visible():
        fetch = f"{simulator.url}/{a.url.split('://', 1)[1]}"  # type: ignore[attr-defined]
        with urllib.request.urlopen(quote_iri(fetch)) as resp:
            items.append(PageItem(a.url, a.url, a.outlet, body=resp.read(),
                                  encoding=resp.headers.get_content_charset()))  # fmt: skip
    items += _shared_items(every)

    fast = [_examined(item) for item in items]
    _references(monkeypatch)
    slow = [_examined(PageItem(i.url, i.url, i.outlet, i.body, i.encoding)) for i in items]
    assert len(items) >= 100
    assert sum(f["relevance"] is not None and f["relevance"]["relevant"] for f in fast) >= 20
    assert {f["language"] for f in fast} >= {"fa", "en"}
    for item, a, b in zip(items, fast, slow, strict=True):
        assert a == b, item.url
