"""Feature trials for the relevance model, measured on the training part only (not shipped).

    python -m bench.relevance_trials              # every trial, about 4 minutes on 2 cores
    python -m bench.relevance_trials cohesion     # some of them

Each trial patches the shipped recipe (features or training) for the length of one run of
``bench.relevance_cv`` (grouped 5-fold CV of the whole model on the training part) and prints
the real items' rows beside the shipped recipe's. None of them reads the held-out part. The
seventh round of docs/relevance.md is this table: the changes stayed within a few items of the
shipped recipe, so none was scored on the held-out part and none ships.

- ``cohesion``: when the two sides never share a sentence, how many content words (not
  stopwords, not actors) the sentences naming only Russia share with those naming only Iran:
  one story told over several sentences shares its subject; a digest's bullets do not.
- ``handmade-half``: project-written items weigh half as much as real ones in training.
- ``locative``: Russia as the object of «در» ("سفیر ایران در مسکو") is a Russian place, not
  Russia acting.
- ``lexicon-only``, ``no-letters``: the shipped features without the words (``w:``, ``p:``)
  and letter pieces (``c:``), or without the letter pieces alone: what the n-grams add.
- ``clusters-ru``, ``clusters-both``: word clusters learned without labels from the real
  Telegram posts dated before the date split's cut-off (fastText skip-gram vectors, 200
  k-means clusters), as features of the sentences naming Russia, or of those naming either
  side, so that words the labelled items never held (وتو beside قطعنامه) share a weight.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.relevance_dataset import CUTOFF, SHARED, shared_missing

TELEGRAM = SHARED / "telegram"
CLUSTERS = 200
SEED = 20260708


@functools.cache
def _stopwords() -> frozenset[str]:
    import hazm

    from monitor.normalize import tokens

    return frozenset(t for w in hazm.stopwords_list() for t in tokens(w.replace("_", " ")))


def _content(masked: list[str]) -> set[str]:
    stop = _stopwords()
    return {t for t in masked if len(t) > 2 and not t.startswith("_") and not t.isdigit()} - stop


@functools.cache
def word_clusters() -> dict[str, int]:
    """Cluster of each word of the pre-cut-off Telegram posts (count ≥ 5)."""
    import fasttext
    import numpy as np
    from sklearn.cluster import KMeans

    from monitor.normalize import tokens

    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.txt"
        with corpus.open("w", encoding="utf-8") as out:
            for path in sorted(TELEGRAM.glob("*.jsonl")):
                for line in path.open(encoding="utf-8"):
                    post = json.loads(line)
                    if post["date"][:10] < CUTOFF and post["text"]:
                        out.write(" ".join(tokens(post["text"])) + "\n")
        vectors = fasttext.train_unsupervised(
            str(corpus), model="skipgram", dim=50, epoch=10, minCount=5, ws=4,
            minn=0, maxn=0, thread=1, verbose=0,
        )  # fmt: skip
    words = [w for w in vectors.words if w != "</s>"]
    x = np.array([vectors.get_word_vector(w) for w in words])
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    labels = KMeans(n_clusters=CLUSTERS, random_state=SEED, n_init=3).fit(x).labels_
    return {w: int(c) for w, c in zip(words, labels, strict=True)}


FeatureFn = Callable[..., dict[str, float]]


def _without(base: FeatureFn, prefixes: tuple[str, ...]) -> FeatureFn:
    def features(segments: list) -> dict[str, float]:  # type: ignore[type-arg]
        return {k: v for k, v in base(segments).items() if not k.startswith(prefixes)}

    return features


def _cohesion(base: FeatureFn) -> FeatureFn:
    from monitor.relevance_features import IRAN, RUSSIA, _bucket

    def features(segments: list) -> dict[str, float]:  # type: ignore[type-arg]
        f = base(segments)
        if "lex:apart" in f:
            ru: set[str] = set()
            ir: set[str] = set()
            for s in segments:
                if s.has(RUSSIA) and not s.has(IRAN):
                    ru |= _content(s.masked)
                elif s.has(IRAN) and not s.has(RUSSIA):
                    ir |= _content(s.masked)
            f[f"lex:apart_shared_{_bucket(len(ru & ir), (0, 1, 3))}"] = 1.0
        return f

    return features


def _clusters(base: FeatureFn, both: bool) -> FeatureFn:
    from monitor.relevance_features import IRAN, RUSSIA

    table = word_clusters()

    def features(segments: list) -> dict[str, float]:  # type: ignore[type-arg]
        f = base(segments)
        segs = [s for s in segments if s.has(RUSSIA) or (both and s.has(IRAN))]
        ks = {f"k:{table[t]}" for s in segs for t in s.masked if t in table}
        for k in ks:
            f[k] = 2.0 / math.sqrt(len(ks))
        return f

    return features


def _locative(base_segment: Callable[..., Any]) -> Callable[..., Any]:
    """Russia as the object of «در» ("سفیر ایران در مسکو", "کشتی در روسیه") is where something
    happens, a Russian place, not Russia acting."""

    def segment(self: Any, place: str, raw: str, toks: list[str]) -> Any:
        seg = base_segment(self, place, raw, toks)
        names = list(seg.found.get("ru", []))
        moved = []
        for i, tok in enumerate(seg.masked):
            if tok == "_ru_":
                name = names.pop(0)
                if i and seg.masked[i - 1] == "در":
                    seg.masked[i] = "_rup_"
                    moved.append(name)
        for name in moved:
            seg.found["ru"].remove(name)
            seg.found.setdefault("rup", []).append(name)
        if "ru" in seg.found and not seg.found["ru"]:
            del seg.found["ru"]
        return seg

    return segment


@contextmanager
def trial(name: str) -> Iterator[None]:
    import bench.train_relevance as tr
    import monitor.relevance as rel
    import monitor.relevance_features as rf

    base_features, base_weight = rf.features, tr.HANDMADE_WEIGHT
    base_segment = rf.FeatureExtractor._segment
    patched = base_features
    if name == "locative":
        rf.FeatureExtractor._segment = _locative(base_segment)  # type: ignore[method-assign]
    if name == "cohesion":
        patched = _cohesion(base_features)
    elif name in ("clusters-ru", "clusters-both"):
        patched = _clusters(base_features, both=name == "clusters-both")
    elif name == "locative":
        pass
    elif name == "lexicon-only":
        patched = _without(base_features, ("w:", "p:", "c:"))
    elif name == "no-letters":
        patched = _without(base_features, ("c:",))
    elif name == "handmade-half":
        tr.HANDMADE_WEIGHT = 0.5
    elif name != "shipped":
        raise SystemExit(f"unknown trial {name!r}; trials: {', '.join(TRIALS)}")
    # monitor.relevance imported the function itself (for the focus step): patch both names.
    rf.features = rel.features = patched
    try:
        yield
    finally:
        rf.features = rel.features = base_features
        rf.FeatureExtractor._segment = base_segment  # type: ignore[method-assign]
        tr.HANDMADE_WEIGHT = base_weight


TRIALS = (
    "shipped", "cohesion", "handmade-half", "clusters-ru", "clusters-both", "lexicon-only",
    "no-letters", "locative",
)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("trials", nargs="*", help=f"any of: {', '.join(TRIALS)} (default: all)")
    args = parser.parse_args()
    if reason := shared_missing():
        sys.exit(f"cannot run the trials: {reason}")
    from bench.relevance_cv import run

    chosen = args.trials or list(TRIALS)
    names = chosen if "shipped" in chosen else ["shipped", *chosen]
    print(f"{'trial':<15} {'rows (real items only)':<22} prec recall  tp  fp  fn    F2")
    for name in names:
        with trial(name):
            reports = run()
        for row in ("as is, real only", "middle, real only"):
            r = reports[row]
            p, rc = r.precision, r.recall
            f2 = 5 * p * rc / (4 * p + rc) if p + rc else 0.0
            print(
                f"{name:<15} {row:<22} {p:.3f} {rc:.3f} {r.tp:>4} {r.fp:>3} {r.fn:>3} {f2:.3f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
