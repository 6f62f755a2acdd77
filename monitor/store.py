"""Opening the store from the domain side: migrated by ``storage.db``, seeded from here.

Every command and the crawl's stages open the store through ``open_store``, so a new database
is created, migrated and loaded with the seed articles before anything reads it, and a store
with no seeds at all is refused (dedup against the seeds would silently do nothing).
"""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import Engine

from storage.db import StoreError, connect

_SEEDED: set[tuple[str, str]] = set()


def _seed(engine: Engine, directory: Path, attempts: int = 5) -> None:
    """Load missing seeds. Another process (a daemon starting, a second command) may be seeding
    the same new store at the same moment: a conflict means "read the store again"."""
    from sqlalchemy.exc import IntegrityError, OperationalError

    from monitor.seeds import ensure_seeds, seeds_current

    with engine.connect() as conn:  # the usual case, without importing the ORM
        if seeds_current(conn, directory):
            return
    from sqlalchemy.orm import Session

    for attempt in range(attempts):
        try:
            with Session(engine) as session:
                ensure_seeds(session, directory)
                session.commit()
            return
        except (IntegrityError, OperationalError):
            if attempt == attempts - 1:
                raise
            time.sleep(0.2 * (attempt + 1))


def open_store(url: str, seeds: str | Path | None = None) -> Engine:
    """The migrated, seeded store at ``url`` (seeds from ``seeds`` or the bundled folder)."""
    from monitor.seeds import NoSeedsError, seeds_dir

    engine = connect(url)
    directory = seeds_dir(seeds)
    key = (url, str(directory))
    if key in _SEEDED:
        return engine
    try:
        _seed(engine, directory)
    except NoSeedsError as exc:
        raise StoreError(str(exc)) from exc
    except Exception as exc:
        raise StoreError(f"cannot load seed articles into {url}: {exc}".splitlines()[0]) from exc
    _SEEDED.add(key)
    return engine
