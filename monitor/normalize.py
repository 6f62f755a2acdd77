"""Persian text normalization: one canonical form for fingerprints, one display form for people.

Real pages spell the same story many ways: Arabic ي/ك or Persian ی/ک, with or without the
zero-width non-joiner (ZWNJ), Persian, Arabic-Indic or ASCII digits, tatweel and diacritics.
``canonical_text`` folds all of that away so that the same story always fingerprints the same;
``display_text`` only repairs letters and spacing and keeps the ZWNJ, because stored and shown
text must read correctly ("می‌شود", not "میشود").

Change ``NORMALIZER_VERSION`` whenever the canonical output can change (a rule here, or a new
hazm release): fingerprints record the version they were made with, and a mismatch triggers a
re-fingerprint rather than silent misses.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from functools import lru_cache
from importlib.metadata import version as _pkg_version
from pathlib import Path
from typing import TYPE_CHECKING

from monitor.charmap import translator

if TYPE_CHECKING:
    from hazm import Normalizer

# The rules' own version: bump it whenever a rule below changes the canonical output.
# canon-2: HTML entities decoded first; soft hyphen dropped as a zero-width character.
RULES_VERSION = "canon-2"
# hazm's release is part of the version, so upgrading hazm also re-fingerprints.
HAZM_VERSION = _pkg_version("hazm")
NORMALIZER_VERSION = f"{RULES_VERSION}+hazm-{HAZM_VERSION}"

# Digits of every script to ASCII: Persian (U+06F0–9) and Arabic-Indic (U+0660–9).
PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
ARABIC_INDIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"
_DIGITS = {ord(c): str(i) for i, c in enumerate(PERSIAN_DIGITS)}
_DIGITS.update({ord(c): str(i) for i, c in enumerate(ARABIC_INDIC_DIGITS)})

# Letter variants that carry no meaning for "is this the same text".
_LETTERS = str.maketrans(
    {
        "ي": "ی",
        "ى": "ی",
        "ئ": "ی",
        "ك": "ک",
        "ۀ": "ه",
        "ة": "ه",
        "ہ": "ه",
        "أ": "ا",
        "إ": "ا",
        "ٱ": "ا",
        "آ": "ا",
        "ؤ": "و",
    }
)
_FOLD = {**_DIGITS, **_LETTERS}
# Display keeps آ and ئ (they are real Persian spelling) but fixes Arabic code points.
_DISPLAY_LETTERS = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ہ": "ه"})
# The tables above as functions (``str.translate`` is slow on Persian text: monitor/charmap.py).
_fold_digits = translator(_DIGITS)
_fold_letters = translator(_FOLD)
_display_letters = translator(_DISPLAY_LETTERS)

_ZERO_WIDTH = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_DIACRITICS = re.compile(
    "[\u064b-\u065f\u0670\u06d6-\u06ed\u0640]"
)  # harakat, superscript alef, tatweel
_NON_WORD_KEEP_LINES = re.compile(r"[^\w\n]+", re.UNICODE)
# display_text's rules.
_INVISIBLE = re.compile("[\u200b\u200d\u200e\u200f\ufeff]")
_ZWNJ_RUN = re.compile("\u200c{2,}")
_BLANKS = re.compile(r"[ \t\u00a0]+")


@lru_cache(maxsize=1)
def _hazm() -> Normalizer:
    # Imported here, not at the top: hazm pulls in scikit-learn, SciPy and NLTK (seconds of
    # CPU), and commands that only read the store never need it.
    from hazm import Normalizer

    # One fixed configuration: hazm's defaults changed between releases, so every flag is named.
    return Normalizer(
        correct_spacing=False,
        remove_diacritics=True,
        remove_specials_chars=True,
        decrease_repeated_chars=False,
        persian_style=False,
        persian_numbers=False,
        unicodes_replacement=True,
        seperate_mi=False,
    )


# hazm's steps in the configuration of ``_hazm``, as data: the translation table and the
# patterns, with the hazm release they were read from (``python -m monitor.normalize`` writes
# it; tests/test_normalize.py checks it equals what the installed hazm builds).
HAZM_STEPS_FILE = Path(__file__).with_name("data") / "hazm_steps.json"


class _HazmSteps:
    """hazm's ``Normalizer.normalize`` in the configuration above, with its tables built once.

    hazm rebuilds its 400-entry translation table on every ``normalize`` call and passes
    pattern strings to ``re.sub`` one at a time; on short lines that set-up is most of the
    cost (a profile of a crawl put 18% of its CPU there). The steps, their order and their data
    are hazm's own, only prepared once; tests compare the output with ``Normalizer.normalize``
    itself.

    Importing hazm at all costs seconds: its package ``__init__`` imports its taggers, which
    import scikit-learn, SciPy, NLTK and gensim, none of which the normalizer uses. So the
    steps are read from ``HAZM_STEPS_FILE`` when it was written from the installed hazm
    release, and from a ``Normalizer`` instance (importing hazm) otherwise: a hazm upgrade
    falls back to hazm itself until the file is rewritten, never to stale data.
    """

    def __init__(self, table: dict[int, str], patterns: list[tuple[str, str]]) -> None:
        self.table = table
        self.translate = translator(table)
        self.pattern_strings = patterns
        self.patterns = [(re.compile(pattern), repl) for pattern, repl in patterns]

    @classmethod
    def from_normalizer(cls, normalizer: Normalizer) -> _HazmSteps:
        from hazm.utils import maketrans

        # normalize()'s order: diacritics, unicode replacements, special characters.
        patterns = [
            *normalizer.diacritics_patterns,
            *normalizer.replacements,
            *normalizer.specials_chars_patterns,
        ]
        table = maketrans(normalizer.translation_src, normalizer.translation_dst)
        return cls(table, [(pattern, repl) for pattern, repl in patterns])

    @classmethod
    def from_file(cls, path: Path) -> _HazmSteps | None:
        """The steps saved in ``path``, or None when it is missing, unreadable or was written
        from another hazm release than the installed one."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("hazm") != HAZM_VERSION:
                return None
            table = {int(k): v for k, v in data["table"].items()}
            patterns = [(pattern, repl) for pattern, repl in data["patterns"]]
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None
        return cls(table, patterns)

    def to_json(self) -> str:
        data = {
            "hazm": HAZM_VERSION,
            "table": {str(k): v for k, v in sorted(self.table.items())},
            "patterns": [list(p) for p in self.pattern_strings],
        }
        return json.dumps(data, indent=1) + "\n"

    def normalize(self, text: str) -> str:
        text = self.translate(text)
        for pattern, repl in self.patterns:
            text = pattern.sub(repl, text)
        return text


