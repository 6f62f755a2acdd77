"""Commands that judge pages without crawling: check and recheck."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from monitor import render
from monitor.cli.base import (
    DbOpt,
    FormatOpt,
    MirrorOpt,
    OutletsOpt,
    UserError,
    app,
    check_format,
    db_url,
    relevance_options,
    store,
    topic_terms,
)


@app.command()
def check(
    paths: Annotated[
        list[str],
        typer.Argument(
            metavar="FILE_OR_URL...",
            help="Saved pages, directories or URLs; - reads one page or text from standard input.",
        ),
    ],
    url: Annotated[
        str | None, typer.Option(help="The page's real URL (for a single saved file).")
    ] = None,
    db: DbOpt = None,
    outlets: OutletsOpt = None,
    mirror: MirrorOpt = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="json | jsonl")] = "json",
    any_host: Annotated[
        bool, typer.Option("--any-host", help="Allow URLs outside the configured outlets.")
    ] = False,
) -> None:
    """Judge pages without storing them: extraction, relevance, duplicate of a seed or article.

    Example: monitor check saved/page.html --url https://www.mehrnews.com/news/6018415
    (monitor check - < post.txt judges text from standard input: its first line is the title.)
    """
    from monitor.checking import STDIN, check_pages, expand_paths

    check_format(fmt, ("json", "jsonl"))
    files = expand_paths(paths)
    if not files:
        raise UserError("no pages to check")
    if files.count(STDIN) > 1:
        raise UserError("- (standard input) can be given once")
    vet_sources(files, outlets, any_host)
    if url and len(files) > 1:
        raise UserError("--url names one page; give one file with it")
    failed = 0
    results = check_pages(
        files,
        db=db_url(db),
        outlets_file=outlets,
        url=url,
        mirror=mirror,
        terms=topic_terms(),
        **relevance_options(),
    )
    many = len(files) > 1 or fmt == "jsonl"
    for result in results:
        failed += bool(result.get("error"))
        print(render.dumps(result) if many else _pretty(result))
    if failed:
        raise typer.Exit(1)


def vet_sources(sources: list[str], outlets_file: str | None, any_host: bool) -> None:
    """Refuse, in one line, what ``check`` must not read: a URL outside the configured outlets
    (unless ``--any-host``), and anything but a regular file of at most ``MAX_BYTES`` (so
    ``check /dev/zero`` or a FIFO cannot read forever)."""
    import os
    import stat
    from urllib.parse import urlsplit

    from monitor.channels import load_channels
    from monitor.checking import MAX_BYTES
    from monitor.outlets import load_outlets, outlet_for_url
    from monitor.telegram.items import post_link

    known = None
    for source in sources:
        if source == "-":  # standard input: read with a size cap by monitor.checking
            continue
        if source.startswith(("http://", "https://")):
            if any_host:
                continue
            link = post_link(source)
            if link is not None:  # a Telegram post: its channel must be configured
                if link[0].lower() not in load_channels(outlets_file):
                    raise UserError(
                        f"{source}: channel {link[0]!r} is not configured (--any-host allows it)"
                    )
                continue
            known = known if known is not None else load_outlets(outlets_file)
            parts = urlsplit(source)
            if parts.port not in (None, 80, 443) or outlet_for_url(source, known) is None:
                raise UserError(
                    f"{source} is not on a configured outlet's domain (--any-host allows it)"
                )
            continue
        try:
            info = os.stat(source)
        except OSError as exc:
            raise UserError(f"cannot read {source}: {exc.strerror}") from None
        if not stat.S_ISREG(info.st_mode):
            raise UserError(f"{source} is not a regular file")
        if info.st_size > MAX_BYTES:
            raise UserError(f"{source} is larger than {MAX_BYTES // (1024 * 1024)} MiB")


def _pretty(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False, indent=2, default=str)


@app.command()
def recheck(
    db: DbOpt = None,
    outlets: OutletsOpt = None,
    threshold: Annotated[
        float | None,
        typer.Option(help="Near-duplicate threshold to try, in (0, 1] (default: the built-in)."),
    ] = None,
    relevance: Annotated[
        bool, typer.Option("--relevance", help="Re-judge kept pages with the current model.")
    ] = False,
    apply: Annotated[
        bool,
        typer.Option("--apply", help="With --relevance: store pages that are now relevant."),
    ] = False,
    fmt: FormatOpt = "table",
) -> None:
    """Re-judge stored decisions with the current normalizer, threshold or relevance model.

    Without --apply nothing changes: the report says which decisions would flip. With
    --relevance --apply, pages now judged relevant are stored (through dedup, keeping their
    original fetch time); stories the model would now reject are only reported.

    Example: monitor recheck --relevance --apply --format json
    """
    from sqlalchemy.orm import Session

    check_format(fmt)
    if threshold is not None and not 0.0 < threshold <= 1.0:
        raise UserError(f"--threshold must be in (0, 1], not {threshold}")
    if apply and not relevance:
        raise UserError("--apply goes with --relevance")
    engine = store(db)
    if relevance:
        from monitor.judge import Judge
        from monitor.outlets import load_outlets
        from monitor.rechecking import recheck_relevance

        judge = Judge(
            engine,
            load_outlets(outlets),
            topic_terms(),
            **relevance_options(),
        )
        with Session(engine) as session:
            rows = recheck_relevance(judge, session, apply=apply)
        done = "changed" if apply else "would change"
        render.emit(
            rows,
            fmt,
            title=f"{len(rows)} relevance verdicts {done}",
            table_columns=["outlet", "title", "was", "now", "score", "applied"],
        )
        return
    from monitor.rechecking import recheck_store

    with Session(engine) as session:
        rows = recheck_store(session, threshold)
    for row in rows:  # the ids `monitor show` takes: a42 for an article, s17 for a sighting
        row["id"] = ("s" if row["what"] == "sighting" else "a") + str(row["id"])
    render.emit(
        rows,
        fmt,
        title=f"{len(rows)} decisions would change",
        table_columns=["what", "id", "url", "was", "now"],
    )


@app.command()
def label(
    target: Annotated[
        str | None, typer.Argument(metavar="ID_OR_URL", help="An article id or a page URL.")
    ] = None,
    verdict: Annotated[
        str | None, typer.Argument(metavar="relevant|irrelevant", help="Your verdict.")
    ] = None,
    export: Annotated[
        str | None,
        typer.Option("--export", metavar="FILE", help="Write every labelled page as JSONL."),
    ] = None,
    db: DbOpt = None,
    outlets: OutletsOpt = None,
) -> None:
    """Record your own relevance verdict on a page; it overrides the model for that page.

    A page labelled relevant that was not stored is stored now (through dedup). --export
    writes the labelled pages in the relevance development set's format, for training.

    Example: monitor label 42 irrelevant   ·   monitor label --export labels.jsonl
    """
    from sqlalchemy.orm import Session

    from monitor.labels import apply_label, export_labels

    engine = store(db)
    if export:
        with Session(engine) as session, open(export, "w", encoding="utf-8") as out:
            count = export_labels(session, out)
        print(f"{count} labelled pages written to {export}")
        return
    if target is None or verdict not in ("relevant", "irrelevant"):
        raise UserError("give ID_OR_URL and relevant|irrelevant, or --export FILE")
    from monitor.judge import Judge
    from monitor.outlets import load_outlets

    with Session(engine) as session:
        judge = Judge(
            engine,
            load_outlets(outlets),
            topic_terms(),
            **relevance_options(),
        )
        message = apply_label(judge, session, target, verdict)
        session.commit()
    print(message)
