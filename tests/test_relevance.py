"""The relevance model: whole-token actors, one-line flashes, readable reasons, user actors,
the borderline band, determinism, and scoring without scikit-learn."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from monitor import defaults
from monitor.relevance import DEFAULT_WEIGHTS, Relevance, RelevanceModel

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))


@pytest.fixture(scope="module")
def model() -> RelevanceModel:
    return RelevanceModel.load()


@pytest.mark.parametrize("path", SEEDS, ids=[p.stem for p in SEEDS])
def test_seed_articles_are_relevant(model: RelevanceModel, path: Path) -> None:
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    verdict = model.score(lines[0], "\n".join(lines[1:]))
    assert verdict.relevant, verdict.reasons
    assert 0.0 <= verdict.score <= 1.0


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("شیوع ویروس در ایران", "ویروس جدید در مناطق مسکونی تهران دیده شد و همکاری مردم لازم است."),
        ("بلاروس و ایران سند همکاری امضا کردند", "وزیران دو کشور در تهران دیدار کردند."),
        ("تدروس: کمک‌های دارویی به ایران ارسال شد", "مدیرکل سازمان جهانی بهداشت از همکاری خبر داد."),
        ("آبرسانی به ۲۰ روستا در ایران", "روستاهای استان با همکاری دولت آب لوله‌کشی گرفتند."),
        ("توزیع روسری در مدارس تهران", "روسری‌های تازه در مدارس ایران توزیع شد."),
        ("نشست روسای قوا در تهران", "روسای سه قوه ایران درباره بودجه دیدار کردند."),
        ("توزیع پوتین و لباس زمستانی میان سربازان", "مرزبانان ایران جفت پوتین تازه گرفتند."),
        ("خروس‌های ایرانی", "عروس و داماد در جشن ملی ایران حاضر شدند."),
    ],
)
def test_substring_traps_never_count(model: RelevanceModel, title: str, text: str) -> None:
    verdict = model.score(title, text)
    assert not verdict.relevant
    assert verdict.score == 0.0
    assert "no russian actor" in verdict.reasons


@pytest.mark.parametrize(
    ("flash", "relevant"),
    [
        ("اولیانوف: حمله به نیروگاه بوشهر باید متوقف شود", True),
        ("زاخارووا: مسکو از حق تهران برای دفاع از خود حمایت می‌کند", True),
        ("پزشکیان و پوتین در قازان دیدار کردند", True),
        ("پوتین: عملیات در اوکراین ادامه دارد", False),
        ("عراقچی و وانگ یی توافق‌نامه همکاری امضا کردند", False),
        ("تیم ملی فوتسال ایران روسیه را شکست داد", False),
    ],
)
def test_one_line_flash_is_judged(model: RelevanceModel, flash: str, relevant: bool) -> None:
    """A Telegram flash or ticker line has no body: the headline alone must decide."""
    assert model.score(flash, "").relevant is relevant
    # A Telegram post's text repeats its first line; counting it twice changes nothing.
    assert model.score(flash, flash).score == model.score(flash, "").score


def test_reasons_are_readable(model: RelevanceModel) -> None:
    verdict = model.score(
        "رایزنی تلفنی عراقچی و لاوروف",
        "دو وزیر درباره روابط دوجانبه رایزنی کردند. آنها بر همکاری تاکید کردند.",
        lead="وزیر امور خارجه ایران با همتای روس خود گفت‌وگو کرد.",
    )
    assert verdict.relevant
    assert "iran actor in title: عراقچی" in verdict.reasons
    assert "russia actor in title: لاوروف" in verdict.reasons
    assert any(r.startswith("for: ") for r in verdict.reasons)
    # The sentence that weighed most is shown as written: ZWNJ and all, not normalised tokens.
    assert "sentence that weighed most (title): رایزنی تلفنی عراقچی و لاوروف" in verdict.reasons
    assert verdict.reasons[-1].endswith(f"model {verdict.version})")
    assert verdict.threshold == model.threshold


def test_interface_and_version(model: RelevanceModel) -> None:
    verdict = model.score("دیدار عراقچی و لاوروف", "")
    assert isinstance(verdict, Relevance)
    assert set(vars(verdict)) >= {
        "score",
        "relevant",
        "borderline",
        "reasons",
        "threshold",
        "version",
    }
    shipped = json.loads(DEFAULT_WEIGHTS.read_text(encoding="utf-8"))
    assert verdict.version == shipped["version"] == model.version
    assert model.threshold == defaults.MONITOR_RELEVANCE_THRESHOLD
    assert model.band == defaults.MONITOR_BORDERLINE_BAND


def test_deterministic(model: RelevanceModel) -> None:
    title, text = (
        "ریابکوف: مسکو از حق ایران دفاع می‌کند",
        "معاون وزیر خارجه روسیه با خبرنگاران گفت‌وگو کرد.",
    )
    first = model.score(title, text)
    again = RelevanceModel.load().score(title, text)
    assert (first.score, first.reasons) == (again.score, again.reasons)


@pytest.mark.parametrize(
    "title",
    [
        "خانواده بشار اسد رئیس جمهور مخلوع سوریه خواستار خروج از روسیه شدند",
        "مادلین آلبرایت وزیر امور خارجه سابق آمریکا درباره روسیه سخن گفت",
    ],
)
def test_a_title_a_modifier_and_a_country_is_that_countrys(
    model: RelevanceModel, title: str
) -> None:
    """ "رئیس جمهور مخلوع سوریه" is Syria's ex-president, not an unqualified Iranian title."""
    verdict = model.score(title, "")
    assert not any(r.startswith("unqualified title") for r in verdict.reasons), verdict.reasons
    assert "no iranian actor" in verdict.reasons and not verdict.relevant
    # Unqualified, the same title is still read as Iran's own official.
    own = model.score("رئیس جمهور در مسکو با پوتین دیدار کرد", "")
    assert any(r.startswith("unqualified title (iranian)") for r in own.reasons), own.reasons


