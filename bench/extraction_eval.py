"""The extraction adapter against trafilatura alone, side by side in one process.

Two sets, each scored for both extractors on the same pages:

* **shared** — ``../shared/fixtures/trafilatura-eval`` (161 real pages of sites the monitor
  was never tuned for, with phrases a reader needs and furniture that must go; third-party
  data read in place, never copied): kept-phrase rate, dropped-phrase rate, empty results,
  dates found and dates matching the set's own date (the page's local date).
* **persian** — per outlet: the hand-made golden pages (``tests/golden``), pages rendered by
  the outlet simulator, and the two real saved pages in ``../shared/fixtures/real`` when that
  folder is present: title, date, body start, kept phrases, boilerplate dropped, empty
  results, dates found.

"trafilatura alone" is ``trafilatura.extract(page, url=url)`` with its defaults, its title
from ``extract_metadata`` and its date from htmldate (which trafilatura runs). Phrases are
matched as exact substrings for both. ``python -m bench.extraction_eval`` prints the tables
(the ones in docs/extraction.md) and every miss; tests/test_extraction_gate.py pins them.
"""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import trafilatura

from monitor.dates import parse_persian_date, to_tehran
from monitor.extract import Extracted, ExtractionError, extract
from monitor.normalize import display_text
from monitor.outlets import load_outlets
from monitor.simulator.build_data import manifest
from monitor.simulator.catalog import ServedArticle
from monitor.simulator.markup import render_article

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
SHARED = ROOT.parent / "shared" / "fixtures"
SHARED_EVAL = SHARED / "trafilatura-eval"
SHARED_REAL = SHARED / "real"
DATE_CASES = ROOT / "bench" / "data" / "date_cases.json"
GENERIC_DROPPED = ("انتهای پیام", "کد خبر", "نظر شما", "ارسال نظر")

logger = logging.getLogger(__name__)


@dataclass
class Case:
    """One Persian page with what a good extraction of it gives."""

    name: str
    html: bytes
    url: str
    outlet: str | None
    title: str
    published: datetime | None
    body_starts: str
    kept: list[str]
    dropped: list[str]
    group: str  # golden, simulator or real
    tags: list[str] = field(default_factory=list)


@dataclass
class Tally:
    """One extractor's score on a set of pages."""

    pages: int = 0
    empty: int = 0
    kept_found: int = 0
    kept_total: int = 0
    dropped_absent: int = 0
    dropped_total: int = 0
    dates_found: int = 0
    dates_correct: int = 0
    dates_checked: int = 0
    times_exact: int = 0  # the adapter's date right to the second (Persian pages)
    titles_ok: int = 0
    starts_ok: int = 0

    @staticmethod
    def _rate(num: int, den: int) -> float:
        return num / den if den else 1.0

    @property
    def kept_rate(self) -> float:
        return self._rate(self.kept_found, self.kept_total)

    @property
    def dropped_rate(self) -> float:
        return self._rate(self.dropped_absent, self.dropped_total)

    @property
    def title_rate(self) -> float:
        return self._rate(self.titles_ok, self.pages)

    @property
    def start_rate(self) -> float:
        return self._rate(self.starts_ok, self.pages)

    @property
    def date_rate(self) -> float:
        return self._rate(self.dates_correct, self.dates_checked)

    def score_text(self, text: str, kept: list[str], dropped: list[str]) -> tuple[list, list]:
        """Count phrases; return the kept phrases lost and the dropped phrases leaked."""
        self.pages += 1
        self.kept_total += len(kept)
        self.dropped_total += len(dropped)
        if not text.strip():
            self.empty += 1
        lost = [p for p in kept if p not in text]
        leaked = [p for p in dropped if p in text]
        self.kept_found += len(kept) - len(lost)
        self.dropped_absent += len(dropped) - len(leaked)
        return lost, leaked


@dataclass
class SideBySide:
    adapter: Tally = field(default_factory=Tally)
    alone: Tally = field(default_factory=Tally)
    methods: dict[str, int] = field(default_factory=dict)
    misses: list[str] = field(default_factory=list)


# --- trafilatura alone -----------------------------------------------------------------------


@dataclass
class Alone:
    text: str
    title: str
    day: date | None  # htmldate's date: the page's local date


