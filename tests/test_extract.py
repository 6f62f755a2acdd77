"""The trafilatura adapter on golden pages (real and per CMS family) and on broken input.

Like trafilatura's realworld tests: each page asserts its headline, date, the first words of
the body, phrases the body keeps and boilerplate it must not contain.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from monitor.extract import Extracted, ExtractionError, extract
from monitor.normalize import display_text
from monitor.outlets import load_outlets

GOLDEN = Path(__file__).resolve().parent / "golden"
SPEC = json.loads((GOLDEN / "expectations.json").read_text(encoding="utf-8"))["pages"]
OUTLETS = load_outlets()
ZWNJ = "\u200c"

_cache: dict[tuple[str, bool], Extracted] = {}


def _extract(page: dict, with_outlet: bool = True) -> Extracted:
    key = (page["file"], with_outlet)
    if key not in _cache:
        outlet = OUTLETS.get(page["outlet"]) if with_outlet else None
        _cache[key] = extract((GOLDEN / page["file"]).read_bytes(), page["url"], outlet)
    return _cache[key]


def _utc(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@pytest.mark.parametrize("page", SPEC, ids=[p["file"] for p in SPEC])
@pytest.mark.parametrize("with_outlet", [True, False], ids=["outlet", "generic"])
def test_golden_page(page: dict, with_outlet: bool) -> None:
    got = _extract(page, with_outlet)
    assert got.title == page["title"]
    assert got.published == _utc(page["published"])
    assert got.text.startswith(page["body_starts"])
    for phrase in page["kept"]:
        assert phrase in got.text, phrase
    for phrase in page["dropped"]:
        assert phrase not in got.text, phrase
    for tag in page["tags"]:
        assert display_text(tag) in got.tags


def test_isna_real_page() -> None:
    page = SPEC[0]
    got = _extract(page)
    assert got.date_source == "meta:article:published_time"
    assert got.modified == _utc(page["modified"])
    assert got.lead and got.lead.startswith("کارشناس داوری فوتبال ایران می‌گوید")
    assert got.author and "امیرعلی عوض‌پور" in got.author
    # The tag is written with Arabic yeh on the page; stored in the display form.
    assert "تیم فوتبال پرسپولیس" in got.tags
    assert "گفت‌وگو" in got.text and "بازی‌های" in got.text
    assert not got.text.endswith("انتهای پیام")


def test_tasnim_real_page_keeps_zwnj_and_drops_headline() -> None:
    page = SPEC[1]
    for with_outlet in (True, False):
        got = _extract(page, with_outlet)
        assert "بی‌فایده" in got.title  # the ZWNJ that trafilatura alone would drop
        assert "بیفایده" not in got.text + got.title
        assert "گل‌های پرسپولیس" in got.text and ZWNJ in got.text
        assert not got.text.startswith("لیگ قهرمانان آسیا")
        assert "- اخبار تسنیم" not in got.title
        assert got.lead and got.lead.startswith("پرسپولیس در آخرین مسابقه‌اش")
        assert got.published == _utc("2019-05-20T18:23:00Z")


def test_paragraphs_are_lines() -> None:
    got = _extract(SPEC[0])
    assert len(got.text.split("\n")) == 4


def test_str_and_bytes_agree() -> None:
    page = SPEC[2]
    html = (GOLDEN / page["file"]).read_text(encoding="utf-8")
    assert extract(html, page["url"], OUTLETS["mehr"]) == _extract(page)


def test_windows_1256_bytes() -> None:
    page = next(p for p in SPEC if p["outlet"] == "jamejam")
    html = (GOLDEN / page["file"]).read_text(encoding="utf-8")
    html = html.replace("charset=utf-8", "charset=windows-1256").replace("ی", "ي").replace("ک", "ك")
    got = extract(
        html.encode("cp1256", errors="xmlcharrefreplace"), page["url"], OUTLETS["jamejam"]
    )
    assert got.title == page["title"]
    assert got.text.startswith(page["body_starts"])
    assert "گفت‌وگو" in got.text


def test_seed_style_furniture_is_removed() -> None:
    seed = (Path(__file__).resolve().parent.parent / "seeds").glob("004_*.txt")
    lines = [ln for ln in next(seed).read_text(encoding="utf-8").splitlines() if ln.strip()]
    body = "".join(f"<p>{ln}</p>" for ln in lines[1:])
    html = (
        f"<html><head><title>{lines[0]}</title></head><body><h1>{lines[0]}</h1>{body}</body></html>"
    )
    got = extract(html, "https://example.ir/news/1")
    assert got.text.startswith("وزارت خارجه روسیه با اشاره به روند مثبت")
    for phrase in ("انتهای پیام", "واژه های کاربردی مرتبط", "رایتل", "triboon", "مادیران"):
        assert phrase not in got.text


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("", "empty document"),
        (b"", "empty document"),
        ("   \n ", "empty document"),
        ("just some plain text, no markup at all", "not HTML"),
        (b"%PDF-1.4 binary", "not HTML"),
        ("<html><body><nav>منو</nav></body></html>", "empty body"),
        ("<html><body><h1>عنوان</h1><p>متن کوتاه.</p></body></html>", "body too short"),
    ],
)
def test_failures_have_reasons(html: str | bytes, reason: str) -> None:
    with pytest.raises(ExtractionError) as info:
        extract(html, "https://example.ir/x")
    assert info.value.reason.startswith(reason)
    assert "\n" not in info.value.reason and "<" not in info.value.reason


@pytest.mark.parametrize(
    "html",
    [
        "<html><body><div><p>بدون بستن " * 50,
        "<<<>>><html><body></bod></html>",
        "<?xml version='1.0' encoding='utf-8'?><html><body><p>x</p></body></html>",
        b"<html><body>\xff\xfe\x00\x81</body></html>",
    ],
)
def test_malformed_html_raises_extraction_error_or_extracts(html: str | bytes) -> None:
    try:
        result = extract(html, "https://example.ir/x")
    except ExtractionError:
        return
    assert isinstance(result.text, str)


def test_bad_outlet_selector_does_not_crash() -> None:
    import dataclasses

    page = SPEC[2]
    broken = dataclasses.replace(OUTLETS["mehr"], body_selector="div[[[", title_selector=":::")
    got = extract((GOLDEN / page["file"]).read_bytes(), page["url"], broken)
    assert got.text.startswith(page["body_starts"])


def test_http_charset_is_passed_to_the_decoder() -> None:
    page = next(p for p in SPEC if p["outlet"] == "jamejam")
    html = (GOLDEN / page["file"]).read_text(encoding="utf-8").replace("charset=utf-8", "")
    body = html.replace("ی", "ي").replace("ک", "ك").encode("cp1256", errors="xmlcharrefreplace")
    got = extract(body, page["url"], OUTLETS["jamejam"], charset="text/html; charset=windows-1256")
    assert got.title == page["title"]


def test_a_dateline_above_the_body_names_the_source():
    """Al-Alam credits itself in a dateline outside the article text ("العالم - ایران")."""
    html = (
        '<html lang="fa"><head><meta charset="utf-8"><title>t</title></head><body>'
        "<h1>رایزنی معاون وزیر خارجه ایران در مسکو</h1>"
        '<div class="news-date">سه شنبه 30 اردیبهشت 1404 - 15:30</div>'
        '<div class="news-service">العالم - ایران</div>'
        '<div class="news-text"><p>معاون وزیر امور خارجه کشورمان در سفر به مسکو با سرگئی ریابکوف'
        " دیدار و درباره همکاری‌های دوجانبه گفت‌وگو کرد.</p><p>دو طرف بر ادامه رایزنی‌ها تأکید"
        " کردند.</p></div></body></html>"
    )
    got = extract(html, "https://fa.alalam.ir/news/4230472/x")
    assert got.cited_source == "العالم"
    assert "العالم - ایران" not in got.text
