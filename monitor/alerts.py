"""The alert outbox: queue a message before it is sent, send it through Apprise, record it.

What "exactly once" means here (docs/operations.md, "Alerts", says the same to operators):

1. **Queued once.** An alert row is written in the transaction that records the watch's hit on
   the story; its ``key`` (unique) is derived from the watch, the story and the target, so no
   number of collections, crashes or concurrent collectors queues a second one.
2. **Claimed once.** A sender claims a due row with one conditional UPDATE (``pending`` →
   ``sending``, with its host:pid and a lease) and commits before it sends; two senders can
   never both win the same row.
3. **Recorded after the send.** A success becomes ``sent``; a failure goes back to ``pending``
   with the next try doubled (``retry``, ``2·retry``, ``4·retry``… capped at an hour), or
   ``failed`` after ``max_tries``.
4. **The one window.** A sender killed after the receiver got the message and before ``sent``
   was committed leaves a ``sending`` row whose outcome nobody knows. ``reconcile`` (at daemon
   start and before every delivery pass) finds rows whose sender is dead or whose lease ran out,
   counts them ``in_doubt`` and sends them again **with the same key**. Receivers that honour
   the key (the ``X-Idempotency-Key`` header of Apprise's json/form/xml webhooks, or the
   ``شناسه`` line in every message body) show it once; a receiver that ignores keys (a chat
   bot) may show that one message twice. A message is never lost and never queued twice; a
   duplicate needs a crash inside that window and a receiver without de-duplication.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from monitor import defaults
from storage.models import Alert, Watch, WatchHit
from storage.rows import ArticleRow
from storage.search import load_stories
from storage.types import utcnow

log = logging.getLogger(__name__)

STATES = ("pending", "sending", "sent", "failed")
KEY_HEADER = "X-Idempotency-Key"
HEADER_SCHEMES = ("json", "jsons", "form", "forms", "xml", "xmls")
MAX_BACKOFF = timedelta(hours=1)
LEAD_CHARS = 280
DIGEST_STORIES = 50
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class Policy:
    """How deliveries are retried: ``retry`` seconds before the 2nd try, doubling after."""

    retry: float = defaults.MONITOR_ALERT_RETRY
    max_tries: int = defaults.MONITOR_ALERT_MAX_TRIES
    lease: float = defaults.MONITOR_ALERT_LEASE

    def delay(self, tries: int) -> timedelta:
        return min(MAX_BACKOFF, timedelta(seconds=self.retry * 2 ** max(0, tries - 1)))


def make_policy(retry: float | str | None = None) -> Policy:
    """The policy from ``--alert-retry`` / ``MONITOR_ALERT_RETRY`` (read at the edges: the CLI
    and ``monitor.crawl``); None means the default."""
    retry = defaults.MONITOR_ALERT_RETRY if retry is None or retry == "" else float(retry)
    if retry <= 0:
        raise ValueError(f"alert retry delay must be positive, not {retry}")
    return Policy(retry=retry)


# ---------------------------------------------------------------------------------- messages


def clean(text: str | None, single_line: bool = False) -> str:
    """Stored text is untrusted: no control or bidi-override characters in a message."""
    text = _CONTROL.sub("", text or "")
    return " ".join(text.split()) if single_line else text.strip()


def outlet_name(key: str | None) -> str:
    if key is None:
        return "بایگانی (seed)"
    from monitor.outlets import load_outlets

    with contextlib.suppress(Exception):
        outlet = load_outlets().get(key)
        if outlet is not None:
            return outlet.name_fa
    return key


def both_calendars_fa(dt: datetime | None) -> str:
    if dt is None:
        return "بی‌تاریخ"
    from monitor.dates import to_jalali_long

    return f"{to_jalali_long(dt)} ({dt:%Y-%m-%d %H:%M} UTC)"


def first_lines(story: ArticleRow, limit: int = LEAD_CHARS) -> str:
    text = clean(story.lead or story.body, single_line=True)
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


def story_message(story: ArticleRow, kind: str, key: str) -> tuple[str, str]:
    """The Persian title and body of one story's alert."""
    from monitor.views import copies

    outlets = list(dict.fromkeys(c.outlet for c in copies(story)))
    names = "، ".join(outlet_name(o) for o in outlets)
    first = copies(story)[0]
    title = clean(story.title, single_line=True) or "(بی‌عنوان)"
    head = "بازنشر خبر" if kind == "update" else "خبر تازه"
    body = "\n".join(
        [
            title,
            f"{outlet_name(story.outlet)} · {both_calendars_fa(story.published or first.date)}",
            first_lines(story),
            clean(story.url, single_line=True),
            f"منتشرشده در {len(outlets)} رسانه: {names}",
            f"شناسه: {key}",
        ]
    )
    return f"{head}: {title}", body


