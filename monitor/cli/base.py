"""What every command shares: the Typer app, common options, one-line user errors, dates."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from sqlalchemy import Engine

from monitor import render
from storage.db import default_db_url

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    help="Monitor Persian news coverage of Iran–Russia relations.",
)
err = Console(stderr=True)

DbOpt = Annotated[
    str | None,
    typer.Option("--db", envvar="MONITOR_DB", help="Database URL (sqlite:///… or postgresql://…)."),
]
OutletsOpt = Annotated[
    str | None,
    typer.Option(
        "--outlets", envvar="MONITOR_OUTLETS", help="User outlets TOML merged over the bundled one."
    ),
]
MirrorOpt = Annotated[
    str | None,
    typer.Option(
        "--mirror",
        envvar="MONITOR_MIRROR",
        help="Send outlet requests to this mirror (the simulator).",
    ),
]
FormatOpt = Annotated[str, typer.Option("--format", "-f", help="table | json | jsonl | csv")]


# The counts shown for a crawl, in the order people read them.
RUN_COUNTS = ("requests", "not_modified", "pages", "new", "duplicate", "irrelevant", "failed")


class UserError(Exception):
    """A problem the user can fix; printed as one line, exit code 2."""


def db_url(db: str | None) -> str:
    return db or default_db_url()


def store(db: str | None) -> Engine:
    """The store named by ``--db``/``MONITOR_DB``, migrated and seeded; ``MONITOR_SEEDS``
    names another seeds folder (read here, at the edge, and nowhere else)."""
    import os

    from monitor.store import open_store

    return open_store(db_url(db), os.environ.get("MONITOR_SEEDS"))


def topic_terms() -> str | None:
    """``MONITOR_TOPIC_TERMS``: another relevance model file for commands that judge pages."""
    import os

    return os.environ.get("MONITOR_TOPIC_TERMS")


def check_format(fmt: str, allowed: tuple[str, ...] = render.FORMATS) -> str:
    if fmt not in allowed:
        raise UserError(f"--format must be one of {', '.join(allowed)}, not {fmt!r}")
    return fmt


def parse_day(value: str | None) -> datetime | None:
    """A Gregorian ISO date/time, or a Jalali date (year below 1700: "1402/09/14")."""
    if not value:
        return None
    from monitor.normalize import fold_digits

    text = fold_digits(value.strip()).replace("/", "-")
    try:
        year = int(text.split("-")[0])
    except ValueError:
        raise UserError(f"not a date: {value!r} (use 2023-12-05 or 1402/09/14)") from None
    if year < 1700:
        import jdatetime

        from monitor.dates import tehran_to_utc

        try:
            y, m, d = (int(x) for x in text.split("T")[0].split("-"))
            g = jdatetime.date(y, m, d).togregorian()
        except (ValueError, TypeError):
            raise UserError(f"not a Jalali date: {value!r}") from None
        return tehran_to_utc(datetime(g.year, g.month, g.day))
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise UserError(f"not a date: {value!r} (use 2023-12-05 or 1402/09/14)") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def print_runs(db: str, ids: list[int], fmt: str, title: str) -> None:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from storage.models import CrawlRun

    with Session(store(db)) as session:
        runs = session.scalars(select(CrawlRun).where(CrawlRun.id.in_(ids))).all()
        rows = [run_row(r) for r in sorted(runs, key=lambda r: r.outlet)]
    cols = ["outlet", "status", *RUN_COUNTS]
    render.emit(rows, fmt, title=title, table_columns=cols)


def run_row(r: Any) -> dict[str, Any]:
    return {
        "id": r.id,
        "outlet": r.outlet,
        "status": r.status,
        "trigger": r.trigger,
        "started_at": r.started_at,
        "finished_at": r.finished_at,
        "requests": r.requests,
        "not_modified": r.not_modified,
        "pages": r.pages,
        "new": r.new,
        "duplicate": r.duplicate,
        "irrelevant": r.irrelevant,
        "revised": r.revised,
        "failed": r.failed,
        "failures": r.failures,
    }
