"""What the relevance model sees in an item: actors where they stand, and the words around Russia.

Shared by the run-time scorer (monitor/relevance.py) and the training script
(bench/train_relevance.py), so both see exactly the same features. Plain Python, no
scikit-learn: scoring must not depend on a training library.

An item is cut into segments (headline, lead, each body sentence or Telegram line), each
segment's tokens are matched against the actor lexicon (monitor/data/actors.toml, whole
tokens only, so ویروس، بلاروس، روسری never count), and actor names are replaced by their
category (``_ir_``, ``_ru_``…). The learned weights then generalise to officials the training
data never named: "_ru_ : رقیق سازی اورانیوم در خاک _ir_" reads the same for every envoy.
"""

from __future__ import annotations

import itertools
import math
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from monitor.normalize import tokens

DEFAULT_ACTORS = Path(__file__).with_name("data") / "actors.toml"
DEFAULT_TERMS = Path(__file__).with_name("data") / "topic_terms.toml"

# Segment ends: sentence punctuation, line breaks, Telegram bullets and separators.
_SEGMENT_END = re.compile(r"[.!?؟؛;\n•🔹🔸🔴♦️👈]+|\s[-–—|]\s|/\s")

# Category of each lexicon key, in priority order (an entry listed twice keeps the first).
CATEGORIES: tuple[tuple[str, str, str], ...] = (
    ("ignore", "phrases", "ign"),
    ("russia", "media", "rum"),
    ("iran", "actors", "ir"),
    ("russia", "actors", "ru"),
    ("iran", "places", "irp"),
    ("iran", "issues", "irp"),
    ("russia", "places", "rup"),
    ("iran", "implicit", "iri"),
    ("iran", "adjectives", "ira"),
    ("russia", "adjectives", "rua"),
)
IRAN = frozenset({"ir", "irp", "iri", "ira"})
RUSSIA = frozenset({"ru", "rup", "rua"})
_LABELS = {
    "ir": "iran actor",
    "irp": "iranian place or issue",
    "iri": "unqualified title",
    "ira": "iranian (adjective)",
    "ru": "russia actor",
    "rup": "russian place",
    "rua": "russian (adjective)",
    "rum": "russian outlet",
    "oc": "other country",
    "nat": "other nationality",
}

Phrase = tuple[str, ...]


def load_actors(
    path: str | Path | None = None, extra: str | Path | None = None
) -> dict[str, dict[str, list[str]]]:
    """The bundled actors (or ``path``), extended by a user file ``extra`` of the same shape."""
    with Path(path or DEFAULT_ACTORS).expanduser().open("rb") as fh:
        actors: dict[str, dict[str, list[str]]] = tomllib.load(fh)
    if extra:
        with Path(extra).expanduser().open("rb") as fh:
            user = tomllib.load(fh)
        for side, keys in user.items():
            for key, entries in keys.items():
                known = actors.setdefault(side, {}).setdefault(key, [])
                known.extend(e for e in entries if e not in known)
    return actors


class Lexicon:
    """Token-sequence phrases with a category each; longest match wins, no overlaps."""

    def __init__(self, entries: Iterable[tuple[str, str]]) -> None:
        self.entries: dict[Phrase, tuple[str, str]] = {}
        for category, text in entries:
            for key in _spellings(text):
                self.entries.setdefault(key, (category, text))
        self.by_first: dict[str, list[Phrase]] = {}
        for key in sorted(self.entries, key=len, reverse=True):
            self.by_first.setdefault(key[0], []).append(key)

    def find(self, toks: list[str]) -> list[tuple[int, int, str, str]]:
        """Matches as (start, end, category, display spelling)."""
        hits: list[tuple[int, int, str, str]] = []
        i = 0
        while i < len(toks):
            for key in self.by_first.get(toks[i], ()):
                n = len(key)
                if tuple(toks[i : i + n]) == key:
                    hits.append((i, i + n, *self.entries[key]))
                    i += n
                    break
            else:
                i += 1
        return hits


