"""A read-only store: reading commands work and write nothing, a crawl refuses in one line.

Tests run as root, where ``chmod`` does not stop writes, so besides making the file and its
folder read-only the store is opened through SQLite's read-only URI (``mode=ro``), which
refuses writes for every user. The bytes on disk are compared before and after.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from monitor.store import open_store
from storage.db import _READY
from tests.conftest import run_monitor
from tests.store_helpers import add_story

TITLE = "گفت‌وگوی وزیران خارجه ایران و روسیه در مسکو"


def store_with_a_story(folder: Path) -> Path:
    """A new store in a new ``folder`` holding one story besides the seeds; its writer gone."""
    folder.mkdir()
    path = folder / "monitor.db"
    engine = open_store(f"sqlite:///{path}")
    with Session(engine) as session:
        add_story(session, TITLE, "وزیران خارجه ایران و روسیه درباره همکاری‌های منطقه‌ای گفتند.")
        session.commit()
    engine.dispose()
    return path


@pytest.fixture
def read_only_url(tmp_path: Path) -> Iterator[str]:
    folder = tmp_path / "store"
    path = store_with_a_story(folder)
    for f in folder.iterdir():
        f.chmod(0o444)
    folder.chmod(0o555)
    try:
        yield f"sqlite:///file:{path}?mode=ro&uri=true"
    finally:
        folder.chmod(0o755)
        for f in folder.iterdir():
            f.chmod(0o644)


def digest(url: str) -> tuple[str, int]:
    """The database file's hash and the size of its write-ahead log (SQLite itself creates an
    empty ``-wal``/``-shm`` pair for a reader of a WAL store: those are not our writes)."""
    path = Path(url.removeprefix("sqlite:///file:").split("?")[0])
    wal = path.with_name(path.name + "-wal")
    return hashlib.sha256(path.read_bytes()).hexdigest(), wal.stat().st_size if wal.exists() else 0


def test_status_and_query_work_on_a_read_only_store_and_write_nothing(read_only_url: str):
    before = digest(read_only_url)
    status = json.loads(run_monitor("status", "--db", read_only_url, "-f", "json").stdout)
    assert {row["outlet"] for row in status} >= {"mehr"}
    assert all(row["daemon_running"] is False for row in status)
    found = json.loads(run_monitor("query", "--db", read_only_url, "-f", "json").stdout)
    assert TITLE in [row["title"] for row in found]  # beside the bundled seed stories
    assert digest(read_only_url) == before


def test_crawl_on_a_read_only_store_exits_nonzero_with_one_line(read_only_url: str):
    before = digest(read_only_url)
    proc = run_monitor(
        "crawl", "mehr", "--db", read_only_url, "--mirror", "http://127.0.0.1:9", check=False
    )
    assert proc.returncode != 0
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith("error: database ")
    assert "cannot be written" in line
    assert "Traceback" not in proc.stderr + proc.stdout
    assert digest(read_only_url) == before


# --- A reader without write access, as analysts meet it ---------------------------------------
# Root ignores file modes, so the reading commands run in a forked child that has dropped to
# the unprivileged `nobody` user (every module the command needs is imported first, as root,
# by the same command: the interpreter's own files may be unreadable to `nobody`). Without
# root the test runs the child as the current user, for whom the modes already hold.

NOBODY = 65534


def run_unprivileged(args: list[str], out: Path, warm_db: str) -> tuple[int, str]:
    """Run ``monitor ARGS`` in a forked child without write access; (exit code, stdout).

    The same command first runs here on ``warm_db`` (another store: root would create the
    -wal/-shm files the test is about) so that every module it needs is imported."""
    from typer.main import get_command

    from monitor.cli import app

    command = get_command(app)
    with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):
        command.main([*args[:1], "--db", warm_db, *args[3:]], standalone_mode=False)
    out.write_bytes(b"")
    out.chmod(0o666)
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 70
        try:
            if os.geteuid() == 0:
                os.setgroups([])
                os.setgid(NOBODY)
                os.setuid(NOBODY)
            os.environ["HOME"] = str(out.parent)
            _READY.clear()  # a new process: no engine opened by the test as root
            # pytest's capture replaces sys.stdout: the child writes to the file instead.
            sys.stdout = open(out, "w", encoding="utf-8")  # noqa: SIM115 - flushed before _exit
            try:
                command.main(args, standalone_mode=False)
                code = 0
            except SystemExit as exc:
                code = int(exc.code or 0)
            except BaseException as exc:  # reported through the exit code (70)
                print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
            sys.stdout.flush()
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), out.read_text(encoding="utf-8")


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A folder under /tmp that `nobody` can enter (pytest's tmp_path is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="monitor-ro-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        for f in folder.rglob("*"):
            with contextlib.suppress(OSError):
                f.chmod(0o755 if f.is_dir() else 0o644)
        shutil.rmtree(folder, ignore_errors=True)


def test_an_unprivileged_reader_of_a_closed_store_in_a_read_only_folder(shared_dir: Path):
    """A WAL store whose writer has gone (no -wal/-shm) in a folder the reader cannot write:
    SQLite cannot create the -shm there, and `status` and `query` must still answer."""
    folder = shared_dir / "store"
    path = store_with_a_story(folder)
    assert sorted(p.name for p in folder.iterdir()) == ["monitor.db"]
    (folder / "monitor.db.lock").write_text("")  # left by the daemon that once ran here
    for f in folder.iterdir():
        f.chmod(0o444)
    folder.chmod(0o555)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    home = shared_dir / "home"
    home.mkdir(mode=0o777)
    home.chmod(0o777)
    url, warm = f"sqlite:///{path}", f"sqlite:///{shared_dir / 'warm.db'}"
    code, out = run_unprivileged(["status", "--db", url, "-f", "json"], home / "s.json", warm)
    assert code == 0, out
    assert {row["outlet"] for row in json.loads(out)} >= {"mehr"}
    code, out = run_unprivileged(["query", "--db", url, "-f", "json"], home / "q.json", warm)
    assert code == 0, out
    assert TITLE in [row["title"] for row in json.loads(out)]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in folder.iterdir()) == ["monitor.db", "monitor.db.lock"]


def test_an_unprivileged_reader_sees_what_a_live_writer_has_in_its_wal(shared_dir: Path):
    """The daemon (another user) is writing: its -wal holds a story not yet checkpointed into
    the database file, and -wal/-shm are not writable by the reader. The reader sees it."""
    folder = shared_dir / "store"
    folder.mkdir()
    path = folder / "monitor.db"
    engine = open_store(f"sqlite:///{path}")
    live = engine.raw_connection()  # held open: the writer is still at work
    try:
        live.cursor().execute("PRAGMA wal_autocheckpoint=0")
        with Session(engine) as session:
            add_story(session, TITLE, "وزیران خارجه ایران و روسیه درباره همکاری منطقه‌ای گفتند.")
            session.commit()
        wal = folder / "monitor.db-wal"
        assert wal.stat().st_size > 0  # the story is in the log, not yet in the file
        for f in folder.iterdir():
            f.chmod(0o644)
        folder.chmod(0o755)
        home = shared_dir / "home"
        home.mkdir()
        home.chmod(0o777)
        url, warm = f"sqlite:///{path}", f"sqlite:///{shared_dir / 'warm.db'}"
        code, out = run_unprivileged(["query", "--db", url, "-f", "json"], home / "q.json", warm)
        assert code == 0, out
        assert TITLE in [row["title"] for row in json.loads(out)]
        code, out = run_unprivileged(["status", "--db", url, "-f", "json"], home / "s.json", warm)
        assert code == 0, out
    finally:
        live.close()
        engine.dispose()
