"""decode_html: HTTP charset, then meta charset, then detection; never raises."""

from __future__ import annotations

import pytest

from monitor.encoding import decode_html, detect_encoding

# windows-1256 has no Persian yeh/keheh code points: real pages write the Arabic ones.
TEXT = "وزير امور خارجه ايران و روسيه گفت‌وگو کردند"


def test_http_charset_wins() -> None:
    assert decode_html(TEXT.encode("cp1256"), "windows-1256") == TEXT


def test_content_type_header_value() -> None:
    assert decode_html(TEXT.encode("cp1256"), "text/html; charset=windows-1256") == TEXT


def test_meta_charset_used_without_header() -> None:
    body = b'<html><head><meta charset="windows-1256"></head><body>' + TEXT.encode("cp1256")
    assert TEXT in decode_html(body)


def test_http_equiv_meta() -> None:
    body = (
        b'<meta http-equiv="Content-Type" content="text/html; charset=windows-1256">'
        + TEXT.encode("cp1256")
    )
    assert TEXT in decode_html(body)


def test_detection_without_any_declaration() -> None:
    assert decode_html(TEXT.encode("cp1256")) == TEXT
    assert decode_html(TEXT.encode("utf-8")) == TEXT
    assert detect_encoding(TEXT.encode("cp1256")) == "cp1256"


def test_wrong_utf8_declaration_is_overruled() -> None:
    assert decode_html(TEXT.encode("cp1256"), "utf-8") == TEXT


def test_bom() -> None:
    assert decode_html(b"\xef\xbb\xbf" + TEXT.encode("utf-8")) == TEXT


@pytest.mark.parametrize(
    "body",
    [b"", b"\xff\xfe\xfd", b"\x00" * 10, b"<html>\xe2\x80</html>", bytes(range(256))],
)
def test_never_raises(body: bytes) -> None:
    assert isinstance(decode_html(body, "no-such-charset"), str)


def test_bad_bytes_become_replacement_characters() -> None:
    out = decode_html("سلام".encode() + b"\xff" + "دنیا".encode(), "utf-8")
    assert out.startswith("سلام") and out.endswith("دنیا")
