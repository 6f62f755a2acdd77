"""What a seed article's text says about itself: its headline and its date.

Seeds are plain text files; some start with a headline, one starts straight with the story
("به گزارش حوزه سیاست خارجی ایرنا، …"), and some state their publication time
("سه شنبه 14 آذر 1402 - 18:23"). A seed gets the date its text states, so date filters treat
it like any other copy, and a headline-less seed is titled from its first sentence with the
attribution clause taken off.
"""

from __future__ import annotations

import re
from datetime import datetime

# How far into a seed its date line may be: the headline (twice, sometimes) comes first.
_HEAD_LINES = 6
_TITLE_CHARS = 120
_SENTENCE_END = re.compile(r"[.!؟?]\s")


def seed_title(text: str) -> str:
    """The first line when it is a headline, else the first sentence without its
    attribution clause, cut at a word boundary near 120 characters."""
    lines = [line for line in text.splitlines() if line.strip()]
    first = lines[0].strip() if lines else ""
    if len(first) < 200 and not first.startswith("به گزارش"):
        return first
    from monitor.attribution import strip_attribution

    sentence = _SENTENCE_END.split(strip_attribution(first).strip() + " ", maxsplit=1)[0]
    sentence = sentence.strip().rstrip(".")
    if len(sentence) <= _TITLE_CHARS:
        return sentence
    cut = sentence[:_TITLE_CHARS].rsplit(" ", 1)[0]
    return cut + "…"


def seed_date(text: str) -> datetime | None:
    """The publication time a seed's opening lines state (Tehran time, returned in UTC)."""
    from monitor.dates import parse_persian_date

    for line in text.splitlines()[:_HEAD_LINES]:
        if re.search(r"\d", line) and len(line) < 80:
            when = parse_persian_date(line)
            if when is not None:
                return when
    return None
