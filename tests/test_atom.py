"""Atom feeds, validated by a real feed parser: one entry per story, stable ids, RTL, RFC 3339,
``updated`` moving when a republication arrives, stored markup never interpreted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
from sqlalchemy.orm import Session

from monitor.atom import build_feed, feed_stories, watch_feed
from monitor.watches import WatchSpec, add_watch, collect
from storage.db import connect
from storage.models import Article
from tests.conftest import run_monitor
from tests.store_helpers import add_copy, add_story

T0 = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)


def _store(db_url: str) -> tuple[Session, list[int]]:
    session = Session(connect(db_url))
    add_watch(session, WatchSpec("all"), now=T0)
    evil = "<script>alert(1)</script> لاوروف"
    ids = [
        add_story(session, evil, "متن نخست", fetched=T0 + timedelta(1)).id,
        add_story(session, "دیدار در مسکو", "متن دوم", outlet="irna", fetched=T0 + timedelta(2)).id,
    ]
    session.commit()
    collect(session, now=T0 + timedelta(3))
    return session, ids


def test_feed_validates_and_ids_are_stable(db_url: str) -> None:
    session, _ = _store(db_url)
    first = watch_feed(session, "all")
    parsed = feedparser.parse(first)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.language == "fa"
    assert len(parsed.entries) == 2, "one entry per story"
    titles = [e.title for e in parsed.entries]
    assert "<script>alert(1)</script> لاوروف" in titles, "a title is text, escaped in the XML"
    assert b"<script>" not in first
    for entry in parsed.entries:
        assert entry.id.startswith("urn:uuid:")
        assert entry.updated.endswith("Z") and entry.published.endswith("Z")
        assert entry.content[0].type == "application/xhtml+xml"
        assert entry.content[0].language == "fa"
    # feedparser unwraps the XHTML div; the document itself marks every entry right-to-left.
    assert first.count(b'div dir="rtl" lang="fa">') == 2
    # The same store gives the same document; a new session (a new run) too.
    assert watch_feed(session, "all") == first
    session.close()
    with Session(connect(db_url)) as again:
        assert watch_feed(again, "all") == first


def test_republication_moves_updated_not_the_id(db_url: str) -> None:
    session, ids = _store(db_url)
    before = {e.id: e for e in feedparser.parse(watch_feed(session, "all")).entries}
    assert ids[0] in [s.id for s in feed_stories(session, None)]
    story = session.get(Article, ids[0])
    add_copy(session, story, "tasnim", seen=T0 + timedelta(days=4))
    session.commit()
    after = {e.id: e for e in feedparser.parse(watch_feed(session, "all")).entries}
    assert set(after) == set(before), "same entries, same ids"
    changed = [i for i in after if after[i].updated != before[i].updated]
    assert len(changed) == 1
    assert after[changed[0]].updated.startswith(f"{T0 + timedelta(days=4):%Y-%m-%d}")
    assert any(t.term == "tasnim" for t in after[changed[0]].tags)


def test_control_characters_are_dropped_not_fatal(db_url: str) -> None:
    with Session(connect(db_url)) as session:
        story = add_story(session, "عنوان\x00با\x1bنویسه", "متن\x07")
        session.commit()
        parsed = feedparser.parse(build_feed([story]))
    assert not parsed.bozo
    assert parsed.entries[0].title == "عنوانبانویسه"


def test_cli_feed_twice_same_ids(db_url: str, tmp_path: Path) -> None:
    _store(db_url)[0].close()
    out1, out2 = tmp_path / "a.atom", tmp_path / "b.atom"
    run_monitor("feed", "all", "--out", str(out1), "--db", db_url)
    run_monitor("feed", "all", "--out", str(out2), "--db", db_url)
    ids1 = [e.id for e in feedparser.parse(out1.read_bytes()).entries]
    assert ids1 and ids1 == [e.id for e in feedparser.parse(out2.read_bytes()).entries]
    missing = run_monitor("feed", "nope", "--out", str(out1), "--db", db_url, check=False)
    assert missing.returncode == 2 and "no watch named" in missing.stderr
