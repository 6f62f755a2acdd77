"""The ``monitor`` command: thin commands over the library, one-line errors, examples in --help."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.console import Console

from monitor import render
from monitor.outlets import OutletConfigError, load_outlets
from storage.db import StoreError, connect, default_db_url

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


def _db(db: str | None) -> str:
    return db or default_db_url()


def _fmt(fmt: str, allowed: tuple[str, ...] = render.FORMATS) -> str:
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

        from monitor.outlets import TEHRAN

        try:
            y, m, d = (int(x) for x in text.split("T")[0].split("-"))
            g = jdatetime.date(y, m, d).togregorian()
        except (ValueError, TypeError):
            raise UserError(f"not a Jalali date: {value!r}") from None
        return datetime(g.year, g.month, g.day, tzinfo=TEHRAN).astimezone(UTC)
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise UserError(f"not a date: {value!r} (use 2023-12-05 or 1402/09/14)") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


# ---------------------------------------------------------------- crawling


@app.command()
def crawl(
    outlet: Annotated[
        list[str] | None, typer.Argument(help="Outlet keys; all when omitted.")
    ] = None,
    db: DbOpt = None,
    mirror: MirrorOpt = None,
    outlets: OutletsOpt = None,
    trigger: Annotated[str, typer.Option(help="Recorded in crawl_runs.")] = "manual",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress, no table.")] = False,
    fmt: FormatOpt = "table",
) -> None:
    """Crawl outlets once and print what each one gave.

    Example: monitor crawl mehr tasnim --mirror http://127.0.0.1:8800
    """
    _fmt(fmt)
    ids = _crawl_with_progress(
        outlet,
        db=_db(db),
        mirror=mirror,
        outlets_file=outlets,
        trigger=trigger,
        show=not quiet and fmt == "table",
    )
    if not quiet:
        _print_runs(_db(db), ids, fmt, title="Crawl summary")


def _crawl_with_progress(outlets: list[str] | None, *, show: bool, **options: Any) -> list[int]:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from monitor.crawl import run_crawl
    from monitor.extensions.progress import DISPLAYS

    if not show or not err.is_terminal:
        return run_crawl(outlets, log_level="WARNING" if show else "ERROR", **options)
    progress = Progress(
        TextColumn("{task.description:>8}"),
        BarColumn(),
        TextColumn("{task.completed} responses"),
        TextColumn(
            "pages {task.fields[pages]} new {task.fields[new]} dup {task.fields[dups]} "
            "failed {task.fields[failed]}"
        ),
        TimeElapsedColumn(),
        console=err,
    )
    DISPLAYS["cli"] = progress
    with progress:
        return run_crawl(outlets, log_level="ERROR", extra={"MONITOR_PROGRESS": "cli"}, **options)


def _print_runs(db: str, ids: list[int], fmt: str, title: str) -> None:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from storage.models import CrawlRun

    with Session(connect(db)) as session:
        runs = session.scalars(select(CrawlRun).where(CrawlRun.id.in_(ids))).all()
        rows = [_run_row(r) for r in sorted(runs, key=lambda r: r.outlet)]
    cols = ["outlet", "status", *RUN_COUNTS]
    render.emit(rows, fmt, title=title, columns=cols if fmt == "table" else None)


def _run_row(r: Any) -> dict[str, Any]:
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


@app.command()
def run(
    db: DbOpt = None,
    mirror: MirrorOpt = None,
    outlets: OutletsOpt = None,
    every: Annotated[
        float | None, typer.Option(help="Crawl every N seconds, overriding all schedules.")
    ] = None,
    outlet: Annotated[
        list[str] | None, typer.Option("--outlet", help="Only these outlets.")
    ] = None,
    log_file: Annotated[str | None, typer.Option(help="Also log to this rotating file.")] = None,
    grace: Annotated[
        float, typer.Option(help="Seconds a running crawl gets to finish on SIGTERM.")
    ] = 30.0,
) -> None:
    """Run the scheduler daemon: every outlet on its own schedule until SIGTERM.

    Example: monitor run --every 600 --log-file ~/monitor.log
    """
    from monitor.daemon import run_daemon

    code = run_daemon(
        db=_db(db),
        mirror=mirror,
        every=every,
        outlets=outlet,
        outlets_file=outlets,
        log_file=log_file,
        grace=grace,
    )
    raise typer.Exit(code)


@app.command()
def demo(
    db: DbOpt = None,
    port: Annotated[int, typer.Option(help="Simulator port (0 = any free port).")] = 0,
) -> None:
    """Start the outlet simulator, crawl every outlet through it, and show what was stored.

    Example: monitor demo --db sqlite:///demo.db
    """
    from monitor.simulator import Simulator

    url = _db(db)
    connect(url)
    with Simulator(port=port) as sim:
        err.print(f"[bold]Outlet simulator[/] serving {sim.url} (a local copy of the outlets)")
        ids = _crawl_with_progress(None, db=url, mirror=sim.url, trigger="demo", show=True)
    _print_runs(url, ids, "table", title="Demo crawl")
    err.print(
        f"\nStored in {url}. Try next:\n"
        f"  monitor query روسیه --db {url}\n"
        f"  monitor show <ID> --db {url}\n"
        f"  monitor sources --db {url}\n"
        f"  monitor check seeds/000_6d9b418a79da553c.txt --db {url}"
    )


@app.command()
def simulate(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8800,
) -> None:
    """Serve the local outlet simulator until Ctrl-C.

    Example: monitor simulate --port 8800  (then: monitor crawl --mirror http://127.0.0.1:8800)
    """
    from monitor.simulator import Simulator

    sim = Simulator(port=port)
    err.print(f"serving the outlets at http://127.0.0.1:{port}/<host>/<path>; Ctrl-C stops")
    with contextlib.suppress(KeyboardInterrupt):
        sim.serve_forever()


# ---------------------------------------------------------------- reading


@app.command()
def query(
    text: Annotated[str | None, typer.Argument(help="Words that must all appear.")] = None,
    outlet: Annotated[str | None, typer.Option(help="Only this outlet.")] = None,
    since: Annotated[
        str | None, typer.Option(help="From this date (2023-12-05 or 1402/09/14).")
    ] = None,
    until: Annotated[str | None, typer.Option(help="Before this date.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many articles.")] = 50,
    include_duplicates: Annotated[bool, typer.Option(help="Also list each republication.")] = False,
    include_seeds: Annotated[bool, typer.Option(help="Also list the seed articles.")] = False,
    db: DbOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Search stored articles, newest first.

    Example: monitor query "لاوروف عراقچی" --since 1403/01/01 --format json
    """
    from sqlalchemy.orm import Session

    from storage.queries import search_articles

    _fmt(fmt)
    with Session(connect(_db(db))) as session:
        found = search_articles(
            session,
            text,
            outlet=outlet,
            since=parse_day(since),
            until=parse_day(until),
            limit=limit,
            include_seeds=include_seeds,
        )
        rows: list[dict[str, Any]] = []
        for a in found:
            rows.append(_article_row(a))
            if include_duplicates:
                rows.extend(_sighting_row(s) for s in a.sightings)
    cols = ["id", "outlet", "published", "title", "also"]
    render.emit(rows, fmt, title=f"{len(found)} articles", columns=cols if fmt == "table" else None)


def _article_row(a: Any) -> dict[str, Any]:
    return {
        "id": a.id,
        "outlet": a.outlet,
        "title": a.title,
        "url": a.url,
        "published": a.published,
        "published_jalali": a.published_jalali,
        "cited_source": a.cited_source,
        "relevance": round(a.relevance, 3),
        "also": len(a.sightings),
        "duplicate_of": None,
    }


def _sighting_row(s: Any) -> dict[str, Any]:
    return {
        "id": f"↳{s.article_id}",
        "outlet": s.outlet,
        "title": s.title,
        "url": s.url,
        "published": s.published,
        "kind": s.kind,
        "score": round(s.score, 3),
        "duplicate_of": s.article_id,
        "cited_source": s.cited_source,
    }


@app.command()
def show(
    article_id: Annotated[int, typer.Argument(metavar="ID")],
    db: DbOpt = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text | json")] = "text",
) -> None:
    """Show one article: text, dates in both calendars, relevance, and where else it appeared.

    Example: monitor show 42
    """
    from sqlalchemy.orm import Session

    from storage.queries import get_article

    _fmt(fmt, ("text", "json"))
    with Session(connect(_db(db))) as session:
        a = get_article(session, article_id)
        if a is None:
            raise UserError(f"no article with id {article_id}")
        data = {
            **_article_row(a),
            "lead": a.lead,
            "body": a.body,
            "author": a.author,
            "tags": a.tags,
            "seed_file": a.seed_file,
            "fetched_at": a.fetched_at,
            "relevance_reasons": a.relevance_reasons,
            "sightings": [_sighting_row(s) for s in a.sightings],
            "revisions": [{"changed_at": r.changed_at, "title": r.title} for r in a.revisions],
        }
    if fmt == "json":
        print(render.dumps(data))
        return
    out = Console()
    out.print(f"[bold]{data['title']}[/]  #{article_id} · {data['outlet'] or 'seed'}")
    out.print(
        f"{data['url']}\npublished {render.both_calendars(data['published'])}"
        f" · fetched {render.both_calendars(data['fetched_at'])}"
    )
    if data["cited_source"]:
        out.print(f"source cited: {data['cited_source']}")
    out.print(f"relevance {data['relevance']}: " + "; ".join(data["relevance_reasons"]))
    if data["lead"]:
        out.print(f"\n[italic]{data['lead']}[/]")
    out.print(f"\n{data['body']}\n")
    if data["sightings"]:
        out.print("[bold]Also published by[/]")
        for s in data["sightings"]:
            out.print(f"  {s['outlet']}: {s['title']} ({s['kind']}, {s['score']}) {s['url']}")
    for r in data["revisions"]:
        out.print(f"revised: earlier text kept from {render.both_calendars(r['changed_at'])}")


@app.command()
def sources(outlets: OutletsOpt = None, db: DbOpt = None, fmt: FormatOpt = "table") -> None:
    """List configured outlets with their feeds, sitemaps, schedule and what was stored.

    Example: monitor sources --format json
    """
    from sqlalchemy.orm import Session

    from storage.queries import outlet_counts

    _fmt(fmt)
    rows = []
    with Session(connect(_db(db))) as session:
        for key, o in load_outlets(outlets).items():
            counts = outlet_counts(session, key)
            s = o.schedule
            rows.append(
                {
                    "outlet": key,
                    "name": o.name,
                    "name_fa": o.name_fa,
                    "enabled": o.enabled,
                    "domains": list(o.domains),
                    "feeds": list(o.feeds),
                    "sitemaps": list(o.sitemaps),
                    "listings": list(o.listings),
                    "schedule": s.cron or f"every {s.interval}s ±{s.jitter}s",
                    "articles": counts.articles,
                    "sightings": counts.sightings,
                    "last_run": counts.last_run.started_at if counts.last_run else None,
                }
            )
    cols = ["outlet", "name", "schedule", "feeds", "articles", "sightings", "last_run"]
    render.emit(rows, fmt, title="Outlets", columns=cols if fmt == "table" else None)


@app.command()
def runs(
    outlet: Annotated[str | None, typer.Option(help="Only this outlet.")] = None,
    limit: Annotated[int, typer.Option(help="How many, newest first.")] = 30,
    db: DbOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """List recent crawls with their counts and failures.

    Example: monitor runs --outlet mehr --limit 5
    """
    from sqlalchemy.orm import Session

    from storage.queries import list_runs

    _fmt(fmt)
    with Session(connect(_db(db))) as session:
        rows = [_run_row(r) for r in list_runs(session, outlet, limit)]
    cols = ["id", "outlet", "status", "started_at", *RUN_COUNTS]
    render.emit(rows, fmt, title="Crawl runs", columns=cols if fmt == "table" else None)


@app.command()
def status(outlets: OutletsOpt = None, db: DbOpt = None, fmt: FormatOpt = "table") -> None:
    """Per outlet: last run, next run, and health warnings (redesign or block signs).

    Example: monitor status --format json
    """
    from sqlalchemy.orm import Session

    from monitor.health import outlet_health

    _fmt(fmt)
    with Session(connect(_db(db))) as session:
        rows = outlet_health(session, load_outlets(outlets), datetime.now(UTC))
    cols = ["outlet", "last_run", "last_status", "articles", "next_run", "warnings"]
    render.emit(rows, fmt, title="Outlet status", columns=cols if fmt == "table" else None)


# ---------------------------------------------------------------- judging pages


@app.command()
def check(
    paths: Annotated[
        list[str],
        typer.Argument(metavar="FILE_OR_URL...", help="Saved pages, directories or URLs."),
    ],
    url: Annotated[
        str | None, typer.Option(help="The page's real URL (for a single saved file).")
    ] = None,
    db: DbOpt = None,
    outlets: OutletsOpt = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="json | jsonl")] = "json",
) -> None:
    """Judge pages without storing them: extraction, relevance, duplicate of a seed or article.

    Example: monitor check saved/page.html --url https://www.mehrnews.com/news/6018415
    """
    from monitor.checking import check_pages, expand_paths

    _fmt(fmt, ("json", "jsonl"))
    files = expand_paths(paths)
    if not files:
        raise UserError("no pages to check")
    if url and len(files) > 1:
        raise UserError("--url names one page; give one file with it")
    failed = 0
    results = check_pages(files, db=_db(db), outlets_file=outlets, url=url)
    many = len(files) > 1 or fmt == "jsonl"
    for result in results:
        failed += bool(result.get("error"))
        print(render.dumps(result) if many else _pretty(result))
    if failed:
        raise typer.Exit(1)