def trafilatura_alone(html: bytes, url: str) -> Alone:
    text = trafilatura.extract(html, url=url) or ""
    meta = trafilatura.extract_metadata(html, default_url=url)
    day = None
    if meta is not None and meta.date:
        try:
            day = date.fromisoformat(meta.date[:10])
        except ValueError:
            day = None
    title = (meta.title or "") if meta is not None else ""
    return Alone(text=text, title=title, day=day)


def _local_day(got: Extracted) -> date | None:
    """The adapter's date as the page's local date (in the offset the page stated)."""
    if got.published is None:
        return None
    offset = got.published_offset or "+00:00"
    sign = -1 if offset[0] == "-" else 1
    zone = timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6])))
    return got.published.astimezone(zone).date()


def _adapter(html: bytes, url: str, outlet: Any = None) -> Extracted | str:
    try:
        return extract(html, url, outlet)
    except ExtractionError as exc:
        return exc.reason


# --- the shared regression set ----------------------------------------------------------------


def shared_eval(folder: Path = SHARED_EVAL) -> SideBySide:
    """Adapter and trafilatura alone on every page of the shared regression set."""
    spec = json.loads((folder / "evaldata.json").read_text(encoding="utf-8"))
    out = SideBySide()
    for url, page in spec.items():
        html = (folder / "pages" / page["file"]).read_bytes()
        kept, dropped = list(page.get("with") or []), list(page.get("without") or [])
        want = date.fromisoformat(page["date"][:10]) if page.get("date") else None
        got = _adapter(html, url)
        text = got.text if isinstance(got, Extracted) else ""
        if isinstance(got, Extracted):
            out.methods[got.method] = out.methods.get(got.method, 0) + 1
        else:
            out.misses.append(f"adapter empty on {page['file']}: {got}")
        lost, leaked = out.adapter.score_text(text, kept, dropped)
        day = _local_day(got) if isinstance(got, Extracted) else None
        _score_day(out.adapter, day, want)
        alone = trafilatura_alone(html, url)
        a_lost, a_leaked = out.alone.score_text(alone.text, kept, dropped)
        _score_day(out.alone, alone.day, want)
        for phrase in set(lost) - set(a_lost):
            out.misses.append(f"adapter lost, trafilatura kept, {page['file']}: {phrase!r}")
        for phrase in set(leaked) - set(a_leaked):
            out.misses.append(f"adapter leaked, trafilatura dropped, {page['file']}: {phrase!r}")
    return out


def _score_day(tally: Tally, got: date | None, want: date | None) -> None:
    if got is not None:
        tally.dates_found += 1
    if want is not None:
        tally.dates_checked += 1
        tally.dates_correct += got == want


# --- the Persian pages -----------------------------------------------------------------------


