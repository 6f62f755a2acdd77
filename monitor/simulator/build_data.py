"""The simulator's whole content and the end-to-end ground truth (the "manifest"), built at start.

Inputs are the five seed articles (the bundled ``seeds/``), the hand-written texts in
``data/stories.json`` (seed metadata, republication headlines, Iran–Russia stories, traps) and
the articles ``newsroom.py`` writes (more Iran–Russia stories and their copies at other outlets,
hard negatives, unrelated news). All of it is text this project wrote, except the seeds.
Everything random goes through ``random.Random`` seeded with fixed strings, so every build gives
the same records; nothing is stored in the repository but the inputs.

``--corpus DIR`` (a folder holding ``hamshahri_feed_items.json``, e.g. ``../shared/fixtures/real``,
or ``../shared`` itself) adds those real feed items as further unrelated pages, after the rest
has its ids, so the bundled articles keep their URLs whether or not a corpus is given.

    python -m monitor.simulator.build_data [--corpus DIR] [--out FILE]   # writes the manifest
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import random
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import jdatetime

from monitor.defaults import bundled_seeds_dir
from monitor.simulator import newsroom

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
CORPUS_FILE = "hamshahri_feed_items.json"
TEHRAN = timezone(timedelta(hours=3, minutes=30))
OUTLETS = ("mehr", "irna", "isna", "tasnim", "jamejam", "alalam", "fars", "irib")
TARGET_PER_OUTLET = 34  # batch-0 articles per outlet, unrelated items fill the rest
RELATIONS_PER_BEAT = 2  # generated Iran–Russia stories of each kind
COPIED_EVERY = 2  # every second generated story is republished by another outlet
# How each outlet credits itself at the top of a story, and its name in attribution lines.
OWN_ATTRIBUTION = {
    "mehr": "به گزارش خبرگزاری مهر،",
    "irna": "به گزارش ایرنا،",
    "isna": "به گزارش ایسنا،",
    "tasnim": "به گزارش خبرگزاری تسنیم،",
    "jamejam": "به گزارش جام جم آنلاین،",
    "alalam": "به گزارش العالم،",
    "fars": "به گزارش خبرگزاری فارس،",
    "irib": "به گزارش خبرگزاری صدا و سیما،",
}
SOURCE_NAME = {
    "mehr": "مهر",
    "irna": "ایرنا",
    "isna": "ایسنا",
    "tasnim": "تسنیم",
    "jamejam": "جام جم",
    "alalam": "العالم",
    "fars": "فارس",
    "irib": "صدا و سیما",
}
# Pages served as windows-1256 (and declared so): one seed, one unrelated item, both Al-Alam.
CP1256_KINDS = {("alalam", "seed"), ("alalam", "unrelated")}

# Words hinting at Russia: unrelated items containing one are left out so that ground truth holds.
RUSSIA_WORDS = re.compile(r"روسیه|روسي|مسکو|پوتین|کرملین|لاوروف|روس\b")
DATE_LINE = re.compile(
    r"^(?:شنبه|یکشنبه|دوشنبه|سه ?شنبه|چهارشنبه|پنجشنبه|جمعه) \d{1,2} \S+ \d{4} - \d{1,2}:\d{2}$"
)
FURNITURE = ("newsQrCode", "ارسال نظرات", "نیازمندی ها", "پربیننده ترین", "نظر شما", "العالم - ")
STOP = ("انتهای پیام",)

# Spellings a republishing desk restores: the seeds were saved with their ZWNJs lost.
ZWNJ_FIXES = {
    "همکاریهای": "همکاری‌های",
    "منطقهای": "منطقه‌ای",
    "گفتوگو": "گفت‌وگو",
    "بینالمللی": "بین‌المللی",
    "بینالملل": "بین‌الملل",
    "میکند": "می‌کند",
    "میشود": "می‌شود",
    "آمریکاییها": "آمریکایی‌ها",
    "صهیونیستها": "صهیونیست‌ها",
    "تلاشهای": "تلاش‌های",
    "جبهههای": "جبهه‌های",
    "رایزنیها": "رایزنی‌ها",
    "نخستوزیر": "نخست‌وزیر",
    "قطعنامهای": "قطعنامه‌ای",
    "گستردهتر": "گسترده‌تر",
    "بردهایم": "برده‌ایم",
    "دادهاند": "داده‌اند",
    "حوزههای": "حوزه‌های",
    "علاقهمند": "علاقه‌مند",
    "میپردازند": "می‌پردازند",
    "صحبتهای": "صحبت‌های",
    "رئیسجمهور": "رئیس‌جمهور",
    "دیدارها": "دیدار‌ها",
    "تحریم های": "تحریم‌های",
    "همکاری های": "همکاری‌های",
}
DIGITS = {
    "persian": "۰۱۲۳۴۵۶۷۸۹",
    "ascii": "0123456789",
    "arabic": "٠١٢٣٤٥٦٧٨٩",
}
_ALL_DIGITS = {c: i for s in DIGITS.values() for i, c in enumerate(s)}


def tehran(iso: str) -> datetime:
    return datetime.fromisoformat(iso).astimezone(TEHRAN)


def iso(dt: datetime) -> str:
    return dt.astimezone(TEHRAN).isoformat(timespec="seconds")


def slugify(title: str, words: int = 12) -> str:
    """Nastooh/IranSamaneh-style slug: words (ZWNJ splits too) joined by '-'."""
    cleaned = re.sub(r"[^\w\u200c\s-]", " ", title).replace("\u200c", " ")
    parts = [p for p in re.split(r"[\s_-]+", cleaned) if p]
    return "-".join(parts[:words])


def to_digits(text: str, style: str) -> str:
    target = DIGITS[style]
    return "".join(target[_ALL_DIGITS[c]] if c in _ALL_DIGITS else c for c in text)


# ---------------------------------------------------------------------------------- seeds


def parse_seed(text: str, meta: dict[str, Any]) -> dict[str, Any]:
    """Split a saved seed into title, lead, body paragraphs and news code, dropping furniture.

    The seed files are page text: the headline may repeat, the lead may repeat, and date lines,
    "کد خبر", comment counters and ad lists surround the article.
    """
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    title = meta.get("title")
    if not title:
        title = lines.pop(0)
    code = None
    body: list[str] = []
    for line in lines:
        if line.startswith(STOP):
            break
        if line == title or DATE_LINE.match(line) or line.startswith(FURNITURE):
            continue
        m = re.match(r"^کد خبر:\s*(\S+)", line)
        if m:
            code = int(to_digits(m.group(1), "ascii"))
            continue
        if line not in body:  # a repeated lead is shown once
            body.append(line)
    lead = meta.get("lead")
    if not lead:
        lead = body.pop(0)
    return {"title": title, "lead": lead, "paragraphs": body, "code": code}


def republish(
    seed: dict[str, Any],
    meta: dict[str, Any],
    rep: dict[str, Any],
    index: int,
    styles: dict[str, str],
    seed_file: str,
) -> dict[str, Any]:
    """What another desk does to a seed: new headline, own attribution, trimmed end, spellings."""
    rng = random.Random(f"republication:{seed_file}:{rep['outlet']}")
    paragraphs = list(seed["paragraphs"])
    n = len(paragraphs)
    keep = rng.randint(math.ceil(n * 0.55), n)
    paragraphs = paragraphs[:keep]
    attribution = styles[rep["outlet"]].format(src=meta["source_name"])
    old = meta["attribution"]
    for i, p in enumerate(paragraphs):
        if old and old in p:
            paragraphs[i] = p.replace(old, attribution, 1)
            break
    else:
        paragraphs[0] = f"{attribution} {paragraphs[0]}"
    lead = seed["lead"]
    title = rep["title"]
    # Each republication of a seed gets a different mix of spelling changes.
    variant = index % 3

    def spell(text: str) -> str:
        if variant == 0 or rng.random() < 0.3:
            for bad, good in ZWNJ_FIXES.items():
                text = text.replace(bad, good)
        if variant == 1:
            text = text.replace("ی", "ي").replace("ک", "ك")
        style = ("persian", "ascii", "arabic")[variant]
        return to_digits(text, style)

    return {
        "title": spell(title) if variant == 1 else title,
        "lead": spell(lead),
        "paragraphs": [spell(p) for p in paragraphs],
    }


# ---------------------------------------------------------------------------------- ids, urls


class Ids:
    """Outlet article ids that grow with publication time, as the real CMSs' counters do."""

    EPOCH = datetime(2021, 1, 1, tzinfo=UTC)

    def __init__(self) -> None:
        self.used: dict[str, set[str]] = {o: set() for o in OUTLETS}

    def make(self, outlet: str, published: datetime, code: int | None = None) -> str:
        minutes = int((published - self.EPOCH).total_seconds() // 60)
        if code is not None:
            value = str(code)
        elif outlet == "mehr":
            value = str(5_000_000 + minutes // 2)
        elif outlet == "irna":
            value = str(84_000_000 + minutes // 3)
        elif outlet == "isna":
            j = jdatetime.datetime.fromgregorian(datetime=published.astimezone(TEHRAN))
            serial = 10000 + (published.hour * 60 + published.minute) * 30
            value = f"{j.year}{j.month:02d}{j.day:02d}{serial:05d}"
        elif outlet == "tasnim":
            value = str(2_500_000 + minutes // 3)
        elif outlet == "jamejam":
            value = str(1_429_035 + (minutes - 1_476_000) // 8)
        elif outlet == "alalam":
            value = str(4_000_000 + minutes // 10)
        elif outlet == "irib":
            value = str(3_000_000 + minutes // 6)
        elif outlet == "fars":
            tail = random.Random(f"fars:{minutes}").randrange(10**8, 10**9)
            value = f"{int(published.timestamp())}{tail}"
        else:
            raise ValueError(outlet)
        while value in self.used[outlet]:
            value = str(int(value) + 1)
        self.used[outlet].add(value)
        return value


def article_url(
    outlet: str, art_id: str, title: str, published: datetime, reporter: str | None = None
) -> str:
    slug = slugify(title)
    if outlet == "mehr":
        return f"https://www.mehrnews.com/news/{art_id}/{slug}"
    if outlet == "irna":
        return f"https://www.irna.ir/news/{art_id}/{slug}"
    if outlet == "isna":
        return f"https://www.isna.ir/news/{art_id}/{slug}"
    if outlet == "tasnim":
        j = jdatetime.datetime.fromgregorian(datetime=published.astimezone(TEHRAN))
        return (
            f"https://www.tasnimnews.ir/fa/news/{j.year}/{j.month:02d}/{j.day:02d}/{art_id}/{slug}"
        )
    if outlet == "jamejam":
        return f"https://jamejamonline.ir/fa/news/{art_id}/{slug}"
    if outlet == "irib":
        return f"https://www.iribnews.ir/fa/news/{art_id}/{slug}"
    if outlet == "alalam":
        return f"https://fa.alalam.ir/news/{art_id}/{slug}"
    if outlet == "fars":
        return f"https://farsnews.ir/{reporter or 'farsnews_world'}/{art_id}"
    raise ValueError(outlet)


# ---------------------------------------------------------------------------------- build


def corpus_file(path: str | Path) -> Path:
    """The feed-items file a ``--corpus`` argument names (the file, its folder, or ../shared)."""
    path = Path(path).expanduser()
    for candidate in (path, path / CORPUS_FILE, path / "fixtures" / "real" / CORPUS_FILE):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"no {CORPUS_FILE} at {path} (nor in its fixtures/real/)")


def load_unrelated(path: Path) -> list[dict[str, Any]]:
    """Distinct real feed items with no Russia words (some links recur with edited titles)."""
    items = json.loads(path.read_text(encoding="utf-8"))
    seen_links: set[str] = set()
    seen_text: set[str] = set()
    out = []
    for item in items:
        link_id = re.sub(r"^.*/news/(\d+).*$", r"\1", item.get("link", ""))
        summary = (item.get("summary") or "").strip()
        title = (item.get("title") or "").strip()
        blob = f"{title} {summary}"
        if not title or len(summary) < 40 or RUSSIA_WORDS.search(blob):
            continue
        if link_id in seen_links or summary in seen_text or title in seen_text:
            continue
        seen_links.add(link_id)
        seen_text.update((summary, title))
        out.append(item)
    return out


def build(seeds_dir: Path | None = None, corpus: Path | None = None) -> list[dict[str, Any]]:
    """Every simulated article as a manifest record; ``corpus`` adds real unrelated items."""
    seeds_dir = seeds_dir or bundled_seeds_dir()
    spec = json.loads((DATA / "stories.json").read_text(encoding="utf-8"))
    styles = spec["attribution_styles"]
    records: list[dict[str, Any]] = []

    def add(
        outlet: str,
        kind: str,
        published: datetime,
        title: str,
        lead: str,
        paragraphs: list[str],
        **extra: Any,
    ) -> dict[str, Any]:
        rec = {
            "outlet": outlet,
            "title": title,
            "kicker": extra.pop("kicker", None),
            "lead": lead,
            "paragraphs": paragraphs,
            "published": published,
            "author": extra.pop("author", None),
            "tags": extra.pop("tags", []),
            "section": extra.pop("section", ""),
            "batch": extra.pop("batch", 0),
            "kind": kind,
            "of": extra.pop("of", None),
            "relevant": kind in ("seed", "republication", "new", "copy"),
            "cited": extra.pop("cited", None),
            "pass": extra.pop("pass_", 0),
        }
        rec.update(extra)
        records.append(rec)
        return rec

    for seed_file, meta in spec["seeds"].items():
        text = (seeds_dir / seed_file).read_text(encoding="utf-8")
        seed = parse_seed(text, meta)
        published = tehran(meta["published"])
        add(
            meta["outlet"],
            "seed",
            published,
            seed["title"],
            seed["lead"],
            seed["paragraphs"],
            section=meta["section"],
            tags=meta["tags"],
            of=seed_file,
            cited=meta["cited"],
            author=meta.get("author"),
            code=seed["code"],
        )
        for index, rep in enumerate(meta["republications"]):
            rng = random.Random(f"delay:{seed_file}:{rep['outlet']}")
            when = published + timedelta(minutes=rng.randint(45, 30 * 60))
            copy = republish(seed, meta, rep, index, styles, seed_file)
            add(
                rep["outlet"],
                "republication",
                when,
                copy["title"],
                copy["lead"],
                copy["paragraphs"],
                section=meta["section"],
                tags=meta["tags"],
                of=seed_file,
                cited=meta["source_name"],
            )

    for kind, key in (("new", "stories"), ("trap", "traps")):
        for story in spec[key]:
            add(
                story["outlet"],
                kind,
                tehran(story["published"]),
                story["title"],
                story["lead"],
                story["paragraphs"],
                kicker=story.get("kicker"),
                section=story["section"],
                tags=story["tags"],
                batch=story["batch"],
                story=story["key"],
                event=story.get("of_event", story["key"]),
                reporter=story.get("reporter"),
            )

    _add_generated(add)
    _add_unrelated(add, records)
    if corpus is not None:
        _add_corpus(add, corpus_file(corpus))
    return _finish(records)


AddFn = Any  # the ``add`` closure of ``build``


def _when(rng: random.Random, start: datetime, end: datetime) -> datetime:
    moment = start + timedelta(seconds=rng.uniform(0, (end - start).total_seconds()))
    return moment.replace(second=0, microsecond=0)


def _story_paragraphs(outlet: str, story: newsroom.Written, attribution: str) -> list[str]:
    """The body as the outlet prints it: its attribution line opens the first paragraph."""
    return [f"{attribution} {story.paragraphs[0]}", *story.paragraphs[1:]]


def _add_generated(add: AddFn) -> None:
    """The newsroom's Iran–Russia stories (some copied by a second outlet) and hard negatives."""
    rng = random.Random("generated-dates")
    start, end = datetime(2022, 2, 1, tzinfo=TEHRAN), datetime(2025, 10, 20, tzinfo=TEHRAN)
    for i, story in enumerate(newsroom.relations(RELATIONS_PER_BEAT)):
        outlet = OUTLETS[(i * 3 + 1) % len(OUTLETS)]
        published = _when(rng, start, end)
        key = f"{story.beat}-{i // len(newsroom.RELATIONS)}"
        add(
            outlet,
            "new",
            published,
            story.title,
            story.lead,
            _story_paragraphs(outlet, story, OWN_ATTRIBUTION[outlet]),
            section=story.section,
            tags=story.tags,
            story=key,
            event=key,
            source="newsroom",
            pass_=1,
        )
        if i % COPIED_EVERY:
            continue
        desk = random.Random(f"copy:{key}")
        other = desk.choice([o for o in OUTLETS if o != outlet])
        copy = newsroom.rework(story, desk)
        line = f"به گزارش {SOURCE_NAME[other]} به نقل از {SOURCE_NAME[outlet]}،"
        if other in ("mehr", "tasnim", "fars"):
            line = f"به گزارش خبرگزاری {SOURCE_NAME[other]} به نقل از {SOURCE_NAME[outlet]}،"
        add(
            other,
            "copy",
            published + timedelta(minutes=desk.randint(50, 20 * 60)),
            copy.title,
            copy.lead,
            _story_paragraphs(other, copy, line),
            section=copy.section,
            tags=copy.tags,
            of=key,
            story=key,
            event=key,
            cited=SOURCE_NAME[outlet],
            source="newsroom",
            pass_=1,
        )
    for i, trap in enumerate(newsroom.traps()):
        outlet = OUTLETS[(i * 5 + 2) % len(OUTLETS)]
        add(
            outlet,
            "trap",
            _when(rng, start, end),
            trap.title,
            trap.lead,
            _story_paragraphs(outlet, trap, OWN_ATTRIBUTION[outlet]),
            section=trap.section,
            tags=trap.tags,
            story=trap.beat,
            event=trap.beat,
            source="newsroom",
            pass_=1,
        )


def _add_unrelated(add: AddFn, records: list[dict[str, Any]]) -> None:
    """Unrelated news fills each outlet to TARGET_PER_OUTLET; a few more arrive in later batches."""
    later = {1: ("mehr", "irna", "fars"), 2: ("tasnim", "jamejam")}
    wanted: list[tuple[str, int]] = []
    for outlet in OUTLETS:
        have = sum(1 for r in records if r["outlet"] == outlet and r["batch"] == 0)
        wanted += [(outlet, 0)] * max(0, TARGET_PER_OUTLET - have)
        wanted += [(outlet, b) for b, outs in later.items() if outlet in outs]
    pool = newsroom.unrelated(len(wanted))
    random.Random("unrelated-order").shuffle(pool)
    rng = random.Random("unrelated-dates")
    start, end = datetime(2021, 9, 1, tzinfo=TEHRAN), datetime(2025, 10, 31, tzinfo=TEHRAN)
    for (outlet, batch), story in zip(wanted, pool, strict=True):
        if batch == 0:
            when = _when(rng, start, end)
        else:
            base = (
                datetime(2025, 11, 2, 9, tzinfo=TEHRAN)
                if batch == 1
                else datetime(2025, 12, 9, 9, tzinfo=TEHRAN)
            )
            when = base + timedelta(minutes=rng.randint(0, 48 * 60))
        add(
            outlet,
            "unrelated",
            when,
            story.title,
            story.lead,
            _story_paragraphs(outlet, story, OWN_ATTRIBUTION[outlet]),
            section=story.section,
            tags=story.tags,
            batch=batch,
            source="newsroom",
            pass_=1,
        )


def _add_corpus(add: AddFn, path: Path) -> None:
    """Real feed items (``--corpus``), each with two or three more items' summaries as its body."""
    pool = load_unrelated(path)
    random.Random("corpus-order").shuffle(pool)
    rng = random.Random("corpus-dates")
    start, end = datetime(2021, 9, 1, tzinfo=TEHRAN), datetime(2025, 10, 31, tzinfo=TEHRAN)
    i = 0
    while len(pool) >= 3:
        outlet = OUTLETS[i % len(OUTLETS)]
        i += 1
        group = [pool.pop() for _ in range(min(len(pool), 1 + rng.randint(2, 3)))]
        first = group[0]
        add(
            outlet,
            "unrelated",
            _when(rng, start, end),
            first["title"].strip(),
            first["summary"].strip(),
            [g["summary"].strip() for g in group],
            section=(first.get("tags") or ["عمومی"])[0],
            tags=[t.split(">")[-1].strip() for t in first.get("tags", [])],
            source="corpus",
            source_link=first.get("link"),
            pass_=2,
        )


def _finish(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Outlet ids and URLs, then the record layout.

    Ids grow with publication time per outlet. The hand-written records take theirs first, then
    the generated ones, then a corpus's: an id clash moves the later pass, so adding a corpus
    (or more generated text) never changes the URL of a story tests name.
    """
    ids = Ids()
    records.sort(key=lambda r: (r["pass"], r["published"], r["outlet"], r["title"]))
    for rec in records:
        rec["id"] = ids.make(rec["outlet"], rec["published"], rec.pop("code", None))
        rec["url"] = article_url(
            rec["outlet"], rec["id"], rec["title"], rec["published"], rec.pop("reporter", None)
        )
    records.sort(key=lambda r: (r["published"], r["outlet"], r["title"]))
    for rec in records:
        rec["published"] = iso(rec["published"])
        del rec["pass"]
    chosen: set[tuple[str, str]] = set()
    for rec in records:
        pair = (rec["outlet"], rec["kind"])
        if pair in CP1256_KINDS and pair not in chosen and rec["batch"] == 0:
            chosen.add(pair)
            rec["encoding"] = "windows-1256"
    order = [
        "outlet",
        "id",
        "url",
        "title",
        "kicker",
        "lead",
        "paragraphs",
        "published",
        "author",
        "tags",
        "section",
        "batch",
        "kind",
        "of",
        "relevant",
        "cited",
    ]
    return [
        {k: rec[k] for k in order} | {k: v for k, v in rec.items() if k not in order}
        for rec in records
    ]


@functools.lru_cache(maxsize=4)
def _cached(corpus: str | None) -> str:
    return json.dumps(build(corpus=Path(corpus) if corpus else None), ensure_ascii=False)


def manifest(corpus: str | Path | None = None) -> list[dict[str, Any]]:
    """The records every simulator serves (a fresh copy each call; built once per corpus)."""
    records: list[dict[str, Any]] = json.loads(_cached(str(corpus) if corpus else None))
    return records


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=None, help="add real items from here")
    parser.add_argument("--out", type=Path, default=None, help="write the manifest here")
    args = parser.parse_args(argv)
    records = manifest(args.corpus)
    if args.out:
        text = json.dumps(records, ensure_ascii=False, indent=1) + "\n"
        args.out.write_text(text, encoding="utf-8")
    counts: dict[str, int] = {}
    for r in records:
        counts[f"{r['outlet']}/{r['kind']}"] = counts.get(f"{r['outlet']}/{r['kind']}", 0) + 1
    print(f"{len(records)} articles" + (f", written to {args.out}" if args.out else ""))
    for key in sorted(counts):
        print(f"  {key}: {counts[key]}")


if __name__ == "__main__":
    main()
