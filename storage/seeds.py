"""The seed articles: the stories every crawled page is first compared with.

They ship in the repository's ``seeds/`` folder (byte-identical to the analysts' set) and are
loaded into ``articles`` with ``seed_file`` set, so a republished seed is recorded as a sighting
of that row like any other duplicate.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.normalize import canonical_text, display_text
from storage.models import Article
from storage.writes import save_fingerprint

log = logging.getLogger(__name__)

SEEDS_ENV = "MONITOR_SEEDS"
# Seeds' home outlets, by file-name prefix (the order the analysts numbered them in).
SEED_OUTLETS = {"000": "mehr", "001": "jamejam", "002": "alalam", "003": "irna", "004": "tasnim"}


@dataclass(frozen=True)
class Seed:
    file: str
    title: str
    text: str
    outlet: str | None


def seeds_dir() -> Path:
    """``$MONITOR_SEEDS``, else ``seeds/`` beside the package (checkout or installed copy)."""
    if env := os.environ.get(SEEDS_ENV):
        return Path(env)
    here = Path(__file__).resolve().parent.parent / "seeds"
    return here


def read_seed(path: Path) -> Seed:
    text = display_text(path.read_bytes().decode("utf-8-sig"))
    lines = text.splitlines()
    first = lines[0] if lines else ""
    # A seed's first line is its headline unless the file starts straight with the story.
    is_headline = len(first) < 200 and not first.startswith("به گزارش")
    title = first if is_headline else first.split("،")[0][:120]
    return Seed(path.name, title, text, SEED_OUTLETS.get(path.name[:3]))


def load_seeds(directory: Path | None = None) -> list[Seed]:
    directory = directory or seeds_dir()
    return [read_seed(p) for p in sorted(directory.glob("*.txt"))]


def ensure_seeds(session: Session, directory: Path | None = None) -> int:
    """Insert seeds that are not in the store yet; returns how many were added."""
    have = set(session.scalars(select(Article.seed_file).where(Article.seed_file.is_not(None))))
    added = 0
    for seed in load_seeds(directory):
        if seed.file in have:
            continue
        article = Article(
            canonical_url=f"seed:{seed.file}",
            url=f"seed:{seed.file}",
            outlet=seed.outlet,
            seed_file=seed.file,
            title=seed.title,
            body=seed.text,
            search_text=canonical_text(seed.text),
            relevance=1.0,
            relevance_reasons=["seed article"],
        )
        session.add(article)
        session.flush()
        save_fingerprint(session, article, seed.text)
        added += 1
    if added:
        log.info("loaded %d seed articles", added)
    return added
