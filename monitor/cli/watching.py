"""Commands for being told and looking: ``watch …``, ``alerts``, ``feed``, ``serve``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from monitor import render
from monitor.cli.base import (
    DbOpt,
    FormatOpt,
    OutletsOpt,
    UserError,
    app,
    check_format,
    check_outlets,
    check_positive,
    db_url,
    err,
    parse_day,
)
from storage.db import connect

watch_app = typer.Typer(
    no_args_is_help=True,
    rich_markup_mode=None,
    help="Saved queries whose new stories are announced after every crawl.",
)
app.add_typer(watch_app, name="watch")


def _watch_errors() -> Any:
    from monitor.watches import WatchError

    return WatchError


@watch_app.command("add")
def watch_add(
    name: Annotated[str, typer.Argument(help="A short name without spaces.")],
    words: Annotated[
        list[str] | None,
        typer.Argument(help="The query, as for `monitor query` (none: every story)."),
    ] = None,
    outlet: Annotated[
        list[str] | None, typer.Option("--outlet", help="Only stories with a copy from it.")
    ] = None,
    min_relevance: Annotated[
        float | None, typer.Option(help="Only stories scored at least this (0–1).")
    ] = None,
    notify: Annotated[
        list[str] | None,
        typer.Option(
            "--notify",
            help="An Apprise URL to announce to (repeatable): json://host/path, tgram://…, "
            "mailto://…, ntfy://…",
        ),
    ] = None,
    digest: Annotated[
        str | None, typer.Option(help="hourly | daily: one message per period instead.")
    ] = None,
    republications: Annotated[
        bool,
        typer.Option("--republications", help="Announce republications of announced stories too."),
    ] = False,
    since: Annotated[
        str | None,
        typer.Option(help="Count stories fetched from this day as new (default: from now)."),
    ] = None,
    outlets: OutletsOpt = None,
    db: DbOpt = None,
) -> None:
    """Add a watch: after every crawl, each story new to it is announced once.

    Example: monitor watch add lavrov لاوروف --notify json://127.0.0.1:9000/hook --digest daily
    """
    from sqlalchemy.orm import Session

    from monitor.watches import WatchSpec, add_watch

    spec = WatchSpec(
        name=name,
        query=" ".join(words or []),
        outlets=check_outlets(outlet, outlets),
        min_relevance=min_relevance,
        notify=tuple(notify or ()),
        digest=digest,
        republications=republications,
        since=parse_day(since, option="--since"),
    )
    with Session(connect(db_url(db))) as session:
        try:
            watch = add_watch(session, spec)
        except _watch_errors() as exc:
            raise UserError(str(exc)) from None
        session.commit()
        err.print(f"watch {watch.name} added: {len(watch.notify)} target(s)")


def _watch_row(w: Any, hits: int, alerts: dict[str, int]) -> dict[str, Any]:
    from monitor.alerts import redact

    return {
        "name": w.name,
        "query": w.query,
        "outlets": w.outlets,
        "min_relevance": w.min_relevance,
        "notify": [redact(u) for u in w.notify],
        "digest": w.digest,
        "republications": w.republications,
        "since": w.since,
        "checked_at": w.checked_at,
        "stories": hits,
        **{f"alerts_{k}": v for k, v in alerts.items()},
    }


def watch_rows(session: Any) -> list[dict[str, Any]]:
    from sqlalchemy import func, select

    from monitor.alerts import STATES
    from monitor.watches import list_watches
    from storage.models import Alert, WatchHit

    rows = []
    for w in list_watches(session):
        hits = session.scalar(select(func.count()).where(WatchHit.watch_id == w.id)) or 0
        states = dict(
            session.execute(
                select(Alert.state, func.count())
                .where(Alert.watch_id == w.id)
                .group_by(Alert.state)
            ).all()
        )
        rows.append(_watch_row(w, hits, {s: int(states.get(s, 0)) for s in STATES}))
    return rows


@watch_app.command("list")
def watch_list(db: DbOpt = None, fmt: FormatOpt = "table") -> None:
    """List watches with their query, targets (secrets hidden) and what they collected.

    Example: monitor watch list --format json
    """
    from sqlalchemy.orm import Session

    check_format(fmt)
    with Session(connect(db_url(db))) as session:
        rows = watch_rows(session)
    cols = ["name", "query", "outlets", "digest", "stories", "alerts_sent", "alerts_pending"]
    render.emit(rows, fmt, title="Watches", table_columns=cols)


@watch_app.command("remove")
def watch_remove(name: str, db: DbOpt = None) -> None:
    """Remove a watch with its collected stories and its alert history.

    Example: monitor watch remove lavrov
    """
    from sqlalchemy.orm import Session

    from monitor.watches import remove_watch

    with Session(connect(db_url(db))) as session:
        try:
            remove_watch(session, name)
        except _watch_errors() as exc:
            raise UserError(str(exc)) from None
        session.commit()
    err.print(f"watch {name} removed")


@watch_app.command("test")
def watch_test(
    name: str,
    limit: Annotated[int, typer.Option(help="Stories to show (1–1000).")] = 20,
    send: Annotated[
        bool, typer.Option("--send", help="Also send one test message to every target.")
    ] = False,
    db: DbOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Show what the watch finds in the whole store now, newest first; --send checks targets.

    Example: monitor watch test lavrov --send
    """
    from sqlalchemy.orm import Session

    from monitor.alerts import redact
    from monitor.alerts import send as send_one
    from monitor.views import story_row
    from monitor.watches import get_watch, preview

    check_format(fmt)
    check_positive("--limit", limit, most=1000)
    with Session(connect(db_url(db))) as session:
        try:
            watch = get_watch(session, name)
        except _watch_errors() as exc:
            raise UserError(str(exc)) from None
        rows = [story_row(s) for s in preview(session, watch, limit)]
        targets = list(watch.notify)
    render.emit(
        rows,
        fmt,
        title=f"{len(rows)} stories for watch {name}",
        table_columns=["id", "first_outlet", "first_seen", "outlets", "title"],
    )
    if send:
        failed = 0
        for target in targets:
            error = send_one(target, "آزمایش دیده‌بان", f"پیام آزمایشی دیده‌بان «{name}»", "test")
            err.print(f"{redact(target)}: {'ok' if error is None else error}")
            failed += error is not None
        if failed:
            raise typer.Exit(1)


