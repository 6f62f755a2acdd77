"""What a duplicate check answers: its own module, free of numpy, so the stages that only pass
a ``Match`` along (the verdict, the record and story stages) import nothing heavy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Match:
    """A page duplicates article ``of``: same canonical URL, same text, or near text."""

    kind: Literal["url", "exact", "near"]
    of: int
    score: float
