"""When this user last looked at a store, so ``monitor query --new`` can mean "since then".

Kept per user (in ``$XDG_STATE_HOME``, else ``~/.local/state``) and per database URL, in a small
JSON file written atomically; a missing or unreadable file means "never looked".
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path


def state_file(env: dict[str, str] | None = None) -> Path:
    env = dict(os.environ) if env is None else env
    base = Path(env.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    return base / "iran-russia-monitor" / "last-looked.json"


def _read(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def last_looked(db_url: str, path: Path | None = None) -> datetime | None:
    value = _read(path or state_file()).get(db_url)
    try:
        return datetime.fromisoformat(value).astimezone(UTC) if value else None
    except ValueError:
        return None


def remember_look(db_url: str, when: datetime, path: Path | None = None) -> None:
    path = path or state_file()
    data = _read(path)
    data[db_url] = when.astimezone(UTC).isoformat()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), "utf-8")
    tmp.replace(path)
