"""Outlet definitions: the bundled ``outlets.toml`` merged with an optional user file.

An ordinary outlet is data, not code: its domains, feeds, sitemaps, listing pages, article URL
pattern and boilerplate live in TOML, and one generic spider crawls any of them. The user file
is merged over the bundled one outlet by outlet and key by key, so a user can add an outlet or
change one schedule without copying the rest.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import jdatetime

from monitor.dates import TEHRAN_STANDARD as TEHRAN  # the one definition

BUNDLED = Path(__file__).with_name("outlets.toml")


class OutletConfigError(ValueError):
    """An outlet file that cannot be used; the message names the outlet and the key."""


@dataclass(frozen=True)
class Schedule:
    """When an outlet is crawled: every ``interval`` seconds or on a ``cron`` expression."""

    interval: int | None = 900
    cron: str | None = None
    jitter: int = 60


@dataclass(frozen=True)
class Outlet:
    key: str
    name: str
    name_fa: str
    domains: tuple[str, ...]
    article_pattern: str
    canonical: str
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    listings: tuple[str, ...] = ()
    listing_links: str = "a"
    catchup_pages: int = 10
    title_selector: str | None = None
    body_selector: str | None = None
    date_selector: str | None = None
    drop_selectors: tuple[str, ...] = ()
    boilerplate: tuple[str, ...] = ()
    telegram: tuple[str, ...] = ()  # the outlet's public Telegram channels (see channels.py)
    enabled: bool = True
    schedule: Schedule = field(default_factory=Schedule)

    @cached_property
    def article_re(self) -> re.Pattern[str]:
        return re.compile(self.article_pattern)

    def article_id(self, url: str) -> str | None:
        """The outlet's own article id in ``url``, or None when ``url`` is not an article."""
        m = self.article_re.match(url)
        return m.group("id") if m else None

    def canonical_url(self, url: str) -> str | None:
        """The one URL every variant of an article (slug, host, tracking query) maps to."""
        m = self.article_re.match(url)
        return self.canonical.format(**m.groupdict()) if m else None

    def owns(self, host: str) -> bool:
        host = host.lower().split(":")[0]
        return any(host == d or host.endswith("." + d) for d in self.domains)

    def expand(self, templates: tuple[str, ...], now: datetime, pages: int = 1) -> list[str]:
        """Fill URL templates with today's date (both calendars) and page numbers 1..pages."""
        utc = now.astimezone(UTC)
        jal = jdatetime.datetime.fromgregorian(datetime=now.astimezone(TEHRAN))
        values = {
            "y": f"{utc.year:04d}",
            "m": f"{utc.month:02d}",
            "d": f"{utc.day:02d}",
            "jy": f"{jal.year:04d}",
            "jm": f"{jal.month:02d}",
            "jd": f"{jal.day:02d}",
        }
        urls: list[str] = []
        for template in templates:
            if "{page}" in template:
                urls.extend(template.format(page=p, **values) for p in range(1, pages + 1))
            else:
                urls.append(template.format(**values))
        return urls


_TUPLE_KEYS = {
    "feeds",
    "sitemaps",
    "listings",
    "domains",
    "drop_selectors",
    "boilerplate",
    "telegram",
}


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise OutletConfigError(f"outlet file not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise OutletConfigError(f"outlet file {path} is not valid TOML: {exc}") from exc


_STR_KEYS = {
    "name", "name_fa", "article_pattern", "canonical", "listing_links", "title_selector",
    "body_selector", "date_selector", "language",
}  # fmt: skip
_URL_LISTS = {"feeds", "sitemaps", "listings"}
_INT_KEYS = {"listing_pages": (1, 1000), "catchup_pages": (0, 1000)}
_HOST = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def _check(key: str, data: Mapping[str, Any], sched: Any) -> None:
    """Every value of one outlet, checked before use: a wrong type or value is a one-line
    error naming the outlet and the key, never a silent surprise (a string where a list
    belongs would be split into characters; no domains would let the crawler go anywhere)."""

    def bad(name: str, why: str) -> OutletConfigError:
        return OutletConfigError(f"outlet {key!r}: {name} {why}")

    for name, value in data.items():
        if name in _STR_KEYS and value is not None and not isinstance(value, str):
            raise bad(name, f"must be a string, not {type(value).__name__}")
        listed = isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value)
        if name in _TUPLE_KEYS and not listed:
            raise bad(name, f"must be a list of strings, not {value!r}"[:200])
        if name in _INT_KEYS:
            low, high = _INT_KEYS[name]
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise bad(name, f"must be a whole number from {low} to {high}, not {value!r}")
        if name == "enabled" and not isinstance(value, bool):
            raise bad(name, f"must be true or false, not {value!r}")
        if name in _URL_LISTS:
            for url in value:
                if not url.startswith(("http://", "https://")):
                    raise bad(name, f"has a URL that is not http(s): {url!r}")
    domains = data.get("domains") or []
    if not domains:
        raise bad("domains", "must list at least one domain (the crawler fetches nothing else)")
    for d in domains:
        if not _HOST.match(d.lower()):
            raise bad("domains", f"has {d!r}, which is not a host name")
    if not isinstance(sched, Mapping):
        raise bad("schedule", f"must be a table, not {sched!r}")
    interval, cron, jitter = sched.get("interval"), sched.get("cron"), sched.get("jitter", 0)
    if interval is not None and (
        isinstance(interval, bool) or not isinstance(interval, int) or interval < 1
    ):
        raise bad("schedule.interval", f"must be whole seconds, at least 1, not {interval!r}")
    if isinstance(jitter, bool) or not isinstance(jitter, int) or jitter < 0:
        raise bad("schedule.jitter", f"must be whole seconds, not {jitter!r}")
    if cron is not None:
        from apscheduler.triggers.cron import CronTrigger

        try:
            CronTrigger.from_crontab(str(cron))
        except (ValueError, TypeError) as exc:
            raise bad(
                "schedule.cron", f"is not a valid cron expression: {cron!r} ({exc})"
            ) from None