def _spellings(text: str) -> list[Phrase]:
    """An entry's token sequence and its ZWNJ/space variants: outlets write غریب‌آبادی,
    غریب آبادی and غریب‌ابادی alike, and روس‌اتم as روس اتم or روساتم."""
    key = tuple(tokens(text))
    if not key:
        return []
    out = [key]
    for variant in (text.replace("\u200c", " "), text.replace(" ", "")):
        if variant == text:  # no ZWNJ (or no space) to vary: the same tokens again
            continue
        other = tuple(tokens(variant))
        if other and other not in out:
            out.append(other)
    return out


def build_lexicon(actors: dict[str, dict[str, list[str]]], terms: dict[str, object]) -> Lexicon:
    """One lexicon for actors (by category) and other countries and nationalities."""
    entries: list[tuple[str, str]] = []
    for side, key, category in CATEGORIES:
        entries += [(category, e) for e in actors.get(side, {}).get(key, [])]
    others = terms.get("other_countries", {})
    assert isinstance(others, dict)
    entries += [("oc", e) for e in others.get("terms", [])]
    entries += [("nat", e) for e in others.get("adjectives", [])]
    return Lexicon(entries)


def load_terms(path: str | Path | None = None) -> dict[str, object]:
    with Path(path or DEFAULT_TERMS).expanduser().open("rb") as fh:
        return tomllib.load(fh)


@dataclass
class Segment:
    """One headline, lead or body sentence: its text as written and what it names."""

    place: str
    raw: str
    masked: list[str]
    found: dict[str, list[str]] = field(default_factory=dict)
    relations: int = 0
    off_topic: int = 0  # sports, pandemic, culture words: stories that name both, not relations
    speaker: str | None = None  # "ru", "ir" or "other" when the segment opens "who: …"
    speaker_only: bool = False  # the line is just "who:", the words follow on the next line

    def has(self, categories: frozenset[str]) -> bool:
        return any(c in self.found for c in categories)


@dataclass
class Analysis:
    segments: list[Segment]
    features: dict[str, float]

    def found(self, category: str) -> list[str]:
        return [n for s in self.segments for n in s.found.get(category, [])]

    @property
    def candidate(self) -> bool:
        """Both sides appear somewhere: the only items the learned weights judge."""
        return any(s.has(RUSSIA) for s in self.segments) and any(s.has(IRAN) for s in self.segments)


class FeatureExtractor:
    """Turns (title, text, lead) into segments and a sparse feature dict."""

    def __init__(self, actors: dict[str, dict[str, list[str]]], terms: dict[str, object]) -> None:
        self.lexicon = build_lexicon(actors, terms)
        relations = terms.get("relations", {})
        assert isinstance(relations, dict)
        off = terms.get("off_topic", {})
        assert isinstance(off, dict)
        # Whole entries, multi-word ones as sequences: "کشتی آزاد" (wrestling) is off-topic,
        # "کشتی" (a ship) alone is not.
        self.off_topic = Lexicon(("off", e) for e in off.get("terms", []))
        self.relations = Lexicon(
            ("rel", e) for e in (*relations.get("terms", []), *relations.get("weak", []))
        )

    def segment(self, title: str, text: str, lead: str | None) -> list[Segment]:
        parts = [("title", (title or "").strip())]
        parts += [("lead", p.strip()) for p in _SEGMENT_END.split(lead or "")]
        parts += [("body", p.strip()) for p in _SEGMENT_END.split(text or "")]
        parts = [(place, raw) for place, raw in parts if raw or place == "title"]
        all_toks = _tokens_each([raw for _, raw in parts])
        out: list[Segment] = []
        title_toks = all_toks[0]
        for (place, raw), toks in zip(parts, all_toks, strict=True):
            if place == "title":
                out.append(self._segment(place, raw, toks))
            elif toks and not (place == "body" and toks == title_toks):
                # A Telegram post repeats its first line (the title) in the text: count it once.
                out.append(self._segment(place, raw, toks))
        return out

    def _segment(self, place: str, raw: str, toks: list[str]) -> Segment:
        seg = Segment(place, raw, [])
        hits = self.lexicon.find(toks)
        cats = {start: (end, cat) for start, end, cat, _ in hits}
        ends = {end: cat for _, end, cat, _ in hits}
        out: list[str] = []
        i = 0
        for start, end, category, display in hits:
            if category == "ign":  # "جفت پوتین", "خبرگزاری جمهوری اسلامی": words, not actors
                out += toks[i:end]
                i = end
                continue
            if category == "iri" and _qualified(start, end, cats, ends, toks):
                category = "title"  # "وزیر خارجه روسیه": that country's official, not Iran's
            if category not in ("title",):
                seg.found.setdefault(category, []).append(display)
            out += [*toks[i:start], f"_{category}_"]
            i = end
        out += toks[i:]
        seg.masked = out
        seg.relations = len(self.relations.find(toks))
        seg.off_topic = len(self.off_topic.find(toks))
        seg.speaker = self._speaker(raw)
        seg.speaker_only = seg.speaker is not None and not raw.partition(":")[2].strip()
        return seg

    def _speaker(self, raw: str) -> str | None:
        """Who speaks in a "who: what" line (Telegram and ticker style), by side."""
        head, colon, _ = raw.partition(":")
        if not colon or len(head) > 90:
            return None
        found = {cat for _, _, cat, _ in self.lexicon.find(tokens(head))}
        if found & {"ru", "rua"}:
            return "ru"
        if found & {"ir", "iri", "ira"}:
            return "ir"
        return "other"

    def analyse(self, title: str, text: str, lead: str | None = None) -> Analysis:
        segments = self.segment(title, text, lead)
        return Analysis(segments, features(segments))


