"""Character tables and classes on Persian text, without Python's per-character costs.

CPython's ``str.translate`` has a fast path for ASCII text only. On any other string it looks
every character up in the table, and a character the table lacks (nearly all of them: the
tables here change a few dozen letters and digits) costs a ``KeyError`` raised and cleared:
about 75 ns a character, which made the table lookups most of the time ``canonical_text`` and
``display_text`` spend on an article. ``translator`` finds the characters that change with one
regular-expression character class and replaces only those, with exactly the result
``str.translate`` gives (each character mapped once, left to right; ``tests/test_hot_paths.py``
compares the two). ``counter`` counts the characters of a class the same way.

No dependency beyond the standard library: ``monitor.searchtext`` uses it and must stay light.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping


def translator(table: Mapping[int, str | int | None]) -> Callable[[str], str]:
    """A function equal to ``lambda text: text.translate(table)``, ten times faster on
    non-ASCII text."""
    # What str.translate makes of each key, so None (delete) and int values mean the same.
    changes = {c: c.translate(table) for c in map(chr, table)}
    changes = {c: new for c, new in changes.items() if new != c}
    if not changes:
        return str
    pattern = re.compile("[" + "".join(re.escape(c) for c in sorted(changes)) + "]")
    replacement = changes.__getitem__

    def translate(text: str) -> str:
        return pattern.sub(lambda m: replacement(m.group()), text)

    return translate


def counter(char_class: str) -> Callable[[str], int]:
    """A function giving how many characters of a text are in ``char_class`` (a regular
    expression class such as ``"[a-z]"``): ``len(re.findall(char_class, text))``, but found
    as runs, not as one string object per character (most letters of a Persian page are in
    the classes this counts)."""
    runs = re.compile(f"(?:{char_class})+")

    def count(text: str) -> int:
        return sum(map(len, runs.findall(text)))

    return count
