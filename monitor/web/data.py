"""What the web pages show, read from the store: no markup here, only rows.

Kept apart from the routes so the pages and the CLI share ``monitor.views`` (one place decides
what a story, a copy or an alert holds) and so each piece is testable without HTTP.
"""

from __future__ import annotations

import difflib
import itertools
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import Article, Sighting
from storage.rows import ArticleRow


@dataclass(frozen=True)
class DiffLine:
    op: str  # " " kept | "-" removed | "+" added
    text: str


def revision_diffs(article: ArticleRow) -> list[dict[str, Any]]:
    """Each correction as a line diff from the text before it to the text after it."""
    versions = [(r.changed_at, r.title, r.body) for r in article.revisions]
    versions.append((article.updated_at or article.fetched_at, article.title, article.body))
    out = []
    for (when, old_title, old), (_, new_title, new) in itertools.pairwise(versions):
        lines = []
        for line in difflib.ndiff([old_title, *old.splitlines()], [new_title, *new.splitlines()]):
            if line.startswith("? "):
                continue
            if line[:1] in "+-" or line.startswith("  "):
                lines.append(DiffLine(line[0], line[2:]))
        changed = [ln for ln in lines if ln.op != " "]
        out.append({"changed_at": when, "lines": changed or lines[:3]})
    return out


def day_counts(
    session: Session, days: int = 30, until: date | None = None
) -> tuple[list[date], dict[str, dict[date, int]]]:
    """Copies (originals and republications, seeds excepted) per outlet per day (UTC), over
    the ``days`` up to ``until`` (default: the newest copy's day)."""
    # date() is a function on both backends (SQLite gives 'YYYY-MM-DD', PostgreSQL a date).
    a_day = func.date(func.coalesce(Article.published, Article.fetched_at))
    s_day = func.date(func.coalesce(Sighting.published, Sighting.seen_at))
    if until is None:
        newest = [
            session.scalar(
                select(func.max(func.coalesce(Article.published, Article.fetched_at))).where(
                    Article.seed_file.is_(None)
                )
            ),
            session.scalar(select(func.max(func.coalesce(Sighting.published, Sighting.seen_at)))),
        ]
        found = [_as_date(n) for n in newest if n is not None]
        until = max(found) if found else date.today()
    start = until - timedelta(days=days - 1)
    counts: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    queries = (
        select(Article.outlet, a_day, func.count())
        .where(Article.seed_file.is_(None), a_day >= start.isoformat(), a_day <= until.isoformat())
        .group_by(Article.outlet, a_day),
        select(Sighting.outlet, s_day, func.count())
        .where(s_day >= start.isoformat(), s_day <= until.isoformat())
        .group_by(Sighting.outlet, s_day),
    )
    for stmt in queries:
        for outlet, day, n in session.execute(stmt):
            counts[outlet or "seed"][_as_date(day)] += int(n)
    span = [start + timedelta(days=i) for i in range(days)]
    return span, {k: dict(v) for k, v in sorted(counts.items())}


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])
