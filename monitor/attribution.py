"""Who an article says it comes from, and the text without that attribution line.

Persian outlets open a story with a lead-in naming the source ("به گزارش خبرگزاری مهر،",
"به گزارش حوزه سیاست خارجی ایرنا،") or a dateline ("العالم - ایران", "تهران - ایرنا -").
A republisher rewrites exactly this line ("به گزارش ایسنا،"), so:

* ``cited_source`` tells the analysts whom the story is credited to. When the lead-in says
  "به نقل از" ("quoting"), the quoted source wins: in "به گزارش گروه بین‌الملل خبرگزاری تسنیم
  به نقل از خبرگزاری «تاس»،" Tasnim only republishes, the cited source is TASS.
* ``strip_attribution`` removes those lead-ins, so fingerprints do not depend on them.

Names are returned in one canonical short form from ``SOURCES`` (documented below) so that
"خبرگزاری مهر", "مهر" and "Mehr" count as one source. An attribution naming no known agency
returns the phrase itself, tidied (e.g. "روابط عمومی وزارت نفت").
"""

from __future__ import annotations

import re
from functools import lru_cache

from monitor.normalize import canonical_text, display_text

# Canonical short name -> aliases (any spelling; compared in canonical form, whole words).
SOURCES: dict[str, tuple[str, ...]] = {
    # Iranian agencies and broadcasters
    "مهر": ("خبرگزاری مهر", "مهر", "mehr", "mehr news"),
    "ایرنا": ("ایرنا", "خبرگزاری جمهوری اسلامی", "irna"),
    "ایسنا": ("ایسنا", "خبرگزاری دانشجویان ایران", "isna"),
    "تسنیم": ("تسنیم", "tasnim"),
    "فارس": ("فارس", "خبرگزاری فارس", "fars"),
    "صدا و سیما": (
        "صدا و سیما",
        "صداوسیما",
        "خبرگزاری صدا و سیما",
        "واحد مرکزی خبر",
        "irib",
    ),
    "جام جم": ("جام جم", "جامجم", "جام جم آنلاین", "jamejam"),
    "ایلنا": ("ایلنا", "ilna"),
    "باشگاه خبرنگاران جوان": ("باشگاه خبرنگاران جوان", "باشگاه خبرنگاران", "yjc"),
    "دفاع پرس": ("دفاع پرس", "دفاعپرس"),
    "مشرق": ("مشرق", "مشرق نیوز"),
    "تابناک": ("تابناک",),
    "خبرآنلاین": ("خبرآنلاین", "خبر آنلاین"),
    "همشهری": ("همشهری", "همشهری آنلاین"),
    "پرس تی وی": ("پرس تی وی", "پرستی وی", "پرستیوی", "press tv", "presstv"),
    "العالم": ("العالم", "alalam", "al alam"),
    # Russian agencies
    "تاس": ("تاس", "ایتارتاس", "ایتار تاس", "tass"),
    "ریانووستی": ("ریانووستی", "ریا نووستی", "ریا نوستی", "ria novosti", "ria"),
    "اسپوتنیک": ("اسپوتنیک", "sputnik"),
    "اینترفاکس": ("اینترفاکس", "interfax"),
    "راشا تودی": ("راشا تودی", "راشاتودی", "russia today", "rt"),
    # International agencies and channels
    "رویترز": ("رویترز", "reuters"),
    "فرانس پرس": ("فرانس پرس", "فرانسپرس", "خبرگزاری فرانسه", "afp"),
    "آسوشیتدپرس": ("آسوشیتدپرس", "آسوشیتد پرس", "associated press"),
    "المیادین": ("المیادین", "al mayadeen", "almayadeen"),
    "الجزیره": ("الجزیره", "al jazeera", "aljazeera"),
    "بی بی سی": ("بی بی سی", "بیبیسی", "bbc"),
}

