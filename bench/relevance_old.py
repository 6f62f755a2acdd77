"""The previous relevance model (rules only), kept for comparison in bench/relevance_eval.py.

Is this article about Iran–Russia relations? An explainable, whole-token score.

Why not keywords: most Persian news names Iran, and Russia appears in every list of
countries, so "both names present" is a poor signal; and substring search is wrong outright
("ویروس" contains "روس", "مسکونی" contains "مسکو"). The model instead looks for *bilateral
sentences*: one sentence with an Iranian actor, a Russian actor (or "دو کشور" once both are
named) and a relations term (talks, agreement, corridor, sanctions…), and weighs them by where
they stand (headline, lead, body). Sentences that list many countries (medal tables, tallies)
or speak sports vocabulary do not count. Every point added is recorded as a reason.

All matching is on ``monitor.normalize.tokens`` output; terms live in
``monitor/data/topic_terms.toml`` (or a file given to ``RelevanceModel.load``).
"""

from __future__ import annotations

import logging
import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from monitor.normalize import tokens

logger = logging.getLogger(__name__)

DEFAULT_TERMS = Path(__file__).resolve().parent / "data" / "relevance_old_terms.toml"
_SENTENCE_END = re.compile(r"[.!?؟؛;\n]+|\s[-–]\s|/\s")

Phrase = tuple[str, ...]


@dataclass
class Relevance:
    """The verdict, its score in 0..1 and the reasons that produced it."""

    score: float
    relevant: bool
    reasons: list[str] = field(default_factory=list)
    threshold: float = 0.5


class _Lexicon:
    """Token-sequence phrases, each mapped back to its display spelling for reasons."""

    def __init__(self, entries: list[str], suffixes: tuple[str, ...] = ()) -> None:
        # Suffixes (ezafe "ی", plural "ها", "های") are tolerated only where that cannot turn
        # one term into another: relations vocabulary, never actor names ("ایران" + "ی").
        self.suffixes = suffixes
        self.display: dict[Phrase, str] = {}
        for entry in entries:
            key = tuple(tokens(entry))
            if key:
                self.display.setdefault(key, entry)
        self.by_first: dict[str, list[Phrase]] = {}
        for key in sorted(self.display, key=len, reverse=True):
            self.by_first.setdefault(key[0], []).append(key)

    def find(self, toks: list[str]) -> list[tuple[int, int, Phrase]]:
        """Non-overlapping matches (start, end, phrase), longest phrase first at each place."""
        bases = [self._base(t) for t in toks] if self.suffixes else toks
        hits: list[tuple[int, int, Phrase]] = []
        i = 0
        while i < len(toks):
            candidates = self.by_first.get(toks[i], [])
            if bases[i] != toks[i]:
                candidates = sorted(
                    {*candidates, *self.by_first.get(bases[i], [])}, key=len, reverse=True
                )
            for key in candidates:
                n = len(key)
                if i + n <= len(toks) and all(
                    toks[i + k] == key[k] or bases[i + k] == key[k] for k in range(n)
                ):
                    hits.append((i, i + n, key))
                    i += n
                    break
            else:
                i += 1
        return hits

    def _base(self, tok: str) -> str:
        """``tok`` without a tolerated suffix when that leaves a known term's first token."""
        for suffix in self.suffixes:
            if tok.endswith(suffix) and tok[: -len(suffix)] in self.by_first:
                return tok[: -len(suffix)]
        return tok


_RELATION_SUFFIXES = ("هایی", "های", "ها", "ی", "یی", "ای")


@dataclass
class _Sentence:
    place: str
    iran: list[str]
    russia: list[str]
    iran_adj: list[str]
    russia_adj: list[str]
    pair: list[str]
    relations: list[str]
    weak: list[str]
    off_topic: list[str]
    others: int