@lru_cache(maxsize=1)
def _hazm_steps() -> _HazmSteps:
    return _HazmSteps.from_file(HAZM_STEPS_FILE) or _HazmSteps.from_normalizer(_hazm())


def hazm_normalize(text: str) -> str:
    """hazm's normalization in the project's fixed configuration (see ``_HazmSteps``)."""
    return _hazm_steps().normalize(text)


def fold_digits(text: str) -> str:
    """Persian and Arabic-Indic digits to ASCII."""
    return _fold_digits(text)


def _fold(text: str) -> str:
    """Every canonical rule except the final whitespace collapse; newlines survive."""
    text = html.unescape(text)
    text = unicodedata.normalize("NFKC", text)
    text = _ZERO_WIDTH.sub("", text)
    text = hazm_normalize(text)
    text = _ZERO_WIDTH.sub("", text)  # hazm may reinsert ZWNJ around affixes
    text = _DIACRITICS.sub("", text)
    text = _fold_letters(text)
    return _NON_WORD_KEEP_LINES.sub(" ", text).replace("_", " ").lower()


def canonical_text(text: str) -> str:
    """The fingerprint form: letters folded, no ZWNJ, no punctuation, single spaces.

    Steps, in order: HTML entities decoded (a republisher's CMS may leave ``&zwnj;`` or
    ``&#1740;`` in text), NFKC, zero-width characters dropped, hazm's ``Normalizer`` in one fixed
    configuration, diacritics and tatweel dropped, digits of every script to ASCII, letter
    variants folded (ي/ى/ئ→ی, ك→ک, ۀ/ة→ه, أ/إ/ٱ/آ→ا, ؤ→و), punctuation to spaces, whitespace
    collapsed, lower case.

    Idempotent: ``canonical_text(canonical_text(x)) == canonical_text(x)``.
    """
    return " ".join(_fold(text).split())  # whitespace collapsed: str.split's whitespace is \s


def canonical_lines(text: str, keep_empty: bool = False) -> list[str]:
    """``canonical_text`` of each line, in one pass over the text (much faster than one call
    per line: hazm's per-call set-up dominates short lines). Blank results are dropped unless
    ``keep_empty``, which keeps one entry per ``\n``-separated input line when it can (an
    entity such as ``&#10;`` can add lines; callers aligning with the input must check)."""
    lines = [" ".join(line.split()) for line in _fold(text).split("\n")]
    return lines if keep_empty else [line for line in lines if line]


def search_text(*parts: str | None) -> str:
    """What an article or a copy is searched on: the search tokens of its headline, lead and
    body (``monitor.searchtext``: the canonical form plus compounds and light suffix folding,
    without hazm, so queries can be normalized the same way at no import cost)."""
    from monitor.searchtext import search_document

    return search_document(*parts)


def tokens(text: str) -> list[str]:
    """Whole canonical tokens, for matching words and never substrings ("ویروس" is not "روس")."""
    return canonical_text(text).split()


def display_text(text: str, *, persian_letters: bool = True) -> str:
    """Text for storage and display: tidy spacing, ZWNJ kept, digits untouched.

    ``persian_letters`` swaps Arabic ي/ى/ك for the standard Persian letters, which is right for
    Persian text only: an Arabic page keeps its own letters (``persian_letters=False``).
    """
    text = unicodedata.normalize("NFC", text)
    if persian_letters:
        text = _display_letters(text)
    text = _INVISIBLE.sub("", text)
    text = _ZWNJ_RUN.sub("\u200c", text)
    if "  " in text or "\t" in text or "\u00a0" in text:  # else every run is one space
        text = _BLANKS.sub(" ", text)
    lines = [line.strip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


if __name__ == "__main__":  # python -m monitor.normalize: rewrite HAZM_STEPS_FILE from hazm
    HAZM_STEPS_FILE.write_text(_HazmSteps.from_normalizer(_hazm()).to_json(), encoding="utf-8")
    print(f"wrote {HAZM_STEPS_FILE} from hazm {HAZM_VERSION}")
