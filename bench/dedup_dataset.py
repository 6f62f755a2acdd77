"""The labelled duplicate set, built deterministically in code from the seeds and real headlines.

Originals (what the index holds): the five seeds, as the store keeps them (whole file, headline
included), and ``N_OTHER`` stories composed from real Hamshahri feed summaries, plus
``N_FILLER`` more such stories as distractors.

Positives: each original republished with one transformation from the issue (a class per
transformation, see ``POSITIVE_CLASSES``) and a "combined" class applying several at once.
Negatives: the hard cases from the issue: the seeds against each other, other stories written
with the topic's vocabulary, stories quoting one background paragraph of a seed, stories
opening with a seed's first sentence, and unrelated stories.

Everything derives from ``random.Random(SEED)``; the same code gives the same set.
"""

from __future__ import annotations

import html
import json
import os
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

SEED = 20240117
ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("MONITOR_SHARED", ROOT.parent / "shared"))
# Real third-party feed items: read from ../shared, never copied into the repository.
FEED_FILE = SHARED / "fixtures" / "real" / "hamshahri_feed_items.json"
FEED_MISSING = (
    f"the real Hamshahri feed items are absent ({FEED_FILE}): the labelled duplicate set is "
    "built from them; put the shared fixtures beside the repository or set MONITOR_SHARED"
)
N_OTHER = 8
N_FILLER = 80
VARIANTS_PER_SEED = 6
VARIANTS_PER_OTHER = 2
NEGATIVES_PER_CLASS = 60
ZWNJ = "\u200c"


@dataclass(frozen=True)
class Original:
    key: int
    name: str
    title: str
    body: str  # what the store fingerprints
    paragraphs: tuple[str, ...]  # the story paragraphs a republisher copies


@dataclass(frozen=True)
class Case:
    name: str
    kind: str  # transformation class (positives) or negative class
    page: str | bytes  # article body as extracted, or raw bytes for the encoding class
    charset: str | None  # for bytes pages: the declared charset
    expected: int | None  # key of the original it duplicates; None for negatives
    exclude: int | None = None  # an original left out of the index for this case

    def text(self) -> str:
        """The page as text (what extraction hands the fingerprint)."""
        if isinstance(self.page, bytes):
            return self.page.decode(self.charset or "utf-8", errors="replace")
        return self.page


@dataclass(frozen=True)
class Dataset:
    originals: tuple[Original, ...]
    cases: tuple[Case, ...]


# -- sources -----------------------------------------------------------------------------------


def _seed_dir() -> Path:
    """The repository's seeds (byte-identical to the shared set), else the shared copy."""
    local = ROOT / "seeds"
    return local if any(local.glob("*.txt")) else SHARED / "seeds"


def feed_available() -> bool:
    """Whether the shared feed items are here (tests skip with ``FEED_MISSING`` when not)."""
    return FEED_FILE.is_file()


@lru_cache(maxsize=1)
def feed_items() -> tuple[tuple[str, str], ...]:
    """(title, summary) of the real Hamshahri feed items, in file order."""
    if not feed_available():
        raise SystemExit(f"bench: {FEED_MISSING}")
    items = json.loads(FEED_FILE.read_text(encoding="utf-8"))
    seen: set[str] = set()
    out = []
    for i in items:  # the feed repeats some stories under several sections: keep the first
        title, summary = (i.get("title") or "").strip(), (i.get("summary") or "").strip()
        if title and len(summary.split()) >= 8 and summary not in seen:
            seen.add(summary)
            out.append((title, summary))
    return tuple(out)


def _story_paragraphs(lines: list[str]) -> list[str]:
    """Lines that are story text: eight words or more (headlines, dates, menus are not)."""
    return [line.strip() for line in lines if len(line.split()) >= 8]


