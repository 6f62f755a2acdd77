"""Commands that read the store: query, show, sources, runs, status."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.console import Console

from monitor import render
from monitor.cli.base import (
    RUN_COUNTS,
    DbOpt,
    FormatOpt,
    OutletsOpt,
    UserError,
    app,
    check_format,
    db_url,
    parse_day,
    run_row,
    store,
)
from monitor.outlets import load_outlets


@app.command()
def query(
    text: Annotated[str | None, typer.Argument(help="Words that must all appear.")] = None,
    outlet: Annotated[str | None, typer.Option(help="Only this outlet.")] = None,
    source: Annotated[
        str | None, typer.Option(help="Only stories first seen here: telegram | web.")
    ] = None,
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

    from monitor.normalize import search_text
    from storage.queries import search_articles

    check_format(fmt)
    if source not in (None, "telegram", "web"):
        raise UserError(f"--source must be telegram or web, not {source!r}")
    with Session(store(db)) as session:
        found = search_articles(
            session,
            search_text(text).split(),
            outlet=outlet,
            source=source,
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
    cols = ["id", "outlet", "source", "published", "title", "also"]
    render.emit(rows, fmt, title=f"{len(found)} articles", table_columns=cols)


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
        # Where the story was first seen (a Telegram post before the website, say), and when.
        "source": a.first_source or a.source,
        "first_seen": a.first_seen or a.published,
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
        "source": s.source,
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

    check_format(fmt, ("text", "json"))
    with Session(store(db)) as session:
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

    check_format(fmt)
    rows = []
    with Session(store(db)) as session:
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
    render.emit(rows, fmt, title="Outlets", table_columns=cols)


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

    check_format(fmt)
    with Session(store(db)) as session:
        rows = [run_row(r) for r in list_runs(session, outlet, limit)]
    cols = ["id", "outlet", "status", "started_at", *RUN_COUNTS]
    render.emit(rows, fmt, title="Crawl runs", table_columns=cols)


@app.command()
def status(outlets: OutletsOpt = None, db: DbOpt = None, fmt: FormatOpt = "table") -> None:
    """Per outlet: last run, next run, and health warnings (redesign or block signs).

    Example: monitor status --format json
    """
    from sqlalchemy.orm import Session

    from monitor.health import outlet_health
    from monitor.lock import daemon_running

    check_format(fmt)
    url = db_url(db)
    with Session(store(url)) as session:
        rows = outlet_health(session, load_outlets(outlets), datetime.now(UTC))
    running = daemon_running(url)
    for row in rows:
        row["daemon_running"] = running
    cols = ["outlet", "last_run", "last_status", "articles", "next_run", "warnings"]
    title = "Outlet status (daemon running)" if running else "Outlet status (no daemon running)"
    render.emit(rows, fmt, title=title, table_columns=cols)
