"""The canonical form folds every spelling variant a republisher introduces, and only those."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.normalize import (
    NORMALIZER_VERSION,
    canonical_lines,
    canonical_text,
    display_text,
    tokens,
)

ZWNJ = "\u200c"
SEEDS = sorted((Path(__file__).resolve().parent.parent / "seeds").glob("*.txt"))

# Each group: spellings of one text that must share one canonical form.
VARIANTS = [
    ("همکاری های ایران", ["همکاري هاي ايران", "هَمکاریِ هایِ ایران", "همـــکاری های ایران"]),
    ("کتاب", ["كتاب", "&#1705;تاب", "&#x6a9;تاب", "\ufeffکتاب\u200f"]),
    ("123 45", ["۱۲۳ ۴۵", "١٢٣ ٤٥", "１２３ ４５", "۱۲۳ ٤5"]),
    ("خانه ای", ["خانۀ ای", "خانة ای", "خانه\u200cای".replace("\u200c", " ")]),
    ("امیر اسلام", ["أمیر إسلام", "آمیر ٱسلام"]),
    ("موتمر رییس", ["مؤتمر رئیس"]),
    (
        "لاوروف گفت ما",
        ["«لاوروف» گفت: ما!", "لاوروف   گفت،\n\tما.", "لاوروف&nbsp;گفت &quot;ما&quot;"],
    ),
]


@pytest.mark.parametrize(("canonical", "spellings"), VARIANTS)
def test_variants_fold_to_one_form(canonical: str, spellings: list[str]) -> None:
    assert canonical_text(canonical) == canonical
    for spelling in spellings:
        assert canonical_text(spelling) == canonical, spelling


def test_zero_width_characters_vanish() -> None:
    for zw in ("\u200c", "\u200d", "\u200e", "\u200f", "\ufeff", "\u00ad"):
        assert canonical_text(f"می{zw}شود") == "میشود"


def test_zwnj_and_space_variants_differ_only_in_spaces() -> None:
    """ZWNJ removed, kept or turned into a space: the same letters, so whitespace-free
    features (the fingerprint's) are identical."""
    forms = ["می\u200cشود همکاری\u200cها", "میشود همکاریها", "می شود همکاری ها"]
    squeezed = {canonical_text(f).replace(" ", "") for f in forms}
    assert squeezed == {"میشودهمکاریها"}


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name[:3])
def test_idempotent_on_seeds(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    once = canonical_text(text)
    assert canonical_text(once) == once
    assert ZWNJ not in once and "\n" not in once and "  " not in once


def test_idempotent_on_variants() -> None:
    for canonical, spellings in VARIANTS:
        for s in [canonical, *spellings]:
            once = canonical_text(s)
            assert canonical_text(once) == once


def test_canonical_lines_match_line_by_line() -> None:
    for path in SEEDS:
        text = path.read_text(encoding="utf-8")
        expected = [c for c in (canonical_text(line) for line in text.splitlines()) if c]
        assert canonical_lines(text) == expected


def test_tokens_are_whole_words() -> None:
    assert "روس" not in tokens("ویروس کرونا")
    assert tokens("روسیه و ایران") == ["روسیه", "و", "ایران"]


def test_display_text_keeps_zwnj_and_fixes_letters() -> None:
    assert display_text("مي\u200cشود  كتاب\n\n\nبعدی") == "می\u200cشود کتاب\nبعدی"


def test_version_names_rules_and_hazm() -> None:
    assert NORMALIZER_VERSION.startswith("canon-")
    assert "+hazm-" in NORMALIZER_VERSION