def load_seed_originals() -> list[Original]:
    out = []
    for key, path in enumerate(sorted(_seed_dir().glob("*.txt")), start=1):
        body = path.read_bytes().decode("utf-8-sig")
        lines = [line.strip() for line in body.splitlines() if line.strip()]
        # The first line is the headline unless the file opens with the story itself.
        if len(lines[0]) < 200 and not lines[0].startswith("به گزارش"):
            title, rest = lines[0], [line for line in lines[1:] if line != lines[0]]
        else:
            title, rest = "", lines
        paras = _story_paragraphs(rest)
        out.append(Original(key, f"seed:{path.name}", title, body, tuple(paras)))
    return out


def _composed(rng: random.Random, key: int, name: str, pool: list[tuple[str, str]]) -> Original:
    """A story from 6-10 real summaries (consumed from ``pool``), titled with the first title."""
    count = rng.randint(6, 10)
    picked = [pool.pop() for _ in range(count)]
    paras = tuple(summary for _, summary in picked)
    title = picked[0][0]
    return Original(key, name, title, title + "\n\n" + "\n\n".join(paras), paras)


# -- text helpers ------------------------------------------------------------------------------

_SENT_END = re.compile(r"(?<=[.!؟?])\s+")
_AGENCIES = [
    "خبرگزاری مهر",
    "ایسنا",
    "ایرنا",
    "خبرگزاری تسنیم",
    "خبرگزاری فارس",
    "جام جم آنلاین",
    "باشگاه خبرنگاران جوان",
    "گروه بین‌الملل خبرگزاری دانشجو",
    "حوزه سیاست خارجی ایلنا",
    "خبرگزاری صدا و سیما به نقل از اسپوتنیک",
]
_LEAD_IN = re.compile(r"به\s*گزارش\s+[^،,\n]{1,100}?[،,]\s*")


def sentences(paragraph: str) -> list[str]:
    return [s for s in _SENT_END.split(paragraph) if s.strip()]


def _join(paras: list[str]) -> str:
    return "\n\n".join(paras)


def _vocabulary() -> list[str]:
    words = {w for _, s in feed_items() for w in s.split() if len(w) >= 3 and w.isalpha()}
    return sorted(words)


@lru_cache(maxsize=1)
def _vocab() -> tuple[str, ...]:
    return tuple(_vocabulary())


# -- transformations (positives) ---------------------------------------------------------------
Transform = Callable[[random.Random, Original], str]


def t_headline(rng: random.Random, o: Original) -> str:
    title = rng.choice(feed_items())[0] if rng.random() < 0.5 else _new_headline(rng)
    return title + "\n\n" + _join(list(o.paragraphs))


def _new_headline(rng: random.Random) -> str:
    return rng.choice(
        [
            "رایزنی تلفنی امیرعبداللهیان و لاوروف",
            "گفت‌وگوی وزرای خارجه ایران و روسیه درباره تحولات منطقه",
            "لاوروف: روابط مسکو و تهران راهبردی است",
            "دیدار وزیران خارجه ایران و روسیه در مسکو",
        ]
    )


def _set_attribution(rng: random.Random, text: str) -> str:
    agency = rng.choice(_AGENCIES)
    new = f"به گزارش {agency}، "
    if _LEAD_IN.search(text):
        return _LEAD_IN.sub(new, text, count=1)
    return new + text


def t_attribution(rng: random.Random, o: Original) -> str:
    return _set_attribution(rng, _join(list(o.paragraphs)))


def t_trim(rng: random.Random, o: Original, keep: float | None = None) -> str:
    """Keep the first 40-70% of the story (by characters, cut at a sentence end)."""
    keep = rng.uniform(0.4, 0.7) if keep is None else keep
    sents = [(i, s) for i, p in enumerate(o.paragraphs) for s in sentences(p)]
    total = sum(len(s) for _, s in sents)
    out: dict[int, list[str]] = {}
    length = 0
    for i, s in sents:
        out.setdefault(i, []).append(s)
        length += len(s)
        if length >= keep * total:
            break
    return _join([" ".join(v) for v in out.values()])


