"""Publication dates of Persian news pages, in both calendars.

Why not htmldate alone: it knows no Jalali calendar, reads "1402/09/14" as nonsense and can
settle on a footer's copyright year. Persian pages carry the date in many shapes, so
``find_published`` tries rules in a fixed precedence and reports which one answered:

1. structured metadata — ``article:published_time``, JSON-LD ``datePublished``,
   ``nastooh:publishDate``, other date metas (``dc.date``, ``pubdate``…), ``time[datetime]``;
   a 13xx/14xx year anywhere means Jalali;
2. visible Jalali text — the outlet's ``date_selector`` first, then elements whose class or id
   says date/time, then the text just under the headline (never a footer, nav or aside);
3. a date in the URL path (Tasnim's ``/fa/news/1398/02/30/…``), date only;
4. otherwise None.

Times without an offset are Tehran wall-clock time and are stored in UTC. Iran used +03:30
and, through 2022 (its last summer), summer time +04:30 (2 Farvardin to 30 Shahrivar); the IANA zone
``Asia/Tehran`` carries that history, with a built-in rule as fallback when tzdata is absent.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import jdatetime
import lxml.html
from lxml import etree

from monitor.normalize import fold_digits

logger = logging.getLogger(__name__)

TEHRAN_STANDARD = timezone(timedelta(hours=3, minutes=30))

try:  # the IANA zone knows Iran's summer-time history (abolished in 2022)
    from zoneinfo import ZoneInfo

    _TEHRAN_ZONE: Any = ZoneInfo("Asia/Tehran")
except Exception:  # pragma: no cover - tzdata missing
    _TEHRAN_ZONE = None

JALALI_MONTHS = (
    "فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور",
    "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند",
)  # fmt: skip
_JALALI_MONTH_NO = {name: i + 1 for i, name in enumerate(JALALI_MONTHS)}
_JALALI_MONTH_NO.update({"امرداد": 5, "اذر": 9, "ابان": 8})
_GREGORIAN_MONTH_NO = {
    "ژانویه": 1, "ژانویهٔ": 1, "فوریه": 2, "مارس": 3, "آوریل": 4, "مه": 5, "می": 5,
    "ژوئن": 6, "ژوئیه": 7, "جولای": 7, "اوت": 8, "آگوست": 8, "سپتامبر": 9,
    "اکتبر": 10, "نوامبر": 11, "دسامبر": 12,
}  # fmt: skip
_RELATIVE_UNITS = {
    "ثانیه": timedelta(seconds=1), "دقیقه": timedelta(minutes=1), "ساعت": timedelta(hours=1),
    "روز": timedelta(days=1), "هفته": timedelta(weeks=1), "ماه": timedelta(days=30),
}  # fmt: skip

_MONTH_ALT = "|".join(sorted({*_JALALI_MONTH_NO, *_GREGORIAN_MONTH_NO}, key=len, reverse=True))
_TIME = r"(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?"
# "14 آذر 1402", optionally followed by a separator and a time ("- 18:23", "، 18:23", "/ 00:20").
_NAMED = re.compile(
    rf"(?<!\d)(?P<d>\d{{1,2}})\s*(?P<mon>{_MONTH_ALT})(?![\u0600-\u06ff])\s*(?P<y>\d{{4}})"
    rf"(?:\s*(?:[-–/|،,]|ساعت)?\s*(?:ساعت\s*)?{_TIME})?"
)
# "1402/09/14", "1402-09-14 18:23", "2023/12/05"
_NUMERIC_YMD = re.compile(
    rf"(?<!\d)(?P<y>\d{{4}})[/\-.](?P<m>\d{{1,2}})[/\-.](?P<d>\d{{1,2}})(?!\d)"
    rf"(?:\s*(?:T|[-–|،,]|ساعت)?\s*{_TIME})?"
)
# Fars' old "MM/DD/YYYY hh:mm:ss AM/PM", and "14/09/1402".
_NUMERIC_DMY = re.compile(
    rf"(?<!\d)(?P<a>\d{{1,2}})/(?P<b>\d{{1,2}})/(?P<y>\d{{4}})(?!\d)"
    rf"(?:\s*{_TIME}\s*(?P<ampm>[AaPp][Mm])?)?"
)
_RELATIVE = re.compile(
    r"(?P<n>\d+|یک|دو|سه|چند)\s*(?P<unit>ثانیه|دقیقه|ساعت|روز|هفته|ماه)\s*(?:قبل|پیش)"
)
_ISO = re.compile(
    r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})"
    r"(?:\s*T?\s*(?P<H>\d{2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d+)?)?)?"
    r"\s*(?P<tz>Z|[+-]\d{2}:?\d{2})?"
)
_URL_DATE = re.compile(r"/(?P<y>(?:13|14|19|20)\d\d)/(?P<m>\d{1,2})/(?P<d>\d{1,2})/")
_WORD_NUMBERS = {"یک": 1, "دو": 2, "سه": 3, "چند": 2}
_LETTER_FIX = str.maketrans({"ي": "ی", "ك": "ک", "\u200c": " ", "\xa0": " "})

# Elements whose dates are never the article's: page furniture.
_FURNITURE = re.compile(r"footer|copyright|sidebar|related|comment|menu|nav|widget|most", re.I)
_DATEISH = re.compile(r"date|time|publish|pdate|tarikh|zaman", re.I)


def _prepare(text: str) -> str:
    return fold_digits(text).translate(_LETTER_FIX)


def _iran_dst(local: datetime) -> bool:
    """Iran's summer time, for the fallback without tzdata: 1991–2005 and 2008–2022."""
    if not (1991 <= local.year <= 2005 or 2008 <= local.year <= 2022):
        return False
    j = jdatetime.date.fromgregorian(date=local.date())
    return (j.month, j.day) >= (1, 2) and (j.month, j.day) <= (6, 30)