def _utc(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def golden_cases(golden: Path = GOLDEN) -> list[Case]:
    """The hand-made pages in tests/golden/pages (written by the project)."""
    spec = json.loads((golden / "expectations.json").read_text(encoding="utf-8"))
    return [
        Case(
            name=page["file"],
            html=(golden / page["file"]).read_bytes(),
            url=page["url"],
            outlet=page.get("outlet"),
            title=page["title"],
            published=_utc(page.get("published")),
            body_starts=page["body_starts"],
            kept=page["kept"],
            dropped=page["dropped"],
            group="golden",
            tags=page.get("tags", []),
        )
        for page in spec["pages"]
    ]


def real_cases(folder: Path = SHARED_REAL, golden: Path = GOLDEN) -> list[Case]:
    """The real saved pages in ../shared/fixtures/real, or [] when that folder is absent.

    Expectations come from the page's own ``.expected.json`` beside it; the repository only
    adds the outlet, the generic furniture that must go, and date corrections with reasons
    (``real`` in tests/golden/expectations.json), so no excerpt of the pages is kept here.
    """
    if not folder.is_dir():
        return []
    spec = json.loads((golden / "expectations.json").read_text(encoding="utf-8"))
    cases = []
    for entry in spec["real"]:
        page = folder / entry["file"]
        expected = json.loads(page.with_suffix(".expected.json").read_text(encoding="utf-8"))
        cases.append(
            Case(
                name=f"real/{entry['file']}",
                html=page.read_bytes(),
                url=expected["url"],
                outlet=entry["outlet"],
                title=expected["title"],
                published=_utc(entry.get("published") or expected.get("date_published")),
                body_starts=expected["body_first_13_words"],
                kept=[expected["body_first_13_words"]],
                dropped=list(entry["dropped"]),
                group="real",
                tags=list(expected.get("tags") or []),
            )
        )
    return cases


def simulator_cases(per_outlet: int = 2, skip: int = 0) -> list[Case]:
    """Pages rendered by the outlet simulator: ``per_outlet`` articles of each outlet after the
    first ``skip`` (the gate uses the first two; later ones are a held-out check).

    Related and popular headlines rendered on the page must not leak into the body. No
    exception is caught here: if the simulator's pages cannot be built the gate must fail.
    """
    by_outlet: dict[str, list[ServedArticle]] = {}
    for record in manifest():  # the simulator's content is built in code, not read from a file
        by_outlet.setdefault(record["outlet"], []).append(ServedArticle.from_record(record))
    cases: list[Case] = []
    for outlet, articles in sorted(by_outlet.items()):
        # Prefer pages with a body of several paragraphs, related stories first.
        articles.sort(key=lambda a: (a.kind == "unrelated", -len(a.paragraphs), a.id))
        for i, art in enumerate(articles[skip : skip + per_outlet], start=skip):
            others = [a for a in articles if a is not art][i * 4 : i * 4 + 4]
            html = render_article(art, others[:2], others[2:])
            paragraphs = [display_text(p) for p in art.paragraphs if display_text(p)]
            lead = display_text(art.lead or "")
            body = [p for p in paragraphs if p != lead] or paragraphs
            cases.append(
                Case(
                    name=f"simulator/{outlet}/{art.id}",
                    html=html,
                    url=art.url,
                    outlet=outlet,
                    title=display_text(art.title),
                    published=art.published,
                    body_starts=" ".join(body[0].split()[:8]),
                    kept=[" ".join(p.split()[:6]) for p in body[1:3]],
                    dropped=[*GENERIC_DROPPED, *(display_text(o.title) for o in others)],
                    group="simulator",
                )
            )
    return cases


def persian_eval(cases: list[Case]) -> dict[str, SideBySide]:
    """Adapter (with the outlet's configuration) and trafilatura alone, per outlet."""
    outlets = load_outlets()
    by_outlet: dict[str, SideBySide] = {}
    for case in cases:
        out = by_outlet.setdefault(case.outlet or "none", SideBySide())
        want_day = to_tehran(case.published).date() if case.published else None
        got = _adapter(case.html, case.url, outlets.get(case.outlet or ""))
        if isinstance(got, Extracted):
            out.methods[got.method] = out.methods.get(got.method, 0) + 1
            lost, leaked = out.adapter.score_text(got.text, case.kept, case.dropped)
            shown = _shown(got)
            out.adapter.titles_ok += got.title == shown(case.title)
            out.adapter.starts_ok += got.text.startswith(shown(case.body_starts))
            # Persian pages are dated in Tehran's calendar day, whatever offset metadata used.
            got_day = to_tehran(got.published).date() if got.published else None
            _score_day(out.adapter, got_day, want_day)
            out.adapter.times_exact += got.published == case.published
            _misses(out, case, got, lost, leaked)
        else:
            out.adapter.score_text("", case.kept, case.dropped)
            _score_day(out.adapter, None, want_day)
            out.misses.append(f"{case.name}: no body ({got})")
        alone = trafilatura_alone(case.html, case.url)
        out.alone.score_text(alone.text, case.kept, case.dropped)
        out.alone.titles_ok += display_text(alone.title) == display_text(case.title)
        out.alone.starts_ok += display_text(alone.text).startswith(display_text(case.body_starts))
        _score_day(out.alone, alone.day, want_day)
    return by_outlet


def _shown(got: Extracted) -> Any:
    """The display form for this page's script: an Arabic page keeps its letters."""
    return lambda text: display_text(text, persian_letters=got.script != "arabic")


def _misses(out: SideBySide, case: Case, got: Extracted, lost: list, leaked: list) -> None:
    shown = _shown(got)
    if got.title != shown(case.title):
        out.misses.append(f"{case.name}: title {got.title!r}")
    if got.published != case.published:
        out.misses.append(f"{case.name}: date {got.published} via {got.date_source}")
    if not got.text.startswith(shown(case.body_starts)):
        out.misses.append(f"{case.name}: body starts {got.text[:60]!r} ({got.method})")
    out.misses += [f"{case.name}: lost {p!r} ({got.method})" for p in lost]
    out.misses += [f"{case.name}: leaked {p!r} ({got.method})" for p in leaked]


def total(parts: dict[str, SideBySide]) -> SideBySide:
    """The per-outlet tallies summed."""
    out = SideBySide()
    for part in parts.values():
        for mine, theirs in ((out.adapter, part.adapter), (out.alone, part.alone)):
            for name in Tally.__dataclass_fields__:
                setattr(mine, name, getattr(mine, name) + getattr(theirs, name))
        for method, n in part.methods.items():
            out.methods[method] = out.methods.get(method, 0) + n
        out.misses += part.misses
    return out


# --- date strings -----------------------------------------------------------------------------


def date_strings(path: Path = DATE_CASES) -> tuple[int, int, list[str]]:
    """(correct, total, misses) over the labelled date strings."""
    spec = json.loads(path.read_text(encoding="utf-8"))
    now = _utc(spec["now"])
    ok, misses = 0, []
    for text, expected in spec["cases"]:
        got = parse_persian_date(text, now=now)
        if got == _utc(expected):
            ok += 1
        else:
            misses.append(f"date string {text!r}: {got} (expected {expected})")
    return ok, len(spec["cases"]), misses


# --- report -----------------------------------------------------------------------------------


def _row(name: str, t: Tally, persian: bool) -> str:
    cells = [
        name,
        str(t.pages),
        f"{t.kept_rate:.3f}",
        f"{t.dropped_rate:.3f}",
        str(t.empty),
        f"{t.dates_found}/{t.pages}",
        f"{t.dates_correct}/{t.dates_checked}",
    ]
    if persian:
        cells += [f"{t.title_rate:.3f}", f"{t.start_rate:.3f}"]
        cells += [f"{t.times_exact}/{t.dates_checked}" if "adapter" in name else "–"]
    return "| " + " | ".join(cells) + " |"


def _table(rows: list[tuple[str, Tally]], persian: bool) -> list[str]:
    head = ["set / extractor", "pages", "kept", "dropped", "empty", "dates found", "dates right"]
    if persian:
        head += ["title", "body start", "time exact"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    return lines + [_row(name, t, persian) for name, t in rows]


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    if SHARED_EVAL.is_dir():
        shared = shared_eval()
        print("## Shared regression set (../shared/fixtures/trafilatura-eval)\n")
        rows = [("adapter", shared.adapter), ("trafilatura alone", shared.alone)]
        print("\n".join(_table(rows, persian=False)))
        print(f"\nadapter methods: {shared.methods}\n")
    else:
        shared = None
        print(f"{SHARED_EVAL} absent: shared regression set skipped\n")
    groups = {
        "golden (hand-made)": golden_cases(),
        "simulator": simulator_cases(),
        "simulator, held out": simulator_cases(per_outlet=3, skip=2),
        "real (../shared)": real_cases(),
    }
    print("## Persian pages\n")
    rows = []
    per_outlet: dict[str, SideBySide] = {}
    misses: list[str] = []
    for name, cases in groups.items():
        if not cases:
            print(f"{name}: absent, skipped")
            continue
        parts = persian_eval(cases)
        both = total(parts)
        rows += [(f"{name}: adapter", both.adapter), (f"{name}: trafilatura", both.alone)]
        misses += both.misses
        if name != "simulator, held out":
            for outlet, part in parts.items():
                merged = per_outlet.setdefault(outlet, SideBySide())
                per_outlet[outlet] = total({"a": merged, "b": part})
    print("\n".join(_table(rows, persian=True)))
    print("\n### Per outlet (golden, simulator and real pages)\n")
    outlet_rows = []
    for outlet, part in sorted(per_outlet.items()):
        outlet_rows += [
            (f"{outlet}: adapter", part.adapter),
            (f"{outlet}: trafilatura", part.alone),
        ]
    print("\n".join(_table(outlet_rows, persian=True)))
    ok, n, date_misses = date_strings()
    print(f"\ndate strings parsed right: {ok}/{n}")
    print("\n## Misses\n")
    for line in [*(shared.misses if shared else []), *misses, *date_misses]:
        print("  " + line)


if __name__ == "__main__":
    main()
