"""Commands that crawl: one-off crawls, the daemon, the demo and the simulator."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Annotated, Any

import typer

from monitor.cli.base import (
    DbOpt,
    FormatOpt,
    MirrorOpt,
    OutletsOpt,
    UserError,
    app,
    check_environment,
    check_format,
    db_url,
    err,
    print_runs,
    store,
)
from monitor.render import plain
from monitor.seeds import BUNDLED
from storage.db import default_db_url

SEED_EXAMPLE = "000_6d9b418a79da553c.txt"  # a seed the demo suggests checking
CorpusOpt = Annotated[
    Path | None,
    typer.Option(
        help="Also serve the real feed items in this folder (e.g. ../shared/fixtures/real).",
        exists=True,
    ),
]


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
    setting: Annotated[
        list[str] | None,
        typer.Option("--set", help="A Scrapy setting for this crawl, KEY=VALUE (repeatable)."),
    ] = None,
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs", "-j", min=0, help="Processes judging pages; 0: one per core, 1: inline."
        ),
    ] = 1,
) -> None:
    """Crawl outlets once and print what each one gave; exit 1 if any outlet's run failed.

    Example: monitor crawl mehr tasnim --mirror http://127.0.0.1:8800
    """
    from storage.db import check_writable

    check_format(fmt)
    extra = parse_settings(setting or [])
    check_writable(store(db_url(db)))  # a read-only store: one line, before Scrapy starts
    ids = _crawl_with_progress(
        outlet,
        db=db_url(db),
        mirror=mirror,
        outlets_file=outlets,
        trigger=trigger,
        jobs=jobs,
        show=not quiet and fmt == "table",
        quiet=quiet,
        **({"extra": extra} if extra else {}),
    )
    if not quiet:
        print_runs(db_url(db), ids, fmt, title="Crawl summary")
    bad = failed_runs(db_url(db), ids, outlet)
    if bad:
        err.print(f"error: crawl failed: {bad}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(1)


def parse_settings(pairs: list[str]) -> dict[str, str]:
    """``--set KEY=VALUE`` pairs; a malformed one is a one-line usage error."""
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip() or not key.strip().replace("_", "").isalnum():
            raise UserError(f"--set wants KEY=VALUE, not {pair!r}")
        if key.strip().upper().startswith("TELNETCONSOLE"):
            raise UserError("--set cannot enable the telnet console: crawls have no remote control")
        out[key.strip().upper()] = value
    return out


def failed_runs(db: str, ids: list[int], asked: list[str] | None) -> str:
    """One line naming the outlets whose run failed or was never recorded; '' when all ran."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from storage.models import CrawlRun

    with Session(store(db)) as session:
        runs = session.scalars(select(CrawlRun).where(CrawlRun.id.in_([i for i in ids if i])))
        bad = [
            f"{r.outlet} ({r.status}{_first_failure(r.failures)})"
            for r in runs
            if r.status in ("failed", "interrupted")
        ]
        recorded = {r.outlet for r in session.scalars(select(CrawlRun).where(CrawlRun.id.in_(ids)))}
    missing = sorted(set(asked or []) - recorded) if asked else []
    if not ids or None in ids:
        missing = missing or ["a crawl whose run was not recorded"]
    bad += [f"{m} (not recorded)" for m in missing]
    return ", ".join(bad)


def _first_failure(failures: list[dict[str, Any]] | None) -> str:
    """': N failed, first: REASON' for the final error line, so a quiet crawl says why."""
    if not failures:
        return ""
    first = plain(str(failures[0].get("reason") or "unknown")).replace("\n", " ")
    return f": {len(failures)} failed, first: {first[:160]}"


def _crawl_with_progress(
    outlets: list[str] | None, *, show: bool, quiet: bool = False, **options: Any
) -> list[int]:
    from monitor.startup import loading

    with loading():  # Scrapy and Twisted (see monitor.startup)
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        from monitor.crawl import run_crawl
        from monitor.extensions.progress import DISPLAYS

    if not show or not err.is_terminal:
        # --quiet: Scrapy's own error lines are left out; the final line names each failed
        # outlet with its first recorded failure, and `monitor runs --failures` lists the rest.
        level = "CRITICAL" if quiet else "WARNING" if show else "ERROR"
        return run_crawl(outlets, log_level=level, **options)
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
        extra = {**options.pop("extra", {}), "MONITOR_PROGRESS": "cli"}
        return run_crawl(outlets, log_level="ERROR", extra=extra, **options)


@app.command()
def run(
    db: DbOpt = None,
    mirror: MirrorOpt = None,
    outlets: OutletsOpt = None,
    every: Annotated[
        float | None,
        typer.Option(
            min=1.0, max=86400.0 * 365, help="Crawl every N seconds, overriding all schedules."
        ),
    ] = None,
    outlet: Annotated[
        list[str] | None, typer.Option("--outlet", help="Only these outlets.")
    ] = None,
    log_file: Annotated[str | None, typer.Option(help="Also log to this rotating file.")] = None,
    grace: Annotated[
        float,
        typer.Option(
            min=0.0, max=86400.0, help="Seconds a running crawl gets to finish on SIGTERM."
        ),
    ] = 30.0,
    time_limit: Annotated[
        float,
        typer.Option(
            min=1.0, max=86400.0 * 7, help="Seconds one crawl may run before it is stopped."
        ),
    ] = 1800.0,
    alert_retry: Annotated[
        float | None,
        typer.Option(
            envvar="MONITOR_ALERT_RETRY",
            help="Seconds before a failed alert delivery is retried (doubling after). Default 60.",
        ),
    ] = None,
    queue: Annotated[
        str | None,
        typer.Option(
            "--queue",
            envvar="MONITOR_QUEUE",
            help="Enqueue crawls on this Redis queue for `monitor worker` instead of running them.",
        ),
    ] = None,
) -> None:
    """Run the scheduler daemon: every outlet on its own schedule until SIGTERM.

    Example: monitor run --every 600 --log-file ~/monitor.log
    """
    from monitor.alerts import make_policy
    from monitor.daemon import run_daemon

    check_environment()
    code = run_daemon(
        alert_policy=make_policy(alert_retry),
        db=db_url(db),
        mirror=mirror,
        every=every,
        outlets=outlet,
        outlets_file=outlets,
        log_file=log_file,
        grace=grace,
        time_limit=time_limit,
        queue=queue,
    )
    raise typer.Exit(code)