def t_trim40(rng: random.Random, o: Original) -> str:
    """The issue's limit: only the first 40% of the story, with a new headline."""
    return _new_headline(rng) + "\n\n" + t_trim(rng, o, keep=0.4)


def t_drop(rng: random.Random, o: Original) -> str:
    """Drop whole paragraphs (not the first), keeping at least 50% of the text."""
    paras = list(o.paragraphs)
    total = sum(map(len, paras))
    kept = list(range(len(paras)))
    for i in rng.sample(range(1, len(paras)), k=len(paras) - 1):
        trial = [k for k in kept if k != i]
        if sum(len(paras[k]) for k in trial) >= 0.5 * total and rng.random() < 0.5:
            kept = trial
    if len(kept) == len(paras):  # drop at least one
        kept = kept[:-1] if sum(len(paras[k]) for k in kept[:-1]) >= 0.5 * total else kept
    return _join([paras[k] for k in kept])


def t_reorder_paragraphs(rng: random.Random, o: Original) -> str:
    paras = list(o.paragraphs)
    rng.shuffle(paras)
    return _join(paras)


def t_reorder_sentences(rng: random.Random, o: Original) -> str:
    out = []
    for p in o.paragraphs:
        s = sentences(p)
        rng.shuffle(s)
        out.append(" ".join(s))
    rng.shuffle(out)
    return _join(out)


def t_merge(rng: random.Random, o: Original) -> str:
    return " ".join(o.paragraphs)


def t_edits(rng: random.Random, o: Original) -> str:
    """3-8 word edits: substitutions, deletions, insertions at random places."""
    words = _join(list(o.paragraphs)).split(" ")
    for _ in range(rng.randint(3, 8)):
        i = rng.randrange(len(words))
        op = rng.random()
        if op < 0.4:
            words[i] = rng.choice(_vocab())
        elif op < 0.7 and "\n" not in words[i]:
            del words[i]
        else:
            words.insert(i, rng.choice(_vocab()))
    return " ".join(words)


_HEADERS = [
    "سرویس بین الملل",
    "کد خبر: {n}",
    "تاریخ انتشار: {d}",
    "زمان مطالعه: ۳ دقیقه",
    "اشتراک گذاری",
    "لینک کوتاه",
    "سیاست خارجی > روسیه",
]
_FOOTERS = [
    "انتهای پیام/",
    "ما را در شبکه‌های اجتماعی تلگرام، اینستاگرام و توییتر دنبال کنید",
    "تمامی حقوق مادی و معنوی این سایت محفوظ است و استفاده از مطالب با ذکر منبع بلامانع است",
    "اخبار مرتبط",
    "برچسب‌ها: ایران، روسیه، لاوروف",
    "نظرات کاربران پس از تایید مدیر سایت منتشر خواهد شد",
]


def _boilerplate(rng: random.Random, text: str) -> str:
    n = rng.randint(10**6, 10**7 - 1)
    d = f"۱۴۰۲/۰{rng.randint(1, 9)}/{rng.randint(10, 29)} - ۱۸:۲۳"
    head = [h.format(n=n, d=d) for h in rng.sample(_HEADERS, k=rng.randint(2, 4))]
    foot = rng.sample(_FOOTERS, k=rng.randint(2, 4))
    if rng.random() < 0.5:  # a "related news" list of real headlines
        foot += [t for t, _ in rng.sample(feed_items(), k=3)]
    return "\n".join(head) + "\n\n" + text + "\n\n" + "\n".join(foot)


def t_boilerplate(rng: random.Random, o: Original) -> str:
    return _boilerplate(rng, _join(list(o.paragraphs)))


