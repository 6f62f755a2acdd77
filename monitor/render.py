"""Output for people (rich tables, both calendars) and for programs (json, jsonl, csv)."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

FORMATS = ("table", "json", "jsonl", "csv")

# Terminal escape sequences (CSI, OSC such as window titles and hyperlinks, other ESC pairs)
# and the remaining C0/C1 control characters; newlines and tabs are kept.
_CONTROL = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor moves, screen clears
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC: titles, OSC 8 links
    r"|\x1b[@-_]?"  # other two-byte escapes, or a lone ESC
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f]"
)


def plain(value: Any) -> str:
    """Stored (untrusted) text made safe for a terminal: control characters and escape
    sequences removed. Rich markup is not touched here; ``safe`` makes it inert."""
    return _CONTROL.sub("", "" if value is None else str(value))


def safe(value: Any) -> Text:
    """A rich ``Text`` of untrusted text: printed literally (``[/x]``, ``[link=…]`` are just
    characters), without control characters. Use it for anything that came from a page."""
    return Text(plain(value))


def iso(dt: datetime | None) -> str | None:
    return dt.isoformat() if dt else None


def both_calendars(dt: datetime | None) -> str:
    """ "1402/09/14 18:23 (2023-12-05 14:53Z)": Jalali in Tehran time, then Gregorian UTC."""
    if dt is None:
        return "—"
    from monitor.dates import to_jalali

    return f"{to_jalali(dt)} ({dt:%Y-%m-%d %H:%M}Z)"


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=_default)


def say(console: Console) -> Any:
    """A printer for lines built from untrusted text: each part is a string or a
    ``(string, style)`` pair; nothing in the strings is read as markup or reaches the
    terminal as a control character."""

    def _print(*parts: str | tuple[str, str]) -> None:
        text = Text()
        for part in parts:
            if isinstance(part, tuple):
                text.append(plain(part[0]), style=part[1])
            else:
                text.append(plain(part))
        console.print(text)

    return _print


def emit(
    rows: Sequence[dict[str, Any]],
    fmt: str,
    *,
    title: str | None = None,
    table_columns: Sequence[str] | None = None,
    console: Console | None = None,
) -> None:
    """Print rows as a table (people) or json/jsonl/csv (programs) on stdout."""
    # Pipes get a fixed width rather than rich's 80 columns, so headings are not cut.
    console = console or Console(width=None if Console().is_terminal else 160)
    # People get the chosen columns; programs (json, jsonl, csv) get every field.
    every = list(rows[0].keys()) if rows else []
    columns = list(table_columns or every) if fmt == "table" else every
    if fmt == "json":
        print(json.dumps(list(rows), ensure_ascii=False, default=_default, indent=2))
    elif fmt == "jsonl":
        for row in rows:
            print(dumps(row))
    elif fmt == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _csv_cell(row.get(k)) for k in columns})
        print(buf.getvalue(), end="")
    else:
        table = Table(title=safe(title) if title else None, show_lines=False)
        for col in columns:
            table.add_column(safe(col))
        for row in rows:
            table.add_row(*(_marked(row, c) for c in columns))
        console.print(table)


def _marked(row: dict[str, Any], column: str) -> Any:
    """A cell; a ``COLUMN_marks`` field ([start, end) offsets, e.g. the words a search matched)
    makes those spans bold. Styles are applied by offset: stored text is never read as markup."""
    marks = row.get(f"{column}_marks")
    value = _cell(row.get(column))
    if not marks:
        return safe(value)
    text, at = Text(), 0  # each piece cleaned on its own, so the offsets still hold
    for start, end in sorted(marks):
        text.append(plain(value[at:start]))
        text.append(plain(value[start:end]), style="bold reverse")
        at = max(at, end)
    text.append(plain(value[at:]))
    return text


# What a spreadsheet takes as the start of a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def spreadsheet_safe(text: str) -> str:
    """Text a spreadsheet shows as text: one leading apostrophe before a formula start."""
    return "'" + text if text.startswith(FORMULA_START) else text


def _csv_cell(value: Any) -> str:
    """Stored text is formula-guarded; our own numbers (a negative score) are left alone."""
    return spreadsheet_safe(_cell(value)) if isinstance(value, str) else _cell(value)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return both_calendars(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    return str(value)
