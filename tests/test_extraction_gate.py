"""Extraction quality gate: never worse than trafilatura alone, and pinned floors per outlet.

Measured by bench/extraction_eval.py in this process, the adapter and trafilatura alone on
the same pages:

* the shared regression set (../shared/fixtures/trafilatura-eval, 161 real pages of sites the
  monitor was never tuned for): the adapter's kept-phrase rate, dropped-phrase rate, empty
  results and dates found must be at least as good as trafilatura's. Skipped, with the reason,
  when ../shared is absent.
* Persian pages per outlet (hand-made golden pages, simulator pages, and the real saved pages
  in ../shared/fixtures/real when present): pinned floors. Raise them when extraction
  improves; never lower them silently.

The simulator cases are built without any exception handling: if they cannot be built, or
fewer outlets than pinned come out, the gate fails rather than skips.
"""

from __future__ import annotations

import pytest

from bench.extraction_eval import (
    SHARED_EVAL,
    SHARED_REAL,
    SideBySide,
    date_strings,
    golden_cases,
    persian_eval,
    real_cases,
    shared_eval,
    simulator_cases,
    total,
)
from monitor.extract import extract
from monitor.outlets import load_outlets

# Per-outlet floors on the Persian pages (golden + simulator): every rate is 1.0 today.
FLOORS = {"kept_rate": 1.0, "dropped_rate": 1.0, "title_rate": 1.0, "start_rate": 1.0}
DATE_FLOOR = 1.0  # share of pages whose date is right to the second
SIMULATOR_OUTLETS = 8  # outlets the simulator renders; fewer means its cases vanished
DATE_STRING_FLOOR = 0.95


def _check_floors(name: str, part: SideBySide) -> None:
    adapter = part.adapter
    detail = part.misses
    assert adapter.empty == 0, (name, detail)
    for metric, floor in FLOORS.items():
        assert getattr(adapter, metric) >= floor, (name, metric, detail)
    assert adapter.times_exact >= DATE_FLOOR * adapter.dates_checked, (name, detail)
    # Never worse than trafilatura alone on the same pages either.
    assert adapter.kept_rate >= part.alone.kept_rate, (name, detail)
    assert adapter.dropped_rate >= part.alone.dropped_rate, (name, detail)
    assert adapter.dates_found >= part.alone.dates_found, (name, detail)


@pytest.mark.gate
def test_never_worse_than_trafilatura_on_the_shared_regression_set() -> None:
    if not SHARED_EVAL.is_dir():
        pytest.skip(f"{SHARED_EVAL} absent: the shared regression set lives in ../shared")
    result = shared_eval()
    adapter, alone = result.adapter, result.alone
    assert adapter.pages == alone.pages >= 150
    summary = (
        f"adapter kept {adapter.kept_rate:.3f} dropped {adapter.dropped_rate:.3f} "
        f"empty {adapter.empty} dates {adapter.dates_found}; trafilatura kept "
        f"{alone.kept_rate:.3f} dropped {alone.dropped_rate:.3f} empty {alone.empty} "
        f"dates {alone.dates_found}"
    )
    assert adapter.kept_rate >= alone.kept_rate, (summary, result.misses)
    assert adapter.dropped_rate >= alone.dropped_rate, (summary, result.misses)
    assert adapter.empty <= alone.empty, (summary, result.misses)
    assert adapter.dates_found >= alone.dates_found, (summary, result.misses)
    assert adapter.dates_correct >= alone.dates_correct, (summary, result.misses)


@pytest.mark.gate
def test_persian_pages_meet_pinned_floors_per_outlet() -> None:
    sim = simulator_cases()
    assert len({c.outlet for c in sim}) >= SIMULATOR_OUTLETS, "simulator cases vanished"
    parts = persian_eval([*golden_cases(), *sim])
    for outlet, part in sorted(parts.items()):
        _check_floors(outlet, part)


@pytest.mark.gate
def test_held_out_simulator_pages() -> None:
    """Simulator articles the adapter was not tuned on (after the first two per outlet)."""
    cases = simulator_cases(per_outlet=3, skip=2)
    assert len({c.outlet for c in cases}) >= SIMULATOR_OUTLETS, "simulator cases vanished"
    _check_floors("held-out simulator pages", total(persian_eval(cases)))


@pytest.mark.gate
def test_real_saved_pages() -> None:
    cases = real_cases()
    if not cases:
        pytest.skip(f"{SHARED_REAL} absent: the real saved pages live in ../shared")
    for outlet, part in sorted(persian_eval(cases).items()):
        _check_floors(f"real {outlet}", part)


@pytest.mark.gate
def test_date_strings() -> None:
    ok, n, misses = date_strings()
    assert ok >= DATE_STRING_FLOOR * n, misses


@pytest.mark.gate
def test_every_simulator_article_uses_a_tuned_step() -> None:
    """On the outlets the monitor is configured for, the selectors and filter must hold: a
    fallback to unfiltered trafilatura there means a tuned step regressed (furniture such as
    "کد خبر" and the headline would reach the stored text and its fingerprint)."""
    cases = simulator_cases(per_outlet=1000)
    assert len(cases) >= 200, "simulator cases vanished"
    outlets = load_outlets()
    fallbacks = []
    for case in cases:
        got = extract(case.html, case.url, outlets[case.outlet or ""])
        if got.method not in ("selector", "trafilatura+cleanup", "trafilatura+filter"):
            fallbacks.append(f"{case.name}: {got.method}")
    assert not fallbacks, fallbacks
