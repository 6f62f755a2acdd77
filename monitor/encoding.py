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
    """A Python codec name for a charset label, or None when the label is unknown."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = _ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        logger.debug("unknown charset label %r", label)
        return None


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


def decode_html(body: bytes, declared: str | None = None) -> str:
    """HTML bytes as text: declared charset, then meta charset, then detection.

    ``declared`` is the HTTP charset (a bare label such as ``"windows-1256"`` or a whole
    ``Content-Type`` value). A declared UTF-8 that the bytes contradict badly is overruled
    by detection, because servers that say UTF-8 by default are common. Never raises.
    """
    if not body:
        return ""
    if declared and "=" in declared:
        declared = charset_from_header(declared)
    for bom, name in _BOMS:
        if body.startswith(bom):
            return body.decode(name, errors="replace")
    candidates = [_codec(declared), _codec(sniff_meta_charset(body))]
    for codec in candidates:
        if codec is None:
            continue
        if codec.replace("_", "-") in ("utf-8", "utf8"):
            try:
                return body.decode("utf-8")
            except UnicodeDecodeError as exc:
                if detect_encoding(body) == "cp1256":
                    logger.info("declared utf-8 but bytes look like windows-1256 (%s)", exc.reason)
                    return body.decode("cp1256", errors="replace")
                return body.decode("utf-8", errors="replace")
        return body.decode(codec, errors="replace")
    return body.decode(detect_encoding(body), errors="replace")