def _zwnj_word(word: str) -> str:
    """Insert the ZWNJ where Persian usually writes it: after می/نمی, before ها/های/ای."""
    if (
        len(word) >= 6
        and word.endswith(("های", "ها"))
        and word[-4 if word.endswith("های") else -3] != "ه"
    ):
        cut = -3 if word.endswith("های") else -2
        word = word[:cut] + ZWNJ + word[cut:]
    elif len(word) >= 5 and word.endswith("ای") and word[-3] == "ه":
        word = word[:-2] + ZWNJ + word[-2:]
    for prefix in ("نمی", "می"):
        if word.startswith(prefix) and len(word) >= len(prefix) + 3:
            return prefix + ZWNJ + word[len(prefix) :]
    return word


def _add_zwnj(text: str) -> str:
    return re.sub(r"[^\s.،,:؛!؟«»()]+", lambda m: _zwnj_word(m.group()), text)


def _zwnj_variant(rng: random.Random, text: str) -> str:
    mode = rng.choice(["add", "space", "remove", "mixed"])
    if mode == "remove":
        return text.replace(ZWNJ, "")
    with_zwnj = _add_zwnj(text.replace(ZWNJ, ""))
    if mode == "add":
        return with_zwnj
    if mode == "space":
        return with_zwnj.replace(ZWNJ, " ")
    return "".join(
        rng.choice([ZWNJ, " ", ""]) if ch == ZWNJ else ch for ch in with_zwnj
    )  # every site spelt at random


def t_zwnj(rng: random.Random, o: Original) -> str:
    return _zwnj_variant(rng, _join(list(o.paragraphs)))


def t_arabic_letters(rng: random.Random, o: Original) -> str:
    return _join(list(o.paragraphs)).replace("ی", "ي").replace("ک", "ك")


_PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
_ARABIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"


def _digits_to(text: str, target: str) -> str:
    table = {}
    for src in ("0123456789", _PERSIAN_DIGITS, _ARABIC_DIGITS):
        table.update({ord(c): target[i] for i, c in enumerate(src)})
    return text.translate(table)


def t_digits(rng: random.Random, o: Original) -> str:
    target = rng.choice(["0123456789", _PERSIAN_DIGITS, _ARABIC_DIGITS])
    text = _join(list(o.paragraphs))
    if not re.search(r"\d", text):  # a story without numbers: add a dated sentence
        text += "\n\nاین دیدار روز ۱۴ آذر ۱۴۰۲ ساعت ۱۸:۲۳ انجام شد."
    return _digits_to(text, target)


_HARAKAT = "\u064e\u064f\u0650\u0651\u0652\u064b"


def t_diacritics(rng: random.Random, o: Original) -> str:
    out = []
    for ch in _join(list(o.paragraphs)):
        out.append(ch)
        if "\u0621" <= ch <= "\u06cc" and rng.random() < 0.15:
            out.append(rng.choice(_HARAKAT) if rng.random() < 0.7 else "\u0640" * rng.randint(1, 3))
    return "".join(out)


def t_html_entities(rng: random.Random, o: Original) -> str:
    out = []
    for ch in _join(list(o.paragraphs)):
        r = rng.random()
        if ch == " " and r < 0.1:
            out.append("&nbsp;")
        elif ch == ZWNJ and r < 0.8:
            out.append("&zwnj;")
        elif "\u0600" <= ch <= "\u06ff" and r < 0.05:
            out.append(f"&#{ord(ch)};" if r < 0.03 else f"&#x{ord(ch):x};")
        elif ch in '«»"' and r < 0.8:
            out.append(html.escape(ch) if ch == '"' else {"«": "&laquo;", "»": "&raquo;"}[ch])
        else:
            out.append(ch)
    return "".join(out)


def b_windows1256(rng: random.Random, o: Original) -> bytes:
    """The page in windows-1256 (ی has no code there: Arabic ي, as such sites write it)."""
    text = _zwnj_variant(rng, _join(list(o.paragraphs))).replace("ی", "ي")
    return text.encode("cp1256", errors="xmlcharrefreplace")