def _build(key: str, raw: Mapping[str, Any], defaults: Mapping[str, Any]) -> Outlet:
    data = _merge(dict(defaults), raw)
    # Boilerplate and drop selectors add to the defaults rather than replace them.
    for extra in ("boilerplate", "drop_selectors"):
        if extra in raw and extra in defaults:
            data[extra] = list(dict.fromkeys([*defaults[extra], *raw[extra]]))
    missing = [k for k in ("name", "domains", "article_pattern", "canonical") if k not in data]
    if missing:
        raise OutletConfigError(f"outlet {key!r} lacks {', '.join(missing)}")
    sched = data.pop("schedule", {}) or {}
    _check(key, data, sched)
    tg = data.get("telegram", [])
    if not isinstance(tg, list) or not all(isinstance(c, str) for c in tg):
        raise OutletConfigError(
            f'outlet {key!r}: telegram must be a list of channel names, e.g. ["farsna"]'
        )
    kwargs: dict[str, Any] = {k: (tuple(v) if k in _TUPLE_KEYS else v) for k, v in data.items()}
    kwargs.setdefault("name_fa", kwargs["name"])
    try:
        outlet = Outlet(key=key, schedule=Schedule(**sched), **kwargs)
        outlet.article_re  # noqa: B018  (compile now: a bad pattern fails at load, not mid-crawl)
    except TypeError as exc:
        raise OutletConfigError(f"outlet {key!r}: {exc}") from exc
    except re.error as exc:
        raise OutletConfigError(f"outlet {key!r}: bad article_pattern: {exc}") from exc
    if "id" not in outlet.article_re.groupindex:
        raise OutletConfigError(f"outlet {key!r}: article_pattern needs a (?P<id>…) group")
    _check_selectors(outlet)
    return outlet


_SELECTOR_KEYS = ("listing_links", "title_selector", "body_selector", "date_selector")


def _check_selectors(outlet: Outlet) -> None:
    """Every CSS selector must parse now, so a typo fails at load, not on the first page."""
    from cssselect import GenericTranslator, SelectorError

    translator = GenericTranslator()
    named = [(k, getattr(outlet, k)) for k in _SELECTOR_KEYS]
    named += [("drop_selectors", s) for s in outlet.drop_selectors]
    for name, selector in named:
        if selector is None:
            continue
        try:
            translator.css_to_xpath(selector)
        except (SelectorError, TypeError) as exc:
            raise OutletConfigError(
                f"outlet {outlet.key!r}: {name} is not a valid CSS selector: {selector!r} ({exc})"
            ) from None


def load_config(user_file: str | Path | None = None) -> dict[str, Any]:
    """The raw configuration: the bundled file with the user's merged over it."""
    raw = _read(BUNDLED)
    user = user_file
    if user:
        raw = _merge(raw, _read(Path(user).expanduser()))
    return raw


def load_outlets(user_file: str | Path | None = None) -> dict[str, Outlet]:
    """All enabled and disabled outlets, bundled defaults first, then the user's file."""
    raw = load_config(user_file)
    defaults = raw.get("defaults", {})
    return {key: _build(key, spec, defaults) for key, spec in raw.get("outlets", {}).items()}


def outlet_for_url(url: str, outlets: Mapping[str, Outlet]) -> Outlet | None:
    """The outlet whose domains include the URL's host."""
    from urllib.parse import urlsplit

    host = urlsplit(url).hostname or ""
    return next((o for o in outlets.values() if o.owns(host)), None)