def test_user_actors_file_extends_the_bundled_one(tmp_path: Path) -> None:
    """A new office holder the bundled file does not know, added by the user's file."""
    flash = "ایوانچنکو: همکاری با ایران در بخش انرژی ادامه دارد"
    bundled = RelevanceModel.load()
    assert "no russian actor" in bundled.score(flash, "").reasons
    user = tmp_path / "actors.toml"
    user.write_text('[russia]\nactors = ["ایوانچنکو", "ویکتور ایوانچنکو"]\n', encoding="utf-8")
    extended = RelevanceModel.load(actors=user)
    verdict = extended.score(flash, "")
    assert verdict.relevant, verdict.reasons
    assert "russia actor in title: ایوانچنکو" in verdict.reasons
    # The bundled actors are still there.
    assert extended.score("دیدار عراقچی و لاوروف", "").relevant


def test_borderline_band(model: RelevanceModel) -> None:
    """Scores just under the threshold (within the band) are borderline, not relevant."""
    title, text = "سفر هیئت ایرانی به مسکو", "هیئتی از ایران برای گفت‌وگو به مسکو رفت."
    score = model.score(title, text).score
    assert score > 0.1
    just_above = RelevanceModel.load(threshold=score + 0.04, band=0.1).score(title, text)
    assert not just_above.relevant and just_above.borderline
    narrow = RelevanceModel.load(threshold=score + 0.04, band=0.01).score(title, text)
    assert not narrow.relevant and not narrow.borderline
    below = RelevanceModel.load(threshold=score - 0.01, band=0.1).score(title, text)
    assert below.relevant and not below.borderline
    assert not model.score("شیوع ویروس در تهران", "").borderline


def test_headline_alone_is_weaker_than_headline_and_body(model: RelevanceModel) -> None:
    title = "ایران و روسیه"
    alone = model.score(title, "قیمت طلا در بازار تهران امروز کاهش یافت.")
    backed = model.score(
        title, "عراقچی و لاوروف در مسکو درباره اجرای معاهده همکاری راهبردی دو کشور گفت‌وگو کردند."
    )
    assert backed.score > alone.score
    assert backed.relevant


def test_russian_outlet_as_source_is_not_russia(model: RelevanceModel) -> None:
    verdict = model.score("اسپوتنیک: سپاه پهپاد آمریکایی را در خلیج فارس رهگیری کرد", "")
    assert not verdict.relevant
    assert "russian outlet (a source, not an actor) in title: اسپوتنیک" in verdict.reasons


def test_empty_input(model: RelevanceModel) -> None:
    verdict = model.score("", "", None)
    assert verdict.score == 0.0 and not verdict.relevant and not verdict.borderline


