"""The compressed form of a judged page's extracted fields (``judged_pages.content``).

Apart from ``storage.writes`` so a judging worker packs a page's fields without importing the
ORM: the crawl's one writer then stores the bytes as they come.
"""

from __future__ import annotations

import json
import zlib
from typing import Any


def pack_fields(fields: dict[str, Any]) -> bytes:
    return zlib.compress(json.dumps(fields, ensure_ascii=False, default=str).encode(), 6)


def unpack_fields(content: bytes | None) -> dict[str, Any] | None:
    return json.loads(zlib.decompress(content)) if content else None
