"""The Starlette application of ``monitor serve``: read-only pages over the store.

Why this stack: Starlette and Jinja2 are small, well kept, and enough for server-rendered pages;
the pages need no script at all (search is a GET form, the chart is SVG drawn on the server),
so the Content-Security-Policy can forbid every script. Jinja2 autoescapes every template, and
search highlighting is built from character offsets around escaped text (``marked``), so no
stored string is ever read as markup.

Read-only: the store is created or migrated once before serving (as every command does); the
engine the pages use then refuses writes (``PRAGMA query_only`` on SQLite, a read-only default
transaction on PostgreSQL). Only GET and HEAD are routed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from markupsafe import Markup, escape
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from monitor.web import chart, data

HERE = Path(__file__).parent
PAGE = 30
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
}


class SecurityHeaders:
    """Every response (pages, feeds, the chart, static files) carries the strict headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.decode() not in SECURITY_HEADERS
                ]
                headers += [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, wrapped)


def readonly_engine(url: str) -> Engine:
    """An engine that cannot write: the store is prepared by ``storage.db.connect`` first."""
    from storage.db import connect

    connect(url)
    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite"):
        engine = create_engine(parsed, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _query_only(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA query_only=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    from storage.db import pg_connect_args

    return create_engine(
        parsed,
        pool_pre_ping=True,
        connect_args=pg_connect_args(parsed, "-c default_transaction_read_only=on"),
    )


# ---------------------------------------------------------------------------------- filters


def both(dt: datetime | None) -> Markup:
    """Jalali (Tehran, Persian digits) and Gregorian (UTC) in one <time> element."""
    if dt is None:
        return Markup('<span class="muted">بی‌تاریخ</span>')
    from monitor.dates import to_jalali_long

    iso = dt.astimezone(UTC).isoformat(timespec="seconds")
    return Markup('<time datetime="{}">{} <span class="greg" dir="ltr">{}</span></time>').format(
        iso, to_jalali_long(dt), dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    )


def marked(text: str | None, marks: Any) -> Markup:
    """``text`` escaped, with the [start, end) spans in ``marks`` wrapped in <mark>."""
    text = text or ""
    out, pos = [], 0
    for start, end in sorted(marks or ()):
        if start < pos:
            continue
        out.append(escape(text[pos:start]))
        out.append(Markup("<mark>{}</mark>").format(text[start:end]))
        pos = end
    out.append(escape(text[pos:]))
    return Markup("").join(out)


def make_env(outlet_names: dict[str, str]) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,  # every template, whatever its name
        undefined=jinja2.StrictUndefined,
    )
    env.filters["both"] = both
    env.filters["marked"] = marked
    env.filters["outlet_fa"] = lambda key: outlet_names.get(key or "", key or "بایگانی")
    env.globals["query_string"] = lambda **kw: urlencode(
        [
            (k, v)
            for k, vals in kw.items()
            for v in (vals if isinstance(vals, list) else [vals])
            if v not in (None, "")
        ]
    )
    return env


# ---------------------------------------------------------------------------------- app


def create_app(db: str, *, outlets_file: str | None = None) -> Starlette:
    from monitor.channels import reads_telegram
    from monitor.outlets import load_outlets

    engine = readonly_engine(db)
    outlets = load_outlets(outlets_file)
    telegram = reads_telegram(outlets_file)
    # The Telegram job's runs and health row are keyed "telegram" (monitor.health.TELEGRAM).
    env = make_env({"telegram": "تلگرام", **{k: o.name_fa for k, o in outlets.items()}})

    def page(template: str, request: Request, status: int = 200, **ctx: Any) -> HTMLResponse:
        html = env.get_template(template).render(request=request, path=request.url.path, **ctx)
        return HTMLResponse(html, status_code=status)

    def session() -> Session:
        return Session(engine)

    def latest(request: Request) -> Response:
        from monitor.views import story_row
        from storage.rows import borderline_count
        from storage.search import count_stories, find_stories, load_stories

        pageno = _int(request.query_params.get("page"), 1)
        with session() as s:
            total = count_stories(s, None)
            hits = find_stories(s, None, limit=PAGE, offset=(pageno - 1) * PAGE)
            rows = [story_row(a) for a in load_stories(s, [h.story_id for h in hits])]
            borderline = borderline_count(s)
        return page(
            "latest.html", request, stories=rows, total=total, page=pageno,
            pages=max(1, -(-total // PAGE)), borderline=borderline,
        )  # fmt: skip

    def borderline_page(request: Request) -> Response:
        """Pages kept just under the relevance threshold: not stories, so neither the latest
        list nor search shows them; here an analyst can still find what the model half-saw."""
        from monitor.views import borderline_row
        from storage.queries import borderline_pages
        from storage.rows import borderline_count

        pageno = _int(request.query_params.get("page"), 1)
        with session() as s:
            total = borderline_count(s)
            kept = borderline_pages(s, limit=PAGE, offset=(pageno - 1) * PAGE)
            rows = [borderline_row(p) for p in kept]
        return page(
            "borderline.html", request, pages_kept=rows, total=total, page=pageno,
            pages=max(1, -(-total // PAGE)),
        )  # fmt: skip

    def search(request: Request) -> Response:
        from monitor.cli.base import UserError, check_outlets, check_range, parse_day
        from monitor.searchquery import QueryError, parse_query
        from monitor.snippets import make_snippet
        from monitor.views import story_row
        from storage.search import CopyFilter, count_stories, find_stories, load_stories

        qp = request.query_params
        q, since_raw, until_raw = qp.get("q", ""), qp.get("since", ""), qp.get("until", "")
        chosen = [o for o in qp.getlist("outlet") if o]
        form: dict[str, Any] = {"q": q, "outlet": chosen, "since": since_raw,
                                "until": until_raw, "sort": qp.get("sort", "")}  # fmt: skip
        pageno = _int(qp.get("page"), 1)
        ctx: dict[str, Any] = {"form": form, "outlets": outlets, "stories": [], "total": 0,
                               "error": None, "page": pageno, "pages": 1}  # fmt: skip
        try:
            text = parse_query(q) if q.strip() else None
            since = parse_day(since_raw, option="از تاریخ")
            until = parse_day(until_raw, option="تا تاریخ")
            check_range(since, until)
            filters = CopyFilter(
                outlets=check_outlets(chosen, outlets_file), since=since, until=until
            )
        except (QueryError, UserError) as exc:
            ctx["error"] = str(exc)
            return page("search.html", request, status=400, **ctx)
        sort = form["sort"] if form["sort"] in ("relevance", "date") else ""
        sort = sort or ("relevance" if text is not None else "date")
        if text is None:
            sort = "date"
        wanted = text.positive_tokens() if text else set()
        with session() as s:
            total = count_stories(s, text, filters)
            hits = find_stories(s, text, filters, sort=sort, limit=PAGE, offset=(pageno - 1) * PAGE)
            scores = {h.story_id: h.score for h in hits}
            rows = []
            for story in load_stories(s, [h.story_id for h in hits]):
                snippet = None
                if text is not None:
                    from monitor.views import snippet_source

                    snippet = make_snippet(snippet_source(story, wanted), wanted)
                rows.append(
                    story_row(story, score=scores[story.id], snippet=snippet, filters=filters)
                )
        ctx.update(stories=rows, total=total, pages=max(1, -(-total // PAGE)), sort=sort)
        return page("search.html", request, **ctx)

    def story(request: Request) -> Response:
        from monitor.views import ItemId, article_detail, copies, copy_row, parse_item_id
        from storage.queries import get_article
        from storage.search import get_sighting

        try:
            item = parse_item_id(request.path_params["item"])
        except ValueError:
            return page("error.html", request, status=404, message="شناسه نامعتبر است.")
        with session() as s:
            if item.kind == "sighting":
                sighting = get_sighting(s, item.number)
                if sighting is None:
                    return page("error.html", request, status=404, message="نسخه پیدا نشد.")
                target = ItemId("article", sighting.article_id)
                return RedirectResponse(f"/story/{target}#{item}", status_code=303)
            article = get_article(s, item.number)
            if article is None:
                return page("error.html", request, status=404, message="خبر پیدا نشد.")
            detail = article_detail(article)
            all_copies = [copy_row(c, article) for c in copies(article)]
            diffs = data.revision_diffs(article)
        return page("story.html", request, a=detail, copies=all_copies, diffs=diffs)

    def outlets_page(request: Request) -> Response:
        from monitor.health import outlet_health
        from monitor.views import run_row
        from storage.queries import list_runs

        with session() as s:
            health = outlet_health(s, outlets, datetime.now(UTC), telegram=telegram)
            runs = [run_row(r) for r in list_runs(s, None, 30)]
        return page("outlets.html", request, health=health, runs=runs)

    def watches_page(request: Request) -> Response:
        from monitor.cli.watching import watch_rows

        with session() as s:
            rows = watch_rows(s)
        return page("watches.html", request, watches=rows)

    def watch_page(request: Request) -> Response:
        from monitor.alerts import list_alerts
        from monitor.atom import feed_stories
        from monitor.views import story_row
        from monitor.watches import WatchError, get_watch

        with session() as s:
            try:
                watch = get_watch(s, request.path_params["name"])
            except WatchError:
                return page("error.html", request, status=404, message="دیده‌بان پیدا نشد.")
            stories = [story_row(a) for a in feed_stories(s, watch, 30)]
            alerts = list_alerts(s, (), watch.name, 50)
            name = watch.name
        return page("watch.html", request, name=name, stories=stories, alerts=alerts)

    def feed(request: Request) -> Response:
        from monitor.atom import watch_feed
        from monitor.watches import WatchError

        name = request.path_params.get("name")
        with session() as s:
            try:
                body = watch_feed(s, name, self_url=str(request.url))
            except WatchError:
                return Response("no such watch", status_code=404, media_type="text/plain")
        return Response(body, media_type="application/atom+xml; charset=utf-8")

    def chart_svg(request: Request) -> Response:
        days = min(max(_int(request.query_params.get("days"), 30), 1), 120)
        with session() as s:
            span, counts = data.day_counts(s, days)
        return Response(chart.render_svg(span, counts), media_type="image/svg+xml")

    def chart_page(request: Request) -> Response:
        return page("chart.html", request)

    routes = [
        Route("/", latest, name="latest"),
        Route("/search", search, name="search"),
        Route("/borderline", borderline_page, name="borderline"),
        Route("/story/{item}", story, name="story"),
        Route("/outlets", outlets_page, name="outlets"),
        Route("/chart", chart_page, name="chart"),
        Route("/chart.svg", chart_svg, name="chart_svg"),
        Route("/watches", watches_page, name="watches"),
        Route("/watches/{name}", watch_page, name="watch"),
        Route("/watches/{name}/feed.atom", feed, name="watch_feed"),
        Route("/feed.atom", feed, name="feed"),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(SecurityHeaders)])
    app.state.engine = engine
    return app


def _int(value: str | None, default: int) -> int:
    try:
        return max(1, int(value)) if value else default
    except ValueError:
        return default
