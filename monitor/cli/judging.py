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
)
from storage.db import connect


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
    mirror: MirrorOpt = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="json | jsonl")] = "json",
) -> None:
    """Judge pages without storing them: extraction, relevance, duplicate of a seed or article.

    Example: monitor check saved/page.html --url https://www.mehrnews.com/news/6018415
    """
    from monitor.checking import check_pages, expand_paths

    check_format(fmt, ("json", "jsonl"))
    files = expand_paths(paths)
    if not files:
        raise UserError("no pages to check")
    if url and len(files) > 1:
        raise UserError("--url names one page; give one file with it")
    failed = 0
    results = check_pages(files, db=db_url(db), outlets_file=outlets, url=url, mirror=mirror)
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

    check_format(fmt)
    with Session(connect(db_url(db))) as session:
        rows = recheck_store(session, threshold)
    render.emit(
        rows,
        fmt,
        title=f"{len(rows)} decisions would change",
        table_columns=["what", "id", "url", "was", "now"],
    )
