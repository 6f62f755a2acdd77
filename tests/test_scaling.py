"""The scaled simulator: more article pages, each a real URL of its outlet, served and new."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

from monitor.checking import quote_iri
from monitor.outlets import load_outlets
from monitor.simulator import Simulator
from monitor.simulator.catalog import DATA_DIR
from monitor.simulator.scaling import scaled_records, write_scaled


def test_scaled_records_are_deterministic_unique_and_match_their_outlet() -> None:
    records = json.loads((DATA_DIR / "articles.json").read_text(encoding="utf-8"))
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


def test_scaled_simulator_serves_the_generated_pages(tmp_path: Path) -> None:
    write_scaled(tmp_path, 400)
    with Simulator(tmp_path, port=0) as sim:
        generated = [a for a in sim.catalog.visible() if a.kind == "scaled"]
        assert len(generated) >= 100
        for art in generated[:: len(generated) // 8]:
            url = quote_iri(f"{sim.url}/{art.url.split('://', 1)[1]}")
            with urllib.request.urlopen(url) as resp:
                page = resp.read().decode(resp.headers.get_content_charset() or "utf-8")
            assert art.paragraphs[0][:40] in page