def digest_message(
    watch: Watch, period: str, stories: list[ArticleRow], key: str
) -> tuple[str, str]:
    lines = [f"دیده‌بان «{clean(watch.name, True)}» — {len(stories)} خبر در دوره {period}"]
    for story in stories[:DIGEST_STORIES]:
        lines.append(
            f"• {clean(story.title, True) or '(بی‌عنوان)'} — {outlet_name(story.outlet)} · "
            f"{both_calendars_fa(story.published or story.fetched_at)}\n  {clean(story.url, True)}"
        )
    if len(stories) > DIGEST_STORIES:
        lines.append(f"و {len(stories) - DIGEST_STORIES} خبر دیگر")
    lines.append(f"شناسه: {key}")
    return f"چکیده {period}: {len(stories)} خبر تازه", "\n".join(lines)


# ---------------------------------------------------------------------------------- queueing


def alert_key(watch: Watch, what: str, target: str) -> str:
    """Stable for (watch, what, target); a re-added watch of the same name gets new keys."""
    raw = f"{watch.name}\n{watch.created_at.isoformat()}\n{what}\n{target}"
    return "irm-" + hashlib.sha256(raw.encode("utf-8")).hexdigest()[:40]


def _pending(
    watch: Watch,
    kind: str,
    key: str,
    target: str,
    message: tuple[str, str],
    now: datetime,
    **about: Any,
) -> Alert:
    """A new outbox row: recorded before anything is sent, due at once."""
    title, body = message
    return Alert(
        key=key,
        watch_id=watch.id,
        kind=kind,
        target=target,
        title=title,
        body=body,
        state="pending",
        next_try_at=now,
        created_at=now,
        **about,
    )


def queue_story(session: Session, watch: Watch, story: ArticleRow, kind: str, now: datetime) -> int:
    what = (
        f"story:{story.id}" if kind == "story" else f"update:{story.id}:{1 + len(story.sightings)}"
    )
    for target in watch.notify:
        key = alert_key(watch, what, target)
        message = story_message(story, kind, key)
        session.add(_pending(watch, kind, key, target, message, now, article_id=story.id))
    return len(watch.notify)


def queue_digests(session: Session, watch: Watch, now: datetime) -> int:
    """One digest per closed period that has stories and no digest yet."""
    from monitor.watches import period_of

    session.flush()
    current = period_of(watch.digest, now)
    periods = session.scalars(
        select(WatchHit.period)
        .where(WatchHit.watch_id == watch.id, WatchHit.period.is_not(None))
        .distinct()
    ).all()
    done = set(
        session.scalars(
            select(Alert.period).where(Alert.watch_id == watch.id, Alert.kind == "digest")
        ).all()
    )
    n = 0
    for period in sorted(p for p in periods if p and p < (current or "") and p not in done):
        ids = session.scalars(
            select(WatchHit.article_id)
            .where(WatchHit.watch_id == watch.id, WatchHit.period == period)
            .order_by(WatchHit.id)
        ).all()
        stories = load_stories(session, ids)
        for target in watch.notify:
            key = alert_key(watch, f"digest:{period}", target)
            message = digest_message(watch, period, stories, key)
            session.add(_pending(watch, "digest", key, target, message, now, period=period))
            n += 1
    return n


# ---------------------------------------------------------------------------------- sending


def me() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def with_key(target: str, key: str) -> str:
    """The Apprise URL with the idempotency key as an HTTP header, where the service has one."""
    scheme = target.split("://", 1)[0].lower()
    if scheme not in HEADER_SCHEMES:
        return target
    sep = "&" if "?" in target else "?"
    return f"{target}{sep}+{KEY_HEADER}={key}"


def send(target: str, title: str, body: str, key: str) -> str | None:
    """Send one message; None on success, else the reason (one line)."""
    import apprise

    ap = apprise.Apprise()
    if not ap.add(with_key(target, key)):
        return "not an Apprise URL Apprise understands"
    with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as captured:
        ok = ap.notify(title=title, body=body)
        lines = [ln.strip() for ln in captured.getvalue().splitlines() if ln.strip()]
    if ok:
        return None
    return (lines[-1] if lines else "the service refused the message")[:500]


def _alive(claimed_by: str | None) -> bool:
    if not claimed_by or ":" not in claimed_by:
        return False
    host, _, pid = claimed_by.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True  # another machine's sender: only its lease can tell
    if int(pid) == os.getpid():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def reconcile(session: Session, now: datetime | None = None) -> int:
    """Put back ``sending`` rows whose sender died or whose lease ran out (see module doc)."""
    now = now or utcnow()
    n = 0
    for alert in session.scalars(select(Alert).where(Alert.state == "sending")):
        expired = alert.lease_until is None or alert.lease_until < now
        if not expired and _alive(alert.claimed_by):
            continue
        alert.state = "pending"
        alert.in_doubt += 1
        alert.next_try_at = now
        alert.last_error = (
            f"outcome unknown: sender {alert.claimed_by} stopped mid-send; "
            "sent again with the same key"
        )
        alert.claimed_by = None
        alert.lease_until = None
        n += 1
        log.warning("alert %s (%s) in doubt after a crash: sending again", alert.id, alert.key)
    session.commit()
    return n


