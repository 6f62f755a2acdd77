"""What a page is compared on: its story text, canonical and whitespace-free, as character n-grams.

Republishers change everything around a story (headline, attribution line, agency header and
footer, spacing, ZWNJ, letter and digit variants) and little inside it. So the features:

1. drop boilerplate lines (agency headers and footers, "کد خبر", dates, menus: lines with
   fewer than ``MIN_LINE_WORDS`` words or opening with a known boilerplate phrase) and the
   attribution lead-ins (``monitor.attribution.strip_attribution``);
2. canonicalise (``monitor.normalize.canonical_text``) and delete every space, so "می‌شود",
   "می شود" and "میشود" are one string;
3. take every ``NGRAM``-character window of that string and hash it to 64 bits.

Character windows of a whitespace-free string survive any spacing variant; at ``NGRAM`` = 9
a window spans about two Persian words, long enough that stories which only share the topic's
vocabulary ("وزیر امور خارجه", "سرگئی لاوروف") share few windows, short enough that a few
edited words destroy few of them.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

import numpy as np

from monitor.attribution import strip_attribution
from monitor.normalize import canonical_lines, canonical_text

NGRAM = 9
MIN_LINE_WORDS = 5
TITLE_WORDS = 12
_TERMINAL = re.compile(r"[.!?؟…:»\"')\]]\W*$")

# Lines opening with these (canonical form: ``_boilerplate_openings``) are agency furniture.
_BOILERPLATE_PHRASES = (
    "انتهای پیام",
    "کد خبر",
    "کد مطلب",
    "شناسه خبر",
    "تاریخ انتشار",
    "زمان انتشار",
    "ارسال نظر",
    "ارسال نظرات",
    "نظر شما",
    "نظرات",
    "پربیننده ترین",
    "پربحث ترین",
    "اخبار مرتبط",
    "خبرهای مرتبط",
    "مطالب مرتبط",
    "آخرین اخبار",
    "آخرین خبرهای",
    "اخبار روز",
    "واژه های کاربردی",
    "برچسب ها",
    "کلید واژه",
    "کلمات کلیدی",
    "لینک کوتاه",
    "لینک کپی",
    "اشتراک گذاری",
    "ارسال به دوستان",
    "نسخه چاپی",
    "تبلیغات",
    "منبع:",
    "عضویت در کانال",
    "ما را در",
    "کانال تلگرام",
    "تمامی حقوق",
    "کلیه حقوق",
    "استفاده از مطالب",
    "بازنشر مطالب",
    "newsqrcode",
)


@lru_cache(maxsize=1)
def _boilerplate_openings() -> tuple[str, ...]:
    # On first use, not at import: canonical_text imports hazm (seconds of CPU for scikit-learn
    # and NLTK), and a process that only loads the index (a crawl before its first page) must
    # not wait for it.
    return tuple(canonical_text(p) for p in _BOILERPLATE_PHRASES)


_LETTER = re.compile(r"[^\W\d_]{2,}")
_MASK = np.uint64(0xFFFFFFFFFFFFFFFF)


def not_story_line(canon_line: str, raw_line: str = "") -> bool:
    """True for a line that is page furniture rather than story text.

    Furniture: fewer than ``MIN_LINE_WORDS`` words (dates, bylines, menus); a known opening
    ("انتهای پیام", "کد خبر", "اخبار مرتبط", …); or, given the raw line, a title-like line
    (under ``TITLE_WORDS`` words with no sentence-final punctuation: headlines, sub-heads and
    "related news" lists, which republishers add, drop and rewrite).
    """
    words = len(_LETTER.findall(canon_line))
    if words < MIN_LINE_WORDS:
        return True
    if canon_line.startswith(_boilerplate_openings()):
        return True
    return bool(raw_line) and words < TITLE_WORDS and not _TERMINAL.search(raw_line)


def story_text(text: str) -> str:
    """The canonical story: boilerplate lines and attribution lead-ins gone, no spaces at all.

    When every line looks like boilerplate (a very short text), the whole text is kept rather
    than nothing, so a short page still has a fingerprint.
    """
    raw = strip_attribution(text).split("\n")
    canon = canonical_lines(text="\n".join(raw), keep_empty=True)
    if len(canon) != len(raw):  # an entity added a line break: align line by line instead
        canon = [canonical_text(line) for line in raw]
    lines = [(c, r) for c, r in zip(canon, raw, strict=True) if c]
    kept = [c for c, r in lines if not not_story_line(c, r)] or [c for c, _ in lines]
    return "".join(kept).replace(" ", "")


def content_hash(story: str) -> str:
    """Exact-duplicate key: 128-bit BLAKE2b of the whitespace-free canonical story."""
    return hashlib.blake2b(story.encode("utf-8"), digest_size=16).hexdigest()


def _mix64(x: np.ndarray) -> np.ndarray:
    """A 64-bit finaliser (xor-shift-multiply) so window hashes look uniformly random."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def ngram_hashes(story: str, n: int = NGRAM) -> np.ndarray:
    """The set of 64-bit hashes of every ``n``-character window of ``story`` (sorted, unique).

    A story shorter than ``n`` is one feature; an empty story has none.
    """
    if not story:
        return np.empty(0, dtype=np.uint64)
    codes = np.frombuffer(story.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if len(codes) < n:
        codes = np.concatenate([codes, np.zeros(n - len(codes), dtype=np.uint64)])
    count = len(codes) - n + 1
    acc = np.zeros(count, dtype=np.uint64)
    mult = np.uint64(0x100000001B3)  # FNV prime: an odd multiplier for the polynomial hash
    with np.errstate(over="ignore"):
        for j in range(n):
            acc = acc * mult + codes[j : j + count]
        return np.unique(_mix64(acc & _MASK))