def test_scoring_code_does_not_use_scikit_learn() -> None:
    """Training uses scikit-learn; scoring is plain Python on the shipped weights. (hazm
    imports scikit-learn itself, so the check is on our modules' imports, not sys.modules.)"""
    for module in ("relevance.py", "relevance_features.py", "language.py"):
        tree = ast.parse((ROOT / "monitor" / module).read_text(encoding="utf-8"))
        imported = {
            alias.name.split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        } | {
            (node.module or "").split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
        }
        assert "sklearn" not in imported, module


def test_terms_file_can_carry_its_threshold(tmp_path: Path) -> None:
    """A swapped-in terms file with its own [scoring] table changes the verdicts; arguments win."""
    from monitor.relevance import DEFAULT_TERMS

    terms = tmp_path / "terms.toml"
    text = DEFAULT_TERMS.read_text(encoding="utf-8")
    terms.write_text(text + "\n[scoring]\nthreshold = 0.99\nborderline_band = 0.5\n", "utf-8")
    strict = RelevanceModel.load(terms)
    assert (strict.threshold, strict.band) == (0.99, 0.5)
    assert strict.source == str(terms)
    verdict = strict.score("دیدار عراقچی و لاوروف", "")
    assert not verdict.relevant and verdict.borderline
    assert RelevanceModel.load(terms, threshold=0.4, band=0.1).threshold == 0.4


# A long agency article about Iran's nuclear file (project-written filler): Russia's stance is
# one paragraph in the middle. Judged whole, the twenty Iran-only sentences drown it.
_FILLER = [
    "سازمان انرژی اتمی ایران امروز گزارش تازه‌ای درباره فعالیت‌های هسته‌ای منتشر کرد",
    "در این گزارش به روند ساخت واحدهای جدید و آموزش نیروهای متخصص اشاره شده است",
    "سخنگوی دولت در نشست خبری هفتگی به پرسش‌های خبرنگاران درباره بودجه پاسخ داد",
    "نمایندگان مجلس در جلسه علنی امروز طرح ساماندهی بازار مسکن را بررسی کردند",
    "قیمت ارز در بازار آزاد تهران امروز اندکی کاهش یافت",
    "وزیر نیرو از آغاز طرح‌های تازه آبرسانی در استان‌های جنوبی خبر داد",
    "این طرح‌ها تا پایان سال به بهره‌برداری می‌رسند و هزاران خانوار را پوشش می‌دهند",
    "رئیس سازمان برنامه و بودجه گفت اعتبارات عمرانی به موقع پرداخت خواهد شد",
    "در ادامه این گزارش به وضعیت صادرات غیرنفتی کشور در شش ماه نخست سال پرداخته شده است",
    "کارشناسان می‌گویند تورم ماهانه در ماه‌های اخیر روند نزولی داشته است",
    "استاندار تهران از اجرای طرح کاهش آلودگی هوا در پایتخت خبر داد",
    "برگزاری نمایشگاه بین‌المللی کتاب تهران به اردیبهشت سال آینده موکول شد",
]


def _long_article(paragraph: str) -> tuple[str, str]:
    title = "گزارش تازه سازمان انرژی اتمی درباره برنامه هسته‌ای ایران"
    return title, "\n".join([*_FILLER[:6], paragraph, *_FILLER[6:]])


def test_long_article_is_judged_on_the_paragraph_about_russia(model: RelevanceModel) -> None:
    title, text = _long_article(
        "سخنگوی وزارت خارجه روسیه گفت مسکو بازگشت تحریم‌های شورای امنیت علیه ایران را"
        " فاقد مبنای حقوقی می‌داند و با آن مخالفت خواهد کرد"
    )
    verdict = model.score(title, text)
    assert verdict.relevant, verdict.reasons
    assert any(r.startswith("judged on its focus: 3 of 13 body sentences") for r in verdict.reasons)
    # The focus is what found it: the article's own words, without the paragraph, are not.
    assert not model.score(*_long_article(_FILLER[0])).relevant


def test_focus_does_not_pass_a_long_article_that_only_lists_russia(model: RelevanceModel) -> None:
    title, text = _long_article(
        "بر اساس این گزارش قیمت جهانی گندم در بازارهای آمریکا، روسیه، چین و هند افزایش یافت"
    )
    assert not model.score(title, text).relevant


def test_short_items_are_never_judged_on_a_focus(model: RelevanceModel) -> None:
    verdict = model.score("لاوروف و عراقچی در مسکو دیدار کردند", "لاوروف و عراقچی دیدار کردند.")
    assert not any(r.startswith("judged on its focus") for r in verdict.reasons)
