"""A webhook receiver on 127.0.0.1 for alert tests: what an Apprise ``json://`` target sees.

It behaves like a receiver that honours idempotency keys: a message whose
``X-Idempotency-Key`` it already accepted is acknowledged again but not delivered twice. It
keeps every raw request too, so tests can tell "delivered once" from "sent once". It can be
down (every request answered 503) and can run a hook when a message arrives, before answering
(the end-to-end test kills the daemon there: the message arrived, its sender never learns it).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

KEY_HEADER = "X-Idempotency-Key"


class Receiver:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.down = False
        self.requests: list[dict[str, Any]] = []  # every POST, including refused ones
        self.delivered: dict[str, dict[str, Any]] = {}  # key → first accepted message
        self.on_message: Callable[[dict[str, Any]], None] | None = None
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                payload = json.loads(self.rfile.read(length) or b"{}")
                msg = {"key": self.headers.get(KEY_HEADER), "path": self.path, **payload}
                with receiver.lock:
                    msg["down"] = receiver.down
                    receiver.requests.append(msg)
                    hook = receiver.on_message
                if msg["down"]:
                    self.send_response(503)
                    self.end_headers()
                    return
                if hook is not None:
                    hook(msg)
                with receiver.lock:
                    receiver.delivered.setdefault(msg["key"], msg)
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(b'{"ok": true}')
                except OSError:  # the sender died waiting for this answer (the crash test)
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"json://127.0.0.1:{self.port}/hook"

    def accepted(self) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.delivered.values())

    def raw(self) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.requests)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
