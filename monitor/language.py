"""The language of a page: ISO 639-1 code ('fa', 'ar', 'en', 'ru', …) or 'und'.

Relevance is judged on Persian pages only; a page in another language is recorded with its
language, not forced through the Persian model. Two parts:

- Pages mostly in Arabic script are told apart as Persian or Arabic by letters and function
  words. py3langid's model alone calls old Persian agency copy written with Arabic ي/ك, and
  short Persian flashes, Arabic more often than this does (bench/language_eval.py measures it
  on ../shared); Persian has letters Arabic lacks (پ چ ژ گ), Arabic has ة and its article
  "ال" far more often, and each language's commonest words differ.
- Anything else goes to py3langid (a small model shipped inside the package, no download at
  run time), normalised to its probability so a handful of Latin letters is not a language.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from monitor.charmap import counter

UNDETERMINED = "und"
MIN_LETTERS = 12  # fewer letters than this: no language can be told

_NOISE = re.compile(r"https?://\S+|www\.\S+|[@#][\w\u200c]+|\S+\.(?:com|ir|org|net)\S*")
_ARABIC_SCRIPT = r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]"
_LETTER = r"[^\W\d_]"
_PERSIAN_ONLY = r"[پچژگ\u06cc\u06a9]"  # پ چ ژ گ and Persian ی ک
_ARABIC_ONLY = r"[ةىأإؤئ\u064b-\u0652]"  # ta marbuta, alef maqsura, hamzas, harakat
_arabic_script = counter(_ARABIC_SCRIPT)
_letters = counter(_LETTER)
_persian_only = counter(_PERSIAN_ONLY)
_arabic_only = counter(_ARABIC_ONLY)
_WORD = re.compile(r"[\u0600-\u06ff\u200c]+")
# fmt: off
_PERSIAN_WORDS = frozenset((
    "است", "را", "که", "این", "از", "به", "با", "برای", "می\u200cشود", "شد", "کرد", "می",
    "خواهد", "بود", "های", "ها", "هم", "نیز", "دارد", "گفت", "شده", "کرده", "اند", "یک", "تا",
    "آن", "وی", "ما",
))
_ARABIC_WORDS = frozenset((
    "في", "من", "على", "إلى", "الى", "عن", "أن", "ان", "التي", "الذي", "هذا", "هذه", "كان",
    "قد", "لا", "ما", "مع", "بين", "وقال", "قال", "ذلك",
))
# fmt: on


def detect_language(text: str) -> str:
    """The ISO 639-1 code of ``text``'s main language, or 'und' when it cannot be told."""
    clean = _NOISE.sub(" ", text or "")
    letters = _letters(clean)
    if letters < MIN_LETTERS:
        return UNDETERMINED
    if _arabic_script(clean) >= 0.5 * letters:
        return _persian_or_arabic(clean)
    code, prob = _identifier().classify(clean)
    return str(code) if prob >= 0.5 else UNDETERMINED


def _persian_or_arabic(text: str) -> str:
    """Letters and function words: points for Persian against points for Arabic."""
    words = _WORD.findall(text)
    fa = 2 * _persian_only(text) + 3 * sum(w in _PERSIAN_WORDS for w in words)
    ar = 2 * _arabic_only(text) + 3 * sum(w in _ARABIC_WORDS for w in words)
    ar += sum(w.startswith("ال") and len(w) > 3 for w in words)
    if fa == ar == 0:
        code, _ = _identifier().classify(text)
        return str(code) if code in ("fa", "ar", "ur", "ps", "ku") else UNDETERMINED
    return "fa" if fa >= ar else "ar"


@lru_cache(maxsize=1)
def _identifier() -> Any:
    """py3langid's packaged model (loaded once, on first use; probabilities normalised)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_pickled_model(MODEL_FILE, norm_probs=True)