QueueOpt = Annotated[
    str | None,
    typer.Option(
        "--queue",
        envvar="MONITOR_QUEUE",
        help="Redis URL of the crawl queue (redis://host:6379/0?prefix=monitor).",
    ),
]


@app.command()
def worker(
    queue: QueueOpt = None,
    db: DbOpt = None,
    mirror: MirrorOpt = None,
    outlets: OutletsOpt = None,
    name: Annotated[
        str | None, typer.Option(help="Recorded in crawl_runs.worker; default host:pid.")
    ] = None,
    threads: Annotated[
        int, typer.Option(min=1, max=64, help="Outlets this worker crawls at once.")
    ] = 1,
    grace: Annotated[
        float,
        typer.Option(min=0.0, max=86400.0, help="Seconds running crawls get on SIGTERM."),
    ] = 30.0,
    log_file: Annotated[str | None, typer.Option(help="Also log to this rotating file.")] = None,
) -> None:
    """Crawl outlets taken from the queue until SIGTERM; run any number, on any machine.

    Example: monitor worker --queue redis://10.0.0.5:6379/0 --db postgresql://db/monitor
    """
    from monitor.daemon import setup_logging
    from monitor.distributed import run_worker

    if not queue:
        raise UserError("monitor worker needs --queue or MONITOR_QUEUE (a redis:// URL)")
    setup_logging(log_file)
    code = run_worker(
        queue=queue,
        db=db_url(db),
        mirror=mirror,
        outlets_file=outlets,
        name=name,
        threads=threads,
        grace=grace,
    )
    raise typer.Exit(code)


@app.command()
def enqueue(
    outlet: Annotated[
        list[str] | None, typer.Argument(help="Outlet keys; all enabled ones when omitted.")
    ] = None,
    queue: QueueOpt = None,
    outlets: OutletsOpt = None,
    time_limit: Annotated[
        float, typer.Option(min=1.0, max=86400.0 * 7, help="Seconds the crawl may run.")
    ] = 1800.0,
) -> None:
    """Put one crawl of each outlet on the queue now (workers pick them up).

    Example: monitor enqueue mehr tasnim --queue redis://127.0.0.1:6379/0
    """
    from monitor.daemon import _selected
    from monitor.distributed import QueueConfig
    from monitor.distributed import enqueue as put

    if not queue:
        raise UserError("monitor enqueue needs --queue or MONITOR_QUEUE (a redis:// URL)")
    config = QueueConfig.parse(queue)
    for key in _selected(outlets, outlet):
        put(config, key, time_limit)
        err.print(f"enqueued {key}", markup=False, highlight=False)


@app.command()
def demo(
    db: DbOpt = None,
    mirror: Annotated[
        str | None,
        typer.Option(help="Crawl this running mirror instead of starting the simulator."),
    ] = None,
    port: Annotated[
        int, typer.Option(min=0, max=65535, help="Simulator port (0 = any free port).")
    ] = 0,
    corpus: CorpusOpt = None,
) -> None:
    """Start the outlet simulator, crawl every outlet through it, and show what was stored.

    Example: monitor demo --db sqlite:///demo.db
    """
    from monitor.simulator import Simulator

    url = db_url(db)
    store(url)
    if mirror:
        err.print(f"crawling the outlets through the mirror at {mirror}")
        ids = _crawl_with_progress(None, db=url, mirror=mirror, trigger="demo", show=True)
    else:
        with Simulator(corpus=corpus, port=port) as sim:
            err.print(f"[bold]Outlet simulator[/] serving {sim.url} (a local copy of the outlets)")
            ids = _crawl_with_progress(None, db=url, mirror=sim.url, trigger="demo", show=True)
    print_runs(url, ids, "table", title="Demo crawl")
    opt = "" if url == default_db_url() else f" --db {url}"
    err.print(
        f"\nStored in {url}. Try next:\n"
        f"  monitor query روسیه{opt}\n"
        f"  monitor show <ID>{opt}\n"
        f"  monitor sources{opt}\n"
        f"  monitor check {BUNDLED / SEED_EXAMPLE}{opt}",
        markup=False,
    )


@app.command()
def simulate(
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port on 127.0.0.1.")] = 8800,
    corpus: CorpusOpt = None,
    telegram_corpus: Annotated[
        str | None,
        typer.Option(help="Also serve real Telegram posts from this folder of <channel>.jsonl."),
    ] = None,
) -> None:
    """Serve the local outlet simulator until Ctrl-C.

    Example: monitor simulate --port 8800  (then: monitor crawl --mirror http://127.0.0.1:8800)
    """
    from pathlib import Path

    from monitor.simulator import Simulator

    if telegram_corpus is not None and not Path(telegram_corpus).is_dir():
        raise UserError(f"--telegram-corpus {telegram_corpus}: not a folder")
    sim = Simulator(corpus=corpus, port=port, telegram_corpus=telegram_corpus)
    err.print(f"serving the outlets at http://127.0.0.1:{port}/<host>/<path>; Ctrl-C stops")
    with contextlib.suppress(KeyboardInterrupt):
        sim.serve_forever()
