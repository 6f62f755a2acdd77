"""The seed articles: the stories every crawled page is first compared with.

They ship in the repository's ``seeds/`` folder (byte-identical to the analysts' set) and are
loaded into ``articles`` with ``seed_file`` set, so a republished seed is recorded as a sighting
of that row like any other duplicate. Parsing a seed (its headline, its home outlet) is a domain
rule, so it lives here; the store only receives the computed row.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from monitor.defaults import bundled_seeds_dir

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from storage.rows import Reader

log = logging.getLogger(__name__)

# Seeds' home outlets, by file-name prefix (the order the analysts numbered them in).
SEED_OUTLETS = {"000": "mehr", "001": "jamejam", "002": "alalam", "003": "irna", "004": "tasnim"}
# The seeds that ship with the code: the wheel's package data, else the checkout's seeds/.
BUNDLED = bundled_seeds_dir()


class NoSeedsError(RuntimeError):
    """No seed article could be loaded: dedup against the seeds would silently do nothing."""


@dataclass(frozen=True)
class Seed:
    file: str
    title: str
    text: str
    outlet: str | None
    published: datetime | None = None


# ``date_source`` of a seed: its text states the date, or it was read and states none.
SEED_DATED, SEED_UNDATED = "seed text", "seed text: no date"


def seeds_dir(setting: str | Path | None = None) -> Path:
    """The ``MONITOR_SEEDS`` setting, else the bundled ``seeds/`` folder."""
    return Path(setting) if setting else BUNDLED


def seed_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.txt"))


def read_seed(path: Path) -> Seed:
    """A seed, titled by its headline (or, without one, its first sentence without the
    attribution clause) and dated by the date its text states (``monitor.seedtext``)."""
    from monitor.normalize import display_text
    from monitor.seedtext import seed_date, seed_title

    text = display_text(path.read_bytes().decode("utf-8-sig"))
    return Seed(path.name, seed_title(text), text, SEED_OUTLETS.get(path.name[:3]), seed_date(text))


def load_seeds(directory: Path) -> list[Seed]:
    return [read_seed(p) for p in seed_files(directory)]


def seeds_current(reader: Reader, directory: Path) -> bool:
    """Whether every seed file is stored and dated, so ``ensure_seeds`` has nothing to do:
    what every command asks at start-up, answered without the ORM."""
    from storage.seeds import stored_seed_files, unexamined_seed_files

    files = seed_files(directory)
    if not files:
        raise NoSeedsError(f"no seed articles (*.txt) in {directory}")
    have = stored_seed_files(reader)
    return all(p.name in have for p in files) and not unexamined_seed_files(reader, have)


def ensure_seeds(session: Session, directory: Path) -> int:
    """Insert seeds that are not in the store yet; returns how many were added.

    Cheap when every seed is already stored: file names are compared before anything heavy
    (hazm, the fingerprint code) is imported.
    """
    from storage.seeds import date_seed, insert_seed, stored_seed_files, unexamined_seed_files

    files = seed_files(directory)
    if not files:
        raise NoSeedsError(f"no seed articles (*.txt) in {directory}")
    have = stored_seed_files(session)
    missing = [p for p in files if p.name not in have]
    unexamined = unexamined_seed_files(session, have)  # stored by a release before seed dates
    for path in (p for p in files if p.name in unexamined):
        seed = read_seed(path)
        source = SEED_DATED if seed.published else SEED_UNDATED
        date_seed(
            session, seed.file, title=seed.title, published=seed.published, date_source=source
        )
    if not missing:
        return 0
    from monitor.dedup import fingerprint
    from monitor.dedup.persist import blob
    from monitor.normalize import search_text

    for path in missing:
        seed = read_seed(path)
        insert_seed(
            session,
            seed_file=seed.file,
            outlet=seed.outlet,
            title=seed.title,
            body=seed.text,
            search_text=search_text(seed.title, seed.text),
            fp=blob(fingerprint(seed.text)),
            published=seed.published,
            date_source=SEED_DATED if seed.published else SEED_UNDATED,
        )
    log.info("loaded %d seed articles", len(missing))
    return len(missing)
