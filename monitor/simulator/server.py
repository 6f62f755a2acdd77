"""The local outlet web: a real HTTP server on 127.0.0.1 playing every configured outlet.

A request for real URL ``https://HOST/PATH?QUERY`` arrives as ``GET /HOST/PATH?QUERY`` (the
mirror middleware's rewrite). Responses carry strong ETags and Last-Modified, answer conditional
requests with 304 and are gzipped on request, so the crawler's caching paths are exercised for
real. Tests drive time through ``release(batch)`` and ``update_article``, and read ``log``.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import socket
import struct
import sys
import threading
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from monitor.simulator import indexes, markup
from monitor.simulator.catalog import Catalog, ServedArticle
from monitor.simulator.faults import Fault
from monitor.simulator.fixtures import Reply, failure
from monitor.simulator.telegram import TelegramChannels

HTML = "text/html; charset=utf-8"
EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
WORLD_SECTIONS = ("بین", "جهان", "دیپلماسی", "سیاست خارجی")


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a handler stuck in a slow fixture must not block stop()
    allow_reuse_address = True
    # socketserver's listen backlog is 5: nine crawlers opening connections at once overflowed
    # it, the kernel dropped their SYNs, and a connection waited for the client's SYN
    # retransmits (1, 2, 4, 8, 16 s…) until the download timed out. A real server listens with
    # a deep queue.
    request_queue_size = 1024
    simulator: Simulator

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A connection the fault mode reset (or a client dropped) is not worth a traceback."""
        exc = sys.exc_info()[1]
        if not isinstance(exc, OSError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30  # idle keep-alive connections close on their own
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def handle(self) -> None:
        # A client that drops an idle keep-alive connection (a crawler closing its pool) is
        # normal, not a traceback on stderr.
        with contextlib.suppress(ConnectionResetError, BrokenPipeError):
            super().handle()

    def do_GET(self) -> None:
        self._serve("GET")

    def do_HEAD(self) -> None:
        self._serve("HEAD")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        sim = self.server.simulator
        with sim._log_lock:
            sim.in_flight += 1
        try:
            self._answer(sim, method)
        finally:
            with sim._log_lock:
                sim.in_flight -= 1

    def _answer(self, sim: Simulator, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        payload = self.rfile.read(length) if length else b""
        real_url, reply = sim._dispatch(method, self.path, payload)
        fault = sim._fault_for(real_url)
        if fault is not None:
            if fault.action == "reset":  # RST instead of an answer
                sim._record(method, real_url, 0)
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
                self.close_connection = True
                return
            if fault.action == "stall":
                sim._stopping.wait(fault.seconds)
            reply = fault.apply(reply)
        status, headers, body = sim._finish(reply, self.headers)
        sim._record(method, real_url, status, 0 if method == "HEAD" else len(body))
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            if method != "HEAD" and body:
                if fault is not None and fault.action == "slow":
                    self._trickle(sim, body, fault.seconds)
                else:
                    self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _trickle(self, sim: Simulator, body: bytes, seconds: float) -> None:
        """The body in 20 pieces spread over ``seconds``: headers on time, the rest too late."""
        step = max(1, len(body) // 20)
        for i in range(0, len(body), step):
            self.wfile.write(body[i : i + step])
            self.wfile.flush()
            if sim._stopping.wait(seconds / 20):
                return


class Simulator:
    """Serve the simulated outlets. ``with Simulator().start() as sim: … sim.url …``."""

    def __init__(
        self,
        corpus: str | Path | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        telegram_corpus: str | Path | None = None,
        scale: int | None = None,
    ) -> None:
        self.catalog = Catalog(corpus, scale)
        # t.me/s/<channel> previews: bundled posts, plus real ones from a corpus folder if given.
        self.telegram = TelegramChannels(telegram_corpus)
        self.host = host
        self.port = port
        self.log: list[tuple[str, str, int]] = []
        self.sizes: list[int] = []  # body bytes sent for each entry of ``log`` (as on the wire)
        self.in_flight = 0  # requests being answered right now (tests wait on slow fixtures)
        self._log_lock = threading.Lock()
        self.faults: list[Fault] = []
        self._stopping = threading.Event()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------------------ lifecycle

    def _bind(self) -> _Server:
        if self._httpd is None:
            self._httpd = _Server((self.host, self.port), _Handler)
            self._httpd.simulator = self
            self.port = self._httpd.server_address[1]
        return self._httpd

    def start(self) -> Simulator:
        """Listen and serve from a daemon thread; returns once the socket accepts connections."""
        httpd = self._bind()
        if self._thread is None:
            self._stopping.clear()
            self._thread = threading.Thread(
                target=httpd.serve_forever,
                name="simulator",
                kwargs={"poll_interval": 0.05},
                daemon=True,
            )
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until Ctrl-C (the CLI's ``monitor simulate``)."""
        httpd = self._bind()
        try:
            httpd.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            self._stopping.set()
            httpd.server_close()
            self._httpd = None

    def stop(self) -> None:
        self._stopping.set()  # wakes handlers waiting in the slow fixture
        if self._httpd is not None:
            if self._thread is not None:
                self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # ------------------------------------------------------------------------------ test controls

    def release(self, batch: int) -> None:
        """Make articles of batches ≤ ``batch`` visible (feeds, sitemaps, listings follow)."""
        self.catalog.release(batch)

    def update_article(
        self, url: str, paragraphs: list[str] | None = None, title: str | None = None
    ) -> None:
        """Edit an article; its modified time (sitemap lastmod, Last-Modified, ETag) moves on."""
        self.catalog.update(url, paragraphs, title)

    def add_fault(self, pattern: str, **how: Any) -> Fault:
        """Make URLs matching ``pattern`` misbehave (see ``monitor.simulator.faults``)."""
        fault = Fault(pattern, **how)
        with self._log_lock:
            self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self._log_lock:
            self.faults.clear()

    def _fault_for(self, real_url: str) -> Fault | None:
        with self._log_lock:
            for fault in self.faults:
                if fault.matches(real_url):
                    fault.hits += 1
                    return fault
        return None

    def edit_post(self, channel: str, post_id: int, text: str) -> None:
        """Edit a Telegram post: its preview shows the new text and the "edited" mark."""
        self.telegram.edit(channel, post_id, text)

    def hits(self, prefix: str = "") -> int:
        """Requests whose real URL starts with ``prefix`` (a real URL or a ``/host/path``)."""
        prefix = unquote(prefix)
        if prefix.startswith("/") and not prefix.startswith("/_sim"):
            prefix = "https:/" + prefix
        with self._log_lock:
            return sum(1 for _, url, _ in self.log if url.startswith(prefix))

    def reset_log(self) -> None:
        with self._log_lock:
            self.log.clear()
            self.sizes.clear()

    def _record(self, method: str, real_url: str, status: int, size: int = 0) -> None:
        with self._log_lock:
            self.log.append((method, real_url, status))
            self.sizes.append(size)

    # ------------------------------------------------------------------------------ routing

    def _dispatch(self, method: str, raw: str, payload: bytes) -> tuple[str, Reply]:
        if raw.startswith(("http://", "https://")):
            parts = urlsplit(raw)
            raw = parts.path + (f"?{parts.query}" if parts.query else "")
        raw_path, _, query = raw.partition("?")
        path = unquote(raw_path)
        segments = path.split("/", 2)
        host = segments[1] if len(segments) > 1 else ""
        rest = "/" + (segments[2] if len(segments) > 2 else "")
        qs = parse_qs(query)
        if host == "_sim":
            return path + (f"?{query}" if query else ""), self._admin(method, rest, qs, payload)
        real_url = f"https://{host}{rest}" + (f"?{query}" if query else "")
        if rest.startswith("/_fail/"):
            reply = failure(rest[len("/_fail/") :], qs, self._stopping)
            return real_url, reply or self._not_found(real_url)
        if method == "POST":
            return real_url, Reply(
                405,
                b"<html><body>Method Not Allowed</body></html>",
                headers={"Allow": "GET, HEAD"},
                compressible=False,
            )
        if host == "t.me":
            return real_url, self._telegram(rest, qs)
        outlet = self.catalog.outlet_for_host(host) if host else None
        if outlet is None:
            return real_url, self._not_found(real_url)
        if rest == "/robots.txt":
            return real_url, Reply(
                200, indexes.robots(outlet, host), "text/plain; charset=utf-8", last_modified=EPOCH
            )
        route = indexes.match(outlet, rest)
        if route is not None:
            articles = self.catalog.visible(outlet.key)
            if route.kind == "feed" and route.template.rstrip("/").endswith("/world"):
                articles = [
                    a
                    for a in articles
                    if a.kind in ("seed", "republication", "new")
                    or any(w in a.section for w in WORLD_SECTIONS)
                ]
            updated = self.catalog.last_modified(articles)
            if route.kind == "feed":
                body = indexes.rss(outlet, real_url.split("?")[0], articles, updated)
                return real_url, Reply(
                    200, body, "application/rss+xml; charset=utf-8", last_modified=updated
                )
            if route.kind == "sitemap":
                return real_url, Reply(
                    200,
                    indexes.sitemap(outlet, articles),
                    "application/xml; charset=utf-8",
                    last_modified=updated,
                )
            try:
                page = int(qs.get(route.page_key or "", ["1"])[0])
            except ValueError:
                page = 1
            return real_url, Reply(
                200, indexes.listing(outlet, route, page, articles), last_modified=updated
            )
        art = self.catalog.lookup(real_url)
        if art is not None:
            return real_url, self._article(art)
        return real_url, self._not_found(real_url)

    def _article(self, art: ServedArticle) -> Reply:
        # Boxes link only to earlier articles of the outlet, so a page does not change on release.
        earlier = self.catalog.earlier(art, 8)
        body = markup.render_article(art, earlier[:3], earlier[3:8])
        charset = "windows-1256" if art.encoding.lower() in ("windows-1256", "cp1256") else "utf-8"
        return Reply(200, body, f"text/html; charset={charset}", last_modified=art.modified)

    def _telegram(self, rest: str, qs: dict[str, list[str]]) -> Reply:
        """``t.me/robots.txt`` and channel previews ``t.me/s/<channel>[?before=<id>]``."""
        if rest == "/robots.txt":
            return Reply(200, b"User-agent: *\nAllow: /\n", "text/plain", last_modified=EPOCH)
        parts = rest.strip("/").split("/")
        channel = self.telegram.get(parts[1]) if len(parts) == 2 and parts[0] == "s" else None
        if channel is None:
            return self._not_found(f"https://t.me{rest}")
        try:
            before = int(qs["before"][0]) if "before" in qs else None
        except ValueError:
            before = None
        body, modified = self.telegram.page(channel, self.catalog.batch, before)
        return Reply(200, body, HTML, last_modified=modified)

    def _not_found(self, real_url: str) -> Reply:
        return Reply(404, markup.not_found(real_url), HTML, last_modified=EPOCH, compressible=False)

    def _admin(self, method: str, rest: str, qs: dict[str, list[str]], payload: bytes) -> Reply:
        def answer(data: dict[str, Any], status: int = 200) -> Reply:
            return Reply(
                status,
                json.dumps(data, ensure_ascii=False).encode(),
                "application/json; charset=utf-8",
                compressible=False,
            )

        if rest == "/state" and method in ("GET", "HEAD"):
            return answer(
                {
                    "batch": self.catalog.batch,
                    "visible": len(self.catalog.visible()),
                    "requests": len(self.log),
                    "bytes": sum(self.sizes),
                }
            )
        if method != "POST":
            return answer({"error": "use POST"}, 405)
        try:
            if rest == "/release":
                self.release(int(qs["batch"][0]))
                return answer({"batch": self.catalog.batch})
            if rest == "/update":
                data = json.loads(payload or b"{}")
                self.update_article(data["url"], data.get("paragraphs"), data.get("title"))
                return answer({"updated": data["url"]})
            if rest == "/edit-post":
                data = json.loads(payload or b"{}")
                self.edit_post(data["channel"], int(data["id"]), data["text"])
                return answer({"edited": f"{data['channel']}/{data['id']}"})
            if rest == "/reset-log":
                self.reset_log()
                return answer({"log": 0})
        except (KeyError, ValueError) as exc:
            return answer({"error": str(exc)}, 400)
        return answer({"error": "unknown admin path"}, 404)

    # ------------------------------------------------------------------------------ HTTP details

    def _finish(self, reply: Reply, request: Any) -> tuple[int, dict[str, str], bytes]:
        """Validators, 304 handling and gzip, applied alike to every normal response."""
        body = reply.body
        headers = {"Content-Type": reply.content_type, **reply.headers}
        modified = reply.last_modified or EPOCH
        assert isinstance(modified, datetime)
        digest = hashlib.sha1(body).hexdigest()[:24]
        wants_gzip = "gzip" in (request.get("Accept-Encoding") or "").lower()
        use_gzip = reply.compressible and wants_gzip and reply.status == 200
        etag = f'"{digest}-gz"' if use_gzip else f'"{digest}"'
        headers["ETag"] = etag
        headers["Last-Modified"] = format_datetime(modified.astimezone(UTC), usegmt=True)
        status = reply.status
        if reply.compressible:
            headers["Vary"] = "Accept-Encoding"
        if status == 200 and reply.compressible and _not_modified(request, digest, modified):
            headers.pop("Content-Type", None)
            headers["Content-Length"] = "0"
            return 304, headers, b""
        if use_gzip:
            body = gzip.compress(body, mtime=0)
            headers["Content-Encoding"] = "gzip"
        headers["Content-Length"] = str(len(body))
        return status, headers, body


def _not_modified(request: Any, digest: str, modified: datetime) -> bool:
    inm = request.get("If-None-Match")
    if inm:
        tags = {t.strip().removeprefix("W/").strip('"') for t in inm.split(",")}
        return "*" in tags or digest in tags or f"{digest}-gz" in tags
    ims = request.get("If-Modified-Since")
    if ims:
        try:
            since = parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        return modified.replace(microsecond=0) <= since
    return False