_QUALIFIERS = frozenset({"ru", "rua", "oc", "nat", "ir", "ira", "rup"})


_SEP = "qqsegmentqq"


def _tokens_each(parts: list[str]) -> list[list[str]]:
    """``tokens`` of each part, normalising them in one call (hazm's set-up cost is per call)."""
    toks = tokens(f" {_SEP} ".join(parts))
    out: list[list[str]] = [[]]
    for tok in toks:
        if tok == _SEP:
            out.append([])
        else:
            out[-1].append(tok)
    if len(out) != len(parts):  # a part that swallowed the separator: do them one by one
        return [tokens(p) for p in parts]
    return out


_THAT_COUNTRY = frozenset({("این", "کشور"), ("ان", "کشور")})
# Words between a title and its country ("وزیر خارجه سابق آمریکا", "رئیس جمهور مخلوع سوریه").
_MODIFIERS = frozenset({"سابق", "اسبق", "پیشین", "مخلوع", "وقت", "فعلی", "کنونی", "منتخب", "موقت"})


def _qualified(
    start: int,
    end: int,
    cats: dict[int, tuple[int, str]],
    ends: dict[int, str],
    toks: list[str],
) -> bool:
    """A title with a country, nationality or actor right after it ("وزیر خارجه روسیه") or
    just before it ("وزیر دفاع طالبان" aside, "ترکیه، وزیر خارجه") is that party's."""
    after = end + 1 if end < len(toks) and toks[end] in _MODIFIERS else end
    nxt = cats.get(end) or cats.get(after)
    if nxt is not None and nxt[1] in _QUALIFIERS:
        return True
    if tuple(toks[after : after + 2]) in _THAT_COUNTRY:  # "رئیس‌جمهور این کشور"
        return True
    return ends.get(start) in _QUALIFIERS


def _bucket(n: int, edges: tuple[int, ...]) -> str:
    for edge in edges:
        if n <= edge:
            return str(edge)
    return f">{edges[-1]}"


