"""Search tokens: one Persian normalization for the index and for what people type.

Why not ``monitor.normalize.canonical_text``? It imports hazm, which pulls in scikit-learn,
SciPy and NLTK: about two seconds of CPU before ``monitor query`` could print anything. This
module folds text to the same canonical form with the standard library only
(``tests/test_searchtext.py`` checks that ``fold`` equals ``canonical_text`` on thousands of real
articles and posts), then adds what a search needs on top:

- ZWNJ, space and joined spellings of a word find each other: the ZWNJ joins
  ("راه‌آهن" → ``راهاهن``), and a short list of compounds that people also write with a space
  (``monitor/data/compounds.txt``: "راه آهن", "گفت و گو") is joined the same way;
- light suffix folding that cannot turn one word into another: the plural ها/های/هایی and the
  ezafe ی when a ZWNJ or a space marks them off ("همکاری‌ها", "همکاری ها", "خانه‌ی"), a joined
  plural ها after a stem of three letters or more unless the whole word is on the exception list
  ("همکاریها" → ``همکاری`` but "تنها" stays), and a joined ههای ("خانههای" → ``خانه``);
- a joined ezafe ی after a compound of the list ("گفتگوی" → ``گفتگو``), where the list says
  the stem is a word (after other words a final ی is too often part of the word: "معنوی");
- the verb prefixes می/نمی written apart are joined to their verb ("می شود" = "می‌شود" = "میشود").

Tokens are whole words: the index never matches inside a word ("روس" is not in "ویروس").
Change ``SEARCH_VERSION`` whenever a rule here changes, so stored search text can be rebuilt.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache
from importlib import resources

from monitor.charmap import translator

SEARCH_VERSION = "search-1"

# Persian and Arabic-Indic digits to ASCII.
_DIGITS = {ord(c): str(i) for i, c in enumerate("۰۱۲۳۴۵۶۷۸۹")}
_DIGITS.update({ord(c): str(i) for i, c in enumerate("٠١٢٣٤٥٦٧٨٩")})
# Letters with the same meaning for search, folded to one Persian letter. The first group is
# what canonical_text folds; the second covers Arabic-script letters of other languages that
# turn up in Persian pages typed on foreign keyboards.
_LETTERS = {
    "ي": "ی", "ى": "ی", "ئ": "ی", "ك": "ک", "ۀ": "ه", "ة": "ه", "ہ": "ه",
    "أ": "ا", "إ": "ا", "ٱ": "ا", "آ": "ا", "ؤ": "و",
    "ھ": "ه", "ە": "ه", "ۃ": "ه", "ۂ": "ه", "ڪ": "ک", "ڭ": "گ", "ګ": "ک", "ڳ": "گ",
    "ې": "ی", "ێ": "ی", "ۍ": "ی", "ے": "ی", "ۓ": "ی", "ٸ": "ی", "ؠ": "ی",
    "ۆ": "و", "ۇ": "و", "ۈ": "و", "ۉ": "و", "ۋ": "و", "ۅ": "و", "ۏ": "و",
    "ٹ": "ت", "ٺ": "ت", "ٻ": "ب", "ڀ": "ب", "ڈ": "د", "ڑ": "ر", "ں": "ن", "ڻ": "ن",
}  # fmt: skip
_FOLD = str.maketrans({**{chr(k): v for k, v in _DIGITS.items()}, **_LETTERS})
_fold_letters = translator(_FOLD)  # str.translate is slow on Persian text
# Ligatures NFKC leaves alone and canonical_text spells out.
_WORDS = {"﷽": "بسم الله الرحمن الرحیم", "﷼": "ریال", "ﷲ": "الله"}
_WORDS_RE = re.compile("|".join(map(re.escape, _WORDS)))
# Dropped without a trace (not replaced by a space): zero-width characters except the ZWNJ,
# tatweel, Arabic harakat and Quranic marks, the Arabic full stop and a few signs.
_DROP = re.compile(
    "[\u00ad\u200b\u200d-\u200f\u202a-\u202e\u2066-\u2069\ufeff\u0640"
    "\u0605\u0610-\u061a\u061e\u064b-\u065f\u0670\u06d4\u06d6-\u06ed\u06fd\u06fe\u08ad\u08d4-\u08ff]"
)
_ZWNJ = "\u200c"
_NON_WORD = re.compile(r"[^\w\n]+")
_SPACES = re.compile(r"\s+")

PLURAL = ("هایی", "های", "ها")
_EZAFE = "ی"
# Words that end in ها without being plurals: never stripped.
_NOT_PLURAL = frozenset(
    {"تنها", "رها", "بها", "انتها", "اشتها", "اشتباها", "الها", "اژدها", "شبها"}
)
_MI = frozenset({"می", "نمی"})
# Letters that never join the next one: after them a ZWNJ is invisible and often left out.
_NON_JOINING = "ادذرزژو"


def _marked(text: str) -> str:
    """Folded text in which a ZWNJ is ``_`` (a word character) and anything else not a
    word character is a space; newlines survive."""
    text = html.unescape(text)
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("_", " ")
    text = _WORDS_RE.sub(lambda m: _WORDS[m.group()], text)
    text = _DROP.sub("", text)
    text = _fold_letters(text)
    text = text.replace(_ZWNJ, "_")
    return _NON_WORD.sub(" ", text).lower()


def fold(text: str) -> str:
    """The canonical form (``canonical_text``'s output) without importing hazm."""
    return _SPACES.sub(" ", _marked(text).replace("_", "")).strip()


def _word(parts: list[str]) -> str:
    """One written word (ZWNJ-separated parts) as a search token, suffixes folded."""
    while len(parts) > 1 and (parts[-1] in PLURAL or parts[-1] == _EZAFE):
        parts = parts[:-1]
    token = "".join(parts)
    if len(parts) > 1:
        return token  # the ZWNJ already showed where the suffix was
    return _strip_joined_plural(token)


def _strip_joined_plural(token: str) -> str:
    """A plural written without its ZWNJ. ها after a stem of three letters or more is a
    plural unless the word is a known exception; های/هایی only after a stem that ends in ه
    ("خانههای") or in a letter that never joins the next one ("کشورهای"), because after any
    other letter it may be an indefinite ای ("برنامهای" is برنامه + ای, not برنام + های)."""
    if token in _NOT_PLURAL:
        return token
    for suffix in ("هایی", "های"):
        stem = token[: -len(suffix)]
        if token.endswith(suffix) and len(stem) >= 3 and stem[-1] in _NON_JOINING + "ه":
            return stem
    if token.endswith("ها") and len(token) >= 5:
        return token[:-2]
    return token


@lru_cache(maxsize=1)
def _compounds() -> dict[tuple[str, ...], str]:
    """Spellings of a compound as token tuples, each mapped to the joined token."""
    text = resources.files("monitor").joinpath("data/compounds.txt").read_text("utf-8")
    table: dict[tuple[str, ...], str] = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        spellings = [s.strip() for s in line.split("|") if s.strip()]
        joined = "".join(_raw_words(spellings[0]))
        for spelling in spellings:
            words = tuple(_raw_words(spelling))
            if len(words) > 1 or (words and words[0] != joined):
                table[words] = joined
    return table


@lru_cache(maxsize=1)
def _compound_tokens() -> frozenset[str]:
    return frozenset(_compounds().values())


def _raw_words(text: str) -> list[str]:
    return [w.replace("_", "") for w in _marked(text).split()]


def _longest(table: dict[tuple[str, ...], str]) -> int:
    return max((len(k) for k in table), default=1)


def search_tokens(text: str) -> list[str]:
    """The tokens ``text`` is indexed (and searched) as, in order."""
    words = [w for w in _marked(text).split() if w.strip("_")]
    table = _compounds()
    longest = _longest(table)
    heads = compound_heads()
    out: list[str] = []
    i = 0
    while i < len(words):
        # Compounds first, on the words as written (ZWNJ folded away); only a compound's
        # first word can start one of two words or more.
        widest = longest if words[i].replace("_", "") in heads else 1
        plain = [w.replace("_", "") for w in words[i : i + widest]]
        for n in range(min(widest, len(plain)), 0, -1):
            joined = table.get(tuple(plain[:n]))
            if joined is not None:
                out.append(joined)
                i += n
                break
        else:
            word = words[i]
            i += 1
            parts = [p for p in word.split("_") if p]
            if out and (word in PLURAL or word == _EZAFE):
                continue  # "همکاری ها": the suffix belongs to the word before
            if out and word == "ای" and out[-1].endswith("ه"):
                out[-1] += word  # "هسته ای" is "هسته‌ای"
                continue
            if parts == [word] and word in _MI and i < len(words):
                parts = [word, *[p for p in words[i].split("_") if p]]
                i += 1
            token = _word(parts)
            token = table.get((token,), token)
            if token.endswith(_EZAFE) and token[:-1] in _compound_tokens():
                token = token[:-1]  # "گفتگوی": ezafe after a vowel, on a known compound
            out.append(token)
    return out


def search_document(*fields: str | None) -> str:
    """What the store keeps in ``search_text``: the fields' tokens, space-separated."""
    return " ".join(search_tokens("\n".join(f for f in fields if f)))


@lru_cache(maxsize=1)
def compound_heads() -> frozenset[str]:
    """First words of the multi-word compound spellings: only after one of these can two or
    three written words be a single search token."""
    return frozenset(key[0] for key in _compounds() if len(key) > 1)


def is_compound_head(word: str) -> bool:
    return "".join(_raw_words(word)) in compound_heads()
