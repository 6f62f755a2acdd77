"""Precision and recall of the relevance model on the labelled set (``relevance_dataset``).

Run ``python -m bench.relevance_eval`` to print the numbers and every miss with its reasons;
tests/test_relevance_gate.py pins the floors.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.relevance_dataset import LabelledItem, load_dataset
from monitor.relevance import RelevanceModel


@dataclass
class RelevanceReport:
    total: int
    positives: int
    tp: int
    fp: int
    fn: int
    false_positives: list[tuple[str, float, list[str]]] = field(default_factory=list)
    false_negatives: list[tuple[str, float, list[str]]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def evaluate(
    model: RelevanceModel | None = None, items: list[LabelledItem] | None = None
) -> RelevanceReport:
    model = model or RelevanceModel.load()
    items = items if items is not None else load_dataset()
    report = RelevanceReport(
        total=len(items), positives=sum(i.label for i in items), tp=0, fp=0, fn=0
    )
    for item in items:
        verdict = model.score(item.title, item.text, item.lead)
        if verdict.relevant and item.label:
            report.tp += 1
        elif verdict.relevant:
            report.fp += 1
            report.false_positives.append(
                (f"{item.id}: {item.title}", verdict.score, verdict.reasons)
            )
        elif item.label:
            report.fn += 1
            report.false_negatives.append(
                (f"{item.id}: {item.title}", verdict.score, verdict.reasons)
            )
    return report


def main() -> None:
    report = evaluate()
    print(f"items {report.total} (positives {report.positives})")
    print(f"precision {report.precision:.3f}  recall {report.recall:.3f}")
    print(f"tp {report.tp}  fp {report.fp}  fn {report.fn}")
    for label, misses in (
        ("false positive", report.false_positives),
        ("false negative", report.false_negatives),
    ):
        for name, score, reasons in misses:
            print(f"\n{label} {score:.2f} {name}")
            for reason in reasons:
                print(f"    {reason}")


if __name__ == "__main__":
    main()