def features(segments: list[Segment]) -> dict[str, float]:
    """Lexicon evidence (``lex:``) and n-grams of the segments that name Russia (``w:``)."""
    f: dict[str, float] = {}
    ru_segs = [s for s in segments if s.has(RUSSIA)]
    body = [s for s in segments if s.place != "title"]
    for s in segments:
        strong_ir, strong_ru = "ir" in s.found, "ru" in s.found
        any_ir, any_ru = s.has(IRAN), s.has(RUSSIA)
        if not (any_ir and any_ru):
            continue
        kind = (
            "strong" if strong_ir and strong_ru else "mixed" if strong_ir or strong_ru else "weak"
        )
        where = "title" if s.place == "title" else "first" if body and s is body[0] else s.place
        f[f"lex:pair_{kind}"] = 1.0
        f[f"lex:pair_{kind}_{where}"] = 1.0
        others = len(s.found.get("oc", [])) + len(s.found.get("nat", []))
        f[f"lex:pair_others_{_bucket(others, (0, 1, 2))}"] = 1.0
        if s.relations:
            f[f"lex:pair_{kind}_relations"] = 1.0
        if s.off_topic:
            f["lex:pair_off_topic"] = 1.0
        # Who leads the sentence (its subject, in Persian's usual order), and how close the
        # two sides stand: "_ru_ … در خاک _ir_" is an act, "چین، _ru_ و _ir_" a list.
        lead_cat = next((t.strip("_") for t in s.masked[:3] if t.startswith("_")), "none")
        f[f"lex:pair_opens_{lead_cat}"] = 1.0
        ir_pos = [i for i, t in enumerate(s.masked) if t.strip("_") in IRAN]
        ru_pos = [i for i, t in enumerate(s.masked) if t.strip("_") in RUSSIA]
        gap = min(abs(a - b) for a in ir_pos for b in ru_pos) if ir_pos and ru_pos else 99
        f[f"lex:pair_gap_{_bucket(gap, (2, 5, 12))}"] = 1.0
    iran_doc = any(s.has(IRAN) for s in segments)
    off = sum(s.off_topic for s in segments)
    if off:
        f[f"lex:off_topic_{_bucket(off, (1, 3))}"] = 1.0
    for i, s in enumerate(segments):
        if s.speaker is None:
            continue
        # The words spoken: the rest of this segment, or the next one when the line ends at ":".
        spoken = [s, *segments[i + 1 : i + 2]] if s.speaker_only else [s]
        other = {"ru": IRAN, "ir": RUSSIA}.get(s.speaker)
        if other is not None and any(x.has(other) for x in spoken):
            f[f"lex:{s.speaker}_speaks_on_other"] = 1.0
        elif s.speaker == "other" and any(x.has(IRAN) and x.has(RUSSIA) for x in spoken):
            f["lex:third_speaks_on_pair"] = 1.0
    russia_doc = bool(ru_segs)
    if iran_doc and russia_doc and not any(k.startswith("lex:pair_") for k in f):
        f["lex:apart"] = 1.0
        # One side in a sentence, the other in the next ("لاوروف گفت … / تهران حق دارد …"),
        # or the headline naming one and the first sentence the other: closer than "apart".
        for a, b in itertools.pairwise(segments):
            if (a.has(IRAN) and b.has(RUSSIA)) or (a.has(RUSSIA) and b.has(IRAN)):
                where = "title" if a.place == "title" else "body"
                f[f"lex:adjacent_{where}"] = 1.0
                if a.relations or b.relations:
                    f["lex:adjacent_relations"] = 1.0
    pairs = sum(1 for s in segments if s.has(IRAN) and s.has(RUSSIA))
    if pairs:
        f[f"lex:pairs_{_bucket(pairs, (1, 2, 4))}"] = 1.0
    if any("rum" in s.found for s in segments):
        f["lex:russian_outlet"] = 1.0
        if not any("ru" in s.found for s in segments):
            f["lex:russian_outlet_only"] = 1.0
    for cat in ("ir", "irp", "iri", "ira", "ru", "rup", "rua"):
        n = sum(len(s.found.get(cat, [])) for s in segments)
        if n:
            f[f"lex:{cat}_{_bucket(n, (1, 3))}"] = 1.0
    title = segments[0] if segments else None
    if title is not None:
        for side, cats in (("iran", IRAN), ("russia", RUSSIA)):
            if title.has(cats):
                f[f"lex:title_{side}"] = 1.0
    f[f"lex:segments_{_bucket(len(segments), (2, 4, 8, 20))}"] = 1.0
    f[
        f"lex:russia_share_{_bucket(round(10 * len(ru_segs) / max(1, len(segments))), (1, 3, 6))}"
    ] = 1.0
    grams: set[str] = set()
    for s in ru_segs:
        toks = s.masked
        grams.update(f"w:{t}" for t in toks)
        grams.update(f"w:{a} {b}" for a, b in itertools.pairwise(toks))
    if grams:
        value = 2.0 / math.sqrt(len(grams))  # n-grams weigh as much as two lexicon cues
        for g in grams:
            f[g] = value
    # Words of the sentences that name both sides, apart from the rest: "_ru_ … حمایت … _ir_"
    # in one sentence is the rubric's core; the same words beside Russia alone are not.
    pair_grams: set[str] = set()
    for s in segments:
        if s.has(IRAN) and s.has(RUSSIA):
            pair_grams.update(f"p:{t}" for t in s.masked)
            pair_grams.update(f"p:{a} {b}" for a, b in itertools.pairwise(s.masked))
    for g in pair_grams:
        f[g] = 1.0 / math.sqrt(len(pair_grams))
    # Four-letter pieces of the words around Russia: Persian inflects and compounds
    # (تحریم، تحریم‌ها، تحریمهای), so a piece learned from one form carries to the others.
    chars: set[str] = set()
    for s in ru_segs:
        for t in s.masked:
            if not t.startswith("_"):
                w = f"<{t}>"
                chars.update(f"c:{w[i : i + 4]}" for i in range(max(1, len(w) - 3)))
    for g in chars:
        f[g] = 1.0 / math.sqrt(len(chars))
    return f


