"""A short passage of a copy's text around the words a query matched, with their places.

Built in Python from the stored text, not by the backend (FTS5's ``snippet()`` has no
PostgreSQL twin, and ``ts_headline`` re-reads whole documents): both backends get the same
snippet, and the marks are character offsets, so a table can embolden them, JSON can carry them
and a web page can wrap them in ``<mark>`` after escaping the text, with no markup ever
interpreted from stored text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from monitor.searchtext import is_compound_head, search_tokens

_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class Snippet:
    text: str
    marks: tuple[tuple[int, int], ...]  # [start, end) offsets of matched words in ``text``

    def as_json(self) -> dict[str, object]:
        return {"text": self.text, "marks": [list(m) for m in self.marks]}


def make_snippet(text: str, wanted: set[str], width: int = 24) -> Snippet:
    """About ``width`` words of ``text`` around its densest run of wanted tokens."""
    words = [(m.start(), m.end()) for m in _WORD.finditer(text)]
    if not words:
        return Snippet("", ())
    hits: list[tuple[int, int]] = []  # (first word, last word) of each match
    i = 0
    while i < len(words):
        head = is_compound_head(text[words[i][0] : words[i][1]])
        for n in (3, 2, 1) if head else (1,):  # a compound may be written as 2 or 3 words
            if i + n > len(words):
                continue
            toks = search_tokens(text[words[i][0] : words[i + n - 1][1]])
            if (len(toks) == 1 or n == 1) and any(t in wanted for t in toks):
                hits.append((i, i + n - 1))
                i += n
                break
        else:
            i += 1
    if hits:
        best = max(hits, key=lambda h: sum(1 for o in hits if 0 <= o[0] - h[0] < width))
        start = max(0, best[0] - width // 4)
    else:
        start = 0
    end = min(len(words), start + width)
    lo, hi = words[start][0], words[end - 1][1]
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(words) else ""
    body = text[lo:hi].replace("\n", " ")
    marks = tuple(
        (len(prefix) + words[a][0] - lo, len(prefix) + words[b][1] - lo)
        for a, b in hits
        if a >= start and b < end
    )
    return Snippet(prefix + body + suffix, marks)
