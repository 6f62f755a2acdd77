"""One daemon per database: an OS file lock beside a SQLite file, an advisory lock on PostgreSQL.

Both vanish with the process that holds them, so a ``kill -9`` never leaves a stale lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from storage.db import make_engine

PG_LOCK_KEY = 0x6D6F6E69746F72  # "monitor": the advisory lock id on PostgreSQL


class AlreadyRunning(RuntimeError):
    """Another daemon holds this database's lock."""


@contextlib.contextmanager
def instance_lock(db: str) -> Iterator[None]:
    """Hold the one-daemon-per-database lock for the duration, or raise ``AlreadyRunning``."""
    url = make_url(db)
    if url.drivername.startswith("sqlite"):
        if not url.database or url.database == ":memory:":
            yield
            return
        path = Path(url.database).expanduser().resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = path.with_name(path.name + ".lock")
        fh = open(lock_path, "a+")  # noqa: SIM115  (held open for the daemon's lifetime)
        try:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                fh.seek(0)
                holder = fh.read().strip() or "?"
                raise AlreadyRunning(
                    f"another monitor daemon (pid {holder}) is already running on {path} "
                    f"(lock {lock_path})"
                ) from None
            fh.seek(0)
            fh.truncate()
            fh.write(f"{os.getpid()}\n")
            fh.flush()
            yield
        finally:
            fh.close()  # closing releases the flock
        return
    engine = make_engine(db)
    with engine.connect() as conn:  # a dedicated connection: the lock lives as long as it
        got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": PG_LOCK_KEY}).scalar()
        conn.commit()
        if not got:
            raise AlreadyRunning(f"another monitor daemon is already running on {url!r}")
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": PG_LOCK_KEY})
            conn.commit()
    engine.dispose()


def daemon_running(db: str) -> bool:
    """Whether a daemon holds this database's lock now. Read-only: on SQLite the lock file is
    opened for reading and probed with a shared lock (no write access needed, nothing created),
    so ``status`` works on a store the user may only read."""
    url = make_url(db)
    if url.drivername.startswith("sqlite"):
        if not url.database or url.database == ":memory:":
            return False
        path = Path(url.database).expanduser().resolve()
        lock_path = path.with_name(path.name + ".lock")
        try:
            fh = open(lock_path)  # noqa: SIM115
        except OSError:  # no lock file: no daemon ever ran here (or we may not read it)
            return False
        with fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except OSError:
                return True
            fcntl.flock(fh, fcntl.LOCK_UN)
            return False
    try:
        with instance_lock(db):
            return False
    except AlreadyRunning:
        return True
