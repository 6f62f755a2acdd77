"""The ``monitor`` command: thin commands over the library, one-line errors, examples in --help.

Commands live in ``crawling``, ``reading`` and ``judging``; importing them registers them on
the shared Typer ``app``.
"""

from __future__ import annotations

import logging
import os
import sys

from monitor.startup import loading

with loading():  # the commands' modules: SQLAlchemy, Typer, the models (see monitor.startup)
    import typer

    from monitor.cli import crawling, judging, reading, watching  # noqa: F401  (registers them)
    from monitor.cli.base import UserError, app, parse_day
    from monitor.outlets import OutletConfigError
    from storage.db import StoreError

__all__ = ["app", "main", "parse_day"]


def _is_click_exception(exc: BaseException) -> bool:
    """Click's exceptions, whichever copy raised them.

    typer >= 0.29 raises its own vendored copy of click's classes, so ``isinstance`` against
    ``click.ClickException`` misses them: that turned every usage error into "unexpected
    UsageError". Both copies carry ``exit_code`` and ``show()``, which is all we use.
    """
    return isinstance(getattr(exc, "exit_code", None), int) and callable(getattr(exc, "show", None))


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app, turning known errors into one line and a non-zero exit.

    ``monitor`` alone prints the command list and exits 0; a usage error (unknown command, bad
    option value) prints click's own message and exits 2, as click does in standalone mode.
    """
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = sys.argv[1:] if argv is None else argv
    if not args:
        args = ["--help"]
    try:
        code = app(args, prog_name="monitor", standalone_mode=False)  # Exit's code, not raised
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
        if _is_click_exception(exc):
            exc.show()  # type: ignore[attr-defined]  # click's message, on stderr
            sys.exit(exc.exit_code)  # type: ignore[attr-defined]
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
