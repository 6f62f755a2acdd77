"""Extraction quality over the labelled golden pages, and date-parsing quality.

Cases: tests/golden/expectations.json (real saved pages and hand-made pages per CMS family)
plus, when the outlet simulator is present, a few simulator-rendered pages per outlet with
expectations taken from its article records (related and popular headlines rendered on the
page must not leak into the body). Date strings come from bench/data/date_cases.json.

Metrics: title exact-match rate, date correct rate (exact to the second), body-start rate,
kept-phrase recall, boilerplate-leak rate (dropped phrases found / dropped phrases checked),
failure count, and the date-string parse rate. ``python -m bench.extraction_eval`` prints
them with every miss; tests/test_extraction_gate.py pins floors.
"""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monitor.dates import parse_persian_date
from monitor.extract import ExtractionError, extract
from monitor.normalize import display_text
from monitor.outlets import load_outlets

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
DATE_CASES = ROOT / "bench" / "data" / "date_cases.json"
GENERIC_DROPPED = ("انتهای پیام", "کد خبر", "نظر شما", "ارسال نظر")

logger = logging.getLogger(__name__)


@dataclass
class Case:
    name: str
    html: bytes
    url: str
    outlet: str | None
    title: str
    published: datetime | None
    body_starts: str
    kept: list[str]
    dropped: list[str]


@dataclass
class ExtractionReport:
    pages: int = 0
    failures: list[str] = field(default_factory=list)
    title_ok: int = 0
    date_ok: int = 0
    start_ok: int = 0
    kept_total: int = 0
    kept_found: int = 0
    dropped_total: int = 0
    leaks: int = 0
    date_strings: int = 0
    date_strings_ok: int = 0
    misses: list[str] = field(default_factory=list)

    def rate(self, num: int, den: int) -> float:
        return num / den if den else 1.0

    @property
    def title_rate(self) -> float:
        return self.rate(self.title_ok, self.pages)

    @property
    def date_rate(self) -> float:
        return self.rate(self.date_ok, self.pages)

    @property
    def start_rate(self) -> float:
        return self.rate(self.start_ok, self.pages)

    @property
    def kept_recall(self) -> float:
        return self.rate(self.kept_found, self.kept_total)

    @property
    def leak_rate(self) -> float:
        return self.rate(self.leaks, self.dropped_total) if self.dropped_total else 0.0

    @property
    def date_string_rate(self) -> float:
        return self.rate(self.date_strings_ok, self.date_strings)


def _utc(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def golden_cases(golden: Path = GOLDEN) -> list[Case]:
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
        )
        for page in spec["pages"]
    ]


def simulator_cases(per_outlet: int = 2) -> list[Case]:
    """Pages rendered by monitor.simulator, when it is importable; [] otherwise."""
    try:
        from monitor.simulator.build_data import manifest
        from monitor.simulator.catalog import Article
        from monitor.simulator.markup import render_article
    except Exception as exc:  # the simulator is optional for this evaluation
        logger.info("simulator pages skipped: %s", exc)
        return []
    by_outlet: dict[str, list[Any]] = {}
    for record in manifest():  # the simulator's content is built in code, not read from a file
        by_outlet.setdefault(record["outlet"], []).append(record)
    cases: list[Case] = []
    for outlet, records in sorted(by_outlet.items()):
        articles = [Article.from_record(r) for r in records]
        # Prefer pages with a body of several paragraphs, related stories first.
        articles.sort(key=lambda a: (a.kind == "unrelated", -len(a.paragraphs)))
        for i, art in enumerate(articles[:per_outlet]):
            others = [a for a in articles if a is not art][i * 4 : i * 4 + 4]
            try:
                html = render_article(art, others[:2], others[2:])
            except Exception as exc:
                logger.warning("simulator could not render %s: %s", art.url, exc)
                continue
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
                )
            )
    return cases


def evaluate(cases: list[Case] | None = None, date_cases: Path = DATE_CASES) -> ExtractionReport:
    cases = cases if cases is not None else [*golden_cases(), *simulator_cases()]
    outlets = load_outlets()
    report = ExtractionReport()
    for case in cases:
        report.pages += 1
        report.kept_total += len(case.kept)
        report.dropped_total += len(case.dropped)
        try:
            got = extract(case.html, case.url, outlets.get(case.outlet or ""))
        except ExtractionError as exc:
            report.failures.append(f"{case.name}: {exc.reason}")
            continue
        if got.title == display_text(case.title):
            report.title_ok += 1
        else:
            report.misses.append(f"{case.name}: title {got.title!r}")
        if got.published == case.published:
            report.date_ok += 1
        else:
            report.misses.append(f"{case.name}: date {got.published} via {got.date_source}")
        if got.text.startswith(display_text(case.body_starts)):
            report.start_ok += 1
        else:
            report.misses.append(f"{case.name}: body starts {got.text[:60]!r}")
        for phrase in case.kept:
            if display_text(phrase) in got.text:
                report.kept_found += 1
            else:
                report.misses.append(f"{case.name}: lost {phrase!r}")
        for phrase in case.dropped:
            if display_text(phrase) in got.text:
                report.leaks += 1
                report.misses.append(f"{case.name}: leaked {phrase!r}")
    _evaluate_dates(report, date_cases)
    return report


def _evaluate_dates(report: ExtractionReport, path: Path) -> None:
    spec = json.loads(path.read_text(encoding="utf-8"))
    now = _utc(spec["now"])
    for text, expected in spec["cases"]:
        report.date_strings += 1
        got = parse_persian_date(text, now=now)
        if got == _utc(expected):
            report.date_strings_ok += 1
        else:
            report.misses.append(f"date string {text!r}: {got} (expected {expected})")


def main() -> None:
    report = evaluate()
    print(f"pages {report.pages}, failures {len(report.failures)}")
    print(f"title exact {report.title_rate:.3f}")
    print(f"date correct {report.date_rate:.3f}")
    print(f"body start {report.start_rate:.3f}")
    print(f"kept recall {report.kept_recall:.3f}")
    print(f"boilerplate leak {report.leak_rate:.3f} ({report.leaks}/{report.dropped_total})")
    ok, total = report.date_strings_ok, report.date_strings
    print(f"date strings {report.date_string_rate:.3f} ({ok}/{total})")
    for line in [*report.failures, *report.misses]:
        print("  " + line)


if __name__ == "__main__":
    main()