def t_combined(rng: random.Random, o: Original) -> str:
    """A realistic republication: several transformations at once."""
    text = t_trim(rng, o) if rng.random() < 0.5 else t_reorder_paragraphs(rng, o)
    sub = Original(o.key, o.name, o.title, text, tuple(text.split("\n\n")))
    text = t_edits(rng, sub)
    text = _set_attribution(rng, text)
    text = _zwnj_variant(rng, text)
    if rng.random() < 0.5:
        text = text.replace("ی", "ي").replace("ک", "ك")
    text = _digits_to(text, rng.choice(["0123456789", _PERSIAN_DIGITS]))
    return _boilerplate(rng, _new_headline(rng) + "\n\n" + text)


POSITIVE_CLASSES: dict[str, Callable[[random.Random, Original], str | bytes]] = {
    "headline": t_headline,
    "attribution": t_attribution,
    "trim_40_70": t_trim,
    "trim_40": t_trim40,
    "drop_paragraphs": t_drop,
    "reorder_paragraphs": t_reorder_paragraphs,
    "reorder_sentences": t_reorder_sentences,
    "merge_paragraphs": t_merge,
    "word_edits": t_edits,
    "boilerplate": t_boilerplate,
    "zwnj": t_zwnj,
    "arabic_letters": t_arabic_letters,
    "digits": t_digits,
    "tatweel_diacritics": t_diacritics,
    "html_entities": t_html_entities,
    "windows_1256": b_windows1256,
    "combined": t_combined,
}

# -- negatives ---------------------------------------------------------------------------------

_TOPIC_SENTENCES = [
    "وزیر امور خارجه ایران در گفت‌وگوی تلفنی با همتای روس خود درباره {topic} رایزنی کرد.",
    "سرگئی لاوروف وزیر خارجه روسیه در این گفت‌وگو بر ضرورت {goal} تاکید کرد.",
    "دو طرف همچنین درباره {topic} و {topic2} تبادل نظر کردند.",
    "امیرعبداللهیان با اشاره به {topic} گفت: جمهوری اسلامی ایران از {goal} حمایت می‌کند.",
    "لاوروف در ادامه افزود: مسکو آماده است درباره {topic2} با تهران همکاری کند.",
    "وزرای خارجه ایران و روسیه پیش از این در {city} درباره {topic} دیدار کرده بودند.",
    "این {nth} تماس تلفنی وزرای خارجه دو کشور در {period} اخیر است.",
    "رئیس دستگاه دیپلماسی کشورمان در {city} با {person} نیز دیدار و گفت‌وگو کرد.",
    "وزارت خارجه روسیه در بیانیه‌ای اعلام کرد که {topic} محور اصلی این دیدار خواهد بود.",
    "طرفین بر اهمیت {goal} و پیگیری توافقات قبلی درباره {topic2} تاکید کردند.",
]
_SLOTS = {
    "topic": [
        "تحولات قفقاز جنوبی",
        "همکاری‌های انرژی",
        "کریدور شمال-جنوب",
        "وضعیت افغانستان",
        "پرونده هسته‌ای",
        "امنیت دریای خزر",
        "تجارت با ارزهای ملی",
        "بحران سوریه",
        "نشست سازمان شانگهای",
        "گروه بریکس",
        "تحریم‌های یکجانبه غرب",
        "راه آهن رشت-آستارا",
    ],
    "goal": [
        "گسترش همکاری‌های اقتصادی",
        "حل سیاسی بحران‌های منطقه",
        "مقابله با یکجانبه‌گرایی",
        "تقویت امنیت منطقه‌ای",
        "توسعه ترانزیت کالا",
        "افزایش حجم مبادلات تجاری",
    ],
    "city": ["مسکو", "تهران", "باکو", "آستانه", "نیویورک", "دوشنبه", "سوچی"],
    "person": [
        "همتای ترکمن خود",
        "دبیرکل سازمان همکاری اسلامی",
        "معاون نخست وزیر روسیه",
        "رئیس دومای روسیه",
        "وزیر خارجه قزاقستان",
    ],
    "nth": ["دومین", "سومین", "چهارمین", "پنجمین"],
    "period": ["ماه", "هفته‌های", "روزهای"],
}


