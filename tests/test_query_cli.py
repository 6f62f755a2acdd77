"""The reading commands through the real ``monitor`` process: validation, time zones, --new,
exports that read back the same, and a cold start that leaves the heavy libraries alone."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from monitor.cli.base import UserError, parse_day
from monitor.store import open_store as connect
from tests.conftest import ROOT, run_monitor
from tests.storing import article_data, record_sighting, upsert_article


def _fill(url: str) -> None:
    """One story with a republication; a headline a spreadsheet would run as a formula."""
    with Session(connect(url)) as s:
        article, _ = upsert_article(
            s,
            article_data(
                canonical_url="https://example.test/1",
                url="https://example.test/1",
                outlet="mehr",
                title='=HYPERLINK("http://x") سفر لاوروف به تهران',
                lead="سفر دو روزه",
                body="سرگئی لاوروف برای گفت‌وگو درباره راه‌آهن رشت آستارا وارد تهران شد.\nخط دوم.",
                published=datetime(2024, 10, 10, 21, 0, tzinfo=UTC),  # 1403/07/20 00:30 Tehran
                relevance=0.9,
            ),
        )
        record_sighting(
            s,
            original_id=article.id,
            canonical_url="https://isna.test/9",
            url="https://isna.test/9",
            outlet="isna",
            kind="near",
            score=0.91,
            title="لاوروف در تهران",
            published=datetime(2024, 10, 12, 8, 0, tzinfo=UTC),
            body="سرگئی لاوروف برای گفتگو درباره راه آهن رشت آستارا وارد تهران شد.",
        )
        s.commit()


@pytest.fixture
def filled(any_store: str) -> str:
    _fill(any_store)
    return any_store


def test_dates_mean_the_start_of_the_day_in_tehran_unless_utc():
    tehran_midnight = datetime(2024, 10, 10, 20, 30, tzinfo=UTC)
    assert parse_day("1403/07/20") == parse_day("2024-10-11") == tehran_midnight
    assert parse_day("۱۴۰۳/۰۷/۲۰") == tehran_midnight
    assert parse_day("2024-10-11", utc=True) == datetime(2024, 10, 11, tzinfo=UTC)
    assert parse_day("2024-10-11T00:00+00:00") == datetime(2024, 10, 11, tzinfo=UTC)
    with pytest.raises(UserError):
        parse_day("1403/13/01")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["query", "--outlet", "bbc"], "error: --outlet: unknown outlet 'bbc'"),
        (["query", "--limit", "-3"], "error: --limit must be at least 1"),
        (["query", "--limit", "5000"], "error: --limit must be at least 1 and at most 1000"),
        (["query", "--offset", "-1"], "error: --offset must be at least 0"),
        (["query", "--since", "1403/08/01", "--until", "1403/07/01"], "error: --since ("),
        (["query", "--sort", "size"], "error: --sort must be one of relevance, date"),
        (["query", "--sort", "relevance"], "error: --sort relevance needs words"),
        (["query", "--", "-روس"], "error: query: a query needs at least one word"),
        (["runs", "--outlet", "bbc"], "error: --outlet: unknown outlet 'bbc'"),
        (["runs", "--limit", "0"], "error: --limit must be at least 1"),
        (["recheck", "--threshold", "1.5"], "error: --threshold must be in (0, 1]"),
        (["export", "روس"], "error: --out FILE is required"),
        (["export", "روس", "--out", "/no/such/dir/x.csv"], "error: --out: folder"),
        (["export", "روس", "--out", "x.xlsx", "--format", "xlsx"], "error: --format must be"),
        (["export", "روس", "--out", "-", "--format", "parquet"], "error: --out -: parquet"),
    ],
)
def test_wrong_values_are_one_line_errors_with_exit_2(args, message, db_url):
    proc = run_monitor(args[0], "--db", db_url, *args[1:], check=False)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip().splitlines() == [proc.stderr.strip()]
    assert proc.stderr.startswith(message), proc.stderr


def test_a_sqlite_file_in_a_missing_folder_is_an_error_not_a_new_store(tmp_path: Path):
    missing = tmp_path / "no" / "such"
    proc = run_monitor("query", "--db", f"sqlite:///{missing / 'x.db'}", check=False)
    assert proc.returncode == 2
    assert "does not exist" in proc.stderr
    assert not missing.exists()


def test_query_marks_snippets_and_lists_stories_or_every_copy(filled: str):
    stories = json.loads(run_monitor("query", "راه آهن", "--db", filled, "-f", "json").stdout)
    (story,) = [s for s in stories if s["url"] == "https://example.test/1"]
    assert story["outlets"] == 2 and story["outlet_names"] == ["mehr", "isna"]
    assert story["first_seen"] == "2024-10-10T21:00:00+00:00"
    assert story["first_seen_jalali"] == "1403/07/20 00:30"
    marked = [story["snippet"][a:b] for a, b in story["snippet_marks"]]
    assert marked == ["راه‌آهن"]
    rows = json.loads(
        run_monitor("query", "راه آهن", "--rows", "--db", filled, "-f", "json").stdout
    )
    mine = [r for r in rows if r["story"] == story["id"]]
    assert [r["kind"] for r in mine] == ["original", "near"]
    # The ISNA copy is dated 1403/07/21 (Tehran): a range of that day finds the story.
    day = ["--since", "1403/07/21", "--until", "1403/07/22"]
    found = json.loads(run_monitor("query", "لاوروف", *day, "--db", filled, "-f", "json").stdout)
    assert [s["id"] for s in found] == [story["id"]]
    assert found[0]["copies_in_range"] == [mine[1]["id"]]
    table = run_monitor("query", "لاوروف", "--db", filled).stdout
    assert "1403/07/20" in table and "2024-10-10" in table  # both calendars


def test_new_lists_only_what_was_fetched_since_the_last_look(filled: str, tmp_path: Path):
    env = {"XDG_STATE_HOME": str(tmp_path / "state")}

    def new() -> list[dict]:
        out = run_monitor("query", "--new", "--db", filled, "-f", "json", env=env).stdout
        return json.loads(out)

    assert len(new()) == 6  # first look: the five seeds and the story
    assert new() == []
    with Session(connect(filled)) as s:
        upsert_article(
            s,
            article_data(
                canonical_url="https://example.test/2",
                url="https://example.test/2",
                outlet="irna",
                title="خبر تازه",
                body="متن تازه",
            ),
        )
        s.commit()
    assert [s["title"] for s in new()] == ["خبر تازه"]
    state = json.loads(
        (tmp_path / "state" / "iran-russia-monitor" / "last-looked.json").read_text()
    )
    assert list(state) == [filled]


def _listed_copies(url: str) -> list[dict]:
    args = (
        "query",
        "لاوروف",
        "--rows",
        "--sort",
        "date",
        "--limit",
        "1000",
        "--db",
        url,
        "-f",
        "json",
    )
    return json.loads(run_monitor(*args).stdout)


def _body(session: Session, item: str) -> str | None:
    from storage.models import Article, Sighting

    model = Article if item.startswith("a") else Sighting
    return session.get(model, int(item[1:])).body


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_exports_read_back_the_same_rows(filled: str, tmp_path: Path, fmt: str):
    if fmt == "parquet":
        pq = pytest.importorskip("pyarrow.parquet", reason="the parquet extra is not installed")
    out = tmp_path / f"export.{fmt}"
    run_monitor("export", "لاوروف", "--format", fmt, "--out", str(out), "--db", filled)
    if fmt == "jsonl":
        got = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    elif fmt == "csv":
        raw = out.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")  # BOM: spreadsheets read UTF-8
        got = list(csv.DictReader(raw.decode("utf-8-sig").splitlines(keepends=True)))
    else:
        got = pq.read_table(out).to_pylist()
    # Every copy the query lists (seeds that name Lavrov too), in the same order.
    expected = _listed_copies(filled)
    assert [r["id"] for r in got] == [r["id"] for r in expected]
    assert {"s1", "a6"} <= {r["id"] for r in got}
    with Session(connect(filled)) as s:
        for row, want in zip(got, expected, strict=True):
            assert row["story"] == want["story"] and row["outlet"] == want["outlet"]
            assert (row["published"] or None) == want["published"]
            assert (row["published_jalali"] or None) == want["published_jalali"]
            assert row["body"] == _body(s, row["id"])  # full text, newlines kept
            assert float(row["similarity"]) == want["similarity"]
            if fmt == "csv" and want["title"].startswith("="):
                assert row["title"] == "'" + want["title"]  # inert in a spreadsheet
            else:
                assert row["title"] == want["title"]


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_export_to_standard_output_is_the_file_s_bytes(filled: str, tmp_path: Path, fmt: str):
    """``--out -`` writes to a pipe exactly what ``--out FILE`` writes to a file; the count
    goes to stderr, so standard output holds the rows only."""
    out = tmp_path / f"export.{fmt}"
    run_monitor("export", "لاوروف", "--format", fmt, "--out", str(out), "--db", filled)
    piped = subprocess.run(
        [sys.executable, "-m", "monitor", "export", "لاوروف", "-f", fmt, "-o", "-", "--db", filled],
        cwd=ROOT,
        capture_output=True,
        check=True,
        timeout=180,
    )
    assert piped.stdout == out.read_bytes() and piped.stdout.count(b"\n") > 2
    assert b"to standard output" in piped.stderr


def test_reading_commands_leave_the_heavy_libraries_unimported(filled: str):
    """Cold start: on an existing store, none of these import hazm, Scrapy or trafilatura,
    nor the lighter libraries they would not use: lxml (page parsing), Alembic (migrations run
    only when a store is behind), pydantic (typer 0.29 converts options through it; the
    constraints pin 0.28), SQLAlchemy's ORM and the mapped classes (they read through
    ``storage.rows``)."""
    commands = [
        ["query", "لاوروف", "--limit", "5"],
        ["query", "--rows"],
        ["show", "a6"],
        ["sources"],
        ["runs"],
        ["status"],
    ]
    for args in commands:
        code = (
            "import sys, io, contextlib\n"
            "from monitor.cli import app\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    app({[*args, '--db', filled]!r}, standalone_mode=False)\n"
            "print(','.join(m for m in ('hazm', 'scrapy', 'trafilatura', 'sklearn',"
            " 'lxml', 'alembic', 'pydantic', 'sqlalchemy.orm', 'storage.models')"
            " if m in sys.modules))\n"
        )
        proc = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
        )
        assert proc.stdout.strip() == "", (args, proc.stdout)


def test_reindex_rebuilds_stale_search_text(filled: str):
    """A store written before full-text search (or under older rules) is found after reindex."""
    from sqlalchemy import text

    from storage.db import make_engine

    engine = make_engine(filled)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE articles SET search_text = '' WHERE url = 'https://example.test/1'")
        )
        conn.execute(text("UPDATE sightings SET search_text = ''"))
    engine.dispose()

    def lavrov() -> list[str]:
        out = run_monitor("query", "آستارا", "--db", filled, "-f", "json").stdout
        return [s["url"] for s in json.loads(out)]

    assert "https://example.test/1" not in lavrov()
    assert "reindexed 2 " in run_monitor("reindex", "--db", filled).stderr
    assert "https://example.test/1" in lavrov()
    if engine.dialect.name == "sqlite":  # ranked search's word counts (storage.bm25) follow
        with engine.connect() as conn:
            state = conn.execute(text("SELECT rows FROM search_term_docs_state")).scalar()
            rows = conn.execute(text("SELECT count(*) FROM articles")).scalar()
        assert state == rows
