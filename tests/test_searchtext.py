"""The search normalizer: hazm-free, equal to the index-time canonical form on real text."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from monitor.searchtext import fold, search_document, search_tokens

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "fixtures"


def _real_texts() -> list[str]:
    """Articles of the labelled relevance set and Telegram posts of three channels."""
    texts: list[str] = []
    dev = SHARED / "relevance" / "dev.jsonl"
    if dev.exists():
        for line in dev.read_text("utf-8").splitlines():
            item = json.loads(line)
            texts.append(f"{item.get('title', '')}\n{item.get('text', '')}")
    for path in sorted((SHARED / "telegram").glob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines()[:2000]:
            texts.append(str(json.loads(line).get("text", "")))
    return texts


def test_fold_equals_canonical_text_on_a_large_real_sample():
    texts = _real_texts()
    if len(texts) < 1000:
        pytest.skip(f"real articles and posts not found under {SHARED} (../shared/fixtures)")
    from monitor.normalize import canonical_text

    different = [t[:80] for t in texts if fold(t) != canonical_text(t)]
    assert not different, f"{len(different)} of {len(texts)} differ, e.g. {different[:3]}"


def test_fold_equals_canonical_text_on_hard_cases():
    from monitor.normalize import canonical_text

    cases = [
        "روسيه و كشورهاى همسايه",  # Arabic yeh, kaf, alef maksura
        "۱۴۰۲/۰۹/۱۴ و ١٤٠٢",  # Persian and Arabic-Indic digits
        "مـــسکو",  # tatweel
        "حَذفِ اِعراب",  # diacritics
        "می‌شود&zwnj;ها &#1740;",  # ZWNJ, HTML entities
        "ﷲ ﷼ ﻻ",  # ligatures
        "a_b\u200fc\ufeffd",  # underscore, marks, BOM
    ]
    for case in cases:
        assert fold(case) == canonical_text(case), case


def test_search_tokens_join_compounds_and_fold_light_suffixes():
    same = [
        ["راه‌آهن", "راه آهن", "راهآهن"],
        ["همکاری‌ها", "همکاری ها", "همکاریها", "همکاری"],
        ["گفت‌وگو", "گفتگو", "گفت و گو", "گفتگوی"],
        ["می‌شود", "می شود", "میشود"],
        ["هسته‌ای", "هسته ای", "هستهای"],
        ["کشورها", "کشورهای", "کشور‌های", "کشور"],
        ["خانه‌ی", "خانه ی", "خانه"],
    ]
    for spellings in same:
        assert len({tuple(search_tokens(s)) for s in spellings}) == 1, spellings
    # Folding never turns one word into another.
    for word, token in [("تنها", "تنها"), ("برنامهای", "برنامهای"), ("ویروس", "ویروس")]:
        assert search_tokens(word) == [token]
    assert search_document("سفر", None, "لاوروف") == "سفر لاوروف"


def test_search_normalization_does_not_import_hazm():
    code = (
        "import sys, monitor.searchtext as s, monitor.searchquery as q, monitor.snippets; "
        "q.parse_query('راه آهن'); s.search_document('همکاری ها'); "
        "print(','.join(m for m in ('hazm', 'sklearn', 'nltk') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
