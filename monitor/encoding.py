"""Decode fetched HTML bytes to text without ever raising.

Persian sites still serve windows-1256 pages, sometimes with a wrong or missing HTTP charset,
and a few mix encodings. The order of trust is: the charset the server declared (HTTP
``Content-Type``), then the page's own ``<meta charset>``, then a byte-order mark, then a cheap
detection (strict UTF-8, else windows-1256 when the bytes look like Arabic-script text in it).
Whatever is chosen, undecodable bytes become U+FFFD rather than an exception, because one bad
byte must not lose a whole article.
"""

from __future__ import annotations

import codecs
import logging
import re

logger = logging.getLogger(__name__)

_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE
)
_HTTP_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)

# Labels pages use for the Arabic-script Windows code page, and what Python calls them.
_ALIASES = {
    "windows-1256": "cp1256",
    "cp1256": "cp1256",
    "x-cp1256": "cp1256",
    "arabic": "cp1256",
    # iso-8859-1 is often declared by misconfigured servers; browsers read it as windows-1252.
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "utf-8",
    "ascii": "utf-8",
}

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _codec(label: str | None) -> str | None:
    """A Python codec name for a charset label, or None when the label is unknown or names no
    text encoding an HTML page can be in (``rot13``, ``hex``, ``base64``, ``zlib``…; UTF-16
    and UTF-32 without a byte-order mark, which no page served as HTML really uses)."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = _ALIASES.get(label, label)
    try:
        info = codecs.lookup(label)
    except (LookupError, ValueError, TypeError):
        logger.debug("unknown charset label %r", label)
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name.startswith(("utf-16", "utf-32")):
        logger.debug("charset label %r is not an HTML text encoding", label)
        return None
    try:
        "a".encode(info.name)
        if b"<".decode(info.name) != "<":
            return None  # not ASCII-compatible: HTML markup would not survive it
    except Exception:
        return None
    return str(info.name)


def charset_from_header(content_type: str | None) -> str | None:
    """The charset parameter of an HTTP ``Content-Type`` value, if any."""
    if not content_type:
        return None
    m = _HTTP_CHARSET.search(content_type)
    return m.group(1) if m else None


def sniff_meta_charset(body: bytes) -> str | None:
    """The charset named by ``<meta charset>`` or ``http-equiv`` in the first 4 KiB."""
    m = _META_CHARSET.search(body[:4096])
    return m.group(1).decode("ascii", "ignore") if m else None


def _looks_cp1256(body: bytes) -> bool:
    """True when high bytes are mostly the Arabic letter range of windows-1256.

    In windows-1256 the Arabic letters sit at 0xC1–0xFE; Latin-1 text uses the same bytes
    rarely and mixed with ASCII letters. A page that is not valid UTF-8 and whose high bytes
    are mostly there is almost certainly Persian in windows-1256.
    """
    high = [b for b in body if b >= 0x80]
    if not high:
        return False
    arabic = sum(
        1
        for b in high
        if 0xC1 <= b <= 0xFE or b in (0x81, 0x8A, 0x8D, 0x8E, 0x90, 0x98, 0x9D, 0x9E)
    )
    return arabic / len(high) > 0.6


def detect_encoding(body: bytes) -> str:
    """Guess a codec for bytes that declare none: BOM, strict UTF-8, windows-1256, UTF-8."""
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name
    try:
        body.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    if _looks_cp1256(body):
        return "cp1256"
    return "utf-8"


def _strict_utf8(body: bytes) -> bool:
    """Valid UTF-8 with at least one multi-byte sequence: near proof that a page is UTF-8,
    since Persian windows-1256 text is almost never valid UTF-8 by accident."""
    if body.isascii():
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def decode_html(body: bytes, declared: str | None = None) -> str:
    """HTML bytes as text: declared charset, then meta charset, then detection. Never raises.

    ``declared`` is the HTTP charset (a bare label such as ``"windows-1256"`` or a whole
    ``Content-Type`` value). A label is trusted only when the bytes agree with it: bytes that
    are valid UTF-8 (with non-ASCII text) are read as UTF-8 whatever the label says; a label
    the bytes do not decode under cleanly is cross-checked against the meta tag and detection;
    unknown and non-text labels fall back to detection.
    """
    try:
        return _decode(body, declared)
    except Exception:  # a codec misbehaving on odd input must not lose the page
        logger.debug("decoding failed; reading as UTF-8 with replacements", exc_info=True)
        return bytes(body or b"").decode("utf-8", errors="replace")


def _decode(body: bytes, declared: str | None) -> str:
    if not body:
        return ""
    if declared and "=" in declared:
        declared = charset_from_header(declared)
    for bom, name in _BOMS:
        if body.startswith(bom):
            return body.decode(name, errors="replace")
    if _strict_utf8(body):
        return body.decode("utf-8")
    candidates = [_codec(declared), _codec(sniff_meta_charset(body))]
    for codec in candidates:
        if codec is None:
            continue
        try:
            return body.decode(codec)  # clean under the label: trust it
        except UnicodeDecodeError:
            continue
    guess = detect_encoding(body)
    if guess == "utf-8":
        # Neither clean UTF-8 nor Arabic-looking: the first usable label, else UTF-8.
        guess = next((c for c in candidates if c), "utf-8")
    logger.info("charset %r does not fit the bytes; read as %s", declared, guess)
    return body.decode(guess, errors="replace")
