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
    check_outlets,
    check_positive,
    check_range,
    db_url,
    err,
    parse_day,
    run_row,
    store,
)
from monitor.outlets import load_outlets

SortOpt = Annotated[
    str | None,
    typer.Option(
        help="relevance (best first among the newest 200 matches) | date (newest first). "
        "Default: relevance with words, else date."
    ),
]
OutletOpt = Annotated[
    list[str] | None,
    typer.Option("--outlet", help="Only copies from this configured outlet (repeat or a,b)."),
]
SinceOpt = Annotated[
    str | None,
    typer.Option(
        help="Copies dated from this day: 2024-10-11 or 1403/07/20 mean 00:00 Tehran time "
        "(UTC with --utc); a time with an offset is taken as given."
    ),
]
UntilOpt = Annotated[str | None, typer.Option(help="Copies dated before this day (as --since).")]
UtcOpt = Annotated[bool, typer.Option("--utc", help="Dates without an offset are UTC, not Tehran.")]
FetchedOpt = Annotated[
    str | None, typer.Option(help="Copies the monitor fetched from this day/time on.")
]


def _filters(
    outlet: list[str] | None,
    since: str | None,
    until: str | None,
    utc: bool,
    fetched_since: str | None,
    outlets_file: str | None,
    source: str | None = None,
) -> Any:
    from storage.search import CopyFilter

    start = parse_day(since, utc=utc, option="--since")
    end = parse_day(until, utc=utc, option="--until")
    check_range(start, end)
    return CopyFilter(
        outlets=check_outlets(outlet, outlets_file),
        since=start,
        until=end,
        fetched_since=parse_day(fetched_since, utc=utc, option="--fetched-since"),
        source=source,
    )


def _text_query(words: list[str] | None) -> Any:
    from monitor.searchquery import QueryError, parse_query

    try:
        return parse_query(" ".join(words or []))
    except QueryError as exc:
        raise UserError(f"query: {exc}") from None


def _sort(sort: str | None, has_text: bool) -> str:
    from storage.search import SORTS

    sort = sort or ("relevance" if has_text else "date")
    if sort not in SORTS:
        raise UserError(f"--sort must be one of {', '.join(SORTS)}, not {sort!r}")
    if sort == "relevance" and not has_text:
        raise UserError("--sort relevance needs words to search for")
    return sort


