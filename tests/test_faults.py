"""The fault matrix: one crawl of an outlet whose pages misbehave in every way we know of.

The simulator's fault mode (``Simulator.add_fault``) makes chosen Mehr article pages, and extra
feeds and sitemaps of a test outlet, answer badly. Faults are batched into one crawl (short
timeouts through ``--set``); for each: the crawl finishes, the good pages are judged once, the
bad page has a ``failed`` verdict with its reason in ``seen_urls`` (or a recorded run failure
for a bad feed), and nothing outside the outlet's domains is requested.
"""

from __future__ import annotations

import json
import resource
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.simulator.fixtures import MALFORMED_FEED, gzip_bomb
from storage.db import make_engine
from storage.models import Article, CrawlRun, PendingUrl, SeenUrl, Sighting
from tests.conftest import run_monitor

HOST = "www.mehrnews.com"
F = f"https://{HOST}/_faults"
OUTLET = f"""
[outlets.faulty]
name = "Mehr with faults"
domains = ["{HOST}"]
feeds = [
    "https://{HOST}/rss", "{F}/malformed.xml", "{F}/nul.xml", "{F}/laughs.xml",
    "{F}/big.xml", "{F}/twice.xml", "{F}/schemes.xml", "{F}/empty.xml",
]
sitemaps = [
    "https://{HOST}/sitemap/news/sitemap.xml", "{F}/self-index.xml", "{F}/bad-sitemap.xml",
    "{F}/nul-sitemap.xml",
]
article_pattern = '^https?://(?:www\\.)?mehrnews\\.com/news/(?P<id>\\d{{5,9}})(?:[/?#]|$)'
canonical = "https://{HOST}/news/{{id}}"
title_selector = "h1.title"
body_selector = "div.item-text"
date_selector = "div.item-date"
"""
SETTINGS = (
    "DOWNLOAD_TIMEOUT=2",
    "DOWNLOAD_MAXSIZE=1000000",
    "DOWNLOAD_WARNSIZE=0",
    "RETRY_TIMES=1",
    "MONITOR_RETRY_BACKOFF=0",
)

LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'.encode()
        for i in range(1, 10)
    )
    + b']><rss version="2.0"><channel><item><title>&lol9;</title>'
    + b"<link>https://www.mehrnews.com/news/1</link></item></channel></rss>"
)


# The PostgreSQL variant is a whole second crawl (16 s here): in ``-m long`` (docs/scaling.md,
# "PostgreSQL at parity").
BACKENDS = ["sqlite", pytest.param("postgresql", marks=[pytest.mark.postgres, pytest.mark.long])]


def rss(links: list[str]) -> bytes:
    items = "".join(f"<item><title>t</title><link>{u}</link></item>" for u in links)
    return f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'.encode()


def canonical(url: str) -> str:
    return f"https://{HOST}/news/{urlsplit(url).path.split('/')[2]}"


