"""Train the relevance model's linear weights; write monitor/data/relevance_model.json.

    python -m bench.train_relevance            # the shipped model: date split, training part only
    python -m bench.train_relevance --cv       # also print 5-fold cross-validation on that part

Only the training part of the date split (bench/relevance_dataset.py) is read, so the
held-out figures of bench/relevance_eval.py stay honest; the regularisation strength is
chosen by cross-validation inside the training part, folds grouped by outlet and month.
scikit-learn is used here only: the result is a JSON of feature → weight that
monitor/relevance.py scores with plain Python.
Deterministic: fixed seed, liblinear solver, sorted features, weights rounded.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.relevance_dataset import LabelledItem, analyst_items, shared_missing, split_by_date
from monitor.relevance import DEFAULT_WEIGHTS, RelevanceModel
from monitor.relevance_features import (
    DEFAULT_ACTORS,
    FeatureExtractor,
    load_actors,
    load_terms,
)

SEED = 20260708
MIN_DF = 2  # an n-gram must occur in this many training candidates to get a weight
C_GRID = (0.1, 0.3, 1.0, 3.0)
POSITIVE_WEIGHT = 2.0  # a missed story costs an analyst more than a false alarm
HANDMADE_WEIGHT = 1.0  # project-written items weigh as much as real ones (bench.relevance_trials)


def _extractor() -> FeatureExtractor:
    return FeatureExtractor(load_actors(DEFAULT_ACTORS), load_terms())


def candidates(
    items: list[LabelledItem], extractor: FeatureExtractor
) -> list[tuple[LabelledItem, dict[str, float]]]:
    """Items naming both sides (the rest are irrelevant by rule), with their features."""
    out = []
    for item in items:
        if item.unsure:
            continue
        analysis = extractor.analyse(item.title, item.text, item.lead)
        if analysis.candidate:
            out.append((item, analysis.features))
    return out


def fit(
    rows: list[tuple[LabelledItem, dict[str, float]]], c: float
) -> tuple[dict[str, float], float]:
    """Logistic regression on the rows; returns (weights by feature, bias)."""
    import numpy as np
    from scipy.sparse import csr_matrix
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    df = Counter(k for _, f in rows for k in f)
    keep = {k for k, n in df.items() if n >= MIN_DF or k.startswith("lex:")}
    x_dicts = [{k: v for k, v in f.items() if k in keep} for _, f in rows]
    y = [int(item.label) for item, _ in rows]
    vec = DictVectorizer(sort=True)
    x = vec.fit_transform(x_dicts).tocsr()
    # liblinear takes 32-bit sparse indices only
    x = csr_matrix((x.data, x.indices.astype(np.int32), x.indptr.astype(np.int32)), shape=x.shape)
    clf = LogisticRegression(
        C=c,
        solver="liblinear",
        class_weight={0: 1.0, 1: POSITIVE_WEIGHT},
        random_state=SEED,
        max_iter=1000,
    )
    weight = [HANDMADE_WEIGHT if item.outlet == "handmade" else 1.0 for item, _ in rows]
    clf.fit(x, y, sample_weight=weight)
    names = vec.get_feature_names_out()
    weights = {
        str(n): round(float(w), 5)
        for n, w in zip(names, clf.coef_[0], strict=True)
        if abs(w) >= 1e-4
    }
    return weights, round(float(clf.intercept_[0]), 5)


def cv_group(item: LabelledItem) -> str:
    """The fold group of an item: its outlet and month for real items (a fold never holds
    part of a month's news of a channel while training on the rest, which would flatter the
    model as the date split would not); project-labelled items spread by a stable hash."""
    if item.outlet in ("handmade", "hamshahri", "analyst"):
        return f"{item.outlet}-{int(hashlib.sha256(item.id.encode()).hexdigest(), 16) % 5}"
    return f"{item.outlet}:{item.date[:7]}"


def cross_validate(
    rows: list[tuple[LabelledItem, dict[str, float]]], c: float
) -> tuple[float, float]:
    """Precision and recall at 0.5 over 5 folds of the candidate rows, grouped by outlet and
    month (cv_group)."""
    from sklearn.model_selection import GroupKFold

    groups = [cv_group(item) for item, _ in rows]
    tp = fp = fn = 0
    for train_idx, test_idx in GroupKFold(n_splits=5).split(rows, groups=groups):
        weights, bias = fit([rows[i] for i in train_idx], c)
        for i in test_idx:
            item, feats = rows[i]
            z = bias + sum(weights.get(k, 0.0) * v for k, v in feats.items())
            pred = z >= 0
            tp += pred and item.label
            fp += pred and not item.label
            fn += (not pred) and item.label
    return tp / max(1, tp + fp), tp / max(1, tp + fn)


def choose_c(rows: list[tuple[LabelledItem, dict[str, float]]], verbose: bool = False) -> float:
    """The C with the best F2 (recall counts double) in cross-validation on the training part."""
    best_c, best = C_GRID[0], -1.0
    for c in C_GRID:
        p, r = cross_validate(rows, c)
        f2 = 5 * p * r / (4 * p + r) if p + r else 0.0
        if verbose:
            print(f"  C={c:<5} cv precision {p:.3f} recall {r:.3f} F2 {f2:.3f}")
        if f2 > best:
            best_c, best = c, f2
    return best_c


def train(
    items: list[LabelledItem], c: float | None = None, verbose: bool = False
) -> dict[str, object]:
    """The model file's content, trained on ``items``."""
    extractor = _extractor()
    rows = candidates(items, extractor)
    chosen = c if c is not None else choose_c(rows, verbose)
    weights, bias = fit(rows, chosen)
    digest = hashlib.sha256(
        json.dumps([bias, sorted(weights.items())], ensure_ascii=False).encode()
    ).hexdigest()[:10]
    return {
        "version": f"lexicon+lr-{digest}",
        "about": "Weights of the relevance model's linear part; written by "
        "bench/train_relevance.py, scored by monitor/relevance.py. Feature names: lex:* lexicon "
        "evidence, w:* words and word pairs around Russia with actors replaced by _ir_/_ru_…",
        "trained_on": {
            "items": len([i for i in items if not i.unsure]),
            "candidates": len(rows),
            "positives": sum(i.label for i, _ in rows),
            "C": chosen,
            "seed": SEED,
            "min_df": MIN_DF,
            "positive_weight": POSITIVE_WEIGHT,
            **({"analyst_items": n} if (n := sum(i.outlet == "analyst" for i in items)) else {}),
        },
        "bias": bias,
        "weights": dict(sorted(weights.items())),
    }


def model_from(data: dict[str, object], tmp: Path) -> RelevanceModel:
    """A RelevanceModel scoring with freshly trained weights (for the stress split)."""
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return RelevanceModel.load(weights=tmp)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_WEIGHTS)
    parser.add_argument("--cv", action="store_true", help="print cross-validation per C")
    parser.add_argument(
        "--labels",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="an analyst's labels (monitor label --export FILE) to train on too; repeatable",
    )
    args = parser.parse_args()
    if reason := shared_missing():
        sys.exit(f"cannot train: {reason}")
    train_items, _ = split_by_date()
    for path in args.labels:
        if not path.is_file():
            sys.exit(f"cannot train: no labels file {path}")
        train_items += analyst_items(path)
    data = train(train_items, verbose=args.cv)
    args.out.write_text(json.dumps(data, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"{data['version']}: {data['trained_on']} → {args.out}")


if __name__ == "__main__":
    main()
