"""Cross-validation of the whole relevance model on the training part only, for choosing changes.

    python -m bench.relevance_cv              # grouped 5-fold CV: as is, and inside long articles
    python -m bench.relevance_cv --errors     # also every training-part error with its reasons

Unlike ``bench.train_relevance --cv`` (the linear part on candidates only, to choose C), every
sure training item is scored here by the full model as shipped (actor gate, focus step for long
articles, off-topic rule), trained on the other folds (folds grouped as
``bench.train_relevance.cv_group``: outlet and month; project-written items by a hash). Each
test item is also scored inside a long article: 18 Iran-only sentences from the training
part's Fars articles (iran-only or ordinary) around it, the item first or in the middle, an
order fixed by a checksum of its id — the shape of the 2003–2020 agency web articles the
fixtures hold too few positives of. A Russia-only item inside that filler names both sides,
so it tests how the model treats Russia named in passing in a long Iranian article.
It never reads the held-out part of the date split.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import zlib
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.relevance_dataset import LabelledItem, shared_missing, split_by_date
from bench.relevance_eval import Report, evaluate, model_judge, print_families, print_table

FOLDS = 5


def filler_sentences(train: list[LabelledItem]) -> list[str]:
    return [
        s
        for it in train
        if it.kind in ("iran-only", "ordinary") and it.family == "web"
        for s in re.split(r"(?<=[.!؟])\s+|\n", it.text)
        if 40 < len(s) < 300
    ]


def embedded(items: list[LabelledItem], filler: list[str], where: str) -> list[LabelledItem]:
    out = []
    for it in items:
        start = zlib.crc32(it.id.encode()) % (len(filler) - 18)
        before, after = filler[start : start + 6], filler[start + 6 : start + 18]
        body = it.text or it.lead or ""
        parts = [*before, body, *after] if where == "middle" else [body, *before, *after]
        out.append(replace(it, text="\n".join(parts)))
    return out


def run(show_errors: bool = False) -> dict[str, Report]:
    from sklearn.model_selection import GroupKFold

    from bench.train_relevance import cv_group, model_from, train

    items = [i for i in split_by_date()[0] if not i.unsure]
    filler = filler_sentences(items)
    groups = [cv_group(i) for i in items]
    parts: dict[str, list[tuple[LabelledItem, bool]]] = {"as is": [], "first": [], "middle": []}
    folds = GroupKFold(n_splits=FOLDS).split(items, groups=groups)
    for k, (train_idx, test_idx) in enumerate(folds):
        with tempfile.TemporaryDirectory() as tmp:
            model = model_from(train([items[i] for i in train_idx]), Path(tmp) / f"fold{k}.json")
        test = [items[i] for i in test_idx]
        judge = model_judge(model)
        parts["as is"] += [(it, judge(it)) for it in test]
        for where in ("first", "middle"):
            parts[where] += [(it, judge(it)) for it in embedded(test, filler, where)]
        if show_errors:
            for it in test:
                v = model.score(it.title, it.text, it.lead)
                if v.relevant != it.label:
                    label = "false negative" if it.label else "false positive"
                    print(f"\n{label} {v.score:.2f} [{it.kind}] {it.id}: {it.title[:90]}")
                    for r in v.reasons:
                        print(f"    {r}")
    reports: dict[str, Report] = {}
    for name, pairs in parts.items():
        said = dict((id(it), s) for it, s in pairs)
        reports[name] = evaluate(lambda it, said=said: said[id(it)], [it for it, _ in pairs])
        # The real items alone: project-written ones follow rules written for them.
        real = [it for it, _ in pairs if it.outlet not in ("handmade", "hamshahri")]
        reports[f"{name}, real only"] = evaluate(lambda it, said=said: said[id(it)], real)
    return reports


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--errors", action="store_true", help="print training-part errors")
    args = parser.parse_args()
    if reason := shared_missing():
        sys.exit(f"cannot evaluate: {reason}")
    reports = run(args.errors)
    print_table(
        f"training part, grouped {FOLDS}-fold CV of the whole model "
        "(long = inside 18 Iran-only sentences)",
        [(f"{name}", r) for name, r in reports.items()],
    )
    for name, r in reports.items():
        if "real" not in name:
            print_families(f"{name:<7}", r)


if __name__ == "__main__":
    main()
