"""Relevance quality gate: precision and recall floors on the labelled set.

The set (bench/relevance_dataset.py): seeds and republication variants, hand-written
relations snippets and traps (bench/data/relevance_handmade.json), and the 1,102 real
Hamshahri feed items. Raise the floors when the model improves; never lower them silently.
"""

from __future__ import annotations

import pytest

from bench.relevance_dataset import HAMSHAHRI
from bench.relevance_eval import evaluate

PRECISION_FLOOR = 0.97
RECALL_FLOOR = 0.95


@pytest.mark.gate
def test_relevance_gate() -> None:
    report = evaluate()
    misses = [f"{n} ({s:.2f})" for n, s, _ in report.false_positives + report.false_negatives]
    assert report.positives >= 45
    assert report.total - report.positives >= (1102 + 30 if HAMSHAHRI.exists() else 30)
    assert report.precision >= PRECISION_FLOOR, misses
    assert report.recall >= RECALL_FLOOR, misses
