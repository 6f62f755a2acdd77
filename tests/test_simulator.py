"""The outlet simulator over real HTTP on 127.0.0.1: URL contract, markup, caching, controls."""

from __future__ import annotations

import gzip
import json
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlsplit
from xml.etree import ElementTree

import pytest
from scrapy import Selector

from monitor.outlets import load_outlets
from monitor.simulator import Simulator
from monitor.simulator.build_data import build, manifest

ROOT = Path(__file__).resolve().parents[1]
OUTLETS = load_outlets(ROOT / "monitor" / "outlets.toml")
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
MANIFEST = manifest()
# The real feed items the simulator can add (--corpus): read from ../shared, never bundled.
SHARED_REAL = ROOT.parent / "shared" / "fixtures" / "real"


@pytest.fixture(scope="module")
def sim():
    with Simulator() as simulator:
        yield simulator


@pytest.fixture
def fresh():
    """A simulator of its own, for tests that release batches or edit articles."""
    with Simulator() as simulator:
        yield simulator


def mirror(sim: Simulator, real_url: str) -> str:
    parts = urlsplit(real_url)
    path = quote(f"/{parts.netloc}{parts.path}")
    return sim.url + path + (f"?{parts.query}" if parts.query else "")


def get(sim: Simulator, real_url: str, headers: dict[str, str] | None = None):
    """(status, headers, body) for a real URL, 4xx/5xx/304 included."""
    req = urllib.request.Request(mirror(sim, real_url), headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


def article(outlet: str, kind: str, batch: int = 0) -> dict:
    return next(
        a for a in MANIFEST if a["outlet"] == outlet and a["kind"] == kind and a["batch"] == batch
    )


def test_manifest_contract():
    kinds = {a["kind"] for a in MANIFEST}
    assert kinds == {"seed", "republication", "new", "copy", "unrelated", "trap"}
    seeds = {a["of"]: a["outlet"] for a in MANIFEST if a["kind"] == "seed"}
    assert seeds == {
        "000_6d9b418a79da553c.txt": "mehr",
        "001_03a7cb4089f8f198.txt": "jamejam",
        "002_c79d7cf8e118746b.txt": "alalam",
        "003_9ef539f0e3886c65.txt": "irna",
        "004_446af218e34388db.txt": "tasnim",
    }
    for a in MANIFEST:
        outlet = OUTLETS[a["outlet"]]
        assert outlet.article_id(a["url"]) == a["id"], a["url"]
        assert a["relevant"] == (a["kind"] in ("seed", "republication", "new", "copy"))
    for seed, owner in seeds.items():
        reps = [a for a in MANIFEST if a["kind"] == "republication" and a["of"] == seed]
        assert len(reps) >= 2 and all(r["outlet"] != owner for r in reps)
    originals = {a["story"]: a for a in MANIFEST if a["kind"] == "new"}
    copies = [a for a in MANIFEST if a["kind"] == "copy"]
    assert len(copies) >= 8
    for c in copies:  # another outlet, later, crediting the original's outlet
        original = originals[c["of"]]
        assert c["outlet"] != original["outlet"] and c["published"] > original["published"]
        assert c["cited"] and c["title"] != original["title"]
    assert len({a["url"] for a in MANIFEST}) == len(MANIFEST)
    per_outlet = {
        k: sum(1 for a in MANIFEST if a["outlet"] == k and a["batch"] == 0) for k in OUTLETS
    }
    assert all(25 <= n <= 45 for n in per_outlet.values()), per_outlet


def test_build_is_deterministic():
    rebuilt = build(ROOT / "seeds")
    assert json.loads(json.dumps(rebuilt, ensure_ascii=False)) == MANIFEST


def test_bundled_content_is_the_projects_own():
    """Only the seeds come from outside; every other page is generated or hand-written here."""
    assert not (ROOT / "monitor" / "simulator" / "data" / "articles.json").exists()
    outside = [a for a in MANIFEST if a.get("source") == "corpus" or a.get("source_link")]
    assert outside == []
    generated = [a for a in MANIFEST if a.get("source") == "newsroom"]
    assert {a["kind"] for a in generated} == {"new", "copy", "unrelated", "trap"}
    assert len(generated) >= 200


def test_generated_verdicts_match_the_ground_truth():
    """The relevance model agrees with every page's label; only copies match other pages."""
    from monitor.dedup import DedupIndex, fingerprint
    from monitor.relevance import RelevanceModel

    model = RelevanceModel.load()
    wrong = []
    for a in MANIFEST:
        verdict = model.score(a["title"], "\n".join(a["paragraphs"]), a["lead"])
        if verdict.relevant != a["relevant"]:
            wrong.append((a["kind"], a["title"], verdict.score))
    assert wrong == []
    index = DedupIndex()
    group: dict[int, str] = {}
    for i, a in enumerate(MANIFEST):
        fp = fingerprint("\n".join([a["title"], a["lead"], *a["paragraphs"]]))
        mine = a.get("of") or a.get("story") or f"page-{i}"
        match = index.query(fp)
        if a["kind"] in ("republication", "copy"):
            assert match is not None and group[match.of] == mine, a["url"]
        else:
            assert match is None, (a["url"], group.get(match.of if match else -1))
            index.add(i, fp)
            group[i] = mine


def test_corpus_adds_real_items_without_moving_bundled_urls():
    if not (SHARED_REAL / "hamshahri_feed_items.json").is_file():
        pytest.skip("../shared/fixtures/real/hamshahri_feed_items.json is absent (real feed items)")
    with_corpus = manifest(SHARED_REAL)
    real = [a for a in with_corpus if a.get("source") == "corpus"]
    assert len(real) >= 50 and all(a["kind"] == "unrelated" and not a["relevant"] for a in real)
    bundled = {(a["outlet"], a["title"]): a["url"] for a in MANIFEST}
    assert {
        (a["outlet"], a["title"]): a["url"] for a in with_corpus if a.get("source") != "corpus"
    } == bundled
    assert manifest(ROOT.parent / "shared") == with_corpus  # ../shared itself is accepted


def test_robots(sim):
    status, _headers, body = get(sim, "https://www.tasnimnews.ir/robots.txt")
    text = body.decode()
    assert status == 200 and "Disallow: /ContentManager" in text and "Sitemap: https://" in text
    _, _, fars = get(sim, "https://farsnews.ir/robots.txt")
    assert "Disallow: /api" in fars.decode()


@pytest.mark.parametrize("key", sorted(OUTLETS))
def test_feeds_link_articles(sim, key):
    outlet = OUTLETS[key]
    for feed in outlet.expand(outlet.feeds, NOW):
        status, _headers, body = get(sim, feed)
        assert status == 200, feed
        root = ElementTree.fromstring(body)
        links = [i.findtext("link") for i in root.iter("item")]
        assert 0 < len(links) <= 30
        assert all(outlet.article_id(u) for u in links), links[:3]
        assert all(i.findtext("pubDate").endswith("GMT") for i in root.iter("item"))


@pytest.mark.parametrize("key", sorted(k for k, o in OUTLETS.items() if o.sitemaps))
def test_sitemaps_have_lastmod(sim, key):
    outlet = OUTLETS[key]
    for url in outlet.expand(outlet.sitemaps, NOW):
        status, _, body = get(sim, url)
        assert status == 200
        root = ElementTree.fromstring(body)
        entries = root.findall("s:url", NS)
        assert entries and all(e.findtext("s:lastmod", namespaces=NS) for e in entries)
        assert all(outlet.article_id(e.findtext("s:loc", namespaces=NS)) for e in entries)


@pytest.mark.parametrize("key", sorted(OUTLETS))
def test_listing_links_selectable(sim, key):
    outlet = OUTLETS[key]
    pages = outlet.expand(outlet.listings, NOW, pages=2)
    seen: set[str] = set()
    for url in pages:
        status, _, body = get(sim, url)
        assert status == 200, url
        hrefs = Selector(text=body.decode()).css(outlet.listing_links).xpath("@href").getall()
        ids = [outlet.article_id(h) for h in hrefs if outlet.article_id(h)]
        assert 10 <= len(set(ids)) <= 15, (url, len(ids))
        seen.update(ids)
    assert len(seen) >= 20  # page 2 continues page 1


def test_article_page_and_slugless(sim):
    a = article("mehr", "seed")
    status, _headers, body = get(sim, a["url"])
    sel = Selector(text=body.decode())
    assert status == 200
    assert sel.css("h1.title ::text").get().strip() == a["title"]
    assert "به گزارش خبرگزاری مهر" in " ".join(sel.css("div.item-text p::text").getall())
    assert all("127.0.0.1" not in h for h in sel.css("a::attr(href)").getall())
    slugless = f"https://www.mehrnews.com/news/{a['id']}"
    for variant in (slugless, slugless + "/", f"https://mehrnews.com/news/{a['id']}?from=rss"):
        assert get(sim, variant)[2] == body
    assert get(sim, f"https://www.mehrnews.com/news/{a['id']}9")[0] == 404


@pytest.mark.parametrize("key", sorted(OUTLETS))
def test_every_outlet_page_has_title_and_body(sim, key):
    outlet = OUTLETS[key]
    a = next(x for x in MANIFEST if x["outlet"] == key and x["batch"] == 0 and "encoding" not in x)
    status, _, body = get(sim, a["url"])
    sel = Selector(text=body.decode())
    assert status == 200
    assert a["title"] in sel.css(f"{outlet.title_selector} ::text").get()
    if outlet.body_selector:
        text = " ".join(sel.css(f"{outlet.body_selector} ::text").getall())
        assert a["paragraphs"][-1][:40] in text


def test_conditional_get(sim):
    url = article("isna", "new")["url"]
    status, headers, _ = get(sim, url)
    etag, modified = headers["ETag"], headers["Last-Modified"]
    assert status == 200 and etag.startswith('"')
    assert get(sim, url, {"If-None-Match": etag})[0] == 304
    assert get(sim, url, {"If-Modified-Since": modified})[0] == 304
    assert get(sim, url, {"If-None-Match": '"other"'})[0] == 200
    status, headers, _ = get(sim, "https://www.isna.ir/rss")
    assert get(sim, "https://www.isna.ir/rss", {"If-None-Match": headers["ETag"]})[0] == 304


def test_gzip(sim):
    url = article("tasnim", "seed")["url"]
    plain = get(sim, url)[2]
    _status, headers, body = get(sim, url, {"Accept-Encoding": "gzip"})
    assert headers["Content-Encoding"] == "gzip" and gzip.decompress(body) == plain


def test_windows_1256_page(sim):
    a = next(x for x in MANIFEST if x.get("encoding") == "windows-1256" and x["kind"] == "seed")
    _status, headers, body = get(sim, a["url"])
    assert "windows-1256" in headers["Content-Type"]
    html = body.decode("cp1256").replace("ي", "ی")  # such pages write the Arabic yeh
    assert 'charset="windows-1256"' in html
    assert "لاوروف" in html and "پربیننده ترین خبرها" in html


def test_release_shows_batch_one(fresh):
    hidden = article("mehr", "new", batch=1)
    assert get(fresh, hidden["url"])[0] == 404
    feed = lambda: get(fresh, "https://www.mehrnews.com/rss")[2].decode()  # noqa: E731
    assert hidden["url"] not in feed()
    fresh.release(1)
    assert hidden["url"] in feed()
    assert get(fresh, hidden["url"])[0] == 200
    req = urllib.request.Request(fresh.url + "/_sim/release?batch=2", method="POST")
    with urllib.request.urlopen(req, timeout=5) as resp:
        assert json.load(resp)["batch"] == 2
    assert get(fresh, article("tasnim", "new", batch=2)["url"])[0] == 200


def test_update_article_changes_lastmod(fresh):
    a = article("irna", "seed")
    sitemap = "https://www.irna.ir/sitemap/news/sitemap.xml"

    def lastmod() -> str:
        root = ElementTree.fromstring(get(fresh, sitemap)[2])
        return next(
            e.findtext("s:lastmod", namespaces=NS)
            for e in root.findall("s:url", NS)
            if e.findtext("s:loc", namespaces=NS) == a["url"]
        )

    before = lastmod()
    _, headers, _ = get(fresh, a["url"])
    fresh.update_article(a["url"], paragraphs=[*a["paragraphs"], "بند تازه افزوده شد."])
    assert lastmod() > before
    status, _, body = get(fresh, a["url"], {"If-None-Match": headers["ETag"]})
    assert status == 200 and "بند تازه افزوده شد." in body.decode()


def test_log_and_hits(fresh):
    a = article("jamejam", "seed")
    get(fresh, a["url"])
    get(fresh, "https://jamejamonline.ir/fa/rss/allnews")
    assert fresh.hits("https://jamejamonline.ir/fa/news/") == 1
    assert fresh.hits("/jamejamonline.ir/fa/rss") == 1
    assert ("GET", a["url"], 200) in fresh.log
    fresh.reset_log()
    assert fresh.hits() == 0


def test_failure_fixtures(sim):
    status, headers, _ = get(sim, "https://www.mehrnews.com/_fail/503")
    assert status == 503 and headers["Retry-After"] == "1"
    assert get(sim, "https://www.mehrnews.com/_fail/500")[0] == 500
    with pytest.raises(ElementTree.ParseError):
        ElementTree.fromstring(get(sim, "https://www.mehrnews.com/_fail/malformed.xml")[2])
    status, headers, body = get(sim, "https://www.irna.ir/_fail/gzip-bomb")
    assert headers["Content-Encoding"] == "gzip" and len(body) < 1_000_000
    assert get(sim, "https://www.irna.ir/_fail/slow?seconds=0")[0] == 200
    assert get(sim, "https://nowhere.example/")[0] == 404


def test_stop_does_not_hang_on_slow_page():
    import threading
    import time

    sim = Simulator().start()
    url = mirror(sim, "https://www.mehrnews.com/_fail/slow?seconds=10")
    worker = threading.Thread(
        target=lambda: urllib.request.urlopen(url, timeout=15).read(), daemon=True
    )
    worker.start()
    while not sim.in_flight and worker.is_alive():
        time.sleep(0.01)
    started = time.monotonic()
    sim.stop()
    assert time.monotonic() - started < 3


def test_topic_feed_alias_and_unknown_paths(sim):
    assert get(sim, "https://www.mehrnews.com/rss/tp/7")[0] == 200
    assert get(sim, "https://www.tasnimnews.ir/fa/rss/feed/0/7/0/آخرین")[0] == 200
    assert get(sim, "https://www.mehrnews.com/no/such/page")[0] == 404


def test_visible_lists_follow_release_and_update():
    """The catalog builds its visible lists once per change; they must still follow a release
    and an edit, and a page's boxes must be the outlet's older visible articles."""
    from monitor.simulator.catalog import Catalog

    catalog = Catalog()
    before = catalog.visible("mehr")
    assert before == sorted(before, key=lambda a: (a.published, a.id), reverse=True)
    hidden = [a for a in catalog.articles if a.outlet == "mehr" and a.batch > 0]
    assert hidden and not set(map(id, hidden)) & set(map(id, before))
    before.clear()  # a caller's copy: the catalog's own list is untouched
    catalog.release(max(a.batch for a in hidden))
    after = catalog.visible("mehr")
    assert set(map(id, hidden)) <= set(map(id, after))
    for art in after[:: max(1, len(after) // 10)]:
        older = [a for a in after if a.published < art.published]
        assert catalog.earlier(art, 8) == older[:8]
    edited = catalog.update(after[-1].url, title="ویرایش")
    assert catalog.visible("mehr")[-1] is edited and edited.title == "ویرایش"