class RelevanceModel:
    """Scores articles with the terms of one TOML file; see ``docs/extraction.md``."""

    def __init__(self, config: dict[str, Any], source: str = "<dict>") -> None:
        self.source = source
        self.weights: dict[str, float] = {k: float(v) for k, v in config["scoring"].items()}
        self.threshold = self.weights.pop("threshold", 0.5)
        self.iran = _Lexicon(config["iran"]["actors"])
        self.iran_adj = _Lexicon(config["iran"].get("adjectives", []))
        self.russia = _Lexicon(config["russia"]["actors"])
        self.russia_adj = _Lexicon(config["russia"].get("adjectives", []))
        self.pair = _Lexicon(config.get("pair", {}).get("terms", []))
        self.relations = _Lexicon(config["relations"]["terms"], _RELATION_SUFFIXES)
        self.weak = _Lexicon(config["relations"].get("weak", []), _RELATION_SUFFIXES)
        self.off_topic = _Lexicon(config.get("off_topic", {}).get("terms", []))
        self.others = _Lexicon(config.get("other_countries", {}).get("terms", []))
        self.implicit = _Lexicon(config["iran"].get("implicit", []))
        self.nationalities = _Lexicon(config.get("other_countries", {}).get("adjectives", []))
        self.ignore = _Lexicon(config.get("ignore", {}).get("phrases", []))

    @classmethod
    def load(cls, path: str | Path | None = None) -> RelevanceModel:
        """The model from ``path``, else the terms it was tuned with."""
        chosen = Path(path or DEFAULT_TERMS).expanduser()
        with chosen.open("rb") as fh:
            config = tomllib.load(fh)
        logger.debug("relevance terms loaded from %s", chosen)
        return cls(config, source=str(chosen))

    # -- matching --------------------------------------------------------------------------

    def _sentence(self, text: str, place: str) -> _Sentence:
        toks = tokens(text)
        for start, end, _ in self.ignore.find(toks):
            toks[start:end] = ["\x00"] * (end - start)

        def names(lex: _Lexicon, current: list[str]) -> list[str]:
            return [lex.display[key] for _, _, key in lex.find(current)]

        actor_toks = toks
        pair = names(self.pair, toks)
        return _Sentence(
            place=place,
            iran=names(self.iran, actor_toks),
            russia=names(self.russia, actor_toks),
            iran_adj=names(self.iran_adj, actor_toks) + self._implicit_iranian(toks),
            russia_adj=names(self.russia_adj, actor_toks),
            pair=pair,
            relations=names(self.relations, toks),
            weak=names(self.weak, toks),
            off_topic=names(self.off_topic, toks),
            others=len(self.others.find(toks)),
        )

    def _implicit_iranian(self, toks: list[str]) -> list[str]:
        """Unqualified official titles ("وزیر نفت"), which Iranian outlets use for their own.

        A title followed by a country, nationality or actor of any side ("وزیر خارجه روسیه"),
        or with a name just before it ("بلینکن، وزیر خارجه"), belongs to that party and is not
        counted; "سفر وزیر نفت به مسکو" is a destination, not a qualification.
        """
        hits = self.implicit.find(toks)
        if not hits:
            return []
        qualified: set[int] = set()
        for lex in (self.iran, self.russia, self.russia_adj, self.others, self.nationalities):
            for start, end, _ in lex.find(toks):
                qualified.update(range(start, end))
        return [
            self.implicit.display[key]
            for start, end, key in hits
            if not qualified.intersection(range(max(0, start - 2), end + 1))
        ]

    def _split(self, title: str, text: str, lead: str | None) -> list[_Sentence]:
        """Sentences by place: title, lead, the body's first sentence (lede), body."""
        out = [self._sentence(title or "", "title")]
        out += [self._sentence(p, "lead") for p in _SENTENCE_END.split(lead or "") if p.strip()]
        body = [p for p in _SENTENCE_END.split(text or "") if p.strip()]
        out += [self._sentence(p, "lede" if i == 0 else "body") for i, p in enumerate(body)]
        return out

    # -- scoring ---------------------------------------------------------------------------

    def score(self, title: str, text: str, lead: str | None = None) -> Relevance:
        """Score one article; ``reasons`` lists every contribution in plain words."""
        sentences = self._split(title, text, lead)
        iran = Counter(n for s in sentences for n in s.iran)
        russia = Counter(n for s in sentences for n in s.russia)
        reasons = _actor_reasons(sentences, iran, russia)
        total, bilateral = self._sentence_points(sentences, bool(iran and russia), reasons)
        total += self._document_points(sentences, iran, russia, bilateral, reasons)
        total = self._off_topic_factor(sentences, total, reasons)
        if not iran:
            reasons.append("no iranian actor")
        if not russia:
            reasons.append("no russian actor")
        score = round(min(1.0, total), 3)
        return Relevance(
            score=score, relevant=score >= self.threshold, reasons=reasons, threshold=self.threshold
        )

    def _sentence_points(
        self, sentences: list[_Sentence], both_named: bool, reasons: list[str]
    ) -> tuple[float, int]:
        """Points for bilateral sentences by place (body capped), and for named pairs."""
        w = self.weights
        cap = w.get("body_cap", 0.6)
        total = body_points = 0.0
        bilateral = 0
        named_bonus = {
            "title": w.get("pair_named_title", 0.2),
            "lead": w.get("pair_named_lead", 0.1),
        }
        for s in sentences:
            kind = self._bilateral(s, both_named)
            if kind == "bilateral":
                bilateral += 1
                gain = w.get(s.place, 0.15)
                if s.place == "body":
                    gain = max(0.0, min(gain, cap - body_points))
                    body_points += gain
                total += gain
                if gain:
                    terms = "، ".join(dict.fromkeys((*s.relations, *s.weak)))
                    reasons.append(f"bilateral sentence in {s.place} (+{gain:.2f}): {terms}")
            elif kind == "named" and named_bonus.get(s.place):
                total += named_bonus[s.place]
                reasons.append(f"both parties named in {s.place} (+{named_bonus[s.place]:.2f})")
                named_bonus[s.place] = 0.0
            elif kind.startswith("skipped"):
                reasons.append(f"{s.place} sentence not counted: {kind[len('skipped: ') :]}")
        if body_points >= cap:
            reasons.append(f"body bilateral sentences capped at {cap:.2f}")
        return total, bilateral

    def _document_points(
        self,
        sentences: list[_Sentence],
        iran: Counter[str],
        russia: Counter[str],
        bilateral: int,
        reasons: list[str],
    ) -> float:
        """Small bonuses: one-party headline, both parties recur, a varied vocabulary."""
        w = self.weights
        points = 0.0
        title = sentences[0]
        if bilateral and title.relations and bool(title.iran) != bool(title.russia):
            points += w.get("title_one_party", 0.15)
            side = "iran" if title.iran else "russia"
            reasons.append(f"{side} actor and relations term in title (+{points:.2f})")
        iran_n, russia_n = sum(iran.values()), sum(russia.values())
        if iran_n >= 2 and russia_n >= 2:
            points += w.get("both_recurring", 0.1)
            reasons.append(f"both parties recur (iran ×{iran_n}, russia ×{russia_n})")
        rel = Counter(n for s in sentences for n in (*s.relations, *s.weak))
        if bilateral and len(rel) >= 3:
            points += w.get("vocabulary", 0.1)
        if rel:
            reasons.append("relations terms: " + _top(rel, 5))
        return points

    def _off_topic_factor(
        self, sentences: list[_Sentence], total: float, reasons: list[str]
    ) -> float:
        """Scale down documents whose sports/pandemic vocabulary outweighs relations terms."""
        off = Counter(n for s in sentences for n in s.off_topic)
        relations = sum(len(s.relations) + len(s.weak) for s in sentences)
        if not off or sum(off.values()) <= relations / 2:
            return total
        factor = self.weights.get("off_topic_factor", 0.4)
        reasons.append(f"off-topic vocabulary (×{factor:.1f}): {_top(off, 3)}")
        return total * factor

    def _bilateral(self, s: _Sentence, both_named: bool) -> str:
        """ "bilateral", "named" (both parties, no relations term), "skipped: why" or "none"."""
        iran = bool(s.iran) or (bool(s.iran_adj) and bool(s.russia))
        russia = bool(s.russia) or (bool(s.russia_adj) and bool(s.iran))
        if s.pair and (both_named or any(_names_both(p) for p in s.pair)):
            iran = russia = True
        if not (iran and russia):
            return "none"
        if s.others >= self.weights.get("list_countries", 4):
            return f"skipped: a list of {s.others + 2} countries"
        if s.off_topic:
            return f"skipped: off-topic ({s.off_topic[0]})"
        if not s.relations and len(set(s.weak)) < 2:
            return "named"
        return "bilateral"


def _top(counter: Counter[str], n: int) -> str:
    return ", ".join(f"{name} ×{count}" for name, count in counter.most_common(n))


def _actor_reasons(
    sentences: list[_Sentence], iran: Counter[str], russia: Counter[str]
) -> list[str]:
    """Where each party appears: headline and lead by name, then overall counts."""
    reasons: list[str] = []
    for side, counter in (("iran", iran), ("russia", russia)):
        for place in ("title", "lead"):
            seen = [
                name
                for s in sentences
                if s.place == place
                for name in (s.iran if side == "iran" else s.russia)
            ]
            if seen:
                reasons.append(f"{side} actor in {place}: {'، '.join(dict.fromkeys(seen))}")
        if counter:
            reasons.append(f"{side} actors overall ({sum(counter.values())}): {_top(counter, 3)}")
    return reasons


def _names_both(pair_phrase: str) -> bool:
    """Pair phrases like "ایران و روسیه" name both parties by themselves."""
    return "دو" not in pair_phrase and "طرف" not in pair_phrase and "جانبه" not in pair_phrase