@pytest.mark.slow
@pytest.mark.parametrize("any_store", BACKENDS, indirect=True)
def test_fault_matrix(fresh_simulator, any_store: str, tmp_path: Path):
    sim, db_url = fresh_simulator, any_store
    arts = sim.catalog.visible("mehr")
    liked = [a for a in arts if a.kind in ("new", "seed", "republication")]
    plain = [a for a in arts if a not in liked]
    # Faulted article pages: id -> (fault, expected verdict or reason fragment).
    expect: dict[str, str] = {}

    def fault(art, key: str, **how):
        sim.add_fault(f"/news/{art.id}(?:[/?#]|$)", **how)
        expect[canonical(art.url)] = key

    fault(plain[0], "HTTP 503", status=503)
    fault(plain[1], "judged", status=503, headers={"Retry-After": "1"}, times=1)
    fault(plain[2], "HTTP 429", status=429)
    fault(plain[3], "HTTP 403", status=403)
    fault(plain[4], "failed", action="reset")
    fault(plain[5], "failed", action="stall", seconds=4)
    fault(plain[6], "failed", action="slow", seconds=4)
    fault(plain[7], "any", truncate=0.4)
    fault(plain[8], "not extracted", content_type="application/pdf", body=b"%PDF-1.4\n\0\0\xff")
    fault(plain[9], "not extracted", body=b"")
    fault(plain[10], "failed", body=b"<html><body>" + b"x" * 1_500_000)
    fault(plain[11], "failed", body=gzip_bomb(), headers={"Content-Encoding": "gzip"})
    a_url = f"https://{HOST}/news/{plain[12].id}"
    fault(plain[12], "failed", status=302, headers={"Location": a_url + "?again=1"})
    b_url = f"https://{HOST}/news/{plain[13].id}"
    sim.add_fault(f"/news/{plain[13].id}\\?bounce", status=302, headers={"Location": b_url})
    fault(plain[13], "failed", status=302, headers={"Location": b_url + "?bounce=1"})
    fault(plain[14], "failed", status=302, headers={"Location": "https://elsewhere.example/x"})
    fault(
        plain[15],
        "failed",
        body=b'<html><head><meta http-equiv="refresh" content="0;url=https://evil.example/y">'
        b"</head><body>moved</body></html>",
    )
    # Charsets, both ways: the verdict must be the one the clean page gets (a story, not junk).
    fault(liked[0], "story", content_type="text/html; charset=windows-1256")
    fault(liked[1], "story", content_type="text/html")
    fault(liked[2], "story", encode="cp1256", content_type="text/html")
    fault(liked[3], "story", content_type="text/html; charset=rot13")
    # Feeds and sitemaps.
    good = [a.url for a in plain[16:18]]
    sim.add_fault("/_faults/malformed.xml", body=MALFORMED_FEED)
    sim.add_fault("/_faults/nul.xml", body=b"\0" + rss(good))
    sim.add_fault("/_faults/laughs.xml", body=LAUGHS)
    big = [f"https://{HOST}/tag/{i}" for i in range(10_000)] + good
    sim.add_fault("/_faults/big.xml", body=rss(big))
    sim.add_fault("/_faults/twice.xml", body=rss([*good, *good, canonical(good[0])]))
    sim.add_fault(
        "/_faults/schemes.xml", body=rss(["javascript:alert(1)", "file:///etc/passwd", *good])
    )
    sim.add_fault("/_faults/empty.xml", body=b"")
    sim.add_fault(
        "/_faults/self-index.xml",
        body=b'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/'
        b'sitemap/0.9"><sitemap><loc>' + F.encode() + b"/self-index.xml</loc></sitemap>"
        b"</sitemapindex>",
    )
    sim.add_fault("/_faults/bad-sitemap.xml", body=b"<urlset><url><loc>broken")
    sim.add_fault("/_faults/nul-sitemap.xml", body=b"\0\0" + rss(good))

    outlets = tmp_path / "outlets.toml"
    outlets.write_text(OUTLET, encoding="utf-8")
    args = ["crawl", "faulty", "--db", db_url, "--mirror", sim.url, "--outlets", str(outlets)]
    for s in SETTINGS:
        args += ["--set", s]
    proc = run_monitor(*args, "--format", "json", check=False, timeout=240)
    # Memory stays bounded through gzip bombs, huge pages, entity expansion and the 10,000-item
    # feed: the largest waited-for child's peak RSS (Linux: KiB) bounds the crawl child's.
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    assert peak_mib < 1024, f"crawl child peak RSS {peak_mib:.0f} MiB"
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    (run,) = json.loads(proc.stdout)
    assert run["status"] == "partial"

    engine = make_engine(db_url)
    with Session(engine) as s:
        seen = {r.canonical_url: r for r in s.scalars(select(SeenUrl))}
        stored = list(s.scalars(select(Article.canonical_url).where(Article.seed_file.is_(None))))
        sighted = list(s.scalars(select(Sighting.canonical_url)))
        pending = set(s.scalars(select(PendingUrl.canonical_url)))
        row = s.scalar(select(CrawlRun).where(CrawlRun.outlet == "faulty"))
    engine.dispose()

    # Every page the outlet lists has a verdict; each is stored at most once.
    for art in arts:
        assert canonical(art.url) in seen, f"no verdict for {art.url}"
    assert len(stored) == len(set(stored)) and not set(stored) & set(sighted)
    # Nothing is left half-done: what stays pending is a failure waiting for its next attempt.
    assert pending == {u for u, r in seen.items() if r.verdict == "failed"}
    for url, key in expect.items():
        verdict = seen[url]
        if key == "any":  # judged, or failed with its reason
            assert verdict.verdict != "failed" or verdict.reason, url
        elif key == "judged":
            assert verdict.verdict != "failed", (url, verdict.reason)
        elif key == "story":
            assert verdict.verdict in ("stored", "duplicate"), (url, verdict.reason)
        else:
            assert verdict.verdict == "failed", (url, verdict.verdict)
            assert verdict.reason and "\n" not in verdict.reason
            if key != "failed":
                assert key in verdict.reason, (url, verdict.reason)
    # Unfaulted pages are judged as usual (none failed).
    clean = [canonical(a.url) for a in arts if canonical(a.url) not in expect]
    assert not [u for u in clean if seen[u].verdict == "failed"]
    # Bad feeds and sitemaps are recorded failures of the run, one line each.
    reasons = {f["url"]: f["reason"] for f in row.failures}
    assert "malformed" in reasons[f"{F}/malformed.xml"]
    assert f"{F}/self-index.xml" in reasons
    assert all("\n" not in r for r in reasons.values())
    # Nothing outside the outlet's domains was requested, and no non-http scheme.
    hosts = {urlsplit(u).netloc for _m, u, _s in sim.log}
    assert hosts == {HOST}, hosts
