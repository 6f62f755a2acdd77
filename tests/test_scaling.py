"""The scaled simulator: more article pages, each a real URL of its outlet, served and new."""

from __future__ import annotations

import urllib.request

from monitor.checking import quote_iri
from monitor.outlets import load_outlets
from monitor.simulator import Simulator
from monitor.simulator.build_data import manifest
from monitor.simulator.scaling import scaled_records


def test_scaled_records_are_deterministic_unique_and_match_their_outlet() -> None:
    records = manifest()
    scaled = scaled_records(records, len(records) + 400, seed=3)
    assert scaled == scaled_records(records, len(records) + 400, seed=3)
    assert scaled[: len(records)] == records
    assert len(scaled) == len(records) + 400
    assert len({(r["outlet"], r["id"]) for r in scaled}) == len(scaled)
    outlets = load_outlets()
    for rec in scaled[len(records) :]:
        assert outlets[rec["outlet"]].article_id(rec["url"]) == rec["id"], rec["url"]
    texts = {"\n".join(r["paragraphs"]) for r in scaled[len(records) :]}
    assert len(texts) > 390  # stitched differently, page by page


def test_scaled_simulator_serves_the_generated_pages() -> None:
    with Simulator(port=0, scale=400) as sim:
        generated = [a for a in sim.catalog.visible() if a.kind == "scaled"]
        assert len(generated) >= 100
        for art in generated[:: len(generated) // 8]:
            url = quote_iri(f"{sim.url}/{art.url.split('://', 1)[1]}")
            with urllib.request.urlopen(url) as resp:
                page = resp.read().decode(resp.headers.get_content_charset() or "utf-8")
            assert art.paragraphs[0][:40] in page
