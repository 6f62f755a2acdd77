"""Is this item about Iran–Russia relations? Actor lexicon plus a small learned linear model.

Why two parts. Keywords alone fail both ways: most Persian news names Iran and Russia appears
in every list of countries, so "both named" finds nearly every story but a third of its hits
are false; while hand-written rules about *how* the two are related missed two stories in
three on news they were not tuned on (Russia's stance at the UN, Rosatom at Bushehr, claims of
intelligence help…). So the lexicon decides *who* is named, whole tokens only (ویروس, بلاروس,
روسری never count), and where (headline, lead, body sentence, Telegram line); a logistic
regression, trained by bench/train_relevance.py and shipped as monitor/data/relevance_model.json,
weighs that evidence and the words around Russia with actor names replaced by their side.
Items that do not name both sides are not relevant whatever the words say.

Scoring is plain Python (no scikit-learn at run time) and deterministic. Every verdict lists
the actors found, the features that weighed most and the sentence that weighed most, as
written, and carries the model's version.
"""

from __future__ import annotations

import itertools
import json
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path

from monitor.defaults import MONITOR_BORDERLINE_BAND, MONITOR_RELEVANCE_THRESHOLD
from monitor.relevance_features import (
    DEFAULT_ACTORS,
    DEFAULT_TERMS,
    IRAN,
    RUSSIA,
    Analysis,
    FeatureExtractor,
    Segment,
    describe,
    features,
    load_actors,
    load_terms,
)

logger = logging.getLogger(__name__)

DEFAULT_WEIGHTS = Path(__file__).with_name("data") / "relevance_model.json"
OFF_TOPIC_FACTOR = 0.4
# A web article longer than this many body sentences is also judged on its focus: headline,
# lead and the sentences around each mention of Russia (FOCUS_REACH either side).
FOCUS_AFTER = 8
FOCUS_REACH = 1

__all__ = ["DEFAULT_ACTORS", "DEFAULT_TERMS", "DEFAULT_WEIGHTS", "Relevance", "RelevanceModel"]


@dataclass
class Relevance:
    """The verdict: score in 0..1, whether it passes, whether it is borderline, and why."""

    score: float
    relevant: bool
    reasons: list[str] = field(default_factory=list)
    threshold: float = MONITOR_RELEVANCE_THRESHOLD
    borderline: bool = False
    version: str = ""


class RelevanceModel:
    """Scores (title, text, lead) with the actor lexicon and the shipped linear weights."""

    def __init__(
        self,
        extractor: FeatureExtractor,
        weights: dict[str, float],
        bias: float,
        version: str,
        threshold: float = MONITOR_RELEVANCE_THRESHOLD,
        band: float = MONITOR_BORDERLINE_BAND,
        source: str = "<memory>",
    ) -> None:
        self.extractor = extractor
        self.weights = weights
        self.bias = bias
        self.version = version
        self.threshold = threshold
        self.band = band
        self.source = source

    @classmethod
    def load(
        cls,
        path: str | Path | None = None,
        *,
        actors: str | Path | None = None,
        weights: str | Path | None = None,
        threshold: float | None = None,
        band: float | None = None,
    ) -> RelevanceModel:
        """The model: vocabulary from ``path`` (default monitor/data/topic_terms.toml), the
        bundled actors extended by the user file ``actors`` (the MONITOR_ACTORS setting), the
        learned ``weights`` (default monitor/data/relevance_model.json), and the threshold and
        borderline band: the arguments (MONITOR_RELEVANCE_THRESHOLD, MONITOR_BORDERLINE_BAND),
        else the terms file's optional ``[scoring]`` table, else the defaults."""
        terms_path = Path(path or DEFAULT_TERMS).expanduser()
        terms = load_terms(terms_path)
        extractor = FeatureExtractor(load_actors(DEFAULT_ACTORS, actors), terms)
        # A terms file may carry its own [scoring] threshold and borderline_band (a swapped-in
        # model for `monitor recheck --relevance`); explicit arguments win over both.
        scoring = terms.get("scoring", {})
        assert isinstance(scoring, dict)
        if threshold is None:
            threshold = float(scoring.get("threshold", MONITOR_RELEVANCE_THRESHOLD))
        if band is None:
            band = float(scoring.get("borderline_band", MONITOR_BORDERLINE_BAND))
        weights_path = Path(weights or DEFAULT_WEIGHTS).expanduser()
        data = json.loads(weights_path.read_text(encoding="utf-8"))
        logger.debug("relevance model %s loaded from %s", data["version"], weights_path)
        return cls(
            extractor,
            {k: float(v) for k, v in data["weights"].items()},
            float(data["bias"]),
            str(data["version"]),
            float(threshold),
            float(band),
            source=str(terms_path),
        )

    def margin(self, analysis: Analysis) -> float:
        """The linear model's log-odds for an analysed item."""
        w = self.weights
        return self.bias + sum(w.get(k, 0.0) * v for k, v in analysis.features.items())

    def score(self, title: str, text: str, lead: str | None = None) -> Relevance:
        """Judge one item; ``reasons`` say which actors, words and sentence decided it."""
        analysis = self.extractor.analyse(title, text, lead)
        reasons = _actor_reasons(analysis)
        if analysis.candidate:
            judged, score = analysis, self._scored(analysis)
            focus = _focus(analysis.segments)
            if focus is not None:
                focused = Analysis(focus, features(focus))
                if focused.candidate and (focus_score := self._scored(focused)) > score:
                    kept = sum(s.place == "body" for s in focus)
                    total = sum(s.place == "body" for s in analysis.segments)
                    reasons.append(
                        f"judged on its focus: {kept} of {total} body sentences, those around"
                        " Russia"
                    )
                    judged, score = focused, focus_score
            # Reasons only for the reading that counted: they cost more than the score.
            reasons += self._weighed(judged)
            if _off_topic(judged):
                reasons.append(f"both sides meet among off-topic words (×{OFF_TOPIC_FACTOR})")
        else:
            score = 0.0
            for side, cats in (("iranian", IRAN), ("russian", RUSSIA)):
                if not any(s.has(cats) for s in analysis.segments):
                    reasons.append(f"no {side} actor")
        score = round(score, 4)
        relevant = score >= self.threshold
        borderline = not relevant and score >= self.threshold - self.band
        reasons.append(f"score {score:.2f} (threshold {self.threshold:.2f}, model {self.version})")
        return Relevance(
            score=score,
            relevant=relevant,
            reasons=reasons,
            threshold=self.threshold,
            borderline=borderline,
            version=self.version,
        )

    def _scored(self, analysis: Analysis) -> float:
        """The learned score of a candidate, with the off-topic rule applied."""
        z = self.margin(analysis)
        score = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
        return score * OFF_TOPIC_FACTOR if _off_topic(analysis) else score

    def _weighed(self, analysis: Analysis) -> list[str]:
        """The features that pushed most each way, and the sentence that weighed most."""
        w = self.weights
        contrib = sorted(
            ((w.get(k, 0.0) * v, k) for k, v in analysis.features.items() if w.get(k)),
            key=lambda c: (-abs(c[0]), c[1]),
        )
        # Only the strongest few are described (a long article has hundreds of features).
        up = [f"{describe(k)} {c:+.2f}" for c, k in [x for x in contrib if x[0] > 0][:4]]
        down = [f"{describe(k)} {c:+.2f}" for c, k in [x for x in contrib if x[0] < 0][:3]]
        out = []
        if up:
            out.append("for: " + "; ".join(up))
        if down:
            out.append("against: " + "; ".join(down))
        best, best_points = None, 0.0
        for seg in analysis.segments:
            if not seg.has(RUSSIA):
                continue
            toks = seg.masked
            grams = {f"w:{t}" for t in toks} | {f"w:{a} {b}" for a, b in itertools.pairwise(toks)}
            points = sum(w.get(g, 0.0) for g in grams) + (2.0 if seg.has(IRAN) else 0.0)
            if best is None or points > best_points:
                best, best_points = seg, points
        if best is not None:
            text = best.raw if len(best.raw) <= 200 else best.raw[:199] + "…"
            out.append(f"sentence that weighed most ({best.place}): {text}")
        return out


