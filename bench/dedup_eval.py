"""Duplicate-detection quality on the labelled set of ``bench/dedup_dataset.py``.

    python -m bench.dedup_eval            # ours at the default threshold, per class, + baselines
    python -m bench.dedup_eval --no-baselines

The index holds every original (the seeds, composed stories and filler articles); each case is
fingerprinted and queried once. A positive counts as a true positive only when it matches
*its* original; matching another is a false positive (and a miss). A negative that matches
anything is a false positive. For the seed-against-seeds negatives the seed itself is left
out of the index.

Baselines, on the same cases and originals, each at its own best threshold (so the comparison
flatters them): trafilatura's ``Simhash`` of the raw text, and datasketch ``MinHash`` (128
permutations) of the raw whitespace-separated words, both scored as the best similarity over
all originals. Our own best-threshold F1 (containment score) is printed beside them.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field

from bench.dedup_dataset import Case, Dataset, build
from monitor.dedup import DEFAULT_THRESHOLD, DedupIndex, fingerprint


def index_of(rows):  # type: ignore[no-untyped-def]
    """An index over ``(key, Fingerprint)`` rows, built the way the store builds it."""
    return DedupIndex.from_blobs((key, fp.to_bytes()) for key, fp in rows)


@dataclass
class ClassStats:
    positives: int = 0
    negatives: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / self.positives if self.positives else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Report:
    threshold: float
    classes: dict[str, ClassStats]
    total: ClassStats
    errors: list[str] = field(default_factory=list)
    best_scores: list[tuple[Case, int | None, float]] = field(default_factory=list)


def _add(stats: ClassStats, case: Case, got: int | None) -> None:
    if case.expected is None:
        stats.negatives += 1
        stats.fp += got is not None
        return
    stats.positives += 1
    if got == case.expected:
        stats.tp += 1
    else:
        stats.fn += 1
        stats.fp += got is not None


def evaluate(data: Dataset | None = None, threshold: float | None = None) -> Report:
    """Run every case through ``fingerprint`` and ``DedupIndex.query``."""
    data = data or build()
    threshold = DEFAULT_THRESHOLD if threshold is None else threshold
    rows = [(o.key, fingerprint(o.body)) for o in data.originals]
    full = index_of(rows)
    classes: dict[str, ClassStats] = defaultdict(ClassStats)
    total = ClassStats()
    report = Report(threshold, classes, total)
    for case in data.cases:
        index = full
        if case.exclude is not None:
            index = index_of((k, fp) for k, fp in rows if k != case.exclude)
        fp = fingerprint(case.text())
        best = index.query(fp, threshold=0.0)
        report.best_scores.append((case, best.of if best else None, best.score if best else 0.0))
        got = best.of if best and best.score >= threshold else None
        _add(classes[case.kind], case, got)
        _add(total, case, got)
        if got != case.expected:
            report.errors.append(f"{case.name}: expected {case.expected}, got {got} ({best})")
    return report


def best_f1(scored: list[tuple[Case, int | None, float]]) -> tuple[float, float]:
    """(best F1, its threshold) over every threshold, for (case, best original, score) rows."""
    candidates = sorted({s for _, _, s in scored})
    best = (0.0, 0.0)
    positives = sum(c.expected is not None for c, _, _ in scored)
    for t in candidates:
        tp = sum(1 for c, o, s in scored if s >= t and o == c.expected and c.expected is not None)
        fp = sum(1 for c, o, s in scored if s >= t and o != c.expected)
        p = tp / (tp + fp) if tp + fp else 1.0
        r = tp / positives if positives else 1.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        if f1 > best[0]:
            best = (f1, t)
    return best


def _baseline(data: Dataset, make: object, sim: object) -> list[tuple[Case, int | None, float]]:
    """Score each case by its best similarity to any original, with ``make``/``sim``."""
    sketches = [(o.key, make(o.body)) for o in data.originals]  # type: ignore[operator]
    out = []
    for case in data.cases:
        q = make(case.text())  # type: ignore[operator]
        best_key, best = None, -1.0
        for key, sk in sketches:
            if key == case.exclude:
                continue
            s = sim(q, sk)  # type: ignore[operator]
            if s > best:
                best_key, best = key, s
        out.append((case, best_key, best))
    return out


def per_class(scored: list[tuple[Case, int | None, float]], t: float) -> dict[str, ClassStats]:
    """Per-class counts when (case, best original, score) rows are judged at threshold ``t``."""
    classes: dict[str, ClassStats] = defaultdict(ClassStats)
    for case, key, score in scored:
        _add(classes[case.kind], case, key if score >= t else None)
    return classes


def baselines(data: Dataset) -> dict[str, list[tuple[Case, int | None, float]]]:
    """Scored cases for trafilatura's Simhash and raw-word MinHash on the same set."""
    import numpy as np
    from trafilatura.deduplication import Simhash

    from bench import extras

    MinHash = extras.datasketch().MinHash

    def words_minhash(text: str) -> MinHash:
        m = MinHash(num_perm=128, seed=1)
        m.update_batch([w.encode() for w in text.split()])
        return m

    def jaccard(a: MinHash, b: MinHash) -> float:
        return float(np.count_nonzero(a.hashvalues == b.hashvalues)) / len(a.hashvalues)

    return {
        "trafilatura Simhash": _baseline(data, Simhash, lambda a, b: a.similarity(b)),
        "MinHash raw words": _baseline(data, words_minhash, jaccard),
    }


