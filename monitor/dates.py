"""Publication dates of Persian and Arabic news pages, in the calendars they are written in.

``find_published`` tries sources in a fixed precedence and reports which one answered:

1. metadata that states its own offset — ``article:published_time``, ``og:published_time``,
   JSON-LD ``datePublished``, other date metas (``nastooh:publishDate``, ``dc.date``…),
   ``<time datetime>`` — then the same metadata without an offset (read in the offset the
   page states elsewhere, else Tehran time); a meta written in words ("١٥ مايو ٢٠٢٤") counts;
2. the outlet's configured ``date_selector``;
3. htmldate's original-date search (it ships with trafilatura), date only;
4. Jalali and Hijri (lunar) dates written in the page — elements whose class or id says
   date/time, then the text just under the headline — with Persian or Arabic month names and
   Persian, Arabic-Indic or ASCII digits; never a footer, nav or aside;
5. a date in the URL path (Tasnim's ``/fa/news/1398/02/30/…``), date only;
6. otherwise None.

Why not htmldate alone: it knows neither the Jalali nor the Hijri calendar, reads
"1402/09/14" as nonsense and can settle on a footer's copyright year.

Offsets: the offset the page states is kept. A time without one is Tehran wall-clock time only
when nothing on the page says otherwise. Iran used +03:30 and, through 2022 (its last summer),
summer time +04:30 (2 Farvardin to 30 Shahrivar); the IANA zone ``Asia/Tehran`` carries that
history, with a built-in rule as fallback when tzdata is absent. No input makes these functions
raise: an impossible date or offset ("+99:00") is simply not a date.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime
from typing import Any

import jdatetime
from hijridate import Hijri

from monitor.charmap import translator
from monitor.normalize import PERSIAN_DIGITS, fold_digits

logger = logging.getLogger(__name__)

# Iran's standard offset; the one definition the project uses.
TEHRAN_STANDARD = timezone(timedelta(hours=3, minutes=30))
_TEHRAN_SUMMER = timezone(timedelta(hours=4, minutes=30))

try:  # the IANA zone knows Iran's summer-time history (abolished in 2022)
    from zoneinfo import ZoneInfo

    _TEHRAN_ZONE: tzinfo | None = ZoneInfo("Asia/Tehran")
except Exception:  # pragma: no cover - tzdata missing
    _TEHRAN_ZONE = None

# The one list of Jalali month names (display spelling) in the project.
JALALI_MONTHS = (
    "فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور",
    "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند",
)  # fmt: skip
_GREGORIAN_NAMES = {
    # Persian spellings
    "ژانویه": 1, "ژانویهٔ": 1, "فوریه": 2, "مارس": 3, "آوریل": 4, "مه": 5, "می": 5,
    "ژوئن": 6, "ژوئیه": 7, "جولای": 7, "اوت": 8, "آگوست": 8, "سپتامبر": 9,
    "اکتبر": 10, "نوامبر": 11, "دسامبر": 12,
    # Arabic (Egyptian and Gulf) spellings
    "يناير": 1, "فبراير": 2, "أبريل": 4, "إبريل": 4, "مايو": 5, "يونيو": 6, "يونيه": 6,
    "يوليو": 7, "يوليه": 7, "أغسطس": 8, "سبتمبر": 9, "أكتوبر": 10, "نوفمبر": 11, "ديسمبر": 12,
    # Levantine and Iraqi month names
    "كانون الثاني": 1, "شباط": 2, "آذار": 3, "نيسان": 4, "أيار": 5, "حزيران": 6, "تموز": 7,
    "آب": 8, "أيلول": 9, "تشرين الأول": 10, "تشرين الثاني": 11, "كانون الأول": 12,
}  # fmt: skip
_HIJRI_NAMES = {
    "محرم": 1, "صفر": 2, "ربيع الأول": 3, "ربيع الاول": 3, "ربيع الثاني": 4, "ربيع الآخر": 4,
    "جمادى الأولى": 5, "جمادى الاول": 5, "جمادى الأول": 5, "جمادى الآخرة": 6,
    "جمادى الثانية": 6, "جمادى الثاني": 6, "جمادى الآخر": 6, "رجب": 7, "شعبان": 8,
    "رمضان": 9, "شوال": 10, "ذو القعدة": 11, "ذي القعدة": 11, "ذو الحجة": 12, "ذي الحجة": 12,
}  # fmt: skip
_RELATIVE_UNITS = {
    "ثانیه": timedelta(seconds=1), "دقیقه": timedelta(minutes=1), "ساعت": timedelta(hours=1),
    "روز": timedelta(days=1), "هفته": timedelta(weeks=1), "ماه": timedelta(days=30),
}  # fmt: skip

# Text is folded before matching: digits to ASCII, Arabic letter variants to one form, ZWNJ
# to a space (so "ربیع‌الاول", "ربيع الأول" and "ربیع الاول" all read the same).
_LETTER_FIX = str.maketrans(
    {"ي": "ی", "ى": "ی", "ك": "ک", "ة": "ه", "أ": "ا", "إ": "ا", "آ": "ا",
     "\u200c": " ", "\xa0": " "}
)  # fmt: skip
_fix_letters = translator(_LETTER_FIX)


def _prepare(text: str) -> str:
    return _fix_letters(fold_digits(text))


# Month name (folded) -> (calendar, month number).
_MONTHS: dict[str, tuple[str, int]] = {}
for _i, _name in enumerate(JALALI_MONTHS):
    _MONTHS[_prepare(_name)] = ("jalali", _i + 1)
_MONTHS[_prepare("امرداد")] = ("jalali", 5)
for _name, _no in _GREGORIAN_NAMES.items():
    _MONTHS[_prepare(_name)] = ("gregorian", _no)
for _name, _no in _HIJRI_NAMES.items():
    _MONTHS[_prepare(_name)] = ("hijri", _no)
_MONTH_ALT = "|".join(
    re.escape(n).replace(r"\ ", r"\s*") for n in sorted(_MONTHS, key=len, reverse=True)
)
_TIME = r"(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?"
# "14 آذر 1402", "١٥ مايو ٢٠٢٤", "20 جمادی‌الاول 1445 ق", optionally with a time after a
# separator ("- 18:23", "، 18:23", "/ 00:20").
_NAMED = re.compile(
    rf"(?<!\d)(?P<d>\d{{1,2}})\s*(?P<mon>{_MONTH_ALT})(?![\u0600-\u06ff])[\s,،]*(?P<y>\d{{4}})"
    rf"(?:\s*(?:ه\.?\s*ق|ق|ه\.?\s*ش|ش|م)?\.?\s*(?:[-–/|،,]|ساعت)?\s*(?:ساعت\s*)?{_TIME})?"
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

# Elements whose dates are never the article's: page furniture.
_FURNITURE = re.compile(r"footer|copyright|sidebar|related|comment|menu|nav|widget|most", re.I)
_DATEISH = re.compile(r"date|time|publish|pdate|tarikh|zaman", re.I)


def _iran_dst(local: datetime) -> bool:
    """Iran's summer time, for the fallback without tzdata: 1991–2005 and 2008–2022."""
    if not (1991 <= local.year <= 2005 or 2008 <= local.year <= 2022):
        return False
    j = jdatetime.date.fromgregorian(date=local.date())
    return (j.month, j.day) >= (1, 2) and (j.month, j.day) <= (6, 30)