_GAP = r"[\s\u200c]"
# "به گزارش <source>،" — at a line start or after a sentence end (paragraphs may be merged).
_LEAD_IN = re.compile(
    rf"(?:^|(?<=[.!?؟»\"]))[ \t\u200c]*"
    rf"به{_GAP}*گزارش{_GAP}+(?P<src>[^،,:؛\n]{{1,120}}?){_GAP}*[،,:؛]{_GAP}*",
    re.MULTILINE,
)
# "به نقل از <source>،" opening a paragraph on its own.
_QUOTING = re.compile(
    rf"^{_GAP}*به{_GAP}+نقل{_GAP}+از{_GAP}+(?P<src>[^،,:؛\n]{{1,80}}?){_GAP}*[،,:؛]{_GAP}*",
    re.MULTILINE,
)
# Datelines: "العالم - ایران", "تهران - ایرنا -", "مسکو- اسپوتنیک-" (one side must be a source).
_WORDS = r"[^\s\-–—،,:]+(?:[ \u200c][^\s\-–—،,:]+){0,2}"
_DATELINE = re.compile(
    rf"^[ \t\u200c]*(?P<a>{_WORDS})[ \t]*[-–—][ \t]*(?P<b>{_WORDS})[ \t]*(?:[-–—][ \t]*|$)",
    re.MULTILINE,
)
_CITING = re.compile(rf"به{_GAP}+نقل{_GAP}+از{_GAP}+")
_DESCRIPTORS = re.compile(
    r"^(?:خبرگزاری|پایگاه خبری|سایت|روزنامه|شبکه|خبرنگار|گروه \S+|حوزه \S+|سرویس \S+)\s+"
)


@lru_cache(maxsize=1)
def _alias_table() -> list[tuple[str, str]]:
    """(canonical alias, name) pairs, longest alias first so "جام جم آنلاین" beats "جام جم"."""
    pairs = [
        (canonical_text(alias), name) for name, aliases in SOURCES.items() for alias in aliases
    ]
    return sorted(pairs, key=lambda p: -len(p[0]))


def known_source(phrase: str) -> str | None:
    """The canonical name of the first known agency named in ``phrase`` (whole words)."""
    text = f" {canonical_text(phrase)} "
    best: tuple[int, str] | None = None
    for alias, name in _alias_table():
        pos = text.find(f" {alias} ")
        if pos >= 0 and (best is None or pos < best[0]):
            best = (pos, name)
    return best[1] if best else None


def _name(phrase: str) -> str | None:
    """Canonical name for an attribution phrase; the "به نقل از" part wins."""
    parts = _CITING.split(phrase)
    cited = parts[-1]
    name = known_source(cited)
    if name:
        return name
    if len(parts) > 1 and (name := known_source(parts[0])):
        return name
    tidy = display_text(cited).strip(" «»\"'()")
    tidy = _DESCRIPTORS.sub("", tidy).strip(" «»\"'()")
    return tidy or None


def _attributions(text: str) -> list[tuple[int, int, str]]:
    """(start, end, source phrase) of every attribution lead-in or dateline, in text order."""
    found: list[tuple[int, int, str]] = []
    for rx in (_LEAD_IN, _QUOTING):
        found.extend((m.start(), m.end(), m.group("src")) for m in rx.finditer(text))
    for m in _DATELINE.finditer(text):
        for side in ("a", "b"):
            if known_source(m.group(side)):
                found.append((m.start(), m.end(), m.group(side)))
                break
    return sorted(found)


def cited_source(text: str) -> str | None:
    """The source the article credits, as a canonical short name from ``SOURCES``.

    The first attribution in the text decides; ``None`` when there is none.
    """
    for _, _, phrase in _attributions(text):
        if name := _name(phrase):
            return name
    return None


def strip_attribution(text: str) -> str:
    """``text`` without attribution lead-ins and datelines (the rest of each line is kept)."""
    spans = _attributions(text)
    if not spans:
        return text
    out: list[str] = []
    last = 0
    for start, end, _ in spans:
        if start < last:
            continue
        out.append(text[last:start])
        if start > 0 and text[start - 1] not in "\n\r":
            out.append(" ")  # a lead-in inside a merged paragraph: keep the words apart
        last = end
    out.append(text[last:])
    return "".join(out)
