"""Public Telegram channels to read, from the same TOML as the outlets.

An outlet lists its own channels (``telegram = ["farsna"]`` under ``[outlets.fars]``); a channel
that belongs to no outlet is an entry of its own (``[channels.akhbarefori]``). A ``[channels.X]``
entry may also refine an outlet's channel (its page depth, or switch it off). Everything is
checked when the file is loaded, so a typo is a one-line error before any crawl starts, not a
channel silently never read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from monitor.outlets import Outlet, OutletConfigError, load_config, load_outlets

# Telegram usernames: a letter first, then letters, digits and underscores, 5–32 in all. A few
# old channels have shorter names, so four characters are accepted.
NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")
_KEYS = {"title", "outlet", "enabled", "pages"}


@dataclass(frozen=True)
class Channel:
    """One public channel: ``name`` as in ``https://t.me/s/<name>``."""

    name: str
    title: str
    outlet: str | None = None  # the outlet key this channel belongs to, if any
    enabled: bool = True
    pages: int | None = None  # preview pages read at most per run; None: MONITOR_TELEGRAM_PAGES

    @property
    def key(self) -> str:
        """Telegram names are case-insensitive: ``Tasnimnews`` and ``tasnimnews`` are one."""
        return self.name.lower()

    @property
    def page_url(self) -> str:
        return f"https://t.me/s/{self.name}"

    def post_url(self, post_id: int) -> str:
        return f"https://t.me/{self.name}/{post_id}"

    @property
    def owner(self) -> str:
        """What the store's ``outlet`` column holds for this channel's posts."""
        return self.outlet or self.key


def _check_name(name: Any, where: str) -> str:
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise OutletConfigError(
            f"{where}: {name!r} is not a Telegram channel name (letters, digits, _; 4–32 chars)"
        )
    return name


def build_channels(raw: Mapping[str, Any], outlets: Mapping[str, Outlet]) -> dict[str, Channel]:
    """Channels by key from the merged configuration (pure: tests pass dicts)."""
    found: dict[str, Channel] = {}
    for key, outlet in outlets.items():
        for name in outlet.telegram:
            _check_name(name, f"outlet {key!r} telegram")
            if name.lower() in found:
                other = found[name.lower()].outlet
                raise OutletConfigError(
                    f"telegram channel {name!r} is listed by both {other!r} and {key!r}"
                )
            found[name.lower()] = Channel(
                name=name, title=outlet.name_fa, outlet=key, enabled=outlet.enabled
            )
    entries = raw.get("channels", {}) or {}
    if not isinstance(entries, Mapping):
        raise OutletConfigError("[channels] must be a table of channel entries")
    for name, spec in entries.items():
        where = f"channel {name!r}"
        _check_name(name, "channels")
        if not isinstance(spec, Mapping):
            raise OutletConfigError(f"{where}: expected a table, e.g. [channels.{name}]")
        unknown = sorted(set(spec) - _KEYS)
        if unknown:
            raise OutletConfigError(f"{where}: unknown key(s) {', '.join(unknown)}")
        pages = spec.get("pages")
        if pages is not None and (not isinstance(pages, int) or pages < 1):
            raise OutletConfigError(f"{where}: pages must be a whole number ≥ 1")
        if not isinstance(spec.get("enabled", True), bool):
            raise OutletConfigError(f"{where}: enabled must be true or false")
        base = found.get(name.lower())
        outlet = spec.get("outlet", base.outlet if base else None)
        if outlet is not None and outlet not in outlets:
            raise OutletConfigError(f"{where}: unknown outlet {outlet!r}")
        if base is not None and outlet != base.outlet:
            raise OutletConfigError(f"{where}: already belongs to outlet {base.outlet!r}")
        found[name.lower()] = Channel(
            name=base.name if base else name,
            title=str(spec.get("title") or (base.title if base else name)),
            outlet=outlet,
            enabled=bool(spec.get("enabled", True)) and (base.enabled if base else True),
            pages=pages,
        )
    return found


def reads_telegram(user_file: str | Path | None = None) -> bool:
    """Whether any channel is enabled, so a Telegram job runs (and has a health row)."""
    return any(c.enabled for c in load_channels(user_file).values())


def load_channels(user_file: str | Path | None = None) -> dict[str, Channel]:
    """Every configured channel (enabled or not), bundled file first, then the user's."""
    return build_channels(load_config(user_file), load_outlets(user_file))
