"""Held-out quality of the relevance model, beside the old model and a bare keyword baseline.

    python -m bench.relevance_eval            # the tables
    python -m bench.relevance_eval --misses   # also every held-out miss with its reasons
    python -m bench.relevance_eval --per-outlet  # only the training part: leave one outlet out
    python -m bench.relevance_eval --long     # held-out items inside long Iran-only articles

Splits (bench/relevance_dataset.py; unsure items dropped from every figure):
- date: the shipped model (trained on items before 2026-07-08) scored on items from then on;
- outlet (stress): a model trained here without any @alonews item, scored on @alonews;
- web articles: a model trained here without the Fars articles (2003–2021), scored on them
  (the date split's held-out part is all Telegram posts).
Compared in the same run: the previous rules-only model (bench/relevance_old.py) and
"both named": Iran and Russia (country, capital or a listed actor) as whole tokens anywhere.
tests/test_relevance_gate.py pins floors on the date split.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.relevance_dataset import (
    LabelledItem,
    shared_missing,
    split_by_date,
    split_by_outlet,
)
from monitor.relevance import RelevanceModel
from monitor.relevance_features import DEFAULT_ACTORS, Lexicon, load_actors

NEGATIVE_KINDS = ("both-named-unrelated", "russia-only", "iran-only", "trap-substring", "ordinary")
Judge = Callable[[LabelledItem], bool]


@dataclass
class Report:
    """Counts of one judge on one set of items."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    by_kind: dict[str, list[int]] = field(default_factory=dict)  # kind -> [flagged, total]
    by_family: dict[str, list[int]] = field(default_factory=dict)  # family -> [tp, fp, fn]
    misses: list[tuple[str, LabelledItem]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def fp_rate(self, kind: str) -> float:
        flagged, total = self.by_kind.get(kind, [0, 0])
        return flagged / total if total else 0.0


def evaluate(judge: Judge, items: Iterable[LabelledItem]) -> Report:
    report = Report()
    for item in items:
        if item.unsure:
            continue
        said = judge(item)
        fam = report.by_family.setdefault(item.family, [0, 0, 0])
        kind = report.by_kind.setdefault(item.kind, [0, 0])
        kind[1] += 1
        kind[0] += said
        if said and item.label:
            report.tp += 1
            fam[0] += 1
        elif said:
            report.fp += 1
            fam[1] += 1
            report.misses.append(("false positive", item))
        elif item.label:
            report.fn += 1
            fam[2] += 1
            report.misses.append(("false negative", item))
        else:
            report.tn += 1
    return report


def model_judge(model: RelevanceModel) -> Judge:
    return lambda item: model.score(item.title, item.text, item.lead).relevant


def kept_judge(model: RelevanceModel) -> Judge:
    """Relevant or borderline: what an analyst finds when listing the borderline band too."""

    def judge(item: LabelledItem) -> bool:
        verdict = model.score(item.title, item.text, item.lead)
        return verdict.relevant or verdict.borderline

    return judge


def old_judge() -> Judge:
    from bench.relevance_old import RelevanceModel as OldModel

    old = OldModel.load()
    return lambda item: old.score(item.title, item.text, item.lead).relevant


def both_named_judge() -> Judge:
    """The bare baseline: any Iranian and any Russian actor as whole tokens, anywhere."""
    from monitor.normalize import tokens

    actors = load_actors(DEFAULT_ACTORS)
    iran = Lexicon(("ir", e) for e in actors["iran"]["actors"])
    russia = Lexicon(("ru", e) for e in actors["russia"]["actors"])

    def judge(item: LabelledItem) -> bool:
        toks = tokens(f"{item.title}\n{item.lead or ''}\n{item.text}")
        return bool(iran.find(toks)) and bool(russia.find(toks))

    return judge


def stress_model(outlet: str = "alonews") -> RelevanceModel:
    """Trained here, as the shipped model is, but on every item except ``outlet``'s."""
    from bench.train_relevance import model_from, train

    train_items, _ = split_by_outlet(outlet)
    with tempfile.TemporaryDirectory() as tmp:
        return model_from(train(train_items), Path(tmp) / f"without-{outlet}.json")


def per_outlet() -> None:
    """Leave one outlet out *inside the training part of the date split*: trained on the rest
    of that part, scored on the outlet's items before the cut-off. Never touches the held-out
    part, so it can be read while choosing features."""
    from bench.train_relevance import model_from, train

    train_items, _ = split_by_date()
    rows = []
    for outlet in ("alonews", "akhbarefori", "farsna", "farsnews"):
        rest = [i for i in train_items if i.outlet != outlet]
        test = [i for i in train_items if i.outlet == outlet]
        with tempfile.TemporaryDirectory() as tmp:
            model = model_from(train(rest), Path(tmp) / f"without-{outlet}.json")
        rows.append((f"without {outlet}", evaluate(model_judge(model), test)))
    print_table("training part only: trained without one outlet, scored on it", rows)


def long_articles() -> None:
    """Each held-out item embedded in a long web article of Iran-only sentences.

    The held-out part is all Telegram posts, while agency web articles are long and may give
    the relationship one paragraph. The filler sentences come from the training part's Fars
    articles labelled iran-only or ordinary (no Russia in them); each item gets 18 of them, in
    an order fixed by a checksum of its id, with the item's own text first or in the middle.
    Scored with the focus step (monitor/relevance.py ``_focus``) and without it.
    """
    import re
    import zlib
    from dataclasses import replace

    import monitor.relevance as relevance

    train, held = split_by_date()
    filler = [
        s
        for it in train
        if it.kind in ("iran-only", "ordinary") and it.family == "web"
        for s in re.split(r"(?<=[.!؟])\s+|\n", it.text)
        if 40 < len(s) < 300
    ]
    model = RelevanceModel.load()

    def embedded(where: str) -> list[LabelledItem]:
        out = []
        for it in held:
            start = zlib.crc32(it.id.encode()) % (len(filler) - 18)
            before, after = filler[start : start + 6], filler[start + 6 : start + 18]
            parts = [*before, it.text, *after] if where == "middle" else [it.text, *before, *after]
            out.append(replace(it, text="\n".join(parts)))
        return out

    rows = []
    for focus_after in (10**6, relevance.FOCUS_AFTER):
        saved, relevance.FOCUS_AFTER = relevance.FOCUS_AFTER, focus_after
        try:
            name = "with focus" if focus_after < 10**6 else "without focus"
            rows.append((f"as is, {name}", evaluate(model_judge(model), held)))
            for where in ("first", "middle"):
                items = embedded(where)
                rows.append((f"long, {where}, {name}", evaluate(model_judge(model), items)))
        finally:
            relevance.FOCUS_AFTER = saved
    print_table(f"held-out items inside 18 Iran-only sentences ({len(filler)} to draw from)", rows)


def _row(name: str, r: Report) -> str:
    kinds = "  ".join(f"{r.fp_rate(k):5.1%}" for k in NEGATIVE_KINDS)
    return f"{name:<22} {r.precision:6.3f} {r.recall:6.3f} {r.tp:4d} {r.fp:4d} {r.fn:4d}   {kinds}"


def print_table(title: str, rows: list[tuple[str, Report]]) -> None:
    print(f"\n{title}")
    head = "  ".join(f"{k[:10]:>5}" for k in NEGATIVE_KINDS)
    print(
        f"{'model':<22} {'prec':>6} {'recall':>6} {'tp':>4} {'fp':>4} {'fn':>4}   FP rate: {head}"
    )
    for name, report in rows:
        print(_row(name, report))


def print_families(name: str, r: Report) -> None:
    for family, (tp, fp, fn) in sorted(r.by_family.items()):
        p = tp / (tp + fp) if tp + fp else 1.0
        rec = tp / (tp + fn) if tp + fn else 1.0
        print(
            f"  {name} {family:<9} precision {p:.3f} recall {rec:.3f} (tp {tp}, fp {fp}, fn {fn})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--misses", action="store_true", help="print held-out misses")
    parser.add_argument(
        "--per-outlet", action="store_true", help="leave-one-outlet-out on the training part only"
    )
    parser.add_argument(
        "--long", action="store_true", help="held-out items inside long Iran-only articles"
    )
    args = parser.parse_args()
    if reason := shared_missing():
        sys.exit(f"cannot evaluate: {reason}")
    if args.long:
        long_articles()
        return
    if args.per_outlet:
        per_outlet()
        return
    model = RelevanceModel.load()
    _, held = split_by_date()
    _, alonews = split_by_outlet("alonews")
    sure = [i for i in held if not i.unsure]
    print(
        f"model {model.version}; held-out (date split): {len(sure)} items, "
        f"{sum(i.label for i in sure)} relevant; kinds: {', '.join(NEGATIVE_KINDS)}"
    )
    judges = [("this model", model_judge(model)), ("old model", old_judge()),
              ("both named", both_named_judge())]  # fmt: skip
    date_rows = [(n, evaluate(j, held)) for n, j in judges]
    band = f"+ borderline ≥{model.threshold - model.band:.2f}"
    date_rows.insert(1, (band, evaluate(kept_judge(model), held)))
    print_table("date split: trained before 2026-07-08, scored from 2026-07-08", date_rows)
    for name, report in date_rows:
        print_families(name, report)
    stress = stress_model()
    out_rows = [("this model (no alonews)", evaluate(model_judge(stress), alonews))]
    out_rows += [(n, evaluate(j, alonews)) for n, j in judges[1:]]
    print_table("outlet split (stress): trained without @alonews, scored on @alonews", out_rows)
    # Web articles: every Fars article predates the date cut, so the held-out part has none.
    _, fars = split_by_outlet("farsnews")
    web_rows = [("this model (no Fars)", evaluate(model_judge(stress_model("farsnews")), fars))]
    web_rows += [(n, evaluate(j, fars)) for n, j in judges[1:]]
    print_table("web articles: trained without the Fars articles, scored on them", web_rows)
    if args.misses:
        for label, item in date_rows[0][1].misses:
            verdict = model.score(item.title, item.text, item.lead)
            print(f"\n{label} {verdict.score:.2f} [{item.kind}] {item.id}: {item.title[:90]}")
            for r in verdict.reasons:
                print(f"    {r}")


if __name__ == "__main__":
    main()
