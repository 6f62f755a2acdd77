"""Watches and the alert outbox through real parts: a real store (SQLite file and PostgreSQL),
real Apprise deliveries to a real HTTP receiver on 127.0.0.1, a real dead process for the
crash case. Clocks are passed in (``now``), never slept on."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor import alerts
from monitor.dates import to_jalali_long
from monitor.watches import WatchError, WatchSpec, add_watch, collect, preview
from storage.db import connect
from storage.models import Alert, WatchHit
from tests.alert_receiver import Receiver
from tests.conftest import run_monitor
from tests.store_helpers import add_copy, add_story

# After the seeds were loaded (they count as fetched then), on the hour (digest periods).
T0 = (datetime.now(UTC) + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
POLICY = alerts.Policy(retry=30, max_tries=3)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def session(request: pytest.FixtureRequest, tmp_path) -> Iterator[Session]:
    url = (
        f"sqlite:///{tmp_path / 'w.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("pg_url")
    )
    with Session(connect(url)) as s:
        yield s


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r


def _alerts(session: Session) -> list[Alert]:
    session.expire_all()
    return list(session.scalars(select(Alert).order_by(Alert.id)))


def test_new_stories_alert_once_and_republications_update_nothing(session, receiver):
    old = add_story(session, "لاوروف در تهران", "دیدار لاوروف با همتای ایرانی", fetched=T0)
    watch = add_watch(
        session, WatchSpec("lavrov", "لاوروف", notify=(receiver.url,)), now=T0 + timedelta(1)
    )
    session.commit()
    new = add_story(
        session, "سفر لاوروف", "لاوروف فردا به تهران می‌رود", fetched=T0 + timedelta(days=2)
    )
    add_story(session, "بازار نفت", "قیمت نفت امروز بالا رفت", fetched=T0 + timedelta(days=2))
    session.commit()

    (result,) = collect(session, now=T0 + timedelta(days=2, hours=1))
    assert (result.stories, result.alerts) == (1, 1), "only the matching story fetched since"
    assert [a.article_id for a in _alerts(session)] == [new.id]
    assert old.id not in {h.article_id for h in session.scalars(select(WatchHit))}

    # Collecting again, and a republication of the announced story: nothing more.
    add_copy(session, new, "irna", seen=T0 + timedelta(days=2, hours=2))
    session.commit()
    (again,) = collect(session, now=T0 + timedelta(days=2, hours=3))
    assert (again.stories, again.updates, again.alerts) == (0, 0, 0)

    sent = alerts.deliver_due(session, POLICY, now=T0 + timedelta(days=3))
    assert sent.sent == 1
    (msg,) = receiver.accepted()
    assert msg["key"] == _alerts(session)[0].key
    assert "سفر لاوروف" in msg["title"]
    body = msg["message"]
    assert "مهر" in body  # the outlet's Persian name
    day = T0 + timedelta(days=2)
    assert f"{day:%Y-%m-%d}" in body, "Gregorian"
    assert to_jalali_long(day) in body, "Jalali, Tehran time, Persian digits"
    assert "https://www.mehrnews.com/news/" in body
    assert "منتشرشده در 1 رسانه" in body, "the message as queued: one outlet then"
    assert watch.checked_at is not None


def test_republications_announced_when_asked(session, receiver):
    add_watch(
        session,
        WatchSpec("all", notify=(receiver.url,), republications=True),
        now=T0,
    )
    story = add_story(session, "خط لوله گاز", "گاز روسیه از راه ایران", fetched=T0 + timedelta(1))
    session.commit()
    collect(session, now=T0 + timedelta(days=1, hours=1))
    add_copy(session, story, "irna", seen=T0 + timedelta(days=1, hours=2))
    session.commit()
    (result,) = collect(session, now=T0 + timedelta(days=1, hours=3))
    assert (result.stories, result.updates, result.alerts) == (0, 1, 1)
    assert [a.kind for a in _alerts(session)] == ["story", "update"]
    (none,) = collect(session, now=T0 + timedelta(days=1, hours=4))
    assert none.updates == 0, "the same copy count is not announced twice"


def test_outlet_and_relevance_filters(session):
    add_watch(session, WatchSpec("irna-only", outlets=("irna",), min_relevance=0.5), now=T0)
    add_story(session, "الف", "متن یک", outlet="mehr", fetched=T0 + timedelta(1))
    weak = add_story(
        session, "ب", "متن دو", outlet="irna", relevance=0.2, fetched=T0 + timedelta(1)
    )
    strong = add_story(session, "ج", "متن سه", outlet="irna", fetched=T0 + timedelta(1))
    session.commit()
    collect(session, now=T0 + timedelta(2))
    hits = {h.article_id for h in session.scalars(select(WatchHit))}
    assert hits == {strong.id} and weak.id not in hits
    found = [s.id for s in preview(session, session.scalars(select(alerts.Watch)).one())]
    assert found[0] == strong.id and weak.id not in found, "whole store, newest first"


def test_receiver_down_then_retried_with_backoff(session, receiver):
    add_watch(session, WatchSpec("all", notify=(receiver.url,)), now=T0)
    add_story(session, "یک", "خبر یک", fetched=T0 + timedelta(hours=1))
    session.commit()
    collect(session, now=T0 + timedelta(hours=2))
    receiver.down = True
    first = alerts.deliver_due(session, POLICY, now=T0 + timedelta(hours=2))
    assert (first.sent, first.retrying) == (0, 1)
    (alert,) = _alerts(session)
    assert (alert.state, alert.tries) == ("pending", 1) and alert.last_error
    assert alert.next_try_at == T0 + timedelta(hours=2, seconds=30), "backs off"
    receiver.down = False
    early = alerts.deliver_due(session, POLICY, now=T0 + timedelta(hours=2, seconds=29))
    assert early.sent == 0, "not before its next try"
    later = alerts.deliver_due(session, POLICY, now=T0 + timedelta(hours=2, seconds=30))
    assert later.sent == 1
    (alert,) = _alerts(session)
    assert (alert.state, alert.tries, alert.last_error) == ("sent", 2, None)
    assert len(receiver.raw()) == 2 and len(receiver.accepted()) == 1


def test_gives_up_after_max_tries(session, receiver):
    add_watch(session, WatchSpec("all", notify=(receiver.url,)), now=T0)
    add_story(session, "یک", "خبر یک", fetched=T0 + timedelta(hours=1))
    session.commit()
    collect(session, now=T0 + timedelta(hours=2))
    receiver.down = True
    for i in range(POLICY.max_tries):  # 30 s, then 60 s: each pass an hour later is due
        alerts.deliver_due(session, POLICY, now=T0 + timedelta(hours=3 + i))
    (alert,) = _alerts(session)
    assert (alert.state, alert.tries) == ("failed", POLICY.max_tries)
    assert alerts.counts(session)["failed"] == 1


def _dead_pid() -> int:
    code = "import os; print(os.getpid())"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(proc.stdout)


def test_sender_killed_mid_send_is_resent_with_the_same_key(session, receiver):
    add_watch(session, WatchSpec("all", notify=(receiver.url,)), now=T0)
    add_story(session, "یک", "خبر یک", fetched=T0 + timedelta(hours=1))
    session.commit()
    collect(session, now=T0 + timedelta(hours=2))
    (alert,) = _alerts(session)
    # What a sender killed after the receiver got the message leaves behind:
    assert alerts.send(alert.target, alert.title, alert.body, alert.key) is None
    alert.state, alert.tries = "sending", 1
    alert.claimed_by = f"{alerts.socket.gethostname()}:{_dead_pid()}"
    alert.lease_until = datetime.now(UTC) + timedelta(minutes=5)  # lease not over: pid decides
    session.commit()

    assert alerts.deliver_due(session, POLICY).sent == 0, "a sending row is not re-claimed"
    assert alerts.reconcile(session) == 1
    assert alerts.deliver_due(session, POLICY).sent == 1
    (alert,) = _alerts(session)
    assert (alert.state, alert.tries, alert.in_doubt) == ("sent", 2, 1)
    raw = receiver.raw()
    assert [m["key"] for m in raw] == [alert.key, alert.key], "same key both times"
    assert len(receiver.accepted()) == 1, "a key-honouring receiver shows it once"


def test_live_sender_and_running_lease_are_left_alone(session):
    add_watch(session, WatchSpec("all", notify=("json://127.0.0.1:9/x",)), now=T0)
    add_story(session, "یک", "خبر یک", fetched=T0 + timedelta(hours=1))
    session.commit()
    collect(session, now=T0 + timedelta(hours=2))
    (alert,) = _alerts(session)
    alert.state, alert.claimed_by = "sending", alerts.me()
    alert.lease_until = datetime.now(UTC) + timedelta(minutes=5)
    session.commit()
    assert alerts.reconcile(session) == 0
    assert alerts.reconcile(session, now=datetime.now(UTC) + timedelta(minutes=10)) == 1


def test_claim_is_exclusive(session):
    add_watch(session, WatchSpec("all", notify=("json://127.0.0.1:9/x",)), now=T0)
    add_story(session, "یک", "خبر یک", fetched=T0 + timedelta(hours=1))
    session.commit()
    collect(session, now=T0 + timedelta(hours=2))
    (alert,) = _alerts(session)
    with Session(session.get_bind()) as other:
        assert alerts._claim(session, alert.id, datetime.now(UTC), POLICY)
        assert not alerts._claim(other, alert.id, datetime.now(UTC), POLICY)


def test_digest_sends_one_message_per_period(session, receiver):
    add_watch(session, WatchSpec("hourly", notify=(receiver.url,), digest="hourly"), now=T0)
    add_story(session, "یک", "خبر یک", fetched=T0 + timedelta(minutes=5))
    add_story(session, "دو", "خبر دو", fetched=T0 + timedelta(minutes=6))
    session.commit()
    (r1,) = collect(session, now=T0 + timedelta(minutes=10))
    assert (r1.stories, r1.alerts) == (2, 0), "the hour is not over"
    add_story(session, "تاشکند", "خبر سه", fetched=T0 + timedelta(minutes=70))
    session.commit()
    (r2,) = collect(session, now=T0 + timedelta(minutes=75))
    assert (r2.stories, r2.alerts) == (1, 1)
    (r3,) = collect(session, now=T0 + timedelta(minutes=80))
    assert r3.alerts == 0, "one digest per period"
    alerts.deliver_due(session, POLICY, now=T0 + timedelta(minutes=80))
    (msg,) = receiver.accepted()
    assert "۲ خبر" in msg["message"].translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    assert "• یک" in msg["message"] and "تاشکند" not in msg["message"]


def test_bad_watches_are_refused(session):
    with pytest.raises(WatchError, match="digest"):
        add_watch(session, WatchSpec("x", digest="weekly"))
    with pytest.raises(WatchError, match="Apprise"):
        add_watch(session, WatchSpec("x", notify=("nonsense-scheme://x",)))
    with pytest.raises(WatchError, match="name"):
        add_watch(session, WatchSpec("two words"))
    with pytest.raises(WatchError, match="relevance"):
        add_watch(session, WatchSpec("x", min_relevance=2.0))
    add_watch(session, WatchSpec("x"))
    with pytest.raises(WatchError, match="exists"):
        add_watch(session, WatchSpec("x"))


def test_control_and_bidi_characters_never_reach_a_message():
    assert alerts.clean("a\x1b[31mb\u202ec\x00", single_line=True) == "a[31mbc"
    assert alerts.redact("tgram://123:SECRET@chat/456") == "tgram://chat/…"
    assert alerts.with_key("json://h/p", "k") == "json://h/p?+X-Idempotency-Key=k"
    assert alerts.with_key("tgram://t/c", "k") == "tgram://t/c"


def test_cli_watch_lifecycle(db_url):
    out = run_monitor("watch", "add", "lavrov", "لاوروف", "--notify", "json://127.0.0.1:9/h",
                      "--outlet", "mehr", "--db", db_url)  # fmt: skip
    assert "added" in out.stderr
    bad = run_monitor("watch", "add", "y", "--outlet", "bbc", "--db", db_url, check=False)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "bbc" in bad.stderr
    listed = run_monitor("watch", "list", "--db", db_url, "--format", "json").stdout
    assert '"lavrov"' in listed and "json://127.0.0.1:9/…" in listed
    assert run_monitor("watch", "test", "lavrov", "--db", db_url).returncode == 0
    assert run_monitor("alerts", "--state", "pending", "--db", db_url).returncode == 0
    wrong = run_monitor("alerts", "--state", "lost", "--db", db_url, check=False)
    assert wrong.returncode == 2
    run_monitor("watch", "remove", "lavrov", "--db", db_url)
    gone = run_monitor("watch", "remove", "lavrov", "--db", db_url, check=False)
    assert gone.returncode == 2 and "no watch named" in gone.stderr


@pytest.mark.parametrize(
    "command",
    [
        ["watch", "add"],
        ["watch", "list"],
        ["watch", "remove"],
        ["watch", "test"],
        ["alerts"],
        ["feed"],
        ["serve"],
    ],
)
def test_new_commands_have_help_with_an_example(command: list[str]) -> None:
    from typer.testing import CliRunner

    from monitor.cli import app

    result = CliRunner().invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example: monitor " in result.output