def tehran_time(local: datetime) -> datetime:
    """A naive Tehran wall-clock time as an aware datetime in Tehran's offset of that day."""
    if _TEHRAN_ZONE is not None:
        return local.replace(tzinfo=_TEHRAN_ZONE)
    return local.replace(tzinfo=_TEHRAN_SUMMER if _iran_dst(local) else TEHRAN_STANDARD)


def tehran_to_utc(local: datetime) -> datetime:
    """A naive Tehran wall-clock time as an aware UTC datetime."""
    return tehran_time(local).astimezone(UTC)


def to_tehran(dt: datetime) -> datetime:
    """An aware datetime in Tehran wall-clock time."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    if _TEHRAN_ZONE is not None:
        return dt.astimezone(_TEHRAN_ZONE)
    naive = dt.astimezone(UTC).replace(tzinfo=None)
    summer = _iran_dst(naive + timedelta(hours=3, minutes=30))
    return dt.astimezone(_TEHRAN_SUMMER if summer else TEHRAN_STANDARD)


# --- parsing -----------------------------------------------------------------------------------

# A date read from a string: the wall-clock time and the offset the string states (None when
# it states none; the caller decides which zone that means).
_Stamp = tuple[datetime, tzinfo | None]


def _calendar_date(calendar: str, y: int, m: int, d: int) -> date | None:
    """The Gregorian date of a Jalali, Hijri (Umm al-Qura) or Gregorian day; None if impossible."""
    try:
        if calendar == "jalali":
            if not 1300 <= y <= 1500:
                return None
            return jdatetime.date(y, m, d).togregorian()
        if calendar == "hijri":
            if not 1350 <= y <= 1500:
                return None
            return Hijri(y, m, d).to_gregorian()
        if not 1900 <= y <= 2200:
            return None
        return date(y, m, d)
    except (ValueError, OverflowError, TypeError):
        return None


def _offset(tz: str | None) -> tzinfo | bool | None:
    """The tzinfo for "Z", "+03:00", "+0430"; None when absent; False when impossible."""
    if not tz:
        return None
    if tz == "Z":
        return UTC
    digits = tz[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 14 or minutes >= 60:
        return False
    sign = 1 if tz[0] == "+" else -1
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _stamp(
    calendar: str, y: int, m: int, d: int, hms: tuple[int, int, int] = (0, 0, 0),
    tz: str | None = None,
) -> _Stamp | None:  # fmt: skip
    day = _calendar_date(calendar, y, m, d)
    offset = _offset(tz)
    if day is None or offset is False:
        return None
    try:
        local = datetime(day.year, day.month, day.day, *hms)
    except ValueError:
        return None
    return local, offset if isinstance(offset, tzinfo) else None


def _numeric_calendar(y: int) -> str:
    """A numeric date with a 13xx/14xx year is Jalali; Iranian pages write Hijri in words."""
    return "jalali" if 1300 <= y <= 1500 else "gregorian"


def _time_parts(m: re.Match[str]) -> tuple[int, int, int]:
    if not m.groupdict().get("H"):
        return 0, 0, 0
    return int(m["H"]), int(m["M"]), int(m["S"] or 0)


def _aware(stamp: _Stamp, zone: tzinfo | None = None) -> datetime | None:
    """The stamp in the offset it states, else in ``zone``, else Tehran time."""
    local, offset = stamp
    try:
        if offset is not None:
            return local.replace(tzinfo=offset)
        if zone is not None:
            return local.replace(tzinfo=zone)
        return tehran_time(local)
    except (OverflowError, ValueError):
        return None


def _utc(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    try:
        return dt.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def _iso_stamp(value: str) -> _Stamp | None:
    m = _ISO.search(_prepare(value))
    if not m:
        return None
    y = int(m["y"])
    return _stamp(_numeric_calendar(y), y, int(m["m"]), int(m["d"]), _time_parts(m), m["tz"])


def parse_when(value: str | None) -> datetime | None:
    """A feed or sitemap timestamp (ISO 8601 or RFC 822) as aware UTC, or None: the one
    parser of machine-written timestamps (pages' dates go through ``find_published``)."""
    if not value:
        return None
    value = value.strip()
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def parse_iso(value: str) -> datetime | None:
    """An ISO-like metadata value ("2019-05-29T19:50:37Z", "2019-05-30 T 00:20:37 +0430"), UTC.

    Without an offset the value is Tehran time; an impossible offset ("+99:00") gives None.
    """
    stamp = _iso_stamp(value)
    return _utc(_aware(stamp)) if stamp else None


def _text_stamp(text: str) -> _Stamp | None:
    """The first date written in ``text`` (see ``parse_persian_date``), unzoned unless stated."""
    if not text:
        return None
    s = _prepare(text)
    found: list[tuple[int, _Stamp]] = []
    m = _NAMED.search(s)
    if m:
        calendar, month = _MONTHS.get(re.sub(r"\s+", " ", m["mon"]), ("", 0))
        y = int(m["y"])
        if calendar == "gregorian" and y < 1600:
            calendar = ""  # "۵ مارس ۱۴۰۲" is no date
        if calendar and (st := _stamp(calendar, y, month, int(m["d"]), _time_parts(m))):
            found.append((m.start(), st))
    m = _ISO.search(s)
    if m and m["tz"]:
        y = int(m["y"])
        st = _stamp(_numeric_calendar(y), y, int(m["m"]), int(m["d"]), _time_parts(m), m["tz"])
        if st:
            found.append((m.start(), st))
    m = _NUMERIC_YMD.search(s)
    if m:
        y = int(m["y"])
        if st := _stamp(_numeric_calendar(y), y, int(m["m"]), int(m["d"]), _time_parts(m)):
            found.append((m.start(), st))
    m = _NUMERIC_DMY.search(s)
    if m and (st := _dmy(m)):
        found.append((m.start(), st))
    if found:
        return min(found, key=lambda pair: pair[0])[1]
    return None


def parse_persian_date(text: str, now: datetime | None = None) -> datetime | None:
    """The first date written in ``text``, as aware UTC, or None.

    Understands Jalali, Hijri (lunar) and Gregorian dates with Persian or Arabic month names
    ("۱۲ آبان ۱۴۰۲", "سه شنبه 14 آذر 1402 - 18:23", "١٥ مايو ٢٠٢٤", "٢٠ جمادى الأولى ١٤٤٥"),
    numeric dates ("1402/09/14", "2023-12-05T14:53:00Z") with Persian, Arabic-Indic or ASCII
    digits, and, when ``now`` is given, relative times ("۲ ساعت قبل"). A bare year (a
    copyright line) is never a date. A time without an offset is Tehran time.
    """
    stamp = _text_stamp(text)
    if stamp:
        return _utc(_aware(stamp))
    if now is not None and text:
        return _relative(_prepare(text), now)
    return None


def _dmy(m: re.Match[str]) -> _Stamp | None:
    """ "MM/DD/YYYY hh:mm AM" for Gregorian years (Fars), "DD/MM/YYYY" for Jalali ones."""
    a, b, y = int(m["a"]), int(m["b"]), int(m["y"])
    hh, mm, ss = _time_parts(m)
    if m["ampm"]:
        hh = hh % 12 + (12 if m["ampm"].lower() == "pm" else 0)
    if 1300 <= y <= 1500:
        return _stamp("jalali", y, b, a, (hh, mm, ss))
    month, day = (a, b) if a <= 12 else (b, a)
    return _stamp("gregorian", y, month, day, (hh, mm, ss))


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


_TO_PERSIAN_DIGITS = str.maketrans("0123456789", PERSIAN_DIGITS)


def to_jalali_long(dt: datetime) -> str:
    """ "۱۴ آذر ۱۴۰۲ ساعت ۱۸:۲۳": the display form, Persian digits, Tehran time."""
    local = to_tehran(dt)
    j = jdatetime.datetime.fromgregorian(datetime=local.replace(tzinfo=None))
    text = f"{j.day} {JALALI_MONTHS[j.month - 1]} {j.year} ساعت {local.hour:02d}:{local.minute:02d}"
    return text.translate(_TO_PERSIAN_DIGITS)


# --- finding the date in a page -------------------------------------------------------------

# Metadata keys in precedence order, and the source name each reports.
_META_KEYS = (
    "article:published_time", "og:published_time", "json-ld", "nastooh:publishdate",
    "dc.date", "dc.date.issued", "dcterms.created", "pubdate", "publishdate", "publish-date",
    "date", "datepublished", "sailthru.date", "parsely-pub-date", "time[datetime]",
)  # fmt: skip


def _as_tree(tree_or_html: Any) -> Any:
    from lxml import etree

    from monitor.pagetree import parse_document

    if isinstance(tree_or_html, etree._Element):
        return tree_or_html
    if isinstance(tree_or_html, bytes):
        from monitor.encoding import decode_html

        tree_or_html = decode_html(tree_or_html)
    try:
        return parse_document(str(tree_or_html) or "<html/>")
    except ValueError:
        return parse_document("<html/>")


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
    if now is not None and dt > now + timedelta(days=1):
        return None
    return dt


def _value_stamp(value: str) -> _Stamp | None:
    """A metadata value: ISO first, else a date written out (month names, Jalali, Hijri)."""
    if _ISO.search(_prepare(value)):
        return _iso_stamp(value)
    return _text_stamp(value)


def _metadata(
    tree: Any, pairs: list[tuple[str, str]], nodes: list[dict[str, Any]]
) -> list[tuple[str, _Stamp]]:
    """Every parseable publication date in the page's metadata (its meta ``pairs`` and
    JSON-LD ``nodes``, and ``<time datetime>``), by precedence."""
    by_key: dict[str, list[_Stamp]] = {k: [] for k in _META_KEYS}
    for name, content in pairs:
        if name in by_key and name != "json-ld" and (st := _value_stamp(content)):
            by_key[name].append(st)
    for node in nodes:
        value = node.get("datePublished")
        if isinstance(value, str) and (st := _value_stamp(value)):
            by_key["json-ld"].append(st)
    for el in tree.xpath("//time[@datetime]"):
        if not _in_furniture(el) and (st := _value_stamp(el.get("datetime", ""))):
            by_key["time[datetime]"].append(st)
    return [(key, st) for key in _META_KEYS for st in by_key[key]]


def _stated_zone(pairs: list[tuple[str, str]], nodes: list[dict[str, Any]]) -> tzinfo | None:
    """An offset the page states in any ISO timestamp of its metadata (dateModified too)."""
    values = [content for _, content in pairs]
    for node in nodes:
        values += [v for k, v in node.items() if k.startswith("date") and isinstance(v, str)]
    for value in values:
        m = _ISO.search(_prepare(value))
        if m and m["tz"] and m["H"] and isinstance(offset := _offset(m["tz"]), tzinfo):
            return offset
    return None


_SOURCE_NAMES = {"json-ld": "json-ld:datePublished", "time[datetime]": "time[datetime]"}


def find_published(
    tree_or_html: Any, url: str, outlet: Any = None, now: datetime | None = None
) -> tuple[datetime | None, str]:
    """The page's publication time (aware, in the offset the page states) and its source.

    Source names: ``meta:article:published_time``, ``json-ld:datePublished``,
    ``meta:<name>``, ``time[datetime]`` (each with ``+page-offset`` or ``+tehran`` appended
    when the value stated no offset), ``selector:<css>``, ``htmldate``, ``visible:<tag>``,
    ``text:under-title``, ``url``, or ``none``. Never raises.
    """
    try:
        return _find_published(_as_tree(tree_or_html), url or "", outlet, now)
    except Exception:  # a date is a hint; arbitrary input must not lose the article
        logger.exception("date search failed on %s", url)
        return None, "none"


def _find_published(
    tree: Any, url: str, outlet: Any, now: datetime | None
) -> tuple[datetime | None, str]:
    from monitor.pagetree import css, json_ld_nodes, meta_pairs

    # Read once: the offset the page states and its dates come from the same metadata.
    pairs = meta_pairs(tree)
    nodes = list(json_ld_nodes(tree))
    zone = _stated_zone(pairs, nodes)
    found = _metadata(tree, pairs, nodes)
    for key, stamp in found:  # 1a. a value with its own offset
        if stamp[1] is not None and (dt := _plausible(_aware(stamp), now)):
            return dt, _SOURCE_NAMES.get(key, f"meta:{key}")
    for key, stamp in found:  # 1b. a value without one, in the page's offset or Tehran time
        if dt := _plausible(_aware(stamp, zone), now):
            how = "+page-offset" if zone is not None else "+tehran"
            return dt, _SOURCE_NAMES.get(key, f"meta:{key}") + how
    selector = getattr(outlet, "date_selector", None)
    for el in css(tree, selector):  # 2. the outlet's configured element
        if dt := _plausible(_text_date(el.text_content(), zone, now), now):
            return dt, f"selector:{selector}"
    if dt := _htmldate(tree, url, zone, now):  # 3. htmldate's original-date search
        return dt, "htmldate"
    found_text = _visible_date(tree, zone, now)  # 4. Jalali, Hijri and Gregorian text
    if found_text[0]:
        return found_text
    m = _URL_DATE.search(url)  # 5. the URL
    if m:
        y = int(m["y"])
        url_stamp = _stamp(_numeric_calendar(y), y, int(m["m"]), int(m["d"]))
        if url_stamp and (dt := _plausible(_aware(url_stamp, zone), now)):
            return dt, "url"
    return None, "none"


def _text_date(text: str, zone: tzinfo | None, now: datetime | None) -> datetime | None:
    stamp = _text_stamp(text)
    if stamp:
        return _aware(stamp, zone)
    if now is not None:
        return _relative(_prepare(text), now)
    return None


_COPYRIGHT_DEFAULT = re.compile(r"^\d{4}-01-01$")


def _htmldate(tree: Any, url: str, zone: tzinfo | None, now: datetime | None) -> datetime | None:
    """htmldate's original-date search, date only; its copyright-year fallback is refused.

    htmldate prunes its own copy of a tree it is given and only reads the page itself
    (``tests/test_hot_paths.py`` checks it), so the tree is passed as it is.
    """
    import htmldate  # imported here: loading it costs every CLI start otherwise

    latest = (now or datetime.now(UTC)) + timedelta(days=1)
    for extensive in (False, True):
        try:
            value = htmldate.find_date(
                tree,
                extensive_search=extensive,
                original_date=True,
                url=url or None,
                min_date="1995-01-01",
                max_date=latest.strftime("%Y-%m-%d"),
            )
        except Exception:  # a third-party heuristic: its failure is "no date", not a crash
            logger.debug("htmldate failed on %s", url, exc_info=True)
            return None
        if not value:
            continue
        if extensive and _COPYRIGHT_DEFAULT.match(value):
            return None  # the "© 2023" footer year htmldate falls back to
        stamp = _iso_stamp(value)
        return _plausible(_aware(stamp, zone), now) if stamp else None
    return None


def _visible_date(
    tree: Any, zone: tzinfo | None, now: datetime | None
) -> tuple[datetime | None, str]:
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
        if dt := _plausible(_text_date(text, zone, now), now):
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
        if dt := _plausible(_text_date(" ".join(chunks), zone, now), now):
            return dt, "text:under-title"
    return None, "none"