def _off_topic(analysis: Analysis) -> bool:
    """A match, a medal table, an epidemic tally: the rubric's "both named", not relations.

    The sentences naming both sides hold more sport, health, culture or weather words than
    relations words. A call about cooperation against COVID has more relations words than
    pandemic words, and keeps its score.
    """
    pairs = [s for s in analysis.segments if s.has(IRAN) and s.has(RUSSIA)]
    return bool(pairs) and sum(s.off_topic for s in pairs) > sum(s.relations for s in pairs)


def _focus(segments: list[Segment]) -> list[Segment] | None:
    """Headline, lead and the body sentences around Russia, for a long article; else None.

    Why: the learned weights come mostly from Telegram posts and short items, where every
    sentence is about the story. An agency article that spends one paragraph on Moscow's
    stance inside twenty about Iran's nuclear file reads, to those weights, like a long text
    that mentions Russia in passing (its length and sentence counts weigh against it). Judging
    the paragraph that names Russia as if it stood alone, and keeping the higher score, lets
    such an article be found without making a short item any easier to pass.
    """
    body = [i for i, s in enumerate(segments) if s.place == "body"]
    if len(body) <= FOCUS_AFTER:
        return None
    keep = {i for i, s in enumerate(segments) if s.place != "body"}
    for i in body:
        if segments[i].has(RUSSIA):
            keep.update(
                j
                for j in range(i - FOCUS_REACH, i + FOCUS_REACH + 1)
                if 0 <= j < len(segments) and segments[j].place == "body"
            )
    if len(keep) == len(segments):
        return None
    return [segments[i] for i in sorted(keep)]


def _actor_reasons(analysis: Analysis) -> list[str]:
    """Actors by side and place: "iran actor in title: عراقچی", then the rest of the item."""
    reasons: list[str] = []
    labels = (
        ("ir", "iran actor"),
        ("irp", "iranian place or issue"),
        ("iri", "unqualified title (iranian)"),
        ("ira", "iranian (adjective)"),
        ("ru", "russia actor"),
        ("rup", "russian place"),
        ("rua", "russian (adjective)"),
        ("rum", "russian outlet (a source, not an actor)"),
    )
    for category, label in labels:
        by_place: dict[str, list[str]] = {}
        for seg in analysis.segments:
            for name in seg.found.get(category, []):
                place = seg.place if seg.place in ("title", "lead") else "body"
                by_place.setdefault(place, [])
                if name not in by_place[place]:
                    by_place[place].append(name)
        for place, names in by_place.items():
            reasons.append(f"{label} in {place}: {'، '.join(names[:5])}")
    return reasons
