"""Engines for the store: SQLite (WAL) by default, PostgreSQL by URL; migrated on first use.

Every command calls ``connect``; a new database is created, brought to the newest Alembic
revision and loaded with the seed articles before the command sees it, so
``MONITOR_DB=sqlite:///new.db monitor check page.html`` works on an empty directory.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sqlite3
import threading
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import NullPool

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")


class StoreError(RuntimeError):
    """The database cannot be opened or migrated; the message says which and why."""


def default_db_url() -> str:
    """A SQLite file under the user's data directory (``--db``/``MONITOR_DB`` override it)."""
    base = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share"))
    return f"sqlite:///{base / 'iran-russia-monitor' / 'monitor.db'}"


def derived_path(url: str, suffix: str) -> Path | None:
    """Where a file derived from the store's rows (rebuildable from them) is kept.

    Beside a SQLite file (``monitor.db`` → ``monitor.db<suffix>``: copied, moved and deleted
    with it); for a server database, in the user's cache folder (``MONITOR_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/iran-russia-monitor``) under a name made from the server, database and
    user (not the password), so two databases never share one. ``None`` for an in-memory
    SQLite store.
    """
    import hashlib

    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite"):
        path = parsed.database or ""
        if not path or path == ":memory:" or "mode=memory" in str(parsed.query):
            return None
        path = path.removeprefix("file:") if parsed.query.get("uri") == "true" else path
        return Path(f"{Path(path).expanduser()}{suffix}")
    folder = os.environ.get("MONITOR_CACHE_DIR")  # the tests point it at a temporary folder
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    if folder:
        cache = Path(folder)
    # Same server, database and user whatever the driver and password: the same cache file.
    where = (parsed.get_backend_name(), parsed.username, parsed.host, parsed.port, parsed.database)
    key = hashlib.sha256(repr(where).encode()).hexdigest()[:20]
    if not folder:
        cache = cache / "iran-russia-monitor"
    return cache / f"{parsed.get_backend_name()}-{key}{suffix}"


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_conn.cursor()
    # WAL: readers (CLI queries) never block the crawler. A store is switched once, by its
    # first writer; a reader without write access (a read-only folder, another user's store)
    # must not try, as switching is a write.
    if str(cur.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
        try:
            cur.execute("PRAGMA journal_mode=WAL")
        except sqlite3.OperationalError as exc:
            log.debug("journal mode left as it is: %s", exc)
    cur.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL survives a killed process
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _readable_json(value: object) -> str:
    """JSON columns as readable UTF-8 ("روسیه", not "\\u0631…") for Datasette, sqlite-utils
    and psql users."""
    return json.dumps(value, ensure_ascii=False)


def _needs_immutable(path: Path) -> bool:
    """Whether SQLite can open this WAL store only as an immutable file.

    A reader without write access to the folder cannot create the ``-shm`` index a WAL store
    needs, and SQLite then refuses even to read unless the file is opened as immutable. That is
    safe only when no writer is at work: no ``-wal``/``-shm`` files exist (the last writer
    checkpointed and closed). With them present SQLite reads read-only on its own.
    """
    if not path.is_file() or os.access(path.parent, os.W_OK):
        return False
    wal, shm = (path.with_name(path.name + suffix) for suffix in ("-wal", "-shm"))
    return not wal.exists() and not shm.exists()


def pg_connect_args(parsed: URL, *options: str) -> dict[str, Any]:
    """Connection arguments for a PostgreSQL engine: the session in UTC, plus ``options``
    (``-c name=value``) and any ``options`` the URL gave.

    Why UTC: PostgreSQL takes the day (``date()``) or hour of a ``timestamptz`` in the
    session's time zone, which is the server's ``TimeZone`` unless set; SQLite keeps UTC text.
    A server configured for Tehran would otherwise count the web page's copies per day by
    Tehran days on PostgreSQL and by UTC days on SQLite. The stored instants are the same
    either way."""
    given = parsed.query.get("options")
    parts = [given] if isinstance(given, str) and given else []
    return {"options": " ".join([*parts, "-c TimeZone=UTC", *options])}


def make_engine(url: str | None = None) -> Engine:
    """An engine for ``url`` without touching the schema (see ``connect``)."""
    url = url or default_db_url()
    try:
        parsed = make_url(url)
    except Exception as exc:  # SQLAlchemy raises ArgumentError with a long message
        raise StoreError(f"not a database URL: {url!r}") from exc
    if parsed.drivername == "postgresql":  # psycopg 3, not the psycopg2 default
        parsed = parsed.set(drivername="postgresql+psycopg")
    try:
        if parsed.drivername.startswith("sqlite"):
            if parsed.database and parsed.database != ":memory:":
                path = parsed.database
                if parsed.query.get("uri") == "true" and path.startswith("file:"):
                    path = path.removeprefix("file:")  # sqlite:///file:PATH?mode=ro&uri=true
                folder = Path(path).expanduser().parent
                if url == default_db_url():  # the default store's folder is ours to create
                    folder.mkdir(parents=True, exist_ok=True)
                elif not folder.is_dir():  # a mistyped --db must not become a new empty store
                    raise StoreError(f"folder {str(folder)!r} of database {url!r} does not exist")
                if _needs_immutable(Path(path).expanduser()):
                    parsed = parsed.set(
                        database=f"file:{Path(path).expanduser()}",
                        query={**parsed.query, "mode": "ro", "immutable": "1", "uri": "true"},
                    )
            engine = create_engine(
                parsed, connect_args={"timeout": 30}, json_serializer=_readable_json
            )
            event.listen(engine, "connect", _sqlite_pragmas)
            return engine
        return create_engine(
            parsed,
            pool_pre_ping=True,
            json_serializer=_readable_json,
            connect_args=pg_connect_args(parsed),
        )
    except StoreError:
        raise
    except Exception as exc:  # unknown dialect, missing driver
        raise StoreError(f"cannot use database URL {url!r}: {exc}".splitlines()[0]) from exc


def _alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


_REVISION = re.compile(
    r"^(down_revision|revision)\s*(?::[^=\n]*)?=\s*['\"]?([\w]+)?['\"]?", re.MULTILINE
)


@lru_cache(maxsize=1)
def head_revision() -> str:
    """The newest revision, read from the migration files' ``revision``/``down_revision``
    lines: importing Alembic costs a quarter second that most commands do not need."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        for key, value in _REVISION.findall(path.read_text("utf-8")):
            if value and value != "None":
                (revisions if key == "revision" else parents).add(value)
    heads = revisions - parents
    if len(heads) != 1:  # several heads or none: let Alembic decide (and complain)
        from alembic.script import ScriptDirectory

        return ScriptDirectory.from_config(_alembic_config()).get_current_head() or ""
    return heads.pop()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (idempotent; cheap when already there)."""
    if current_revision(engine) == head_revision():
        return
    from alembic import command

    cfg = _alembic_config()
    runner = _transactional_ddl(engine) if engine.dialect.name == "sqlite" else engine
    try:
        with runner.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    finally:
        if runner is not engine:
            runner.dispose()
    log.info("database migrated to %s", head_revision())


def _transactional_ddl(engine: Engine) -> Engine:
    """A one-off engine on the same SQLite file whose transactions include DDL.

    Why: Python's sqlite3 module opens a transaction only before INSERT/UPDATE/DELETE, so
    CREATE TABLE runs in autocommit. A process killed halfway through the first migration (a
    crawl killed a second after it started on a new store) left some tables and no
    ``alembic_version`` row, and every later start failed with "table … already exists". Here
    the driver's own handling is off and every transaction starts with ``BEGIN IMMEDIATE``:
    the whole upgrade commits or none of it does, and a second process migrating the same new
    store waits for the first and then finds nothing left to do.

    Foreign keys are off on this connection (set before the transaction starts: inside one
    the pragma does nothing). A migration that rebuilds a table others refer to (0011) drops
    the old table, and with foreign keys on SQLite first deletes the old table's rows and, by
    ``ON DELETE CASCADE``, every row that refers to them. Such a migration checks
    ``PRAGMA foreign_key_check`` itself.
    """
    runner = create_engine(
        engine.url,
        connect_args={"timeout": 30, "isolation_level": None},
        json_serializer=_readable_json,
        poolclass=NullPool,
    )
    event.listen(runner, "connect", _sqlite_pragmas)
    event.listen(runner, "connect", _foreign_keys_off)
    event.listen(runner, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
    return runner


def _foreign_keys_off(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    dbapi_conn.execute("PRAGMA foreign_keys=OFF")


_READY: dict[str, Engine] = {}
_CONNECTING = threading.Lock()


def connect(url: str | None = None) -> Engine:
    """An engine whose database is migrated; one per URL per process (the domain side loads
    the seeds: see ``monitor.store.open_store``)."""
    url = url or default_db_url()
    if url in _READY:
        return _READY[url]
    with _CONNECTING:  # a crawl's Judge loads in a thread: one migration per store, not two
        if url in _READY:
            return _READY[url]
        engine = make_engine(url)
        try:
            migrate(engine)
        except StoreError:
            raise
        except Exception as exc:
            msg = f"cannot open database {engine.url!r}: {exc}".splitlines()[0]
            raise StoreError(msg) from exc
        close_dead_runs(engine)
        _READY[url] = engine
        return engine


def _pid_gone(pid: int | None) -> bool:
    """Whether the process is certainly gone from this machine (a zombie counts as gone)."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]
    except (OSError, IndexError):
        return False
    return state in ("Z", "X")


# Key space of the PostgreSQL advisory locks that crawl runs hold while they live ("mon").
RUN_LOCK_SPACE = 0x6D6F6E


def hold_run_lock(engine: Engine, run_id: int) -> Connection | None:
    """On PostgreSQL, take a session advisory lock on ``run_id`` on a connection of its own and
    return it: the lock lives exactly as long as the crawl's database session, so any process
    on any host can tell a live run from one whose process was killed (the server drops the
    session, and the lock, when the connection goes). SQLite stores are on this machine and
    use the pid instead: ``None``."""
    if engine.dialect.name != "postgresql":
        return None
    conn = engine.connect()
    conn.execute(text("SELECT pg_advisory_lock(:space, :run)"), _lock_key(run_id))
    conn.commit()  # a session lock outlives the transaction; the connection is not left idle in one
    return conn


def release_run_lock(conn: Connection | None, run_id: int) -> None:
    """Release what ``hold_run_lock`` took (the pooled session would keep it otherwise)."""
    if conn is None:
        return
    try:
        conn.execute(text("SELECT pg_advisory_unlock(:space, :run)"), _lock_key(run_id))
        conn.commit()
    finally:
        conn.close()


def _lock_key(run_id: int) -> dict[str, int]:
    return {"space": RUN_LOCK_SPACE, "run": run_id % 2**31}


def _run_gone(conn: Connection, run_id: int) -> bool:
    """PostgreSQL: nobody holds the run's lock, so the crawl's session is gone."""
    if not conn.execute(
        text("SELECT pg_try_advisory_lock(:space, :run)"), _lock_key(run_id)
    ).scalar():
        return False
    conn.execute(text("SELECT pg_advisory_unlock(:space, :run)"), _lock_key(run_id))
    return True


def close_dead_runs(engine: Engine) -> int:
    """Mark ``running`` crawl rows whose process is gone as ``interrupted``, so a killed one-off
    crawl is closed by the next command that opens the store (not only by a daemon start).

    SQLite: the store and its crawls are on this machine, so a run is gone when its pid is.
    PostgreSQL may be shared by crawls on other hosts, whose pids mean nothing here: a run is
    gone when no session holds its advisory lock (``hold_run_lock``). A store opened read-only
    is left as it is.
    """
    from sqlalchemy import JSON, bindparam, update

    from storage.rows import CRAWL_RUNS, RunRow, runs
    from storage.types import UTCDateTime, utcnow

    try:
        with engine.connect() as conn:
            running = runs(conn, limit=None, statuses=("running",))
            dead: list[RunRow] = []
            if engine.dialect.name == "sqlite":
                dead = [run for run in running if _pid_gone(run.pid)]
            elif engine.dialect.name == "postgresql" and running:
                with engine.connect() as probe:
                    dead = [run for run in running if _run_gone(probe, run.id)]
            c = CRAWL_RUNS.c
            close = (
                update(CRAWL_RUNS)
                .where(c.id == bindparam("run_id"), c.status == "running")
                .values(
                    status="interrupted",
                    finished_at=bindparam("at", type_=UTCDateTime),
                    failures=bindparam("failures", type_=JSON),
                )
            )
            for run in dead:
                gone = {"url": "", "reason": f"crawl process {run.pid} gone before it finished"}
                failures = [*(run.failures or []), gone]
                at = run.finished_at or utcnow()
                conn.execute(close, {"run_id": run.id, "at": at, "failures": failures})
            if dead:
                conn.commit()
                log.warning("closed %d crawl run(s) whose process was gone", len(dead))
            return len(dead)
    except Exception as exc:  # read-only store, locked file: reading still works
        log.debug("could not close dead runs: %s", exc)
        return 0


def check_writable(engine: Engine) -> None:
    """Raise ``StoreError`` when the store cannot be written (a read-only file or URL, a
    read-only role), so a crawl says so in one line before Scrapy starts rather than failing
    inside a pipeline with a traceback. The probe rewrites the schema version with itself
    and rolls back: nothing changes."""
    try:
        with engine.connect() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = version_num"))
            conn.rollback()
    except Exception as exc:
        msg = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise StoreError(f"database {engine.url!r} cannot be written: {msg}") from exc


def session_factory(engine: Engine) -> sessionmaker[Session]:
    from sqlalchemy.orm import sessionmaker

    return sessionmaker(engine, expire_on_commit=False)
