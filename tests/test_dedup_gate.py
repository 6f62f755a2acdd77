"""Duplicate-detection quality gate with pinned floors (bench/dedup_eval.py).

Over the labelled set of bench/dedup_dataset.py (the seeds and composed stories republished
with every transformation of the issue, and the hard negatives), at the default threshold.
Raise the floors when detection improves; never lower them silently.
"""

from __future__ import annotations

import pytest

from bench.dedup_dataset import FEED_MISSING, feed_available
from bench.dedup_eval import evaluate

pytestmark = pytest.mark.skipif(not feed_available(), reason=FEED_MISSING)

PRECISION_FLOOR = 1.00
RECALL_FLOOR = 0.98
CLASS_RECALL_FLOOR = 0.95
MIN_CASES = {"positives": 400, "negatives": 150}


@pytest.mark.gate
def test_dedup_gate() -> None:
    report = evaluate()
    total = report.total
    assert total.positives >= MIN_CASES["positives"]
    assert total.negatives >= MIN_CASES["negatives"]
    assert total.precision >= PRECISION_FLOOR, report.errors
    assert total.recall >= RECALL_FLOOR, report.errors
    for name, stats in report.classes.items():
        if name.startswith("neg_"):
            assert stats.fp == 0, (name, report.errors)
        else:
            assert stats.recall >= CLASS_RECALL_FLOOR, (name, stats, report.errors)
            assert stats.precision >= PRECISION_FLOOR, (name, stats, report.errors)