@app.command()
def alerts(
    state: Annotated[
        list[str] | None, typer.Option("--state", help="pending | sending | sent | failed")
    ] = None,
    watch: Annotated[str | None, typer.Option(help="Only this watch's deliveries.")] = None,
    limit: Annotated[int, typer.Option(help="How many, newest first (1–1000).")] = 50,
    send: Annotated[
        bool, typer.Option("--send", help="First send what is due (and collect new stories).")
    ] = False,
    alert_retry: Annotated[
        float | None,
        typer.Option(
            envvar="MONITOR_ALERT_RETRY",
            help="With --send: seconds before a failed delivery is retried. Default 60.",
        ),
    ] = None,
    db: DbOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """List alert deliveries: pending, sending, sent and failed, with their tries.

    Example: monitor alerts --state pending --state failed
    """
    from sqlalchemy.orm import Session

    from monitor.alerts import STATES, after_crawl, list_alerts, make_policy

    check_format(fmt)
    check_positive("--limit", limit, most=1000)
    bad = [s for s in state or [] if s not in STATES]
    if bad:
        raise UserError(f"--state must be one of {', '.join(STATES)}, not {bad[0]!r}")
    url = db_url(db)
    if send:
        after_crawl(url, policy=make_policy(alert_retry))
    with Session(connect(url)) as session:
        rows = list_alerts(session, state or (), watch, limit)
    cols = ["id", "watch", "kind", "story", "state", "tries", "created", "sent", "last_error"]
    render.emit(rows, fmt, title="Alert deliveries", table_columns=cols)


@app.command()
def feed(
    watch: Annotated[
        str | None, typer.Argument(help="A watch's name (none: the newest stories).")
    ] = None,
    out: Annotated[str, typer.Option("--out", "-o", help="The Atom file to write.")] = "",
    db: DbOpt = None,
) -> None:
    """Write an Atom feed: one entry per story, updated when republications arrive.

    Example: monitor feed lavrov --out lavrov.atom
    """
    from sqlalchemy.orm import Session

    from monitor.atom import watch_feed

    if not out:
        raise UserError("--out FILE is required")
    path = Path(out).expanduser()
    if not path.parent.is_dir():
        raise UserError(f"--out: folder {str(path.parent)!r} does not exist")
    with Session(connect(db_url(db))) as session:
        try:
            data = watch_feed(session, watch)
        except _watch_errors() as exc:
            raise UserError(str(exc)) from None
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)  # readers never see half a feed
    err.print(f"wrote {data.count(b'<entry>')} entries to {path}")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to bind (default: this machine only).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8765,
    outlets: OutletsOpt = None,
    db: DbOpt = None,
) -> None:
    """Serve the read-only, right-to-left Persian web view of the store.

    Example: monitor serve --port 8765   (then open http://127.0.0.1:8765/)
    """
    import uvicorn

    from monitor.web.app import create_app

    check_positive("--port", port, zero=True, most=65535)
    application = create_app(db_url(db), outlets_file=outlets)
    err.print(f"serving http://{host}:{port}/ (read-only; Ctrl-C stops)")
    uvicorn.run(application, host=host, port=port, log_level="warning")
