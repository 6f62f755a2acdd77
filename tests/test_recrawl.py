"""Politeness: a re-crawl of an unchanged outlet fetches no article again and reads its feeds,
sitemaps and listings through conditional requests (the figures of ``bench/recrawl_bench.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.recrawl_bench import recrawl


@pytest.mark.slow
def test_a_recrawl_of_unchanged_outlets_costs_almost_nothing(simulator, tmp_path: Path) -> None:
    result = recrawl(simulator, f"sqlite:///{tmp_path / 'monitor.db'}", ["mehr", "tasnim"])
    first, again = result["first"], result["again"]
    assert first["article"]["requests"] > 20  # the first crawl did read the articles
    assert again["article"]["requests"] == 0  # none is fetched again
    listings = again["listing"]
    assert listings["requests"] > 0
    assert listings["not_modified"] >= 0.9 * listings["requests"]
    assert listings["bytes"] <= 0.1 * first["listing"]["bytes"]
