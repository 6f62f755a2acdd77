"""``monitor export``: every copy of every matching story, with its full text, to a file.

Formats: JSON Lines (one object a line, UTF-8), CSV (UTF-8 with a byte-order mark so
spreadsheets read Persian, cells that a spreadsheet would run as a formula made inert with a
leading apostrophe) and Parquet (needs the ``parquet`` extra: pyarrow). Dates are ISO 8601 with
their offset, the Jalali form beside them (``views.copy_row``).
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import sys
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from monitor.render import spreadsheet_safe

FORMATS = ("jsonl", "csv", "parquet")


class ExportError(ValueError):
    """The export cannot be written; one line."""


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def csv_cell(value: Any) -> str:
    """A cell that reads back as written and never runs in a spreadsheet."""
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        value = json.dumps(value, ensure_ascii=False)
    text = str(_plain(value))
    return spreadsheet_safe(text) if isinstance(value, str) else text


def write_rows(
    rows: Iterable[dict[str, Any]], fmt: str, out: Path | None, columns: list[str]
) -> int:
    """Write ``rows`` (all with ``columns``) to ``out``, or to standard output when ``out`` is
    None (JSON Lines and CSV only); returns how many were written. A file appears whole or
    not at all: it is written beside its place and renamed."""
    if fmt not in FORMATS:
        raise ExportError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if out is None:
        if fmt == "parquet":
            raise ExportError("--out -: parquet is written to a file, not to standard output")
        stdout = io.TextIOWrapper(sys.stdout.buffer, encoding=_ENCODING[fmt], newline="")
        try:
            return _write_text(rows, fmt, stdout, columns)
        finally:
            stdout.flush()
            stdout.detach()  # leave sys.stdout's own buffer open
    if not out.parent.is_dir():
        raise ExportError(f"--out: folder {str(out.parent)!r} does not exist")
    if fmt == "parquet":
        return _parquet(rows, out, columns)
    tmp = out.with_name(out.name + ".part")
    with tmp.open("w", encoding=_ENCODING[fmt], newline="") as fh:
        n = _write_text(rows, fmt, fh, columns)
    tmp.replace(out)
    return n


_ENCODING = {"csv": "utf-8-sig", "jsonl": "utf-8"}  # the BOM lets spreadsheets read Persian


def _write_text(rows: Iterable[dict[str, Any]], fmt: str, fh: TextIO, columns: list[str]) -> int:
    n = 0
    if fmt == "jsonl":
        for row in rows:
            fh.write(json.dumps({k: _plain(row.get(k)) for k in columns}, ensure_ascii=False))
            fh.write("\n")
            n += 1
    else:
        writer = csv.writer(fh)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([csv_cell(row.get(k)) for k in columns])
            n += 1
    return n


# Parquet columns that hold numbers; every other column is text (dates as ISO 8601 strings with
# their offset, lists as JSON), so one schema fits every batch.
NUMERIC = frozenset({"similarity", "relevance", "score"})


def _parquet(rows: Iterable[dict[str, Any]], out: Path, columns: list[str]) -> int:
    try:
        import pyarrow as pa  # type: ignore[import-untyped,import-not-found,unused-ignore]
        import pyarrow.parquet as pq  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except ImportError:
        raise ExportError(
            "parquet export needs pyarrow: pip install 'iran-russia-monitor[parquet]'"
        ) from None
    schema = pa.schema([(k, pa.float64() if k in NUMERIC else pa.string()) for k in columns])
    n = 0
    tmp = out.with_name(out.name + ".part")
    with pq.ParquetWriter(str(tmp), schema) as writer:
        batch: list[dict[str, Any]] = []
        for row in itertools.chain(rows, [None]):
            if row is not None:
                batch.append(row)
                n += 1
            if batch and (row is None or len(batch) >= 2000):
                data = {k: [_parquet_value(k, r.get(k)) for r in batch] for k in columns}
                writer.write_table(pa.table(data, schema=schema))
                batch = []
    tmp.replace(out)
    return n


def _parquet_value(column: str, value: Any) -> Any:
    if value is None or column in NUMERIC:
        return value
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(_plain(value))
