"""Opening the store from the domain side: migrated by ``storage.db``, seeded from here.

Every command and the crawl's stages open the store through ``open_store``, so a new database
is created, migrated and loaded with the seed articles before anything reads it, and a store
with no seeds at all is refused (dedup against the seeds would silently do nothing).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from storage.db import StoreError, connect

_SEEDED: set[tuple[str, str]] = set()


def open_store(url: str, seeds: str | Path | None = None) -> Engine:
    """The migrated, seeded store at ``url`` (seeds from ``seeds`` or the bundled folder)."""
    from monitor.seeds import NoSeedsError, ensure_seeds, seeds_dir

    engine = connect(url)
    directory = seeds_dir(seeds)
    key = (url, str(directory))
    if key in _SEEDED:
        return engine
    try:
        with Session(engine) as session:
            ensure_seeds(session, directory)
            session.commit()
    except NoSeedsError as exc:
        raise StoreError(str(exc)) from exc
    except Exception as exc:
        raise StoreError(f"cannot load seed articles into {url}: {exc}".splitlines()[0]) from exc
    _SEEDED.add(key)
    return engine
