"""Agency furniture in extracted lines: what is never article text, and how it is recognised.

trafilatura keeps lines that belong to the page, not the story: end markers ("انتهای پیام"),
news codes, comment prompts, "read more" and "most viewed" link lists, date lines, and the
headline or lead repeated above the body. This filter runs on every page after extraction,
with the outlet's own ``boilerplate`` phrases added to the generic ones below.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Sequence
from functools import lru_cache
from importlib.resources import files
from typing import Any

from monitor.dates import parse_persian_date
from monitor.normalize import canonical_lines, canonical_text, display_text

_PERSIAN_LETTER = re.compile("[\u0600-\u06ff]")


@lru_cache(maxsize=1)
def _data() -> dict[str, tuple[str, ...]]:
    """monitor/data/boilerplate.toml: phrases, list headings and end markers, as data."""
    raw = tomllib.loads(files("monitor").joinpath("data/boilerplate.toml").read_text("utf-8"))
    return {key: tuple(raw[key]) for key in ("phrases", "list_headings", "end_markers")}


def generic_boilerplate() -> tuple[str, ...]:
    """The generic furniture phrases (before any outlet's own)."""
    return _data()["phrases"]


def boilerplate_keys(outlet: Any) -> list[str]:
    return list(_phrase_keys(tuple(getattr(outlet, "boilerplate", ()))))


@lru_cache(maxsize=256)
def _phrase_keys(extra: tuple[str, ...]) -> tuple[str, ...]:
    """Canonical keys of the generic phrases and an outlet's own, longest first: normalized
    once per outlet, not once per page (re-normalizing them cost 18% of a crawl's CPU)."""
    phrases = [*generic_boilerplate(), *extra]
    keys = {k for k in (canonical_text(p) for p in phrases) if k}
    return tuple(sorted(keys, key=len, reverse=True))


@lru_cache(maxsize=1)
def _marker_keys() -> tuple[frozenset[str], tuple[str, ...]]:
    """Canonical list headings and end markers, normalized once."""
    headings = frozenset(canonical_text(h) for h in _data()["list_headings"])
    return headings, tuple(canonical_text(m) for m in _data()["end_markers"])


def line_keys(lines: list[str]) -> list[str]:
    """``canonical_text`` of each line, in one normalization pass over them all.

    Falls back to one call per line when the joined text does not split back into as many
    lines (an entity such as ``&#10;`` in a line can add one), so the keys always align.
    """
    if not any("\n" in line for line in lines):
        keys = canonical_lines("\n".join(lines), keep_empty=True)
        if len(keys) == len(lines):
            return keys
    return [canonical_text(line) for line in lines]


def is_boilerplate(key: str, phrases: Sequence[str]) -> bool:
    for phrase in phrases:
        if key == phrase:
            return True
        if key.startswith(phrase + " ") and len(key.split()) <= len(phrase.split()) + 8:
            return True
    return False


def is_date_line(line: str) -> bool:
    return len(line) <= 70 and parse_persian_date(line) is not None


def clean_lines(
    lines: list[str],
    title: str,
    lead: str | None,
    outlet: Any = None,
    display: Callable[[str], str] = display_text,
) -> list[str]:
    """Remove furniture from extracted lines: end markers, boilerplate, date lines, lists,
    and a leading copy of the headline or lead. ``display`` gives each kept line its display
    form (an Arabic page keeps its letters)."""
    phrases = _phrase_keys(tuple(getattr(outlet, "boilerplate", ())))
    headings, end_markers = _marker_keys()
    shown = [line for line in (display(raw).strip(" -|") for raw in lines) if line]
    out: list[str] = []
    in_list = False
    for line, key in zip(shown, line_keys(shown), strict=True):
        if any(key.startswith(m) for m in end_markers):
            break
        if any(key.startswith(h) for h in headings) and len(key.split()) <= 6:
            in_list = True
            continue
        if in_list:
            if len(key.split()) < 15:
                continue
            in_list = False
        if not key or is_boilerplate(key, phrases) or is_date_line(line):
            continue
        if not _PERSIAN_LETTER.search(line) and len(line.split()) < 5:
            continue  # stray Latin widgets ("newsQrCode", "triboon")
        out.append(line)
    out = drop_leading_copies(out, title, lead)
    return drop_trailing_list(out)


def drop_leading_copies(lines: list[str], title: str, lead: str | None) -> list[str]:
    """The headline, lead and short menu items that some pages repeat above the body."""
    copies = {canonical_text(t) for t in (title, lead) if t}
    while lines:
        key = canonical_text(lines[0])
        # A copy, or a cut copy, of the headline or lead; a long paragraph that merely begins
        # with the lead (merged blocks) is body text and stays.
        if key in copies or any(
            c and (c.startswith(key) or (key.startswith(c) and len(key) <= 1.3 * len(c)))
            for c in copies
        ):
            lines = lines[1:]
        elif len(key.split()) <= 3 and len(lines) > 1:
            lines = lines[1:]  # "ورزشی", "فوتبال ایران", "نظرات": breadcrumb and menu items
        else:
            break
    return lines


def drop_trailing_list(lines: list[str]) -> list[str]:
    """A run of two or more very short lines at the end is an ad or link list."""
    end = len(lines)
    while end > 0 and len(lines[end - 1].split()) <= 3:
        end -= 1
    if len(lines) - end >= 2 or (len(lines) - end == 1 and len(lines[-1]) < 12):
        return lines[:end]
    return lines
