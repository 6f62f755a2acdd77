"""Fault mode of the simulator: make chosen URLs misbehave, from a test, per URL pattern.

A ``Fault`` is matched (``re.search``) against the real URL of each request; the first match
changes the normal reply (or the 404 a made-up path would get): another status, extra headers,
a replacement body, a prefix, a truncated body, a relabelled or re-encoded body, or a transport
misbehaviour (``reset`` the connection, ``stall`` before answering, send the body ``slow``ly).

    sim.add_fault(r"/news/123", status=503, headers={"Retry-After": "1"}, times=1)
    sim.add_fault(r"/rss/bad", body=b"\\0<rss>...")
    sim.add_fault(r"/news/9", status=302, headers={"Location": "https://elsewhere.example/"})
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from monitor.simulator.fixtures import Reply

ACTIONS = ("reset", "stall", "slow")


@dataclass
class Fault:
    pattern: str
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    prefix: bytes = b""
    truncate: float | None = None  # keep this fraction of the body
    content_type: str | None = None  # replaces the Content-Type header (None: keep)
    encode: str | None = None  # re-encode the (UTF-8) body into this codec, label unchanged
    action: str | None = None  # reset | stall | slow
    seconds: float = 5.0  # for stall and slow
    times: int | None = None  # only the first N matching requests; None: every one
    hits: int = 0

    def __post_init__(self) -> None:
        if self.action is not None and self.action not in ACTIONS:
            raise ValueError(f"unknown fault action {self.action!r}; one of {ACTIONS}")
        self._re = re.compile(self.pattern)

    def matches(self, url: str) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        return bool(self._re.search(url))

    def apply(self, reply: Reply) -> Reply:
        """The reply as this fault serves it (never compressed: the bytes are the fault)."""
        body = reply.body if self.body is None else self.body
        status = self.status or (200 if self.body is not None else reply.status)
        if self.encode:
            text = body.decode("utf-8", "replace")
            if self.encode.replace("-", "").lower() in ("cp1256", "windows1256"):
                # As Persian sites in windows-1256 write it: Persian yeh is not in the code
                # page, so it is typed as the Arabic one (the judge folds them back).
                text = text.replace("ی", "ي")
            body = text.encode(self.encode, "replace")
        body = self.prefix + body
        if self.truncate is not None:
            body = body[: int(len(body) * self.truncate)]
        content_type = reply.content_type if self.content_type is None else self.content_type
        return replace(
            reply,
            status=status,
            body=body,
            content_type=content_type,
            headers={**reply.headers, **self.headers},
            compressible=False,
        )
