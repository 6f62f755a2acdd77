"""Attribution lead-ins: the cited source, and the text without them."""

from __future__ import annotations

import pytest

from monitor.attribution import SOURCES, cited_source, known_source, strip_attribution

CASES = [
    ("به گزارش خبرگزاری مهر، حسین امیرعبداللهیان گفت.", "مهر"),
    ("به گزارش ایسنا، لاوروف گفت.", "ایسنا"),
    ("به گزارش حوزه سیاست خارجی ایرنا، حسین امیرعبداللهیان", "ایرنا"),
    (
        "به گزارش گروه بین\u200cالملل خبرگزاری تسنیم به نقل از خبرگزاری «تاس»، وزارت خارجه",
        "تاس",
    ),
    ("العالم - ایران\n\n«حسین امیرعبداللهیان» در جریان سفر", "العالم"),
    ("به گزارش جام جم آنلاین، حسین امیرعبداللهیان", "جام جم"),
    ("تهران- ایرنا- وزیر امور خارجه گفت", "ایرنا"),
    ("به گزارش ایرنا به نقل از رویترز، مقامات", "رویترز"),
    ("به گزارش خبرگزاري فارس، وزير", "فارس"),
    ("به گزارش اسپوتنیک، لاوروف", "اسپوتنیک"),
    ("به گزارش ریانووستی، لاوروف", "ریانووستی"),
    ("به گزارش اینترفاکس، لاوروف", "اینترفاکس"),
    ("به گزارش پرس تی وی، مقامات", "پرس تی وی"),
    ("به گزارش المیادین، مقامات", "المیادین"),
    ("به گزارش خبرگزاری فرانسه، مقامات", "فرانس پرس"),
    ("به گزارش خبرگزاری صدا و سیما، رئیس", "صدا و سیما"),
    ("به گزارش روابط عمومی وزارت نفت، امروز", "روابط عمومی وزارت نفت"),
]


@pytest.mark.parametrize(("text", "source"), CASES)
def test_cited_source(text: str, source: str) -> None:
    assert cited_source(text) == source


def test_no_attribution() -> None:
    assert cited_source("وزیر امور خارجه روسیه در خلیج فارس گفت.") is None
    assert cited_source("") is None


def test_first_attribution_decides() -> None:
    text = "به گزارش جام جم آنلاین، حسین.\n\nبه گزارش فارس، حسین امیرعبداللهیان"
    assert cited_source(text) == "جام جم"


@pytest.mark.parametrize(("text", "_source"), CASES[:8])
def test_strip_attribution_removes_lead_in(text: str, _source: str) -> None:
    stripped = strip_attribution(text)
    assert "به گزارش" not in stripped
    assert stripped.strip()  # the story itself stays


def test_lead_in_swap_does_not_change_the_rest() -> None:
    body = "حسین امیرعبداللهیان در گفت و گوی تلفنی با سرگئی لاوروف گفت و گو کرد."
    a = strip_attribution("به گزارش خبرگزاری مهر، " + body)
    b = strip_attribution("به گزارش ایسنا، " + body)
    assert a == b == body


def test_lead_in_inside_merged_paragraph() -> None:
    text = "جمله اول تمام شد. به گزارش فارس، جمله دوم."
    assert strip_attribution(text) == "جمله اول تمام شد. جمله دوم."


def test_plain_text_untouched() -> None:
    text = "دریای خزر - روسیه و ایران\nگزارش کامل"
    assert strip_attribution(text) == text


def test_every_alias_resolves_to_its_name() -> None:
    for name, aliases in SOURCES.items():
        for alias in aliases:
            assert known_source(f"خبرگزاری {alias}") in (name, known_source(alias)), alias
            assert known_source(alias) == name, alias
