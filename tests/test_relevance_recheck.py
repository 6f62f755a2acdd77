"""Nothing judged is lost: a changed model recovers what an older one missed, and an analyst's
label overrides the model. Real crawl of the simulator into a SQLite file, real commands."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from storage.models import Article, JudgedPage
from tests.conftest import ROOT, run_monitor

TERMS = ROOT / "monitor" / "data" / "topic_terms.toml"
BUNDLED_WEIGHTS = ROOT / "monitor" / "data" / "relevance_model.json"
SHARED_DEV = ROOT.parent / "shared" / "fixtures" / "relevance" / "dev.jsonl"


def changed_model(tmp_path: Path) -> Path:
    """The bundled model with a much lower threshold: it finds stories the default missed."""
    text = TERMS.read_text(encoding="utf-8") + "\n[scoring]\nthreshold = 0.05\n"
    path = tmp_path / "terms.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_recheck_relevance_apply_promotes_a_missed_story_once(simulator, tmp_path):
    db = f"sqlite:///{tmp_path / 'monitor.db'}"
    run_monitor("crawl", "--db", db, "--mirror", simulator.url, "--format", "json")
    engine = create_engine(db)
    with Session(engine) as s:
        before = s.scalar(select(func.count(Article.id)))
        kept = s.scalar(
            select(func.count())
            .select_from(JudgedPage)
            .where(JudgedPage.verdict.in_(("irrelevant", "borderline")))
        )
    assert kept, "irrelevant pages must be kept with their text"

    env = {"MONITOR_TOPIC_TERMS": str(changed_model(tmp_path))}
    dry = json.loads(
        run_monitor("recheck", "--relevance", "--db", db, "--format", "json", env=env).stdout
    )
    promoted = [r for r in dry if r["now"] == "new"]
    assert promoted, "the changed model should find stories the default one missed"
    with Session(engine) as s:  # a dry run changes nothing
        assert s.scalar(select(func.count(Article.id))) == before

    applied = json.loads(
        run_monitor(
            "recheck", "--relevance", "--apply", "--db", db, "--format", "json", env=env
        ).stdout
    )
    stored = [r for r in applied if str(r.get("applied", "")).startswith("new")]
    assert stored
    url = stored[0]["url"]
    with Session(engine) as s:
        article = s.scalar(select(Article).where(Article.url == url))
        judged = s.scalar(select(JudgedPage).where(JudgedPage.url == url))
        assert article is not None and judged is not None
        assert article.fetched_at == judged.fetched_at  # the original fetch time, not now
        assert judged.verdict == "new" and judged.article_id == article.id
        after = s.scalar(select(func.count(Article.id)))
    # Applying again changes nothing: each promoted story is stored once.
    again = json.loads(
        run_monitor(
            "recheck", "--relevance", "--apply", "--db", db, "--format", "json", env=env
        ).stdout
    )
    assert not [r for r in again if r.get("applied")]
    with Session(engine) as s:
        assert s.scalar(select(func.count(Article.id))) == after
        urls = s.scalars(select(Article.canonical_url)).all()
        assert len(urls) == len(set(urls))


def test_an_analysts_label_overrides_the_model_and_exports(simulator, tmp_path):
    db = f"sqlite:///{tmp_path / 'monitor.db'}"
    run_monitor("crawl", "--db", db, "--mirror", simulator.url, "--format", "json")
    engine = create_engine(db)
    with Session(engine) as s:
        missed = s.scalars(
            select(JudgedPage).where(JudgedPage.verdict == "irrelevant").limit(1)
        ).one()
        story = s.scalars(
            select(Article).where(Article.seed_file.is_(None)).order_by(Article.id).limit(1)
        ).one()
        missed_url, story_id = missed.url, story.id

    out = run_monitor("label", missed_url, "relevant", "--db", db).stdout
    assert "labelled relevant" in out
    run_monitor("label", str(story_id), "irrelevant", "--db", db)
    with Session(engine) as s:
        promoted = s.scalar(select(JudgedPage).where(JudgedPage.url == missed_url))
        assert promoted is not None and promoted.label == "relevant"
        assert promoted.verdict in ("new", "duplicate")
        assert s.get(Article, story_id).label == "irrelevant"  # type: ignore[union-attr]

    # The label survives a recheck: the model cannot overrule the analyst.
    recheck = json.loads(
        run_monitor("recheck", "--relevance", "--db", db, "--format", "json").stdout
    )
    assert not [r for r in recheck if r["url"] == missed_url]

    export = tmp_path / "labels.jsonl"
    run_monitor("label", "--export", str(export), "--db", db)
    rows = [json.loads(line) for line in export.read_text(encoding="utf-8").splitlines()]
    assert {r["relevant"] for r in rows} == {True, False}
    assert set(rows[0]) >= {"id", "url", "date", "title", "text", "relevant", "kind", "why"}

    bad = run_monitor("label", "999999", "relevant", "--db", db, check=False)
    assert bad.returncode != 0 and "no article 999999" in bad.stderr


def test_an_analysts_labels_train_a_model_the_monitor_then_uses(simulator, tmp_path):
    """The loop the labels exist for: label pages, export them, retrain with them
    (``bench/train_relevance.py --labels``), and point ``MONITOR_RELEVANCE_WEIGHTS`` at the
    result: a crawl (judging in two worker processes), ``check`` and ``recheck`` all use it."""
    if not SHARED_DEV.exists():
        pytest.skip(f"{SHARED_DEV} absent: training reads the development set in ../shared")
    db = f"sqlite:///{tmp_path / 'monitor.db'}"
    run_monitor("crawl", "mehr", "irna", "--db", db, "--mirror", simulator.url, "-q")
    engine = create_engine(db)
    with Session(engine) as s:
        pages = s.scalars(
            select(JudgedPage).where(JudgedPage.language == "fa").order_by(JudgedPage.url)
        ).all()
        missed = next(p for p in pages if p.verdict == "irrelevant")
        story = next(p for p in pages if p.verdict == "new")
    run_monitor("label", missed.url, "relevant", "--db", db)
    run_monitor("label", story.url, "irrelevant", "--db", db)
    labels = tmp_path / "labels.jsonl"
    run_monitor("label", "--export", str(labels), "--db", db)

    weights = tmp_path / "retrained.json"
    subprocess.run(
        [sys.executable, "-m", "bench.train_relevance", "--labels", str(labels), "--out",
         str(weights)],
        cwd=ROOT, check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    model = json.loads(weights.read_text(encoding="utf-8"))
    shipped = json.loads(BUNDLED_WEIGHTS.read_text(encoding="utf-8"))
    assert model["trained_on"]["analyst_items"] == 2
    assert model["trained_on"]["items"] == shipped["trained_on"]["items"] + 2
    assert model["version"] != shipped["version"]

    env = {"MONITOR_RELEVANCE_WEIGHTS": str(weights)}
    run_monitor(
        "crawl", "tasnim", "--db", db, "--mirror", simulator.url, "--jobs", "2", "-q", env=env
    )
    with Session(engine) as s:
        versions = set(
            s.scalars(
                select(JudgedPage.model_version).where(
                    JudgedPage.outlet == "tasnim", JudgedPage.language == "fa"
                )
            )
        )
    assert versions == {model["version"]}, "workers judged with the retrained weights"
    saved = tmp_path / "page.txt"
    saved.write_text("سفر لاوروف به تهران\nوزیر خارجه روسیه با همتای ایرانی دیدار کرد.", "utf-8")
    checked = json.loads(run_monitor("check", str(saved), "--db", db, env=env).stdout)
    assert checked["relevance"]["version"] == model["version"]
    rows = json.loads(
        run_monitor("recheck", "--relevance", "--db", db, "--format", "json", env=env).stdout
    )
    assert all(r["url"] != missed.url for r in rows), "the analyst's label still wins"


def test_borderline_pages_are_kept_and_listed_on_request_and_min_relevance_filters(
    simulator, tmp_path
):
    """Under a strict threshold the simulator's weaker stories fall in the borderline band:
    they are kept (not discarded), listed only by ``query --borderline``; ``--min-relevance``
    narrows the stories listed."""
    db = f"sqlite:///{tmp_path / 'monitor.db'}"
    strict = ["--set", "MONITOR_RELEVANCE_THRESHOLD=0.9", "--set", "MONITOR_BORDERLINE_BAND=0.6"]
    run_monitor("crawl", "mehr", "tasnim", "--db", db, "--mirror", simulator.url, *strict)
    engine = create_engine(db)
    with Session(engine) as s:
        kept = s.scalars(select(JudgedPage).where(JudgedPage.verdict == "borderline")).all()
        stored = s.scalars(select(Article).where(Article.seed_file.is_(None))).all()
    assert kept, "a strict threshold must leave some stories in the borderline band"
    assert all(0.3 <= (p.relevance or 0) < 0.9 for p in kept)
    listed = json.loads(run_monitor("query", "--borderline", "--db", db, "--format", "json").stdout)
    assert {r["url"] for r in listed} == {p.url for p in kept}
    stories = json.loads(run_monitor("query", "--db", db, "--format", "json").stdout)
    assert not {r["url"] for r in stories} & {p.url for p in kept}
    # The table says how many wait under the threshold and where they are; JSON stays clean.
    table = run_monitor("query", "--db", db)
    assert f"{len(kept)} borderline pages" in table.stderr and "--borderline" in table.stderr
    tasnim = run_monitor("query", "--db", db, "--outlet", "tasnim")
    in_tasnim = sum(p.outlet == "tasnim" for p in kept)
    assert (f"{in_tasnim} borderline pages" in tasnim.stderr) == (in_tasnim > 0)
    assert "borderline" not in run_monitor("query", "--db", db, "--format", "json").stderr
    assert all(a.relevance >= 0.9 for a in stored)

    high = json.loads(
        run_monitor("query", "--min-relevance", "0.99", "--db", db, "--format", "json").stdout
    )
    assert all(r["relevance"] >= 0.99 for r in high)
    assert len(high) <= len(stories)