_LEX_WORDS = {
    "apart": "both sides named, never in one sentence",
    "adjacent_title": "one side in the headline, the other in the next sentence",
    "adjacent_body": "the two sides in adjacent sentences",
    "adjacent_relations": "adjacent sentences naming the sides, with a relations word",
    "ru_speaks_on_other": "a Russian speaker on Iran (who: …)",
    "ir_speaks_on_other": "an Iranian speaker on Russia (who: …)",
    "third_speaks_on_pair": "a third party speaking of both",
    "russian_outlet": "a Russian outlet named",
    "russian_outlet_only": "Russia only as a news source",
    "title_iran": "Iran in the headline",
    "title_russia": "Russia in the headline",
}
_PAIR_KIND = {"strong": "both actors", "mixed": "an actor and the other side", "weak": "both sides"}


def describe(feature: str) -> str:
    """A feature name in words, for reasons: categories spelled out, Persian as written."""
    kind, _, body = feature.partition(":")
    if kind == "c":
        return f"«…{body.strip('<>')}…» (letters)"
    if kind in ("w", "p"):
        words = [_LABELS.get(t.strip("_"), t) if t.startswith("_") else t for t in body.split()]
        return "«" + " ".join(words) + "»"
    if body in _LEX_WORDS:
        return _LEX_WORDS[body]
    parts = body.split("_")
    if parts[0] == "pair" and len(parts) >= 2:
        if parts[1] in _PAIR_KIND:
            rest = " ".join(parts[2:])
            return f"{_PAIR_KIND[parts[1]]} in one sentence" + (f" ({rest})" if rest else "")
        if parts[1] == "opens":
            return f"that sentence opens with {_LABELS.get(parts[2], 'no actor')}"
        if parts[1] == "gap":
            return f"the two sides within {parts[2]} words"
        if parts[1] == "others":
            return f"other countries in that sentence: {parts[2]}"
    if parts[0] in _LABELS and len(parts) == 2:
        return f"{_LABELS[parts[0]]} named {parts[1]}×"
    if parts[0] == "pairs":
        return f"sentences naming both sides: {parts[1]}"
    if parts[0] == "segments":
        return f"sentences: {parts[1]}"
    if parts[0] == "russia" and parts[1] == "share":
        return f"sentences naming Russia: {parts[2]}/10"
    if body == "pair_off_topic":
        return "sport, health, culture or weather words where both sides meet"
    if parts[0] == "off":
        return f"off-topic words (sport, health, culture, weather): {parts[2]}"
    return body.replace("_", " ")
