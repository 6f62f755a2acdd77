"""Property-based tests: arbitrary input never raises out of the parts that read the web.

Each property names what must hold for *every* input hypothesis can think of: the normalizer,
fingerprints, URL canonicalisation (a canonical URL is its own canonical, for every outlet's
pattern), the date parsers, decoding, and the extraction adapter (which may refuse a page, but
only with ``ExtractionError``).
"""

from __future__ import annotations

import contextlib
import string
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.dates import parse_persian_date, to_jalali
from monitor.encoding import decode_html
from monitor.normalize import canonical_text, display_text, tokens
from monitor.outlets import load_outlets

OUTLETS = load_outlets()
PERSIAN = st.text(
    alphabet=st.sampled_from(
        list("ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهیيكۀأإؤئءًٌٍَُِّ۰۱۲۳۴۵۶۷۸۹0123456789 /:-\u200c\n.،")
    ),
    max_size=80,
)
TEXT = st.one_of(st.text(max_size=200), PERSIAN)
LABELS = st.sampled_from(
    [None, "utf-8", "windows-1256", "rot13", "hex", "base64", "utf-16", "utf-32", "zlib",
     "nonsense", "text/html; charset=rot13", "", "cp1252", "iso-8859-1", "ascii"]
)  # fmt: skip
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(TEXT)
def test_normalizer_never_raises(text):
    assert isinstance(canonical_text(text), str)
    assert isinstance(display_text(text), str)
    assert isinstance(tokens(text), list)


@FAST
@given(st.binary(max_size=300))
def test_fingerprint_from_bytes_refuses_garbage_only_with_valueerror(data):
    from monitor.dedup import Fingerprint

    with contextlib.suppress(ValueError):
        Fingerprint.from_bytes(data)


@FAST
@given(TEXT)
def test_fingerprint_roundtrips(text):
    from monitor.dedup import Fingerprint, fingerprint

    fp = fingerprint(text)
    assert Fingerprint.from_bytes(fp.to_bytes()) == fp


@pytest.mark.parametrize("key", sorted(OUTLETS))
@FAST
@given(
    ident=st.text(alphabet="0123456789", min_size=1, max_size=22),
    word=st.text(alphabet=string.ascii_lowercase + "_", min_size=1, max_size=12),
    tail=st.sampled_from(["", "/", "/اسلاگ-خبر", "?utm=x", "#top"]),
)
def test_canonical_url_is_its_own_canonical(key, ident, word, tail):
    outlet = OUTLETS[key]
    fields = {name: ident if name == "id" else word for name in outlet.article_re.groupindex}
    first = outlet.canonical_url(outlet.canonical.format(**fields) + tail)
    if first is not None:
        assert outlet.canonical_url(first) == first, (key, first)


def test_every_simulated_article_canonicalises_to_a_fixed_point():
    from monitor.simulator.catalog import Catalog

    for art in Catalog().articles:
        outlet = OUTLETS[art.outlet]
        first = outlet.canonical_url(art.url)
        assert first is not None, art.url
        assert outlet.canonical_url(first) == first, (art.outlet, first)


@FAST
@given(st.datetimes(timezones=st.just(UTC)))
def test_to_jalali_never_raises(dt):
    assert to_jalali(dt)


@FAST
@given(TEXT, st.one_of(st.none(), st.datetimes(timezones=st.just(UTC))))
def test_date_parser_never_raises(text, now):
    result = parse_persian_date(text, now=now)
    assert result is None or result.tzinfo is not None


@pytest.mark.parametrize("n", ["1000000", "99999999999"])
def test_absurd_relative_dates_are_not_dates(n):
    assert parse_persian_date(f"{n} روز قبل", now=datetime.now(UTC)) is None


@FAST
@given(st.binary(max_size=400), LABELS)
def test_decoding_never_raises(body, label):
    assert isinstance(decode_html(body, label), str)


@FAST
@given(st.sampled_from(["rot13", "hex", "base64", "utf-16", "windows-1256"]))
def test_utf8_bytes_under_a_wrong_label_read_as_utf8(label):
    body = "<html><body><p>ایران و روسیه</p></body></html>".encode()
    assert "ایران و روسیه" in decode_html(body, label)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(TEXT, TEXT.map(lambda t: f"<html><body><h1>{t}</h1><p>{t * 5}</p></body></html>")))
def test_extraction_adapter_refuses_only_with_extraction_error(html):
    from monitor.extract import ExtractionError, extract

    with contextlib.suppress(ExtractionError):
        extract(html, "https://www.mehrnews.com/news/123456", OUTLETS["mehr"])
