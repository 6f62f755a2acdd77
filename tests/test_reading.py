"""Reading the store after a real crawl: query, show with sightings, recheck."""

from __future__ import annotations

import json

import pytest

from tests.conftest import run_monitor


@pytest.fixture(scope="module")
def crawled_db(tmp_path_factory: pytest.TempPathFactory, simulator) -> str:
    db = f"sqlite:///{tmp_path_factory.mktemp('read') / 'monitor.db'}"
    run_monitor("crawl", "mehr", "isna", "tasnim", "--db", db, "--mirror", simulator.url, "--quiet")
    return db


def _json(*args: str):
    return json.loads(run_monitor(*args).stdout)


@pytest.mark.slow
def test_query_lists_stories_in_any_spelling_and_filters(crawled_db: str):
    everything = _json("query", "--limit", "1000", "--db", crawled_db, "--format", "json")
    assert everything and all(r["id"].startswith("a") for r in everything)
    assert all(r["outlets"] == len(r["outlet_names"]) >= 1 for r in everything)
    russia = _json("query", "روسيه", "--db", crawled_db, "--format", "json")  # Arabic yeh
    assert russia and len(russia) <= len(everything)
    assert all(r["snippet_marks"] for r in russia if "روسیه" in r["snippet"])
    only_isna = _json("query", "--outlet", "isna", "--db", crawled_db, "--format", "json")
    assert only_isna and all("isna" in r["outlet_names"] for r in only_isna)
    jalali = _json("query", "--since", "1500/01/01", "--db", crawled_db, "--format", "json")
    assert jalali == []
    csv = run_monitor("query", "--db", crawled_db, "--format", "csv", "--limit", "2").stdout
    assert csv.splitlines()[0].startswith("id,title,first_outlet,first_seen,first_seen_jalali")


@pytest.mark.slow
def test_show_opens_a_story_and_each_of_its_sightings(crawled_db: str):
    # Seeds are articles 1–5 in file order; 004 is Tasnim's, republished by Mehr and ISNA.
    seed = _json("show", "a5", "--db", crawled_db, "--format", "json")
    assert seed["seed_file"] == "004_446af218e34388db.txt"
    assert {s["outlet"] for s in seed["sightings"]} >= {"tasnim"}
    assert all(s["kind"] in ("exact", "near") for s in seed["sightings"])
    text = run_monitor("show", "5", "--db", crawled_db).stdout
    assert "Also published by" in text
    rows = _json("query", "--rows", "--limit", "1000", "--db", crawled_db, "--format", "json")
    copies = [r for r in rows if r["story"] == "a5" and r["kind"] != "original"]
    assert sorted(r["id"] for r in copies) == sorted(s["id"] for s in seed["sightings"])
    sighting = _json("show", copies[0]["id"], "--db", crawled_db, "--format", "json")
    assert sighting["original"]["id"] == "a5" and sighting["story"] == "a5"
    assert 1 <= sighting["place"] <= sighting["copies"] == len(seed["sightings"]) + 1
    assert "copy " in run_monitor("show", copies[0]["id"], "--db", crawled_db).stdout


@pytest.mark.slow
def test_recheck_reports_decisions_that_would_change(crawled_db: str, tmp_path):
    assert _json("recheck", "--db", crawled_db, "--format", "json") == []
    # Make a copy of the store in which one stored article's text is now a seed's, as a
    # normalizer change could reveal: recheck must report it and change nothing.
    import shutil

    from sqlalchemy import create_engine, select, update
    from sqlalchemy.orm import Session

    from storage.models import Article

    copy = tmp_path / "copy.db"
    shutil.copy(crawled_db.removeprefix("sqlite:///"), copy)
    engine = create_engine(f"sqlite:///{copy}")
    with Session(engine) as s:
        seed_text = s.scalar(select(Article.body).where(Article.id == 1))
        victim = s.scalar(select(Article.id).where(Article.seed_file.is_(None)).limit(1))
        s.execute(update(Article).where(Article.id == victim).values(body=seed_text, lead=None))
        s.commit()
    changes = _json("recheck", "--db", f"sqlite:///{copy}", "--format", "json")
    assert [(c["what"], c["id"]) for c in changes] == [("article", f"a{victim}")]
    assert "duplicate of 1 " in changes[0]["now"]
    with Session(engine) as s:
        assert s.get(Article, victim).seed_file is None  # reported, not changed


def test_snippet_source_does_not_repeat_a_title_the_text_opens_with():
    """A Telegram post's title is its first line and many leads repeat the headline: the
    snippet's text shows those words once."""
    from types import SimpleNamespace

    from monitor.views import snippet_source

    title = "فوری | هیئت پارلمانی روسیه وارد تهران شد"
    post = SimpleNamespace(
        title=title, lead=None, body=f"{title}\n🔹 رئیس کمیته روابط بین‌الملل دوما", sightings=[]
    )
    assert snippet_source(post, {"روسیه"}).count("هیئت پارلمانی") == 1
    article = SimpleNamespace(
        title="دیدار لاوروف و عراقچی",
        lead="دیدار  لاوروف و عراقچی در مسکو",
        body="متن خبر",
        sightings=[],
    )
    assert snippet_source(article, {"لاوروف"}) == "دیدار  لاوروف و عراقچی در مسکو\nمتن خبر"
    other = SimpleNamespace(title="عنوان دیگر", lead=None, body="متن خبر", sightings=[])
    assert snippet_source(other, set()) == "عنوان دیگر\nمتن خبر"