def tehran_to_utc(local: datetime) -> datetime:
    """A naive Tehran wall-clock time as an aware UTC datetime."""
    if _TEHRAN_ZONE is not None:
        return local.replace(tzinfo=_TEHRAN_ZONE).astimezone(UTC)
    offset = timedelta(hours=4, minutes=30) if _iran_dst(local) else timedelta(hours=3, minutes=30)
    return (local - offset).replace(tzinfo=UTC)


def to_tehran(dt: datetime) -> datetime:
    """An aware datetime in Tehran wall-clock time."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    if _TEHRAN_ZONE is not None:
        return dt.astimezone(_TEHRAN_ZONE)
    naive = dt.astimezone(UTC).replace(tzinfo=None)
    offset = (
        timedelta(hours=4, minutes=30)
        if _iran_dst(naive + TEHRAN_STANDARD.utcoffset(None))
        else timedelta(hours=3, minutes=30)
    )
    return dt.astimezone(timezone(offset))


def _build(
    y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0, tz: str | None = None
) -> datetime | None:
    """A UTC datetime from parts; a 13xx/14xx year is Jalali; no offset means Tehran time."""
    try:
        if 1300 <= y <= 1500:
            g = jdatetime.date(y, m, d).togregorian()
            y, m, d = g.year, g.month, g.day
        elif not 1900 <= y <= 2200:
            return None
        local = datetime(y, m, d, hh, mm, ss)
    except ValueError:
        return None
    if tz:
        if tz == "Z":
            return local.replace(tzinfo=UTC)
        sign = 1 if tz[0] == "+" else -1
        digits = tz[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
        return local.replace(tzinfo=timezone(sign * offset)).astimezone(UTC)
    return tehran_to_utc(local)


def _time_parts(m: re.Match[str]) -> tuple[int, int, int]:
    if not m.groupdict().get("H"):
        return 0, 0, 0
    return int(m["H"]), int(m["M"]), int(m["S"] or 0)


def parse_iso(value: str) -> datetime | None:
    """An ISO-like metadata value ("2019-05-29T19:50:37Z", "2019-05-30 T 00:20:37 +0430")."""
    m = _ISO.search(_prepare(value))
    if not m:
        return None
    hh, mm, ss = _time_parts(m)
    return _build(int(m["y"]), int(m["m"]), int(m["d"]), hh, mm, ss, m["tz"])


def parse_persian_date(text: str, now: datetime | None = None) -> datetime | None:
    """The first date written in ``text``, as aware UTC, or None.

    Understands Jalali and Gregorian dates with month names ("۱۲ آبان ۱۴۰۲", "سه شنبه 14 آذر
    1402 - 18:23"), numeric dates ("1402/09/14", "2023-12-05T14:53:00Z") with Persian or ASCII
    digits, and, when ``now`` is given, relative times ("۲ ساعت قبل"). A bare year (a
    copyright line) is never a date.
    """
    if not text:
        return None
    s = _prepare(text)
    found: list[tuple[int, datetime]] = []
    m = _NAMED.search(s)
    if m:
        mon = m["mon"]
        y = int(m["y"])
        month = _JALALI_MONTH_NO.get(mon) if y < 1600 else _GREGORIAN_MONTH_NO.get(mon)
        if month:
            dt = _build(y, month, int(m["d"]), *_time_parts(m))
            if dt:
                found.append((m.start(), dt))
    m = _ISO.search(s)
    if m and m["tz"]:
        dt = _build(int(m["y"]), int(m["m"]), int(m["d"]), *_time_parts(m), m["tz"])
        if dt:
            found.append((m.start(), dt))
    m = _NUMERIC_YMD.search(s)
    if m:
        dt = _build(int(m["y"]), int(m["m"]), int(m["d"]), *_time_parts(m))
        if dt:
            found.append((m.start(), dt))
    m = _NUMERIC_DMY.search(s)
    if m:
        dt = _dmy(m)
        if dt:
            found.append((m.start(), dt))
    if found:
        return min(found, key=lambda pair: pair[0])[1]
    if now is not None:
        return _relative(s, now)
    return None


def _dmy(m: re.Match[str]) -> datetime | None:
    """ "MM/DD/YYYY hh:mm AM" for Gregorian years (Fars), "DD/MM/YYYY" for Jalali ones."""
    a, b, y = int(m["a"]), int(m["b"]), int(m["y"])
    hh, mm, ss = _time_parts(m)
    if m["ampm"]:
        hh = hh % 12 + (12 if m["ampm"].lower() == "pm" else 0)
    if 1300 <= y <= 1500:
        return _build(y, b, a, hh, mm, ss)
    month, day = (a, b) if a <= 12 else (b, a)
    return _build(y, month, day, hh, mm, ss)


def _relative(s: str, now: datetime) -> datetime | None:
    if "لحظاتی" in s or "دقایقی پیش" in s:
        return now.astimezone(UTC)
    m = _RELATIVE.search(s)
    if not m:
        return None
    n = int(m["n"]) if m["n"].isdigit() else _WORD_NUMBERS[m["n"]]
    try:
        return (now - n * _RELATIVE_UNITS[m["unit"]]).astimezone(UTC)
    except (OverflowError, ValueError):  # "1000000 روز قبل": before year 1, not a date
        return None


def to_jalali(dt: datetime) -> str:
    """ "1402/09/14 18:23": Jalali date and Tehran time, ASCII digits (for logs and CSV).
    A date the Jalali calendar cannot express (before its epoch) is given in Gregorian."""
    try:
        local = to_tehran(dt)
        j = jdatetime.datetime.fromgregorian(datetime=local.replace(tzinfo=None))
    except (ValueError, OverflowError):
        return f"{dt:%Y-%m-%d %H:%M}"
    return f"{j.year:04d}/{j.month:02d}/{j.day:02d} {local.hour:02d}:{local.minute:02d}"


_TO_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def to_jalali_long(dt: datetime) -> str:
    """ "۱۴ آذر ۱۴۰۲ ساعت ۱۸:۲۳": the display form, Persian digits, Tehran time."""
    local = to_tehran(dt)
    j = jdatetime.datetime.fromgregorian(datetime=local.replace(tzinfo=None))
    text = f"{j.day} {JALALI_MONTHS[j.month - 1]} {j.year} ساعت {local.hour:02d}:{local.minute:02d}"
    return text.translate(_TO_PERSIAN_DIGITS)


def both_calendars(dt: datetime) -> str:
    """ "2023-12-05 14:53 UTC (1402/09/14 18:23 Tehran)": what reports show."""
    utc = dt.astimezone(UTC)
    return f"{utc:%Y-%m-%d %H:%M} UTC ({to_jalali(dt)} Tehran)"


# --- finding the date in a page -------------------------------------------------------------

_META_RULES: tuple[tuple[str, str], ...] = (
    ("article:published_time", "meta:article:published_time"),
    ("og:published_time", "meta:og:published_time"),
)
_LATER_METAS = ("nastooh:publishdate", "dc.date", "pubdate", "publishdate", "date", "datepublished")


def _as_tree(tree_or_html: Any) -> Any:
    if isinstance(tree_or_html, etree._Element):
        return tree_or_html
    if isinstance(tree_or_html, bytes):
        from monitor.encoding import decode_html

        tree_or_html = decode_html(tree_or_html)
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", str(tree_or_html))
    try:
        return lxml.html.document_fromstring(text or "<html/>")
    except (etree.ParserError, ValueError):
        return lxml.html.document_fromstring("<html/>")


def _metas(tree: Any) -> list[tuple[str, str]]:
    """(lower-cased property/name/itemprop, content) of every meta, in document order."""
    out: list[tuple[str, str]] = []
    for el in tree.iter("meta"):
        content = el.get("content")
        if not content:
            continue
        for attr in ("property", "name", "itemprop"):
            key = el.get(attr)
            if key:
                out.append((key.strip().lower(), content))
    return out


def _json_ld_dates(tree: Any) -> list[str]:
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            value = node.get("datePublished")
            if isinstance(value, str):
                found.append(value)
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            walk(json.loads(script.text_content() or "null", strict=False))
        except (ValueError, TypeError):
            logger.debug("unparseable JSON-LD block skipped")
    return found


def _in_furniture(el: Any) -> bool:
    for node in (el, *el.iterancestors()):
        if not isinstance(node.tag, str):
            continue
        if node.tag in ("footer", "nav", "aside"):
            return True
        marker = f"{node.get('class', '')} {node.get('id', '')}"
        if _FURNITURE.search(marker):
            return True
    return False


def _plausible(dt: datetime | None, now: datetime | None) -> datetime | None:
    if dt is None:
        return None
    if dt.year < 1995:
        return None
    if now is not None and dt > now.astimezone(UTC) + timedelta(days=1):
        return None
    return dt


def _css(tree: Any, selector: str) -> list[Any]:
    try:
        return tree.cssselect(selector)
    except Exception:  # a bad selector in a user's outlet file must not stop extraction
        logger.warning("bad date selector %r", selector)
        return []


def find_published(
    tree_or_html: Any, url: str, outlet: Any = None, now: datetime | None = None
) -> tuple[datetime | None, str]:
    """The page's publication time (aware UTC) and the name of the rule that found it.

    Rule names: ``meta:article:published_time``, ``json-ld:datePublished``,
    ``meta:<name>``, ``time[datetime]``, ``selector:<css>``, ``visible:<tag>``,
    ``text:under-title``, ``url``, or ``none``.
    """
    tree = _as_tree(tree_or_html)
    metas = _metas(tree)
    for key, rule in _META_RULES:
        for name, content in metas:
            if name == key and (dt := _plausible(parse_iso(content), now)):
                return dt, rule
    for value in _json_ld_dates(tree):
        if dt := _plausible(parse_iso(value), now):
            return dt, "json-ld:datePublished"
    for key in _LATER_METAS:
        for name, content in metas:
            if name == key and (dt := _plausible(parse_iso(content), now)):
                return dt, f"meta:{key}"
    for el in tree.xpath("//time[@datetime]"):
        if _in_furniture(el):
            continue
        value = el.get("datetime", "")
        dt = parse_iso(value) if _ISO.search(_prepare(value)) else parse_persian_date(value)
        if dt := _plausible(dt, now):
            return dt, "time[datetime]"
    selector = getattr(outlet, "date_selector", None)
    if selector:
        for el in _css(tree, selector):
            if dt := _plausible(parse_persian_date(el.text_content(), now), now):
                return dt, f"selector:{selector}"
    found = _visible_date(tree, now)
    if found[0]:
        return found
    m = _URL_DATE.search(url or "")
    if m and (dt := _plausible(_build(int(m["y"]), int(m["m"]), int(m["d"])), now)):
        return dt, "url"
    return None, "none"


def _visible_date(tree: Any, now: datetime | None) -> tuple[datetime | None, str]:
    """Dates in date-ish elements, then in the text right under the headline."""
    body = tree.find("body")
    if body is None:
        return None, "none"
    for el in body.iter():
        if not isinstance(el.tag, str) or el.tag in ("script", "style"):
            continue
        marker = f"{el.get('class', '')} {el.get('id', '')}"
        if not _DATEISH.search(marker) or _in_furniture(el):
            continue
        text = el.text_content()
        if len(text) > 200:
            continue
        if dt := _plausible(parse_persian_date(text, now), now):
            marker_words = (el.get("class") or el.get("id") or "").split()
            return dt, f"visible:{el.tag}" + (f".{marker_words[0]}" if marker_words else "")
    heads = body.xpath(".//h1")
    if heads:
        chunks: list[str] = []
        size = 0
        started = False
        for el in body.iter():
            if el is heads[0]:
                started = True
            if not started or not isinstance(el.tag, str) or _in_furniture(el):
                continue
            for piece in (el.text, el.tail):
                if piece and piece.strip():
                    chunks.append(piece)
                    size += len(piece)
            if size > 600:
                break
        if dt := _plausible(parse_persian_date(" ".join(chunks), now), now):
            return dt, "text:under-title"
    return None, "none"
