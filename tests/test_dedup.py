"""Fingerprints and the duplicate index: round trips, verdicts, bookkeeping, the seeds."""

from __future__ import annotations

from pathlib import Path

import pytest

import monitor.dedup.index as index_module
from monitor.dedup import (
    DEFAULT_THRESHOLD,
    FINGERPRINT_VERSION,
    DedupIndex,
    Fingerprint,
    Match,
    containment,
    fingerprint,
)
from monitor.dedup.features import story_text
from monitor.dedup.fingerprints import NUM_PERM, SIGNATURE_BYTES
from monitor.normalize import NORMALIZER_VERSION

SEEDS = [
    p.read_text(encoding="utf-8")
    for p in sorted((Path(__file__).resolve().parent.parent / "seeds").glob("*.txt"))
]
STORY = SEEDS[0]


def index_of(rows):  # type: ignore[no-untyped-def]
    """An index over ``(key, Fingerprint)`` rows, built the way the store builds it."""
    return DedupIndex.from_blobs((key, fp.to_bytes()) for key, fp in rows)


def _paragraphs(text: str) -> list[str]:
    return [line for line in text.splitlines() if len(line.split()) >= 8]


# -- fingerprints -----------------------------------------------------------------------------


def test_round_trip() -> None:
    fp = fingerprint(STORY)
    again = Fingerprint.from_bytes(fp.to_bytes())
    assert again == fp
    assert len(fp.signature) == SIGNATURE_BYTES
    assert len(fp.low_bytes()) == NUM_PERM
    assert len(fp.content_hash) == 32
    assert fp.version == FINGERPRINT_VERSION
    assert fp.version.startswith(NORMALIZER_VERSION)


def test_fixed_size_whatever_the_text() -> None:
    sizes = {len(fingerprint(t).to_bytes()) for t in ["", "کوتاه", STORY, STORY * 3]}
    assert len(sizes) == 1


def test_deterministic() -> None:
    assert fingerprint(STORY) == fingerprint(STORY)


def test_empty_text() -> None:
    fp = fingerprint("")
    assert fp.n_features == 0
    assert Fingerprint.from_bytes(fp.to_bytes()) == fp


def test_attribution_and_boilerplate_do_not_count() -> None:
    body = "\n\n".join(_paragraphs(STORY)[3:])
    plain = fingerprint("به گزارش خبرگزاری مهر، " + body)
    other = fingerprint(
        "کد خبر: ۱۴۲۹۰۳۵\nسرویس بین الملل\n\nبه گزارش ایسنا، "
        + body
        + "\n\nانتهای پیام/\nنظر شما\nاخبار مرتبط"
    )
    assert plain.content_hash == other.content_hash


def test_spelling_variants_hash_alike() -> None:
    body = "\n\n".join(_paragraphs(STORY))
    arabic = body.replace("ی", "ي").replace("ک", "ك")
    spaced = body.replace("همکاریهای", "همکاری\u200cهای").replace("منطقهای", "منطقه ای")
    assert fingerprint(body).content_hash == fingerprint(arabic).content_hash
    assert fingerprint(body).content_hash == fingerprint(spaced).content_hash


def test_story_text_has_no_spaces() -> None:
    assert " " not in story_text(STORY)


def test_containment_formula() -> None:
    # A = half of B: J = 0.5, containment of A in B is 1.
    assert containment(0.5, 100, 200) == pytest.approx(1.0)
    assert containment(0.0, 100, 200) == 0.0
    assert containment(0.2, 100, 100) == pytest.approx(1 / 3)


# -- the index --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_fps() -> list[Fingerprint]:
    return [fingerprint(s) for s in SEEDS]


