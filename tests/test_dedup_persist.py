"""The persisted near-duplicate index: a base file mapped from disk plus the rows stored since.

Every test goes through a real store (a SQLite file or a PostgreSQL database), real
fingerprints and the real base file; verdicts are compared with an index built from the table.
"""

from __future__ import annotations

import logging
import multiprocessing
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import delete
from sqlalchemy.orm import Session

from monitor.dedup import DedupIndex, fingerprint, fingerprint_input
from monitor.dedup.index import LayeredIndex
from monitor.dedup.persist import (
    BASE_SUFFIX,
    blob,
    build_index,
    load_index,
    read_base,
    write_base,
)
from storage.db import connect, derived_path
from storage.models import Article
from storage.writes import ArticleData, save_fingerprint, upsert_article

ROOT = Path(__file__).resolve().parent.parent
SEEDS = [p.read_text("utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
VOCAB = sorted({w for text in SEEDS for w in text.split() if len(w) > 1})


def story(i: int) -> str:
    """A distinct made-up story (words of the seeds' vocabulary drawn at random)."""
    rng = np.random.default_rng(i)
    words = [VOCAB[j] for j in rng.integers(0, len(VOCAB), size=int(rng.integers(90, 150)))]
    a, b = len(words) // 3, 2 * len(words) // 3
    return "\n".join(" ".join(part) + "." for part in (words[:a], words[a:b], words[b:]))


def republished(text: str, rng: np.random.Generator) -> str:
    """A copy as another outlet runs it: trimmed, two words changed, a header line added."""
    words = text.split(" ")
    keep = words[: max(30, int(len(words) * rng.uniform(0.7, 1.0)))]
    for _ in range(2):
        keep[int(rng.integers(len(keep)))] = "دیگر"
    return "کد خبر: ۱۲۳۴۵۶\n" + " ".join(keep)


def store_articles(url: str, first: int, count: int, copies_of: list[str] = ()) -> list[str]:  # type: ignore[assignment]
    """Store ``count`` new stories (and republished copies of ``copies_of``); returns their
    bodies."""
    bodies = [story(i) for i in range(first, first + count)]
    rng = np.random.default_rng(first)
    bodies += [republished(t, rng) for t in copies_of]
    with Session(connect(url)) as session:
        for k, body in enumerate(bodies):
            canonical = f"https://example.test/{first}/{k}"
            data = ArticleData(canonical, canonical, "mehr", f"t{k}", body, "")
            upsert_article(session, data, blob(fingerprint(fingerprint_input(None, body))))
        session.commit()
    return bodies


def probes(bodies: list[str]) -> list:  # type: ignore[type-arg]
    """Queries: exact and republished copies of stored bodies, and stories never stored."""
    rng = np.random.default_rng(99)
    texts = [*bodies[::3], *(republished(b, rng) for b in bodies[1::2])]
    texts += [story(10**6 + i) for i in range(15)]
    return [fingerprint(t) for t in texts]


def fresh(url: str) -> DedupIndex:
    with Session(connect(url)) as session:
        return build_index(session)[0]


def loaded(url: str, base: Path) -> DedupIndex | LayeredIndex:
    with Session(connect(url)) as session:
        return load_index(session, base)


def assert_same_verdicts(a: DedupIndex | LayeredIndex, b: DedupIndex, fps: list) -> None:  # type: ignore[type-arg]
    assert len(a) == len(b)
    for fp in fps:
        assert a.query(fp) == b.query(fp)
        for direction in ("new_in_old", "old_in_new"):
            keys = set(range(1, 60))
            assert a.compare(fp, keys, direction) == b.compare(fp, keys, direction)  # type: ignore[arg-type]


@pytest.fixture
def store(any_store: str) -> str:
    """A SQLite file, then a new PostgreSQL database (``postgres``-marked)."""
    return any_store


def test_base_plus_delta_gives_the_verdicts_of_a_fresh_build(store: str, tmp_path: Path) -> None:
    base = tmp_path / f"store{BASE_SUFFIX}"
    early = store_articles(store, 0, 40)
    first = loaded(store, base)
    assert isinstance(first, DedupIndex) and base.exists()  # built and written
    # Stored after the base was written: new stories, copies of base items and of each other.
    later = store_articles(store, 100, 25, copies_of=early[:6])
    later += store_articles(store, 200, 5, copies_of=later[:3])
    layered = loaded(store, base)
    assert isinstance(layered, LayeredIndex)
    assert len(layered.delta) == len(later)  # only the tail was read from the table
    rebuilt = fresh(store)
    fps = probes(early + later + SEEDS)
    assert_same_verdicts(layered, rebuilt, fps)
    # Exact text in both layers: the base (earlier row) wins, as in one index.
    dup = fingerprint(fingerprint_input(None, early[0]))
    layered.add(10_000, dup)
    rebuilt.add(10_000, dup)
    assert layered.query(dup) == rebuilt.query(dup)
    assert layered.query(dup).of != 10_000  # type: ignore[union-attr]
    # What a crawl does after judging: replace one article's fingerprint, forget another's.
    revised = fingerprint(story(555))
    for index in (layered, rebuilt):
        index.add(3, revised)
        index.remove(7)
    assert_same_verdicts(layered, rebuilt, [*fps, revised])


def test_a_changed_or_deleted_row_makes_the_base_stale(store: str, tmp_path: Path) -> None:
    base = tmp_path / f"store{BASE_SUFFIX}"
    bodies = store_articles(store, 0, 20)
    loaded(store, base)
    assert isinstance(loaded(store, base), LayeredIndex)
    with Session(connect(store)) as session:  # an article revised: its fingerprint changes
        article = session.get(Article, 8)
        assert article is not None
        save_fingerprint(session, article, blob(fingerprint(story(777))))
        session.commit()
    again = loaded(store, base)
    assert isinstance(again, DedupIndex)  # rebuilt from the table ...
    assert isinstance(loaded(store, base), LayeredIndex)  # ... and written for the next start
    assert_same_verdicts(loaded(store, base), fresh(store), probes([*bodies, story(777)]))
    with Session(connect(store)) as session:  # an article deleted (e.g. merged into a story)
        session.execute(delete(Article).where(Article.id == 12))
        session.commit()
    assert isinstance(loaded(store, base), DedupIndex)
    after = loaded(store, base)
    assert isinstance(after, LayeredIndex) and 12 not in after
    assert_same_verdicts(after, fresh(store), probes(bodies))


def test_a_base_of_another_fingerprint_version_is_rebuilt(store: str, tmp_path: Path) -> None:
    url = store
    base = tmp_path / f"store{BASE_SUFFIX}"
    store_articles(url, 0, 10)
    with Session(connect(url)) as session:
        index, meta = build_index(session)
    from dataclasses import replace

    write_base(base, index, replace(meta, fingerprint_version="canon-0+hazm-0.0/old"))
    assert isinstance(loaded(url, base), DedupIndex)
    found = read_base(base)
    assert found is not None and found[1].fingerprint_version == meta.fingerprint_version


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty"])
def test_a_damaged_base_is_ignored_with_one_warning_and_rebuilt(
    store: str, tmp_path: Path, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    url = store
    base = tmp_path / f"store{BASE_SUFFIX}"
    bodies = store_articles(url, 0, 15)
    loaded(url, base)
    data = base.read_bytes()
    if damage == "truncate":
        base.write_bytes(data[: len(data) - 1000])
    elif damage == "garbage":
        base.write_bytes(data[:20] + b"\x00" * 50 + data[70:])
    else:
        base.write_bytes(b"")
    with caplog.at_level(logging.WARNING, logger="monitor.dedup.persist"):
        index = loaded(url, base)
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "\n" not in warnings[0] and str(base) in warnings[0]
    assert isinstance(index, DedupIndex)
    assert read_base(base) is not None  # rewritten whole
    assert_same_verdicts(loaded(url, base), fresh(url), probes(bodies))


def _load_many(url: str, base: str, rounds: int, start: object) -> int:
    """In a child process: build-and-write or map the base, ``rounds`` times; how many maps."""
    from sqlalchemy.orm import Session

    from monitor.dedup.index import LayeredIndex
    from monitor.dedup.persist import load_index
    from storage.db import connect

    start.wait()  # type: ignore[attr-defined]
    mapped = 0
    for _ in range(rounds):
        Path(base).unlink(missing_ok=True)  # both keep rebuilding and replacing it
        with Session(connect(url)) as session:
            mapped += isinstance(load_index(session, Path(base)), LayeredIndex)
    return mapped


def test_two_processes_racing_to_write_the_base_leave_a_good_one(
    store: str, tmp_path: Path
) -> None:
    url = store
    base = tmp_path / f"store{BASE_SUFFIX}"
    bodies = store_articles(url, 0, 30)
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Manager().Event()
    with ctx.Pool(2) as pool:
        runs = [pool.apply_async(_load_many, (url, str(base), 8, start)) for _ in range(2)]
        start.set()
        for run in runs:
            run.get(timeout=300)
    assert not list(tmp_path.glob(f"*{BASE_SUFFIX}.tmp-*"))  # no temporary file left behind
    layered = loaded(url, base)
    assert isinstance(layered, LayeredIndex)
    assert_same_verdicts(layered, fresh(url), probes(bodies))


def test_where_the_base_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MONITOR_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert derived_path(f"sqlite:///{tmp_path}/m.db", ".x") == tmp_path / "m.db.x"
    assert derived_path("sqlite:///:memory:", ".x") is None
    one = derived_path("postgresql://u:secret@127.0.0.1:5432/a", ".x")
    same = derived_path("postgresql+psycopg://u:other@127.0.0.1:5432/a", ".x")
    other = derived_path("postgresql://u@127.0.0.1:5432/b", ".x")
    assert one == same != other
    assert one is not None and one.parent == tmp_path / "cache" / "iran-russia-monitor"
    assert "secret" not in str(one)
    monkeypatch.setenv("MONITOR_CACHE_DIR", str(tmp_path / "mine"))
    mine = derived_path("postgresql://u@127.0.0.1:5432/a", ".x")
    assert mine is not None and mine.parent == tmp_path / "mine" and mine.name == one.name


def test_monitor_check_writes_the_base_then_maps_it(simulator, store: str) -> None:  # type: ignore[no-untyped-def]
    """Through the real command: the first ``monitor check`` writes the base (beside a SQLite
    store, in the cache folder for PostgreSQL), the next one maps it (and an article stored in
    between is caught up), same verdict."""
    import json

    from tests.conftest import run_monitor

    url = store
    page = next(a for a in simulator.catalog.visible() if a.outlet == "mehr")
    args = ("check", page.url, "--mirror", simulator.url, "--db", url)
    first = json.loads(run_monitor(*args).stdout)
    base = derived_path(url, BASE_SUFFIX)
    assert base is not None
    if url.startswith("sqlite"):
        assert base.name == f"monitor.db{BASE_SUFFIX}"
    assert read_base(base) is not None
    store_articles(url, 0, 3)
    assert isinstance(loaded(url, base), LayeredIndex)
    second = json.loads(run_monitor(*args).stdout)
    assert second == first


def test_the_band_tables_read_from_the_file_give_the_same_candidates(tmp_path: Path) -> None:
    """Over several ``BandFile.BLOCK``s, with a band value repeated across block boundaries:
    the base read back from its file answers as the index it was written from, both while its
    directory is read entry by entry and after it was read whole (``FILL_AFTER``)."""
    from dataclasses import replace

    from monitor.dedup.fingerprints import NUM_PERM, encode
    from monitor.dedup.index import BandFile
    from monitor.dedup.persist import BASE_FORMAT, BaseMeta

    rng = np.random.default_rng(5)
    fps = [fingerprint(story(i)) for i in range(40)]
    rows = []
    for key in range(1, 3 * BandFile.BLOCK + 500):
        if key % 2:  # random minima: its own band values
            minima = rng.integers(0, 2**32, size=NUM_PERM, dtype=np.uint32)
            fp = replace(fps[0], signature=encode(minima), n_features=int(rng.integers(50, 900)))
        else:  # one of 40 stories again and again: equal band values over many blocks
            fp = fps[key % 40]
        h = rng.integers(0, 256, size=16, dtype=np.uint8).tobytes().hex()
        rows.append((key, replace(fp, content_hash=h).to_bytes()))
    built = DedupIndex.from_blobs(rows)
    path = tmp_path / f"x{BASE_SUFFIX}"
    write_base(
        path, built, BaseMeta(BASE_FORMAT, fps[0].version, "32x2", len(rows), rows[-1][0], 0)
    )
    found = read_base(path)
    assert found is not None
    mapped = found[0]
    assert mapped._band_file is not None
    rng2 = np.random.default_rng(6)
    queries = [*fps, *(fingerprint(republished(story(i), rng2)) for i in range(40))]
    queries += [Fingerprint_from(row) for _, row in rows[::97]]
    from monitor.dedup.index import _bands

    assert not mapped._band_file.full and not mapped._band_file.known.any()  # nothing read yet
    for fp in queries:
        assert mapped.query(fp) == built.query(fp)
        assert mapped.scores(fp) == built.scores(fp)
        # Band by band, the rows read from the file are the rows of the in-memory tables.
        bands = _bands(fp.full_minima())
        want = []
        for b in range(len(bands)):
            lo, hi = np.searchsorted(built._band_vals[b], [bands[b], bands[b] + np.uint32(1)])
            if bands[b] == 0xFFFFFFFF:
                hi = len(built._band_vals[b])
            if hi > lo:
                want.append(sorted(built._band_rows[b, lo:hi].tolist()))
        got = [sorted(part.tolist()) for part in mapped._band_file.rows(bands)]
        assert got == want
    assert mapped._band_file.full and len(queries) > BandFile.FILL_AFTER  # both ways were used


def Fingerprint_from(data: bytes):  # type: ignore[no-untyped-def]
    from monitor.dedup import Fingerprint

    return Fingerprint.from_bytes(data)


def test_a_row_below_the_largest_id_makes_the_base_stale(store: str, tmp_path: Path) -> None:
    """An id given explicitly (SQLite) or a transaction committing late (PostgreSQL) adds a
    row the base should have held: the next start rebuilds."""
    base = tmp_path / f"store{BASE_SUFFIX}"
    bodies = store_articles(store, 0, 10)
    with Session(connect(store)) as session:  # leave a gap in the ids
        session.execute(delete(Article).where(Article.id == 9))
        session.commit()
    loaded(store, base)
    assert isinstance(loaded(store, base), LayeredIndex)
    with Session(connect(store)) as session:
        data = ArticleData(
            "https://example.test/late", "https://example.test/late", "mehr", "t", story(4242), ""
        )
        article = Article(
            id=9, canonical_url=data.canonical_url, url=data.url, title="t", body=data.body
        )
        session.add(article)
        session.flush()
        save_fingerprint(session, article, blob(fingerprint(story(4242))))
        session.commit()
    again = loaded(store, base)
    assert isinstance(again, DedupIndex) and 9 in again
    assert_same_verdicts(loaded(store, base), fresh(store), probes([*bodies, story(4242)]))
