"""Page language: Persian told from Arabic by letters and words, other scripts by py3langid."""

from __future__ import annotations

import pytest

from monitor.language import detect_language


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("روسیه حمله به خاک ایران را محکوم کرد و خواستار خویشتنداری شد", "fa"),
        # 2000s agency copy written with Arabic ي and ك is still Persian.
        ("وزير امور خارجه كشورمان با همتاي روس خود در مسكو ديدار كرد", "fa"),
        ("👈 زاخارووا: مسکو از حق تهران دفاع می‌کند ✅ @AloNews https://t.me/alonews/1", "fa"),
        ("روسيا تدين الهجوم على إيران وتدعو إلى ضبط النفس في المنطقة", "ar"),
        ("وَأَعِدُّوا لَهُم مَّا اسْتَطَعْتُم مِّن قُوَّةٍ", "ar"),
        ("Russia condemns the strike on Iran and calls for restraint in the region", "en"),
        ("Россия осуждает удар по Ирану и призывает к сдержанности", "ru"),
        ("Russland verurteilt den Angriff auf den Iran und ruft zur Zurückhaltung auf", "de"),
    ],
)
def test_languages(text: str, code: str) -> None:
    assert detect_language(text) == code


@pytest.mark.parametrize("text", ["", "   ", "👈 🔴 ✅", "@AloNews", "https://t.me/x/1", "۱۴۰۵"])
def test_nothing_to_tell_is_undetermined(text: str) -> None:
    assert detect_language(text) == "und"


def test_mostly_persian_page_with_arabic_quote_is_persian() -> None:
    page = (
        "رهبر انقلاب در دیدار فرماندهان به آیه «وَأَعِدُّوا لَهُم مَّا اسْتَطَعْتُم» اشاره کرد "
        "و گفت نیروهای مسلح کشور باید برای دفاع از مرزها آماده باشند."
    )
    assert detect_language(page) == "fa"
