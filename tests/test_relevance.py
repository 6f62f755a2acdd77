"""The relevance model: whole tokens, both parties as actors, explainable reasons."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.relevance import DEFAULT_TERMS, RelevanceModel

SEEDS = sorted((Path(__file__).resolve().parent.parent / "seeds").glob("*.txt"))


@pytest.fixture(scope="module")
def model() -> RelevanceModel:
    return RelevanceModel.load()


@pytest.mark.parametrize("path", SEEDS, ids=[p.stem for p in SEEDS])
def test_seeds_are_relevant(model: RelevanceModel, path: Path) -> None:
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    verdict = model.score(lines[0], "\n".join(lines[1:]))
    assert verdict.relevant and verdict.score >= 0.9
    assert 0.0 <= verdict.score <= 1.0


def test_reasons_are_readable(model: RelevanceModel) -> None:
    verdict = model.score(
        "رایزنی تلفنی عراقچی و لاوروف",
        "دو وزیر درباره روابط دوجانبه رایزنی کردند. آنها بر همکاری تاکید کردند.",
        lead="وزیر امور خارجه ایران با همتای روس خود گفت‌وگو کرد.",
    )
    assert verdict.relevant
    assert "iran actor in title: عراقچی" in verdict.reasons
    assert "russia actor in title: لاوروف" in verdict.reasons
    assert any(r.startswith("bilateral sentence in title") for r in verdict.reasons)
    assert any(r.startswith("relations terms: رایزنی ×2") for r in verdict.reasons)
    assert verdict.threshold == model.threshold


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("شیوع ویروس در ایران", "ویروس جدید در مناطق مسکونی تهران دیده شد و همکاری مردم لازم است."),
        ("ویروس‌های رایانه‌ای", "دیدار کارشناسان ایرانی درباره ویروس‌ها و مناطق مسکونی."),
    ],
)
def test_substrings_never_match(model: RelevanceModel, title: str, text: str) -> None:
    verdict = model.score(title, text)
    assert not verdict.relevant
    assert "no russian actor" in verdict.reasons


def test_naming_both_is_not_relations(model: RelevanceModel) -> None:
    for title, text in [
        ("جدول مدال‌ها", "چین، آمریکا، ژاپن، روسیه، آلمان و ایران در رده‌های نخست ایستادند."),
        ("آمار کرونا", "شمار مبتلایان کرونا در ایران و روسیه از یک میلیون گذشت."),
        ("دیدار فوتبال ایران و روسیه", "تیم ملی فوتبال ایران در دیدار دوستانه با روسیه مساوی کرد."),
    ]:
        assert not model.score(title, text).relevant, title


def test_one_party_only(model: RelevanceModel) -> None:
    assert not model.score(
        "مذاکرات روسیه و اوکراین", "لاوروف و همتای اوکراینی دیدار کردند."
    ).relevant
    assert not model.score("توافق ایران و چین", "عراقچی و وانگ یی توافق‌نامه امضا کردند.").relevant


def test_pair_words_after_naming(model: RelevanceModel) -> None:
    verdict = model.score(
        "سفر هیئت",
        "هیئتی از ایران به مسکو رفت. دو کشور تفاهم‌نامه همکاری امضا کردند. "
        "طرفین درباره کریدور شمال-جنوب رایزنی کردند.",
    )
    assert verdict.relevant, verdict.reasons


def test_headline_alone_can_decide(model: RelevanceModel) -> None:
    assert model.score("پزشکیان و پوتین در قازان دیدار کردند", "").relevant


def test_terms_file_is_overridable(tmp_path: Path) -> None:
    text = DEFAULT_TERMS.read_text(encoding="utf-8").replace('"لاوروف", ', "")
    custom = tmp_path / "terms.toml"
    custom.write_text(text, encoding="utf-8")
    without = RelevanceModel.load(custom)
    assert without.source == str(custom)
    verdict = without.score("دیدار عراقچی و لاوروف", "")
    assert not verdict.relevant
    assert RelevanceModel.load().score("دیدار عراقچی و لاوروف", "").relevant


def test_env_variable_selects_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    custom = tmp_path / "t.toml"
    custom.write_text(DEFAULT_TERMS.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv("MONITOR_TOPIC_TERMS", str(custom))
    assert RelevanceModel.load().source == str(custom)


def test_empty_input(model: RelevanceModel) -> None:
    verdict = model.score("", "", None)
    assert verdict.score == 0.0 and not verdict.relevant


def test_weak_terms_need_company(model: RelevanceModel) -> None:
    # One weak term ("صادرات") with both countries named: not a relation between them.
    assert not model.score("صادرات نفت ایران و روسیه به چین افزایش یافت", "").relevant
    # A strong term beside a weak one makes the same kind of sentence bilateral.
    assert model.score("پیام تبریک پوتین به پزشکیان", "").relevant


def test_lede_and_one_party_headline(model: RelevanceModel) -> None:
    verdict = model.score(
        "سفر وزیر نفت به مسکو",
        "جواد اوجی وزیر نفت برای شرکت در نشست کمیسیون مشترک به مسکو سفر کرد.",
    )
    assert verdict.relevant
    assert any(r.startswith("bilateral sentence in lede (+0.30)") for r in verdict.reasons)
    assert "russia actor and relations term in title (+0.15)" in verdict.reasons


@pytest.mark.parametrize(
    ("title", "relevant"),
    [
        ("سفر وزیر نفت به مسکو برای امضای قرارداد سوآپ گاز", True),
        ("رایزنی تلفنی رئیس جمهور با پوتین", True),
        ("سفر وزیر خارجه روسیه به پکن برای گفت‌وگو با همتای چینی", False),
        ("رئیس جمهور روسیه: آماده مذاکره با اوکراین هستیم", False),
        ("وزیر خارجه ترکیه در مسکو با لاوروف دیدار کرد", False),
    ],
)
def test_unqualified_titles_are_iranian_qualified_ones_are_not(
    model: RelevanceModel, title: str, relevant: bool
) -> None:
    """Iranian outlets leave their own officials' country unsaid ("وزیر نفت"); a title with a
    country or nationality right after it belongs to that country."""
    assert model.score(title, title).relevant is relevant