def _topic_sentence(rng: random.Random) -> str:
    template = rng.choice(_TOPIC_SENTENCES)
    slots = {k: rng.choice(v) for k, v in _SLOTS.items()}
    slots["topic2"] = rng.choice([t for t in _SLOTS["topic"] if t != slots["topic"]])
    return template.format(**slots)


def _own_story(rng: random.Random, min_chars: int, spare: list[str]) -> list[str]:
    """A new story on the topic: paragraphs of topic sentences and real news summaries."""
    paras: list[str] = []
    while sum(map(len, paras)) < min_chars:
        own = [_topic_sentence(rng) for _ in range(rng.randint(1, 2))]
        own.append(rng.choice(spare))
        paras.append(" ".join(own))
    return paras


def _negatives(rng: random.Random, seeds: list[Original], spare: list[str]) -> list[Case]:
    """The hard negatives; ``spare`` are real summaries that no original contains."""
    cases = [
        Case(f"seed_vs_seeds:{s.name}", "neg_seed_vs_seeds", s.body, None, None, exclude=s.key)
        for s in seeds
    ]
    for i in range(NEGATIVES_PER_CLASS):
        text = _set_attribution(rng, _join(_own_story(rng, rng.randint(600, 2000), spare)))
        cases.append(Case(f"topic_story:{i}", "neg_topic_story", text, None, None))
    for i in range(NEGATIVES_PER_CLASS):
        seed = seeds[i % len(seeds)]
        quote = rng.choice(seed.paragraphs)
        own = _own_story(rng, 2 * len(quote), spare)
        own.insert(rng.randint(1, len(own)), quote)
        cases.append(Case(f"quotes_paragraph:{i}", "neg_quotes_paragraph", _join(own), None, None))
    for i in range(NEGATIVES_PER_CLASS):
        seed = seeds[i % len(seeds)]
        first = sentences(seed.paragraphs[0])[0]
        own = _own_story(rng, 3 * len(first), spare)
        title = seed.title or first.split("،")[0]
        text = title + "\n\n" + first + " " + _join(own)  # same headline formula too
        cases.append(Case(f"first_sentence:{i}", "neg_first_sentence", text, None, None))
    for i in range(NEGATIVES_PER_CLASS):
        text = _join(rng.sample(spare, k=rng.randint(4, 9)))
        cases.append(Case(f"unrelated:{i}", "neg_unrelated", text, None, None))
    return cases


# -- the set -----------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def build() -> Dataset:
    rng = random.Random(SEED)
    seeds = load_seed_originals()
    # Originals consume feed summaries; negatives draw only on the ones left (``spare``).
    pool = list(feed_items())
    rng.shuffle(pool)
    others = [_composed(rng, 100 + i, f"other:{i}", pool) for i in range(N_OTHER)]  # keys 100..
    fillers = [_composed(rng, 1000 + i, f"filler:{i}", pool) for i in range(N_FILLER)]
    cases: list[Case] = []
    for cls, transform in POSITIVE_CLASSES.items():
        for o in seeds + others:
            n = VARIANTS_PER_SEED if o in seeds else VARIANTS_PER_OTHER
            for v in range(n):
                page = transform(rng, o)
                charset = "windows-1256" if isinstance(page, bytes) else None
                cases.append(Case(f"{cls}:{o.name}:{v}", cls, page, charset, o.key))
    cases.extend(_negatives(rng, seeds, [summary for _, summary in pool]))
    return Dataset(tuple(seeds + others + fillers), tuple(cases))


if __name__ == "__main__":
    data = build()
    from collections import Counter

    print(len(data.originals), "originals;", len(data.cases), "cases")
    for kind, n in sorted(Counter(c.kind for c in data.cases).items()):
        print(f"  {kind:22} {n}")