@app.command()
def query(
    words: Annotated[
        list[str] | None,
        typer.Argument(
            help='Words that must all appear; "a phrase", -excluded, A OR B.', show_default=False
        ),
    ] = None,
    outlet: OutletOpt = None,
    source: Annotated[
        str | None, typer.Option(help="Only stories first seen here: telegram | web.")
    ] = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    utc: UtcOpt = False,
    fetched_since: FetchedOpt = None,
    new: Annotated[
        bool, typer.Option("--new", help="Only copies fetched since you last ran --new.")
    ] = False,
    sort: SortOpt = None,
    rows: Annotated[bool, typer.Option("--rows", help="List every copy, not stories.")] = False,
    limit: Annotated[int, typer.Option(help="Stories per page (1–1000).")] = 50,
    offset: Annotated[int, typer.Option(help="Skip this many stories (paging).")] = 0,
    min_relevance: Annotated[
        float | None, typer.Option(help="Only stories scoring at least this (0–1).")
    ] = None,
    borderline: Annotated[
        bool,
        typer.Option(
            "--borderline", help="List pages kept just under the relevance threshold instead."
        ),
    ] = False,
    outlets: OutletsOpt = None,
    db: DbOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Search stories (an article and its republications) in any copy's text.

    A story is listed once, with its first publisher, first-seen time and the outlets that
    carried it; date and outlet filters match any copy. Spelling variants (ي/ی, ZWNJ or space,
    Persian digits) find the same stories; words match whole, never inside another word.

    Words: all must appear; "a phrase" in order; -word excludes (write -- before the words
    when the first one starts with -); A OR B takes either.

    Example: monitor query لاوروف عراقچی --since 1403/01/01 --outlet mehr --format json
    """
    from monitor.snippets import make_snippet
    from monitor.views import copies, copy_row, snippet_source, story_row
    from storage.search import find_stories, load_stories

    check_format(fmt)
    check_positive("--limit", limit, most=1000)
    check_positive("--offset", offset, zero=True)
    text = _text_query(words)
    order = _sort(sort, text is not None)
    if source not in (None, "telegram", "web"):
        raise UserError(f"--source must be telegram or web, not {source!r}")
    if min_relevance is not None and not 0.0 <= min_relevance <= 1.0:
        raise UserError(f"--min-relevance must be between 0 and 1, not {min_relevance}")
    filters = _filters(outlet, since, until, utc, fetched_since, outlets, source)
    if min_relevance is not None:
        from dataclasses import replace

        filters = replace(filters, min_relevance=min_relevance)
    url = db_url(db)
    if borderline:
        _list_borderline(url, text, filters, limit, offset, fmt)
        return
    started = datetime.now(UTC)
    if new:
        from dataclasses import replace

        from monitor.lastlook import last_looked

        seen = last_looked(url)
        if seen and (filters.fetched_since is None or seen > filters.fetched_since):
            filters = replace(filters, fetched_since=seen)
    wanted = text.positive_tokens() if text else set()
    out: list[dict[str, Any]] = []
    hidden = 0
    with store(url).connect() as session:
        hits = find_stories(session, text, filters, sort=order, limit=limit, offset=offset)
        scores = {h.story_id: h.score for h in hits}
        # Without words, say how many pages wait just under the threshold (not stories, so
        # not listed here): an analyst who wants every candidate knows where to look.
        if text is None and not rows and fmt == "table" and filters.source is None:
            from storage.rows import borderline_count

            hidden = borderline_count(
                session, outlets=filters.outlets, since=filters.since, until=filters.until
            )
        for story in load_stories(session, [h.story_id for h in hits]):
            if rows:
                out.extend(
                    copy_row(c, story)
                    for c in copies(story)
                    if filters.accepts(c.outlet, c.published, c.fetched)
                )
                continue
            snippet = None
            if text is not None:
                snippet = make_snippet(snippet_source(story, wanted), wanted)
            out.append(story_row(story, score=scores[story.id], snippet=snippet, filters=filters))
    if new:
        from monitor.lastlook import remember_look

        remember_look(url, started)
    if rows:
        cols = ["id", "story", "kind", "outlet", "published", "title"]
        title = f"{len(out)} copies of {len(hits)} stories"
    else:
        cols = ["id", "first_outlet", "source", "first_seen", "outlets", "title"]
        cols += ["snippet"] if text is not None else ["outlet_names"]
        title = f"{len(out)} stories" + (f" from #{offset + 1}" if offset else "")
    render.emit(out, fmt, title=title, table_columns=cols)
    if hidden:
        err.print(
            f"{hidden} borderline pages (just under the relevance threshold) are not listed:"
            " monitor query --borderline"
        )


def _list_borderline(url: str, text: Any, filters: Any, limit: int, offset: int, fmt: str) -> None:
    """``query --borderline``: judged pages just under the threshold, which are not stories;
    words filter on the page's kept text (the set is small: a plain pass, no index)."""

    from sqlalchemy.orm import Session

    from monitor.searchtext import search_tokens
    from monitor.views import borderline_row
    from storage.queries import borderline_pages
    from storage.writes import unpack_fields

    wanted = text.positive_tokens() if text is not None else set()
    out: list[dict[str, Any]] = []
    with Session(store(url)) as session:
        pages = borderline_pages(
            session, outlets=filters.outlets, since=filters.since, until=filters.until
        )
        for page in pages:
            if wanted:
                fields = unpack_fields(page.content) or {}
                kept = f"{page.title or ''}\n{fields.get('lead') or ''}\n{fields.get('text') or ''}"
                if not wanted <= set(search_tokens(kept)):
                    continue
            out.append(borderline_row(page))
    out = out[offset : offset + limit]
    cols = ["outlet", "published", "relevance", "title", "url"]
    render.emit(out, fmt, title=f"{len(out)} borderline pages", table_columns=cols)


@app.command()
def export(
    words: Annotated[
        list[str] | None,
        typer.Argument(help="What to export: the same query syntax as `monitor query`."),
    ] = None,
    out: Annotated[
        str, typer.Option("--out", "-o", help="The file to write; - for standard output.")
    ] = "",
    fmt: Annotated[str, typer.Option("--format", "-f", help="jsonl | csv | parquet")] = "jsonl",
    outlet: OutletOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    utc: UtcOpt = False,
    fetched_since: FetchedOpt = None,
    outlets: OutletsOpt = None,
    db: DbOpt = None,
) -> None:
    """Export every copy of every matching story, with its full text, to a file.

    CSV is UTF-8 with a byte-order mark (spreadsheets read Persian) and formula-safe; dates are
    ISO 8601 with offsets, the Jalali form beside them. Parquet needs the `parquet` extra.

    Example: monitor export لاوروف --since 1402/09/01 --format csv --out lavrov.csv
    (--out - writes JSON Lines or CSV to standard output, for a pipe.)
    """
    from pathlib import Path

    from rich.progress import Progress
    from sqlalchemy.orm import Session

    from monitor.export import FORMATS, ExportError, write_rows
    from monitor.views import copies, copy_row
    from storage.search import count_stories, find_stories, load_stories

    check_format(fmt, FORMATS)
    if not out:
        raise UserError("--out FILE is required (- for standard output)")
    text = _text_query(words)
    filters = _filters(outlet, since, until, utc, fetched_since, outlets)
    path = None if out == "-" else Path(out).expanduser()
    if path is not None and not path.parent.is_dir():
        raise UserError(f"--out: folder {str(path.parent)!r} does not exist")
    columns = [
        "id", "story", "kind", "outlet", "title", "url", "published", "published_jalali",
        "fetched", "fetched_jalali", "similarity", "cited_source", "lead", "body",
    ]  # fmt: skip
    with Session(store(db)) as session:
        total = count_stories(session, text, filters)

        def rows(progress: Progress, task: Any) -> Any:
            page = 0
            while True:
                hits = find_stories(session, text, filters, limit=500, offset=page * 500)
                if not hits:
                    return
                for story in load_stories(session, [h.story_id for h in hits]):
                    for c in copies(story):
                        yield copy_row(c, story, full_text=True)
                    progress.advance(task)
                session.expunge_all()
                page += 1

        with Progress(console=err, transient=True, disable=not err.is_terminal) as progress:
            task = progress.add_task("exporting stories", total=total)
            try:
                n = write_rows(rows(progress, task), fmt, path, columns)
            except ExportError as exc:
                raise UserError(str(exc)) from None
    err.print(f"wrote {n} copies of {total} stories to {path or 'standard output'}")


@app.command()
def show(
    item_id: Annotated[str, typer.Argument(metavar="ID", help="a42 (article) or s17 (sighting).")],
    db: DbOpt = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text | json")] = "text",
) -> None:
    """Show an article (text, dates in both calendars, relevance, where else it appeared) or a
    sighting (its text, its original and its place in the story).

    Example: monitor show a42
    """
    from monitor.views import article_detail, parse_item_id, sighting_detail
    from storage.queries import get_article
    from storage.search import get_sighting

    check_format(fmt, ("text", "json"))
    try:
        item = parse_item_id(item_id)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    with store(db).connect() as session:
        if item.kind == "sighting":
            s = get_sighting(session, item.number)
            if s is None:
                raise UserError(f"no sighting with id {item}")
            data = sighting_detail(s)
        else:
            a = get_article(session, item.number)
            if a is None:
                raise UserError(f"no article with id {item}")
            data = article_detail(a)
    if fmt == "json":
        print(render.dumps(data))
    elif item.kind == "sighting":
        _print_sighting(data)
    else:
        _print_article(data)


def _print_article(data: dict[str, Any]) -> None:
    out = Console()
    say = render.say(out)  # stored text: printed literally, without control characters
    say((data["title"], "bold"), f"  {data['id']} · {data['outlet'] or 'seed'}")
    say(
        f"{data['url']}\npublished {render.both_calendars(data['published'])}"
        f" · fetched {render.both_calendars(data['fetched'])}"
    )
    if data["cited_source"]:
        say(f"source cited: {data['cited_source']}")
    say(f"relevance {data['relevance']}: " + "; ".join(data["relevance_reasons"]))
    if data["lead"]:
        say("\n", (data["lead"], "italic"))
    say(f"\n{data['body']}\n")
    if data["sightings"]:
        say(("Also published by", "bold"))
        for s in data["sightings"]:
            say(
                f"  {s['id']} {s['outlet']}: {s['title']} ({s['kind']}, {s['similarity']}) "
                f"{render.both_calendars(s['published'] or s['fetched'])} {s['url']}"
            )
    for r in data["revisions"]:
        out.print(f"revised: earlier text kept from {render.both_calendars(r['changed_at'])}")


def _print_sighting(data: dict[str, Any]) -> None:
    say = render.say(Console())  # stored text: printed literally, without control characters
    o = data["original"]
    say((data["title"] or "(no title)", "bold"), f"  {data['id']} · {data['outlet']}")
    say(
        f"{data['url']}\npublished {render.both_calendars(data['published'])}"
        f" · seen {render.both_calendars(data['seen'])}\n"
        f"{data['kind']} copy ({data['similarity']}) of {o['id']} {o['outlet'] or 'seed'}: "
        f"{o['title']}\ncopy {data['place']} of {data['copies']} in story {data['story']}"
    )
    if data["body"]:
        say(f"\n{data['body']}\n")


@app.command()
def reindex(db: DbOpt = None) -> None:
    """Recompute the search text of every article and sighting (after a search-rule change or
    an upgrade from a store made before full-text search).

    Example: monitor reindex
    """
    from sqlalchemy.orm import Session

    from monitor.searchtext import search_document
    from storage.bm25 import refresh_if_stale
    from storage.search import rewrite_search_text

    with Session(store(db)) as session:
        n = rewrite_search_text(session, search_document)
        session.commit()
        refresh_if_stale(session)  # the words' document counts for ranked search
        session.commit()
    err.print(f"reindexed {n} articles and sightings")


@app.command()
def sources(outlets: OutletsOpt = None, db: DbOpt = None, fmt: FormatOpt = "table") -> None:
    """List configured outlets with their feeds, sitemaps, schedule and what was stored.

    Example: monitor sources --format json
    """
    from monitor.views import source_row
    from storage.queries import outlet_counts

    check_format(fmt)
    rows = []
    with store(db).connect() as session:
        for key, o in load_outlets(outlets).items():
            rows.append(source_row(key, o, outlet_counts(session, key)))
    cols = ["outlet", "name", "schedule", "feeds", "articles", "sightings", "last_run"]
    render.emit(rows, fmt, title="Outlets", table_columns=cols)


@app.command()
def runs(
    outlet: Annotated[str | None, typer.Option(help="Only this outlet.")] = None,
    limit: Annotated[int, typer.Option(help="How many, newest first (1–1000).")] = 30,
    failures: Annotated[
        bool, typer.Option("--failures", help="List article URLs that failed, with reasons.")
    ] = False,
    outlets: OutletsOpt = None,
    db: DbOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """List recent crawls with their counts and failures.

    Example: monitor runs --outlet mehr --limit 5   (or: monitor runs --failures)
    """
    from storage.queries import list_runs

    check_format(fmt)
    check_positive("--limit", limit, most=1000)
    outlet = check_outlets([outlet], outlets)[0] if outlet else None
    if failures:
        from sqlalchemy.orm import Session

        from monitor.defaults import MONITOR_MAX_ATTEMPTS
        from storage.pending import failed_urls

        with Session(store(db)) as session:
            rows = failed_urls(session, outlet, limit, MONITOR_MAX_ATTEMPTS)
        cols = ["url", "outlet", "attempts", "state", "last_seen", "reason"]
        render.emit(rows, fmt, title="Failed pages", table_columns=cols)
        return
    with store(db).connect() as session:
        rows = [run_row(r) for r in list_runs(session, outlet, limit)]
    # Which worker ran a crawl matters only where workers share the work.
    who = ["worker"] if any(r["worker"] for r in rows) else []
    cols = ["id", "outlet", "status", *who, "started_at", *RUN_COUNTS]
    render.emit(rows, fmt, title="Crawl runs", table_columns=cols)


@app.command()
def status(outlets: OutletsOpt = None, db: DbOpt = None, fmt: FormatOpt = "table") -> None:
    """Per outlet: last run, next run, and health warnings (redesign or block signs).

    Example: monitor status --format json
    """
    from monitor.channels import reads_telegram
    from monitor.health import outlet_health
    from monitor.lock import daemon_running

    check_format(fmt)
    url = db_url(db)
    with store(url).connect() as session:
        rows = outlet_health(
            session, load_outlets(outlets), datetime.now(UTC), telegram=reads_telegram(outlets)
        )
    running = daemon_running(url)
    for row in rows:
        row["daemon_running"] = running
    cols = ["outlet", "last_run", "last_status", "articles", "next_run", "warnings"]
    title = "Outlet status (daemon running)" if running else "Outlet status (no daemon running)"
    render.emit(rows, fmt, title=title, table_columns=cols)
