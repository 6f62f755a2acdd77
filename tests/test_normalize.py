"""The canonical form folds every spelling variant a republisher introduces, and only those."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import monitor.normalize as normalize
from monitor.normalize import (
    NORMALIZER_VERSION,
    canonical_lines,
    canonical_text,
    display_text,
    tokens,
)

ZWNJ = "\u200c"
# hazm's own steps at work: ligatures and words in one code point, diacritics, Arabic letters,
# presentation forms, special marks.
HAZM_TEXTS = [
    "ﻻ ﻵ ﷼ ﷲ ﷽ ﷰ متن",
    "اِعلاممممم کَرد : « زمین لرزه ای به بُزرگیِ 6 دهم ریشتر ...»",
    "كيف يمكن ي ك ۀ ة ٤٥٦ ۴۵۶ ـــ ﺑﺴﻢ ﻧﺎﻡ",
    "\u0653\u0670\u06d6 نشانه‌ها \u200c\u200d و \u08d4 ﮐﺘﺎﺏ",
]
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


# -- hazm's steps without importing hazm ------------------------------------------------------


def test_saved_hazm_steps_are_the_installed_hazms() -> None:
    """The shipped steps file equals what the installed hazm builds: if this fails after a
    hazm upgrade, run ``python -m monitor.normalize`` (until then the code imports hazm)."""
    saved = normalize._HazmSteps.from_file(normalize.HAZM_STEPS_FILE)
    assert saved is not None, "monitor/data/hazm_steps.json is missing or of another hazm"
    built = normalize._HazmSteps.from_normalizer(normalize._hazm())
    assert saved.table == built.table
    assert saved.pattern_strings == built.pattern_strings
    assert len(saved.table) > 300 and len(saved.patterns) >= 3  # really hazm's data


def test_canonical_text_needs_no_hazm_import() -> None:
    """Canonical text (fingerprints, relevance tokens) in a fresh process leaves hazm and what
    its package imports (scikit-learn, NLTK, gensim) unimported, and equals hazm's own."""
    code = (
        "import sys, json\n"
        "from monitor.normalize import canonical_text\n"
        f"out = [canonical_text(t) for t in {HAZM_TEXTS!r}]\n"
        "print(json.dumps([out, [m for m in ('hazm', 'sklearn', 'nltk', 'gensim', 'scipy')"
        " if m in sys.modules]]))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    out, imported = json.loads(proc.stdout)
    assert imported == []
    assert out == [canonical_text(t) for t in HAZM_TEXTS]  # this process may hold hazm's own


@pytest.mark.parametrize(
    "content",
    [
        None,  # missing
        "{not json",
        '{"hazm": "0.0.1", "table": {}, "patterns": []}',  # written from another release
        '{"hazm": "%s", "table": {"x": 1}, "patterns": []}',  # damaged table
        '{"hazm": "%s", "patterns": []}',
    ],
)
def test_other_or_damaged_steps_file_falls_back_to_hazm(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str | None
) -> None:
    path = tmp_path / "hazm_steps.json"
    if content is not None:
        path.write_text(content.replace("%s", normalize.HAZM_VERSION), encoding="utf-8")
    assert normalize._HazmSteps.from_file(path) is None
    monkeypatch.setattr(normalize, "HAZM_STEPS_FILE", path)
    normalize._hazm_steps.cache_clear()
    try:
        steps = normalize._hazm_steps()
        reference = normalize._hazm().normalize
        for text in HAZM_TEXTS:
            assert steps.normalize(text) == reference(text)
    finally:
        normalize._hazm_steps.cache_clear()