def _claim(session: Session, alert_id: int, now: datetime, policy: Policy) -> bool:
    result = session.execute(
        update(Alert)
        .where(Alert.id == alert_id, Alert.state == "pending")
        .values(
            state="sending",
            claimed_by=me(),
            lease_until=now + timedelta(seconds=policy.lease),
            tries=Alert.tries + 1,
        )
    )
    session.commit()
    return bool(getattr(result, "rowcount", 0) == 1)


@dataclass
class Delivered:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def deliver_due(
    session: Session,
    policy: Policy = Policy(),
    now: datetime | None = None,
    limit: int = 200,
) -> Delivered:
    """Send every due pending alert once (oldest first), recording each outcome."""
    now = now or utcnow()
    result = Delivered()
    due = session.scalars(
        select(Alert.id)
        .where(Alert.state == "pending", Alert.next_try_at <= now)
        .order_by(Alert.id)
        .limit(limit)
    ).all()
    for alert_id in due:
        if not _claim(session, alert_id, utcnow(), policy):
            continue  # another sender took it
        alert = session.get(Alert, alert_id, populate_existing=True)
        assert alert is not None
        error = send(alert.target, alert.title, alert.body, alert.key)
        values: dict[str, Any] = {"claimed_by": None, "lease_until": None}
        if error is None:
            values.update(state="sent", sent_at=utcnow(), last_error=None)
            result.sent += 1
        elif alert.tries >= policy.max_tries:
            values.update(state="failed", last_error=error)
            result.failed += 1
            log.error("alert %s to %s failed for good: %s", alert.id, redact(alert.target), error)
        else:
            values.update(
                state="pending", last_error=error, next_try_at=now + policy.delay(alert.tries)
            )
            result.retrying += 1
            log.warning("alert %s to %s: %s (retrying)", alert.id, redact(alert.target), error)
        session.execute(
            update(Alert)
            .where(Alert.id == alert_id, Alert.state == "sending", Alert.claimed_by == me())
            .values(**values)
        )
        session.commit()
    return result


def after_crawl(db: str, *, deliver: bool = True, policy: Policy | None = None) -> None:
    """The crawl-end hook: collect every watch's new stories, then send what is due.

    Never raises: alerts must not turn a finished crawl into a failed one; a problem is logged
    and the outbox keeps what was queued for the next pass."""
    from storage.db import connect

    try:
        with Session(connect(db)) as session:
            from monitor.watches import collect

            for c in collect(session):
                if c.stories or c.updates:
                    log.info(
                        "watch %s: %d new stories, %d updates, %d alerts queued",
                        c.watch,
                        c.stories,
                        c.updates,
                        c.alerts,
                    )
            if deliver:
                reconcile(session)
                deliver_due(session, policy or Policy())
    except Exception as exc:  # a broken watch or store: say so, keep the crawl's result
        log.error("watches/alerts after the crawl: %s: %s", type(exc).__name__, exc)


# ---------------------------------------------------------------------------------- listing


def redact(target: str) -> str:
    """An Apprise URL without its secrets (tokens, passwords, paths): scheme and host."""
    parts = urlsplit(target)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}/…" if parts.scheme else "…"


def alert_row(alert: Alert, watch_name: str) -> dict[str, Any]:
    from monitor.views import jalali

    return {
        "id": alert.id,
        "watch": watch_name,
        "kind": alert.kind,
        "story": f"a{alert.article_id}" if alert.article_id else None,
        "period": alert.period,
        "title": alert.title,
        "target": redact(alert.target),
        "state": alert.state,
        "tries": alert.tries,
        "in_doubt": alert.in_doubt,
        "created": alert.created_at,
        "created_jalali": jalali(alert.created_at),
        "sent": alert.sent_at,
        "sent_jalali": jalali(alert.sent_at),
        "next_try": alert.next_try_at if alert.state == "pending" else None,
        "last_error": alert.last_error,
        "key": alert.key,
    }


def list_alerts(
    session: Session,
    states: Iterable[str] = (),
    watch: str | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    stmt = select(Alert, Watch.name).join(Watch, Watch.id == Alert.watch_id)
    states = tuple(states)
    if states:
        stmt = stmt.where(Alert.state.in_(states))
    if watch:
        stmt = stmt.where(Watch.name == watch)
    rows = session.execute(stmt.order_by(Alert.id.desc()).limit(limit)).all()
    return [alert_row(a, name) for a, name in rows]


def counts(session: Session) -> dict[str, int]:
    rows = session.execute(select(Alert.state, func.count()).group_by(Alert.state)).all()
    return {state: 0 for state in STATES} | {s: int(n) for s, n in rows}