def _pretty(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False, indent=2, default=str)


@app.command()
def recheck(
    db: DbOpt = None,
    threshold: Annotated[
        float | None, typer.Option(help="Near-duplicate threshold to try (default: the built-in).")
    ] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Re-judge stored decisions with the current normalizer and threshold; report changes.

    Example: monitor recheck --threshold 0.6 --format json
    """
    from sqlalchemy.orm import Session

    from monitor.rechecking import recheck_store

    _fmt(fmt)
    with Session(connect(_db(db))) as session:
        rows = recheck_store(session, threshold)
    render.emit(
        rows,
        fmt,
        title=f"{len(rows)} decisions would change",
        columns=["what", "id", "url", "was", "now"] if fmt == "table" else None,
    )


def main() -> None:
    """Entry point: run the app, turning known errors into one line and a non-zero exit."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        code = app(standalone_mode=False)  # returns typer.Exit's code instead of raising it
        sys.exit(code if isinstance(code, int) else 0)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (UserError, StoreError, OutletConfigError, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    except typer.Abort:
        sys.exit(130)
    except Exception as exc:  # click's usage errors and anything unexpected: still one line
        import click

        if isinstance(exc, click.ClickException):
            print(f"error: {exc.format_message()}", file=sys.stderr)
            sys.exit(exc.exit_code)
        if os.environ.get("MONITOR_DEBUG"):
            raise
        first = str(exc).splitlines()[0] if str(exc) else ""
        print(
            f"error: unexpected {type(exc).__name__}: {first} (MONITOR_DEBUG=1 shows the "
            "traceback)",
            file=sys.stderr,
        )
        sys.exit(1)


if __name__ == "__main__":
    main()
