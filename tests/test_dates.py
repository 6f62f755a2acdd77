"""Publication dates: Persian forms, Tehran offsets (with summer time), rule precedence."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor import dates
from monitor.dates import (
    find_published,
    parse_iso,
    parse_persian_date,
    tehran_to_utc,
    to_jalali,
    to_jalali_long,
)
from monitor.outlets import load_outlets

CASES = json.loads(
    (Path(__file__).resolve().parent.parent / "bench" / "data" / "date_cases.json").read_text(
        encoding="utf-8"
    )
)
NOW = datetime(2023, 12, 5, 12, 0, tzinfo=UTC)


def _utc(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


@pytest.mark.parametrize(("text", "expected"), CASES["cases"])
def test_date_forms(text: str, expected: str | None) -> None:
    assert parse_persian_date(text, now=NOW) == _utc(expected)


def test_parsed_strings_are_aware_utc() -> None:
    got = parse_persian_date("۱۴ آذر ۱۴۰۲، ۱۸:۲۳")
    assert got is not None and got.utcoffset().total_seconds() == 0


def test_relative_needs_now() -> None:
    assert parse_persian_date("۲ ساعت قبل") is None


def test_to_jalali_forms() -> None:
    dt = datetime(2023, 12, 5, 14, 53, tzinfo=UTC)
    assert to_jalali(dt) == "1402/09/14 18:23"
    assert to_jalali_long(dt) == "۱۴ آذر ۱۴۰۲ ساعت ۱۸:۲۳"


def test_round_trip_through_jalali() -> None:
    dt = datetime(2019, 5, 20, 18, 23, tzinfo=UTC)  # summer time: 22:53 in Tehran
    assert to_jalali(dt) == "1398/02/30 22:53"
    assert parse_persian_date(to_jalali(dt)) == dt


@pytest.mark.parametrize(
    "local",
    [datetime(2019, 5, 20, 22, 53), datetime(2019, 12, 1, 10), datetime(2022, 6, 1, 10),
     datetime(2023, 6, 1, 10), datetime(2008, 3, 22, 12), datetime(2006, 7, 1, 9)],
)  # fmt: skip
def test_fallback_rule_matches_tzdata(local: datetime, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = tehran_to_utc(local)
    monkeypatch.setattr(dates, "_TEHRAN_ZONE", None)
    assert tehran_to_utc(local) == expected


def _page(head: str = "", body: str = "") -> str:
    return f"<html><head>{head}</head><body>{body}</body></html>"


def test_precedence_meta_before_json_ld_and_text() -> None:
    html = _page(
        '<meta property="article:published_time" content="2023-12-05T14:53:00Z">'
        '<script type="application/ld+json">{"datePublished": "2020-01-01T00:00:00Z"}</script>',
        "<h1>عنوان</h1><p>۱ فروردین ۱۴۰۰</p>",
    )
    assert find_published(html, "https://x/") == (
        datetime(2023, 12, 5, 14, 53, tzinfo=UTC),
        "meta:article:published_time",
    )


def test_json_ld_graph() -> None:
    html = _page(
        '<script type="application/ld+json">{"@graph": [{"@type": "NewsArticle",'
        ' "datePublished": "2023-12-05T14:53:00+03:30"}]}</script>'
    )
    assert find_published(html, "u") == (
        datetime(2023, 12, 5, 11, 23, tzinfo=UTC),
        "json-ld:datePublished",
    )


def test_nastooh_publish_date() -> None:
    html = _page('<meta property="nastooh:publishDate" content="2019-05-30">')
    assert find_published(html, "u") == (
        datetime(2019, 5, 29, 19, 30, tzinfo=UTC),
        "meta:nastooh:publishdate+tehran",
    )


def test_time_element_with_jalali_value() -> None:
    html = _page(body='<h1>عنوان</h1><time datetime="1402/09/14 18:23">امروز</time>')
    assert find_published(html, "u") == (
        datetime(2023, 12, 5, 14, 53, tzinfo=UTC),
        "time[datetime]+tehran",
    )


def test_outlet_selector_before_generic_text() -> None:
    outlet = load_outlets()["mehr"]
    html = _page(
        body="<h1>عنوان خبر</h1><p>در ۱ فروردین ۱۴۰۰ گفته بود</p>"
        '<div class="item-date">۱۴ آذر ۱۴۰۲، ۱۸:۲۳</div>'
    )
    assert find_published(html, "u", outlet) == (
        datetime(2023, 12, 5, 14, 53, tzinfo=UTC),
        "selector:div.item-date",
    )


def test_footer_year_and_footer_dates_are_never_taken() -> None:
    html = _page(
        body="<h1>عنوان خبر بدون تاریخ</h1><p>متن خبر</p>"
        '<footer>© ۱۴۰۲ کلیه حقوق محفوظ است <span class="date">۱ دی ۱۴۰۲</span></footer>'
        '<div class="copyright">۲ دی ۱۴۰۲</div>'
    )
    assert find_published(html, "https://x/") == (None, "none")


def test_text_under_title() -> None:
    html = _page(body="<h1>عنوان خبر</h1><div>سه شنبه 14 آذر 1402 - 18:23</div><p>متن</p>")
    assert find_published(html, "u") == (
        datetime(2023, 12, 5, 14, 53, tzinfo=UTC),
        "text:under-title",
    )


def test_url_date_is_last_resort() -> None:
    url = "https://www.tasnimnews.com/fa/news/1398/02/30/2015910/x"
    dt, rule = find_published(_page(body="<h1>بدون تاریخ</h1>"), url)
    assert rule == "url" and dt == datetime(2019, 5, 19, 19, 30, tzinfo=UTC)


def test_future_dates_rejected_when_now_given() -> None:
    html = _page('<meta property="article:published_time" content="2030-01-01T00:00:00Z">')
    assert find_published(html, "u", now=NOW) == (None, "none")


def test_bytes_and_garbage_do_not_crash() -> None:
    assert find_published(b"\xff\xfe<<<", "u") == (None, "none")
    assert find_published("", "u") == (None, "none")


def test_an_offset_less_time_takes_the_offset_the_page_states() -> None:
    """JSON-LD gives +03:00 for the modification time; the offset-less publication time is
    read in that offset, not as Tehran time."""
    html = _page(
        '<script type="application/ld+json">{"datePublished": "2024-05-15T10:20:00",'
        ' "dateModified": "2024-05-15T12:00:00+03:00"}</script>'
    )
    dt, source = find_published(html, "u")
    assert dt == datetime(2024, 5, 15, 7, 20, tzinfo=UTC)
    assert dt is not None and dt.utcoffset() == timedelta(hours=3)
    assert source == "json-ld:datePublished+page-offset"


def test_metadata_with_an_offset_beats_visible_text_without_one() -> None:
    html = _page(
        '<script type="application/ld+json">{"datePublished": "2024-05-15T10:20:00+03:00"}'
        "</script>",
        '<h1>عنوان</h1><span class="date">١٥ مايو ٢٠٢٤ - ١٠:٢٠</span>',
    )
    dt, source = find_published(html, "u")
    assert (dt, source) == (datetime(2024, 5, 15, 7, 20, tzinfo=UTC), "json-ld:datePublished")
    assert dt is not None and dt.utcoffset() == timedelta(hours=3)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("الأربعاء ١٥ مايو ٢٠٢٤", "2024-05-14T20:30:00Z"),
        ("15 أيار 2024", "2024-05-14T20:30:00Z"),
        ("٣ كانون الثاني ٢٠٢٤", "2024-01-02T20:30:00Z"),
    ],
)
def test_arabic_month_names_in_a_meta_tag(content: str, expected: str) -> None:
    html = _page(f'<meta name="date" content="{content}">')
    assert find_published(html, "u") == (_utc(expected), "meta:date+tehran")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("٢٠ جمادى الأولى ١٤٤٥", "2023-12-03T20:30:00Z"),  # = 4 December 2023
        ("۲۰ جمادی‌الاول ۱۴۴۵ ق", "2023-12-03T20:30:00Z"),
        ("1 رمضان 1445", "2024-03-10T20:30:00Z"),  # = 11 March 2024
    ],
)
def test_hijri_dates_in_text(text: str, expected: str) -> None:
    assert parse_persian_date(text) == _utc(expected)


def test_hijri_date_in_the_page_text() -> None:
    html = _page(body='<h1>عنوان</h1><div class="news-date">٢٠ جمادى الأولى ١٤٤٥</div>')
    assert find_published(html, "u") == (_utc("2023-12-03T20:30:00Z"), "visible:div.news-date")


@pytest.mark.parametrize(
    "value",
    ["2024-01-01T10:00:00+99:00", "2024-01-01T10:00:00+23:59", "2024-13-45T99:99:99Z",
     "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "1402-13-40", "\x00" * 5],
)  # fmt: skip
def test_impossible_values_never_raise(value: str) -> None:
    assert parse_iso(value) is None or parse_iso(value).tzinfo is not None
    html = _page(f'<meta property="article:published_time" content="{value}">'
                 f'<time datetime="{value}"></time>')  # fmt: skip
    # The rules themselves, without find_published's last-resort guard, must not raise.
    dt, _ = dates._find_published(dates._as_tree(html), "u", None, None)
    assert dt is None or dt.year >= 1995


def test_an_impossible_offset_is_not_a_date() -> None:
    assert parse_iso("2024-01-01T10:00:00+99:00") is None
    html = _page('<meta property="article:published_time" content="2024-01-01T10:00:00+99:00">')
    assert find_published(html, "u") == (None, "none")


def test_htmldate_finds_dates_in_english_text() -> None:
    html = _page(
        body="<h1>Grain talks resume</h1><p class='byline'>Published on March 3, 2021</p>"
        "<p>Text of the report.</p><footer>© 2023 Example</footer>"
    )
    dt, source = find_published(html, "https://example.com/news/grain")
    assert source == "htmldate"
    assert dt is not None and dt.date().isoformat() == "2021-03-03"


def test_htmldate_copyright_year_is_refused() -> None:
    html = _page(body="<h1>Grain talks</h1><p>Text.</p><footer>Copyright © 2021 Example</footer>")
    assert find_published(html, "https://example.com/x") == (None, "none")
