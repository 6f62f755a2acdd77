"""What every command shares: the Typer app, common options, one-line user errors, dates."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, TypedDict

import typer
from rich.console import Console
from sqlalchemy import Engine

from monitor import render
from monitor.views import RUN_COUNTS, run_row
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


class RelevanceOptions(TypedDict):
    actors: str | None
    weights: str | None


def relevance_options() -> RelevanceOptions:
    """The user's additions to the relevance model, for commands that judge pages:
    ``MONITOR_ACTORS`` (a file of actors extending the bundled lexicon) and
    ``MONITOR_RELEVANCE_WEIGHTS`` (learned weights the user retrained, a JSON file)."""
    import os

    return RelevanceOptions(
        actors=os.environ.get("MONITOR_ACTORS"),
        weights=os.environ.get("MONITOR_RELEVANCE_WEIGHTS"),
    )


def check_environment() -> None:
    """The ``MONITOR_*`` numbers a daemon's crawl children will read from the environment,
    checked once at its start: a wrong value is one line then, not a failure every crawl."""
    import os

    from monitor.defaults import check_numbers

    check_numbers({"MONITOR_KEEP_JUDGED_DAYS": os.environ.get("MONITOR_KEEP_JUDGED_DAYS")})


def check_format(fmt: str, allowed: tuple[str, ...] = render.FORMATS) -> str:
    if fmt not in allowed:
        raise UserError(f"--format must be one of {', '.join(allowed)}, not {fmt!r}")
    return fmt


def parse_day(value: str | None, *, utc: bool = False, option: str = "date") -> datetime | None:
    """A Gregorian ISO date/time or a Jalali date (year below 1700: "1402/09/14").

    A date without a time means the start of that day in Tehran (in UTC with ``utc``); a time
    without an offset is Tehran time too (UTC with ``utc``); an explicit offset is kept.
    """
    if not value:
        return None
    from monitor.normalize import fold_digits

    text = fold_digits(value.strip()).replace("/", "-")
    hint = f"{option}: not a date: {value!r} (use 2023-12-05, 2023-12-05T18:00 or 1402/09/14)"
    try:
        year = int(text.split("-")[0])
    except ValueError:
        raise UserError(hint) from None
    if year < 1700:
        import jdatetime

        try:
            y, m, d = (int(x) for x in text.split("T")[0].split("-"))
            g = jdatetime.date(y, m, d).togregorian()
        except (ValueError, TypeError):
            raise UserError(f"{option}: not a Jalali date: {value!r}") from None
        return _local_to_utc(datetime(g.year, g.month, g.day), utc)
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise UserError(hint) from None
    return when.astimezone(UTC) if when.tzinfo else _local_to_utc(when, utc)


def _local_to_utc(local: datetime, utc: bool) -> datetime:
    if utc:
        return local.replace(tzinfo=UTC)
    from monitor.dates import tehran_to_utc

    return tehran_to_utc(local)


def check_range(since: datetime | None, until: datetime | None) -> None:
    if since and until and since >= until:
        raise UserError(
            f"--since ({since:%Y-%m-%d %H:%M}Z) must be before --until ({until:%Y-%m-%d %H:%M}Z)"
        )


def check_positive(name: str, value: int, *, zero: bool = False, most: int | None = None) -> int:
    """Limits and offsets: whole numbers in range, else a one-line error."""
    low = 0 if zero else 1
    if value < low or (most is not None and value > most):
        top = f" and at most {most}" if most is not None else ""
        raise UserError(f"{name} must be at least {low}{top}, not {value}")
    return value


def check_outlets(names: list[str] | None, outlets_file: str | None) -> tuple[str, ...]:
    """Outlet keys as configured; an unknown one is an error naming the known ones."""
    if not names:
        return ()
    from monitor.outlets import load_outlets

    known = load_outlets(outlets_file)
    wanted = [n.strip() for name in names for n in name.split(",") if n.strip()]
    unknown = [n for n in wanted if n not in known]
    if unknown:
        raise UserError(
            f"--outlet: unknown outlet {unknown[0]!r} (configured: {', '.join(sorted(known))})"
        )
    return tuple(dict.fromkeys(wanted))


def print_runs(db: str, ids: list[int], fmt: str, title: str) -> None:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from storage.models import CrawlRun

    with Session(store(db)) as session:
        runs = session.scalars(select(CrawlRun).where(CrawlRun.id.in_(ids))).all()
        rows = [run_row(r) for r in sorted(runs, key=lambda r: r.outlet)]
    cols = ["outlet", "status", *RUN_COUNTS]
    render.emit(rows, fmt, title=title, table_columns=cols)
