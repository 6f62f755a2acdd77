"""The web view through HTTP (Starlette's test client over the real app and a real store):
right-to-left Persian pages, search with the CLI's semantics, stored markup escaped, a strict
Content-Security-Policy, no script and no outside URL anywhere, and a store it cannot write."""

from __future__ import annotations

import inspect
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import feedparser
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from monitor.cli import watching
from monitor.watches import WatchSpec, add_watch, collect
from monitor.web.app import create_app
from storage.db import connect
from storage.models import JudgedPage, Revision
from tests.store_helpers import add_copy, add_story

T0 = (datetime.now(UTC) - timedelta(days=3)).replace(microsecond=0)
EVIL = '<script>document.title="pwned"</script> تیتر خطرناک'


def fill(url: str) -> dict[str, int]:
    with Session(connect(url)) as s:
        add_watch(s, WatchSpec("rail", "راه آهن", notify=("json://127.0.0.1:9/h",)), now=T0)
        rail = add_story(
            s,
            "قرارداد راه‌آهن رشت-آستارا",
            "ایران و روسیه قرارداد ساخت راه‌آهن رشت-آستارا را امضا کردند.\nبند دوم متن.",
            fetched=T0 + timedelta(hours=1),
        )
        rail.cited_source = "تاس"
        add_copy(s, rail, "irna", seen=T0 + timedelta(hours=2))
        before = "متن نخستین قرارداد.\nبند دوم متن."
        when = T0 + timedelta(hours=1, minutes=30)
        s.add(Revision(article_id=rail.id, title=rail.title, body=before, changed_at=when))
        evil = add_story(
            s, EVIL, "متنی دربارهٔ <b>روسیه</b> & ایران", fetched=T0 + timedelta(hours=3)
        )
        for n, (url, title) in enumerate(
            [
                ("https://www.mehrnews.com/news/7001", "سفر هیئت بانکی روسیه به تهران"),
                ("javascript:alert(1)", EVIL),
            ]
        ):
            s.add(
                JudgedPage(
                    canonical_url=url, url=url, outlet="mehr", verdict="borderline",
                    language="fa", relevance=0.41 - n / 10, title=title,
                    relevance_reasons=["russia actor in title: روسیه", "<i>دلیل</i>"],
                    model_version="lexicon+lr-test", fetched_at=T0 + timedelta(hours=n),
                )
            )  # fmt: skip
        s.commit()
        collect(s, now=T0 + timedelta(hours=4))
        return {"rail": rail.id, "evil": evil.id, "copy": rail.sightings[0].id}


@pytest.fixture
def site(db_url: str) -> Iterator[tuple[TestClient, dict[str, int]]]:
    ids = fill(db_url)
    with TestClient(create_app(db_url)) as client:
        yield client, ids


def test_pages_are_rtl_persian_with_strict_headers(site) -> None:
    client, ids = site
    pages = ["/", "/search?q=روسیه", f"/story/a{ids['rail']}", "/outlets", "/chart", "/watches",
             "/watches/rail", "/borderline"]  # fmt: skip
    for path in pages:
        r = client.get(path)
        assert r.status_code == 200, path
        assert '<html lang="fa" dir="rtl">' in r.text
        assert 'name="viewport"' in r.text
        csp = r.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src" not in csp, "no script allowed"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert "<script" not in r.text.replace("&lt;script", ""), f"no script tag on {path}"
        for url in re.findall(r'(?:src|href)="([^"]+)"', r.text):
            assert (
                not url.startswith(("http://", "https://", "//"))
                or "mehrnews" in url
                or ("irna.ir" in url)
            ), f"{path} loads {url} from outside (no CDN)"
    assert client.get("/static/style.css").headers["content-security-policy"]


def test_latest_shows_badges_and_also_published_by(site) -> None:
    client, _ = site
    html = client.get("/").text
    assert "قرارداد راه‌آهن رشت-آستارا" in html
    assert 'class="badge"' in html and "همچنین منتشرشده در" in html
    assert "خبرگزاری جمهوری اسلامی" in html  # irna's Persian name as the second outlet
    assert "<time datetime=" in html and "UTC" in html, "both calendars"


def test_search_spelling_variants_and_highlighting(site) -> None:
    client, ids = site
    found = []
    for q in ("راه‌آهن", "راه آهن", "راهآهن", "راه‌آهن رشت"):
        html = client.get("/search", params={"q": q}).text
        found.append(set(re.findall(r'href="/story/(a\d+)"', html)))
        assert "<mark>" in html
    assert found[0] == found[1] == found[2] == found[3]
    assert f"a{ids['rail']}" in found[0] and f"a{ids['evil']}" not in found[0]
    html = client.get("/search", params={"q": "راه آهن", "outlet": "tasnim"}).text
    assert "خبری پیدا نشد" in html, "outlet filter as in the CLI"
    bad = client.get("/search", params={"q": "روسیه", "since": "نه-تاریخ"})
    assert bad.status_code == 400 and 'role="alert"' in bad.text
    unknown = client.get("/search", params={"q": "روسیه", "outlet": "bbc"})
    assert unknown.status_code == 400 and "bbc" in unknown.text


