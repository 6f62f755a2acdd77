"""Extraction and date quality gate with pinned floors (bench/extraction_eval.py).

Over the golden pages (real saved ISNA and Tasnim pages, hand-made pages per CMS family, and
simulator-rendered pages when the simulator is present) and the labelled date strings.
Raise the floors when extraction improves; never lower them silently.
"""

from __future__ import annotations

import pytest

from bench.extraction_eval import evaluate

FLOORS = {
    "title_rate": 0.95,
    "date_rate": 0.95,
    "start_rate": 0.95,
    "kept_recall": 0.95,
    "date_string_rate": 0.95,
}
LEAK_CEILING = 0.02


@pytest.mark.gate
def test_extraction_gate() -> None:
    report = evaluate()
    detail = [*report.failures, *report.misses]
    assert report.pages >= 8
    assert not report.failures, detail
    for metric, floor in FLOORS.items():
        assert getattr(report, metric) >= floor, (metric, detail)
    assert report.leak_rate <= LEAK_CEILING, detail