def test_exact_and_near(seed_fps: list[Fingerprint]) -> None:
    index = index_of(zip(range(1, 6), seed_fps, strict=True))
    assert len(index) == 5
    assert index.query(seed_fps[2]) == Match("exact", 3, 1.0)
    paras = _paragraphs(SEEDS[2])
    trimmed = "تیتر تازه\n\n" + "\n\n".join(reversed(paras[: len(paras) // 2 + 1]))
    match = index.query(fingerprint(trimmed))
    assert match is not None and match.kind == "near" and match.of == 3
    assert match.score >= DEFAULT_THRESHOLD


def test_seeds_never_match_each_other(seed_fps: list[Fingerprint]) -> None:
    for i, fp in enumerate(seed_fps):
        others = index_of((k, f) for k, f in enumerate(seed_fps) if k != i)
        assert others.query(fp) is None, i
        everyone = index_of(enumerate(seed_fps))
        scores = everyone.scores(fp)
        assert all(s < DEFAULT_THRESHOLD for k, s in scores.items() if k != i), scores


def test_unrelated_text_does_not_match(seed_fps: list[Fingerprint]) -> None:
    index = index_of(enumerate(seed_fps))
    text = (
        "دانشمندان کالج سلطنتی لندن در مطالعه اخیرشان موفق به شناسایی نقاطی از بدن شده‌اند "
        "که ویروس کرونا می‌تواند از آن طریق به راحتی وارد بدن شود."
    )
    assert index.query(fingerprint(text)) is None
    assert index.query(fingerprint("")) is None


def test_add_remove_replace(seed_fps: list[Fingerprint]) -> None:
    index = DedupIndex()
    assert index.query(seed_fps[0]) is None
    index.add(10, seed_fps[0])
    index.add(11, seed_fps[1])
    assert len(index) == 2 and 10 in index
    assert index.query(seed_fps[0]) == Match("exact", 10, 1.0)
    index.remove(10)
    assert len(index) == 1 and 10 not in index
    assert index.query(seed_fps[0]) is None
    index.remove(10)  # absent: no-op
    index.add(11, seed_fps[2])  # replace key 11's fingerprint
    assert len(index) == 1
    assert index.query(seed_fps[1]) is None
    assert index.query(seed_fps[2]) == Match("exact", 11, 1.0)


def test_earliest_original_wins_ties(seed_fps: list[Fingerprint]) -> None:
    index = DedupIndex()
    index.add(7, seed_fps[3])
    index.add(5, seed_fps[3])  # same text stored twice: the first added is the original
    assert index.query(seed_fps[3]).of == 7  # type: ignore[union-attr]
    near = "\n\n".join(_paragraphs(SEEDS[3])[:8])
    assert index.query(fingerprint(near)).of == 7  # type: ignore[union-attr]


def test_tail_merge_keeps_answers(monkeypatch: pytest.MonkeyPatch, seed_fps) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(index_module, "_MERGE_AT", 2)
    index = DedupIndex()
    for key, fp in enumerate(seed_fps):
        index.add(key, fp)  # merges after every second add
    for key, fp in enumerate(seed_fps):
        assert index.query(fp) == Match("exact", key, 1.0)
        paras = _paragraphs(SEEDS[key])
        near = index.query(fingerprint("\n\n".join(paras[1:])))
        assert near is not None and near.of == key


def test_from_rows_of_stored_bytes(seed_fps: list[Fingerprint]) -> None:
    """What the store does at start-up: bytes from the table back into an index."""
    stored = [(k, fp.to_bytes()) for k, fp in enumerate(seed_fps)]
    index = index_of((k, Fingerprint.from_bytes(b)) for k, b in stored)
    assert [index.query(fp).of for fp in seed_fps] == [0, 1, 2, 3, 4]  # type: ignore[union-attr]


def test_from_blobs_equals_from_rows(seed_fps: list[Fingerprint]) -> None:
    rows = [(k * 10, fp) for k, fp in enumerate(seed_fps)]
    a = index_of(rows)
    b = DedupIndex.from_blobs((k, fp.to_bytes()) for k, fp in rows)
    assert len(a) == len(b) == 5
    probe = fingerprint("\n\n".join(_paragraphs(SEEDS[4])[:5]))
    for fp in [*seed_fps, probe]:
        assert a.query(fp) == b.query(fp)
    stale = Fingerprint(seed_fps[0].content_hash, seed_fps[0].signature, 10, "canon-0/old")
    with pytest.raises(ValueError):
        DedupIndex.from_blobs([(1, stale.to_bytes())])
    assert len(DedupIndex.from_blobs([])) == 0


def test_duplicate_keys_in_rows_keep_the_last(seed_fps: list[Fingerprint]) -> None:
    index = index_of([(1, seed_fps[0]), (1, seed_fps[1])])
    assert len(index) == 1
    assert index.query(seed_fps[0]) is None
    assert index.query(seed_fps[1]) == Match("exact", 1, 1.0)


def test_stale_version_is_refused(seed_fps: list[Fingerprint]) -> None:
    old = Fingerprint(seed_fps[0].content_hash, seed_fps[0].signature, 10, "canon-0/old")
    with pytest.raises(ValueError, match="version"):
        index_of([(1, old)])
    with pytest.raises(ValueError):
        DedupIndex().add(1, old)


def test_threshold_argument(seed_fps: list[Fingerprint]) -> None:
    index = index_of(enumerate(seed_fps))
    half = "\n\n".join(_paragraphs(SEEDS[1])[:4]) + "\n\n" + "\n\n".join(_paragraphs(SEEDS[4]))
    loose = index.query(fingerprint(half), threshold=0.05)
    assert loose is not None
    assert index.query(fingerprint(half), threshold=1.01) is None


def test_memory_per_item_is_bounded(seed_fps: list[Fingerprint]) -> None:
    index = index_of((k, seed_fps[k % 5]) for k in range(1000))
    assert index.nbytes() / 1000 <= 1024


# -- the version rule -------------------------------------------------------------------------
# Fingerprints of the seeds under the current version. If this test fails because the hashes
# changed, a rule changed the fingerprints: bump RULES_VERSION (monitor/normalize.py) or
# SCHEME_VERSION (monitor/dedup/fingerprints.py) so stored fingerprints are recomputed, then
# re-pin. If it fails because the version changed, re-pin the values below.
GOLDEN_VERSION = "canon-2+hazm-0.10.0/mh512b8f128-c9-2"
GOLDEN = {
    "content_hash": [
        "3b6553d2dc8b4d8454a61a86a77c22b0",
        "90a641e6278c6a434f16d2ed9645a04c",
        "9cee44f3ed970dfa367279291a4d1481",
        "d31bbd84926d96783c2cc06d9ddf1361",
        "381bd26049e0e9ea8960e94c6eb6f744",
    ],
    "n_features": [1301, 2139, 1818, 2242, 1802],
    "first_minima": [2084702, 2234394, 16558708, 6038694],
}


def test_fingerprints_change_only_with_the_version(seed_fps: list[Fingerprint]) -> None:
    assert FINGERPRINT_VERSION == GOLDEN_VERSION, "version changed: re-pin GOLDEN"
    assert [fp.content_hash for fp in seed_fps] == GOLDEN["content_hash"], "bump a version"
    assert [fp.n_features for fp in seed_fps] == GOLDEN["n_features"], "bump a version"
    assert [int(x) for x in seed_fps[0].full_minima()[:4]] == GOLDEN["first_minima"], (
        "bump a version"
    )


# -- the index as the store gives it back -------------------------------------------------------


def test_the_index_loaded_from_a_store_answers_as_one_built_in_memory(any_store: str) -> None:
    """On SQLite and PostgreSQL alike: the seeds and stored stories, their fingerprint bytes
    read back from the table, give the verdicts of an index built from the same texts here."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from monitor.dedup import fingerprint_input
    from monitor.dedup.persist import load_index
    from monitor.store import open_store
    from storage.models import Article
    from tests.storing import article_data, upsert_article

    stories = ["\n\n".join(reversed(_paragraphs(seed)[2:])) for seed in SEEDS[:3]]
    with Session(open_store(any_store)) as session:
        for n, body in enumerate(stories):
            url = f"https://www.isna.ir/news/{n}"
            upsert_article(session, article_data(canonical_url=url, url=url, outlet="isna",
                                                 title=f"t{n}", body=body))  # fmt: skip
        session.commit()
        loaded = load_index(session)
        rows = session.execute(select(Article.id, Article.lead, Article.body, Article.seed_file))
        here = []
        seed_ids = {}
        for key, lead, body, seed_file in rows:
            here.append((key, fingerprint(fingerprint_input(lead, body))))
            if seed_file:
                seed_ids[seed_file] = key
    built = index_of(here)
    assert len(loaded) == len(built) == len(SEEDS) + len(stories)
    probes = [*SEEDS, *stories, *("\n\n".join(_paragraphs(t)[:6]) for t in SEEDS + stories)]
    probes.append("دانشمندان کالج سلطنتی لندن نقاطی از بدن را شناسایی کرده‌اند.")
    verdicts = [loaded.query(fingerprint(t)) for t in probes]
    assert verdicts == [built.query(fingerprint(t)) for t in probes]
    assert verdicts[-1] is None
    seeds_in_order = [seed_ids[name] for name in sorted(seed_ids)]
    assert [m.of for m in verdicts[: len(SEEDS)]] == seeds_in_order  # type: ignore[union-attr]
    assert all(m is not None and m.kind == "exact" for m in verdicts[: len(SEEDS)])