def test_stored_markup_is_inert(site) -> None:
    client, ids = site
    for path in ("/", f"/story/a{ids['evil']}", "/search?q=خطرناک", "/watches/rail", "/borderline"):
        html = client.get(path).text
        assert '<script>document.title="pwned"</script>' not in html
        assert "<b>روسیه</b>" not in html
    html = client.get(f"/story/a{ids['evil']}").text
    assert "&lt;script&gt;document.title=&#34;pwned&#34;&lt;/script&gt;" in html
    assert "&lt;b&gt;روسیه&lt;/b&gt; &amp; ایران" in html


def test_story_page_copies_revisions_reasons(site) -> None:
    client, ids = site
    html = client.get(f"/story/a{ids['rail']}").text
    assert f'id="s{ids["copy"]}"' in html and "0.90" in html, "every copy with its similarity"
    assert "منبع نقل‌شده: تاس" in html
    assert "ایران و روسیه در یک جمله" in html, "relevance reasons"
    assert 'class="del"' in html and "متن نخستین قرارداد." in html, "the revision as a diff"
    assert 'class="add"' in html
    r = client.get(f"/story/s{ids['copy']}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/story/a{ids['rail']}#s{ids['copy']}"
    assert client.get("/story/a999999").status_code == 404
    assert client.get("/story/xyz").status_code == 404


def test_chart_is_svg_with_both_calendars(site) -> None:
    client, _ = site
    r = client.get("/chart.svg")
    assert r.headers["content-type"].startswith("image/svg+xml")
    root = ET.fromstring(r.content)
    rects = root.findall("{http://www.w3.org/2000/svg}rect")
    assert any(rect.find("{http://www.w3.org/2000/svg}title") is not None for rect in rects)
    labels = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert any(re.fullmatch(r"\d\d/\d\d", t or "") for t in labels), "Jalali month/day"
    assert any(re.fullmatch(r"\d\d-\d\d", t or "") for t in labels), "Gregorian month-day"


def test_watch_page_and_feed(site) -> None:
    client, ids = site
    html = client.get("/watches/rail").text
    assert "pending" in html and f"/story/a{ids['rail']}" in html
    feed = feedparser.parse(client.get("/watches/rail/feed.atom").content)
    assert not feed.bozo and len(feed.entries) == 1
    assert client.get("/watches/none/feed.atom").status_code == 404
    assert not feedparser.parse(client.get("/feed.atom").content).bozo


def test_read_only_and_get_only(site) -> None:
    client, _ = site
    assert client.post("/").status_code == 405
    assert client.post("/search").status_code == 405
    with pytest.raises(DBAPIError), client.app.state.engine.begin() as conn:
        conn.execute(text("DELETE FROM watches"))
    assert inspect.signature(watching.serve).parameters["host"].default == "127.0.0.1"


@pytest.mark.postgres
def test_read_only_on_postgres(pg_url: str) -> None:
    fill(pg_url)
    with TestClient(create_app(pg_url)) as client:
        assert "قرارداد راه‌آهن" in client.get("/search", params={"q": "راه آهن"}).text
        borderline = client.get("/borderline").text
        assert borderline.index("تیتر خطرناک") < borderline.index("سفر هیئت بانکی روسیه")
        with pytest.raises(DBAPIError), client.app.state.engine.begin() as conn:
            conn.execute(text("DELETE FROM watches"))
    create_app(pg_url).state.engine.dispose()


def test_outlets_page_has_the_telegram_job_in_persian(site) -> None:
    client, _ = site
    html = client.get("/outlets").text
    assert 'class="badge">تلگرام</span> <span dir="ltr">telegram</span>' in html
    assert 'class="badge">خبرگزاری مهر</span> <span dir="ltr">mehr</span>' in html


def test_borderline_pages_are_listed_apart_with_scores_and_reasons(site) -> None:
    """Pages kept just under the threshold are not stories: the latest list and search leave
    them out, the latest list says how many there are, and /borderline lists them newest first
    with score and reasons; a URL that is not http(s) is not made a link."""
    client, _ = site
    latest = client.get("/").text
    assert "سفر هیئت بانکی روسیه" not in latest
    assert '<a href="/borderline">2 صفحهٔ دیگر</a>' in latest
    assert "سفر هیئت بانکی روسیه" not in client.get("/search", params={"q": "بانکی"}).text
    html = client.get("/borderline").text
    assert "2 صفحه" in html and 'aria-current="page">زیر آستانه' in html
    newest, older = html.index("تیتر خطرناک"), html.index("سفر هیئت بانکی روسیه")
    assert newest < older, "newest first"
    assert 'href="https://www.mehrnews.com/news/7001"' in html and "امتیاز 0.41" in html
    assert "javascript:" not in html and "امتیاز 0.31" in html
    assert "russia actor in title: روسیه" in html and "&lt;i&gt;دلیل&lt;/i&gt;" in html
    beyond = client.get("/borderline", params={"page": "9"})
    assert beyond.status_code == 200 and "صفحه‌ای زیر آستانه نیست" in beyond.text
    assert "2 صفحه" in beyond.text, "the count is of every page, not of this one"
