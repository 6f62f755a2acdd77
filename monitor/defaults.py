"""Defaults of every ``MONITOR_*`` setting, in one place (as scrapy-redis keeps its own).

Components read them through ``crawler.settings``; the CLI overrides them per command
(``--db``, ``--mirror``, ``--outlets``). Nothing reads these module constants directly at
run time except ``monitor.settings``, which copies them into the Scrapy settings.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

VERSION = "0.1.0"

# Store: a SQLAlchemy URL; None means $MONITOR_DB or the per-user SQLite file.
MONITOR_DB: str | None = None
# A mirror server (the simulator) to send every outlet request to; None means the real web.
MONITOR_MIRROR: str | None = None
# Extra outlet definitions merged over the bundled outlets.toml.
MONITOR_OUTLETS: str | None = None


def bundled_seeds_dir() -> Path:
    """The seed articles that ship with the code.

    A wheel carries them as package data in ``monitor/seeds/`` (copied from the repository's
    ``seeds/`` at build time, see setup.py); a checkout or an editable install reads the
    repository's ``seeds/`` itself, which stays the one source.
    """
    packaged = Path(__file__).resolve().with_name("seeds")
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "seeds"


# Who we are, for the User-Agent header: outlets can reach the operator here. Operators set
# their own (environment MONITOR_CONTACT_URL, or the setting) so a webmaster reaches them.
MONITOR_CONTACT_URL = "https://github.com/iran-russia-monitor/monitor#contact"
# Topic terms of the relevance model; None means the bundled monitor/data/topic_terms.toml.
MONITOR_TOPIC_TERMS: str | None = None
# The seed articles' folder; None means the bundled seeds (``bundled_seeds_dir()``).
MONITOR_SEEDS: str | None = None
# Keep the extracted text of judged pages this many days (None: forever), so a better
# relevance model can recover what an older one missed (``monitor recheck --relevance``).
MONITOR_KEEP_JUDGED_DAYS: int | None = None
# Articles whose extraction failed are tried again on later runs, this many times in all.
MONITOR_MAX_ATTEMPTS = 3
# Seconds before a failed article is tried again, doubled after each further failure (at most
# a day); within one crawl Scrapy's own retries handle transient errors.
MONITOR_RETRY_BACKOFF = 600.0
# Longest Retry-After (seconds) honoured from a 429/503; longer ones are capped.
MONITOR_MAX_RETRY_AFTER = 300
# What started the crawl: manual | scheduled | demo (recorded in crawl_runs).
MONITOR_TRIGGER = "manual"
# Telegram channels: preview pages read at most per channel and run (each holds about 20 posts).
# A first run reads this many; later runs page back only to the last post already judged.
MONITOR_TELEGRAM_PAGES = 10
# Seconds between requests to t.me: the preview is rate-limited, and every channel shares it.
MONITOR_TELEGRAM_DELAY = 3.0
# Worker processes that examine pages (extract, normalize, fingerprint, score) while the crawl
# keeps fetching; 0 means one per core, 1 examines in the crawl's own process. The default is 1
# by measurement: on 2 cores `--jobs 2` was 1.25x faster in one benchmark run and slower in the
# next (docs/benchmarks.md): the crawl is bound by scheduling and per-page commits, not judging.
MONITOR_JOBS = 1
# The ``monitor worker`` that runs this crawl (set by the worker on its crawl child, recorded
# in crawl_runs.worker); None for crawls that no worker started.
MONITOR_WORKER: str | None = None
# Show a live progress display (the CLI turns it on when stderr is a terminal).
MONITOR_PROGRESS = False


def user_agent(contact_url: str = MONITOR_CONTACT_URL) -> str:
    """The User-Agent every request carries: the tool, its version, and how to reach us."""
    return f"IranRussiaMonitor/{VERSION} (+{contact_url})"


USER_AGENT = user_agent()

# Relevance (monitor/relevance.py). A page scoring at least the threshold is about Iran–Russia
# relations; one scoring within the band just under it is kept as borderline, not discarded.
MONITOR_RELEVANCE_THRESHOLD = 0.5
MONITOR_BORDERLINE_BAND = 0.2
# A user TOML file of actors (same tables as monitor/data/actors.toml) added to the bundled
# ones: new office holders, other spellings. None: the bundled file alone.
MONITOR_ACTORS: str | None = None
# The learned weights (a JSON file written by bench/train_relevance.py, say after adding your
# `monitor label --export` file with --labels). None: the bundled monitor/data/relevance_model.json.
MONITOR_RELEVANCE_WEIGHTS: str | None = None

# Watch alerts: seconds before a failed delivery's second try (doubling after, capped at an
# hour), tries before a delivery is marked failed, and how long a sender's claim on a delivery
# lasts before another process may consider it dead (docs/operations.md, "Alerts").
MONITOR_ALERT_RETRY = 60.0
MONITOR_ALERT_MAX_TRIES = 8
MONITOR_ALERT_LEASE = 120.0
# How often the daemon looks for due deliveries (retries, digests of closed periods).
MONITOR_ALERT_EVERY = 30.0


# MONITOR_* numbers a user may set (--set for one crawl; the retention also as an environment
# variable, which the daemon's crawl children inherit), with what each may be. The edges that
# read them (monitor.crawl.crawl_settings, `monitor run`) check them, so a wrong value is one
# line before any spider starts, not an error when the crawl closes.
_NUMBERS: dict[str, tuple[Callable[[float], bool], str]] = {
    "MONITOR_KEEP_JUDGED_DAYS": (lambda x: x >= 0, "a number of days, 0 or more"),
    "MONITOR_RELEVANCE_THRESHOLD": (lambda x: 0 < x <= 1, "a score above 0 and at most 1"),
    "MONITOR_BORDERLINE_BAND": (lambda x: 0 <= x <= 1, "a width from 0 up to 1"),
}


def check_numbers(settings: Mapping[str, Any] | Any) -> None:
    """Raise ValueError (one line) for a MONITOR_* number the crawl could not use; ``settings``
    is anything with ``get`` (Scrapy's settings, a dict)."""
    for name, (allowed, what) in _NUMBERS.items():
        value = settings.get(name)
        if value is None or value == "":
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = float("nan")
        if not math.isfinite(number) or not allowed(number):
            raise ValueError(f"{name} must be {what}, not {value!r}")
