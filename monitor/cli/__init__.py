"""The ``monitor`` command: thin commands over the library, one-line errors, examples in --help.

Commands live in ``crawling``, ``reading`` and ``judging``; importing them registers them on
the shared Typer ``app``.
"""

from __future__ import annotations

import logging
import os
import sys

import typer

from monitor.cli import crawling, judging, reading  # noqa: F401  (registers the commands)
from monitor.cli.base import UserError, app, parse_day
from monitor.outlets import OutletConfigError
from storage.db import StoreError

__all__ = ["app", "main", "parse_day"]


def main() -> None:
    """Entry point: run the app, turning known errors into one line and a non-zero exit."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        code = app(standalone_mode=False)  # returns typer.Exit's code instead of raising it
        sys.exit(code if isinstance(code, int) else 0)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (
        UserError,
        StoreError,
        OutletConfigError,
        FileNotFoundError,
        LookupError,
        ValueError,
    ) as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    except typer.Abort:
        sys.exit(130)
    except Exception as exc:  # click's usage errors and anything unexpected: still one line
        import click

        if isinstance(exc, click.ClickException):
            print(f"error: {exc.format_message()}", file=sys.stderr)
            sys.exit(exc.exit_code)
        if os.environ.get("MONITOR_DEBUG"):
            raise
        first = str(exc).splitlines()[0] if str(exc) else ""
        print(
            f"error: unexpected {type(exc).__name__}: {first} (MONITOR_DEBUG=1 shows the "
            "traceback)",
            file=sys.stderr,
        )
        sys.exit(1)


if __name__ == "__main__":
    main()
