"""What people type into ``monitor query``, parsed into a backend-neutral ``TextQuery``.

Syntax: words must all appear (in any copy of a story); ``"quoted words"`` must appear in that
order, side by side; ``-word`` or ``-"a phrase"`` must not appear; ``A OR B`` accepts either.
Every part goes through ``monitor.searchtext``, the index's own normalization, so "راه آهن",
"راه‌آهن" and "راهآهن" are one query. Unquoted words are normalized as one run, so a compound
typed with a space is joined exactly as it is in the index; the commonest function words
("و", "در", "به" …) are dropped from such a run (they would match nearly every story) but kept
inside quotes.
"""

from __future__ import annotations

import re

from monitor.searchtext import search_tokens
from storage.search import Phrase, TextQuery


class QueryError(ValueError):
    """The query cannot be searched; the message says why, in one line."""


STOPWORDS = frozenset(
    [
        "و",
        "در",
        "به",
        "از",
        "که",
        "را",
        "با",
        "این",
        "آن",
        "برای",
        "تا",
        "یا",
        "هم",
        "بر",
        "است",
        "شد",
        "شده",
        "می",
    ]
)
# A quoted phrase (optionally excluded), the OR keyword, or a bare word (optionally excluded).
_PART = re.compile(r'(-?)"([^"]*)"|(?<!\S)(OR)(?!\S)|(-?)(\S+)')


def parse_query(text: str) -> TextQuery | None:
    """``None`` for an empty query (list everything); ``QueryError`` for one that cannot match."""
    units: list[tuple[str, str, bool]] = []  # (kind, text, excluded); kind: phrase|word|or
    for m in _PART.finditer(text or ""):
        if m.group(2) is not None:
            units.append(("phrase", m.group(2), m.group(1) == "-"))
        elif m.group(3):
            units.append(("or", "OR", False))
        else:
            word = m.group(5)
            excluded = m.group(4) == "-" and len(word) > 0
            units.append(("word", word, excluded))
    if not units:
        return None
    groups: list[list[Phrase]] = []
    exclude: list[Phrase] = []
    run: list[str] = []
    pending_or = False

    def flush_run() -> None:
        tokens = search_tokens(" ".join(run))
        kept = [t for t in tokens if t not in STOPWORDS] or tokens
        groups.extend([(t,)] for t in kept)
        run.clear()

    for i, (kind, value, excluded) in enumerate(units):
        if kind == "or":
            if (not groups and not run) or i == len(units) - 1:
                raise QueryError("OR needs a word on each side")
            pending_or = True
            continue
        next_is_or = i + 1 < len(units) and units[i + 1][0] == "or"
        if kind == "word" and not excluded and not pending_or and not next_is_or:
            run.append(value)
            continue
        if run:
            flush_run()
        tokens = tuple(search_tokens(value))
        if not tokens:
            pending_or = False
            continue
        if excluded:
            exclude.append(tokens)
        elif pending_or and groups:
            groups[-1].append(tokens)
        else:
            groups.append([tokens])
        pending_or = False
    if run:
        flush_run()
    if not groups:
        if exclude:
            raise QueryError("a query needs at least one word that is not excluded")
        raise QueryError(f"nothing to search for in {text!r}")
    return TextQuery(tuple(tuple(dict.fromkeys(g)) for g in groups), tuple(exclude))