def print_comparison(report: Report, others: dict[str, list], out=sys.stdout) -> None:  # type: ignore[no-untyped-def]
    """Per-class F1 (positives: recall-driven; negatives: FP counts), ours beside baselines."""
    ours_f1, ours_t = best_f1(report.best_scores)
    columns = {f"ours@{report.threshold:.2f}": report.classes}
    summary = [f"ours (score): best F1 {ours_f1:.3f} at {ours_t:.3f}"]
    for name, scored in others.items():
        f1, t = best_f1(scored)
        columns[f"{name.split()[0]}@{t:.2f}"] = per_class(scored, t)
        summary.append(f"{name}: best F1 {f1:.3f} at {t:.3f}")
    print("\nbest-threshold F1 on the same cases:", file=out)
    for line in summary:
        print(f"  {line}", file=out)
    print("\nper class at each method's threshold (positives: P/R/F1; negatives: FP/n):", file=out)
    print(f"{'class':24} " + " ".join(f"{c:>22}" for c in columns), file=out)
    for kind in sorted(report.classes, key=lambda k: (k.startswith("neg_"), k)):
        cells = []
        for stats in columns.values():
            st = stats[kind]
            if kind.startswith("neg_"):
                cells.append(f"{st.fp:>3}/{st.negatives:<3} FP".rjust(22))
            else:
                cells.append(f"{st.precision:.2f}/{st.recall:.2f}/{st.f1:.2f}".rjust(22))
        print(f"{kind:24} " + " ".join(cells), file=out)


def print_report(report: Report, out=sys.stdout) -> None:  # type: ignore[no-untyped-def]
    print(f"threshold {report.threshold:.2f}", file=out)
    print(
        f"{'class':24} {'n':>4} {'TP':>4} {'FP':>4} {'FN':>4} {'P':>6} {'R':>6} {'F1':>6}", file=out
    )
    for name in sorted(report.classes, key=lambda k: (k.startswith("neg_"), k)):
        s = report.classes[name]
        n = s.positives + s.negatives
        print(
            f"{name:24} {n:4} {s.tp:4} {s.fp:4} {s.fn:4} "
            f"{s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f}",
            file=out,
        )
    t = report.total
    print(
        f"{'ALL':24} {t.positives + t.negatives:4} {t.tp:4} {t.fp:4} {t.fn:4} "
        f"{t.precision:6.3f} {t.recall:6.3f} {t.f1:6.3f}",
        file=out,
    )


def _score_margins(report: Report) -> None:
    pos = [s for c, o, s in report.best_scores if c.expected is not None and o == c.expected]
    neg = [s for c, o, s in report.best_scores if c.expected is None]
    print(
        f"score margins: lowest matching positive {min(pos):.3f}, highest negative {max(neg):.3f}"
    )
    by_kind: dict[str, list[float]] = defaultdict(list)
    for c, _, s in report.best_scores:
        by_kind[c.kind].append(s)
    for kind, scores in sorted(by_kind.items()):
        print(f"  {kind:24} min {min(scores):.3f}  max {max(scores):.3f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threshold", type=float, default=None)
    parser.add_argument("--no-baselines", action="store_true")
    parser.add_argument("--errors", action="store_true", help="list every wrong verdict")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    data = build()
    report = evaluate(data, args.threshold)
    print(f"{len(data.originals)} originals, {len(data.cases)} cases")
    print_report(report)
    _score_margins(report)
    if not args.no_baselines:
        print_comparison(report, baselines(data))
    if args.errors:
        print("\n".join(report.errors))
    print(f"({time.perf_counter() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
