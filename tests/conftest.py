"""Shared fixtures: the outlet simulator on 127.0.0.1, fresh SQLite files, a PostgreSQL database,
and a helper that runs the real ``monitor`` command in a child process (Twisted's reactor runs
once per process, so every crawl in the tests is its own process, as under the daemon)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True, scope="session")
def _cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Files derived from a store (the persisted near-duplicate index of a PostgreSQL test
    database) go to a temporary folder, not the user's cache; child processes inherit it."""
    old = os.environ.get("MONITOR_CACHE_DIR")
    os.environ["MONITOR_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if old is None:
        os.environ.pop("MONITOR_CACHE_DIR", None)
    else:
        os.environ["MONITOR_CACHE_DIR"] = old


@pytest.fixture(scope="session")
def simulator() -> Iterator[object]:
    """One simulator for the session; tests that change it use ``fresh_simulator``."""
    from monitor.simulator import Simulator

    with Simulator(port=0) as sim:
        yield sim


@pytest.fixture
def fresh_simulator() -> Iterator[object]:
    from monitor.simulator import Simulator

    with Simulator(port=0) as sim:
        yield sim


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'monitor.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The embedded store and a new PostgreSQL database in turn: suites that ask for it hold
    both backends to the same behaviour."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'monitor.db'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A new, empty PostgreSQL database on the local server, dropped afterwards."""
    psycopg = pytest.importorskip("psycopg")
    name = f"monitor_test_{uuid.uuid4().hex[:10]}"
    admin = "postgresql://postgres@127.0.0.1:5432/test"
    try:
        conn = psycopg.connect(admin, autocommit=True)
    except psycopg.OperationalError:
        conn = psycopg.connect("postgresql://127.0.0.1:5432/test", autocommit=True)
        admin = "postgresql://127.0.0.1:5432/test"
    with conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield admin.rsplit("/", 1)[0] + f"/{name}"
    from storage.db import _READY

    for url, engine in list(_READY.items()):
        if name in url:
            engine.dispose()
            del _READY[url]
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_monitor(
    *args: str, timeout: float = 180, check: bool = True, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m monitor ARGS`` in a child process, from the repository root."""
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    proc = subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=full_env,
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"monitor {' '.join(args)} exited {proc.returncode}\n"
            f"stdout:\n{proc.stdout[-3000:]}\nstderr:\n{proc.stderr[-5000:]}"
        )
    return proc
