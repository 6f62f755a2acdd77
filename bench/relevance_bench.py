"""Relevance scoring speed against extraction, in one process on one core.

    python -m bench.relevance_bench

The pages: the real Persian agency pages in ../shared/fixtures/real/ and the trafilatura
evaluation pages (real news HTML). Extraction is timed with trafilatura.bare_extraction on
each page; scoring is timed on the text that extraction produced (the same documents, so the
sizes match), and on the development set's items (Telegram posts and Fars articles). The
figure that matters is the ratio: scoring must stay well under the cost of extraction.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.relevance_dataset import DEV, SHARED
from monitor.relevance import RelevanceModel

PAGES = [SHARED / "real" / "isna_001.html", SHARED / "real" / "tasnim_001.html"]
TRAF = SHARED / "trafilatura-eval"


def pages(limit: int = 60) -> list[str]:
    out = [p.read_text(encoding="utf-8", errors="replace") for p in PAGES if p.exists()]
    if (TRAF / "evaldata.json").exists():
        data = json.loads((TRAF / "evaldata.json").read_text(encoding="utf-8"))
        for entry in list(data.values())[:limit]:
            path = TRAF / "pages" / entry["file"]
            if path.exists():
                out.append(path.read_text(encoding="utf-8", errors="replace"))
    return out


def rate(fn: object, items: list, repeat: int = 1) -> float:  # type: ignore[type-arg]
    """Items per second of ``fn`` over ``items``."""
    assert callable(fn)
    start = time.perf_counter()
    for _ in range(repeat):
        for item in items:
            fn(item)
    return repeat * len(items) / (time.perf_counter() - start)


def main() -> None:
    import trafilatura

    html = pages()
    if not html:
        sys.exit("cannot benchmark: no pages under ../shared/fixtures")
    model = RelevanceModel.load()
    extracted = []

    def extract(page: str) -> None:
        doc = trafilatura.bare_extraction(page, with_metadata=True)
        if doc is not None:
            data = doc if isinstance(doc, dict) else doc.as_dict()
            extracted.append((data.get("title") or "", data.get("text") or ""))

    extract_rate = rate(extract, html)
    chars = sum(len(t) for _, t in extracted) / max(1, len(extracted))
    score_rate = rate(lambda d: model.score(d[0], d[1]), extracted, repeat=3)
    print(f"pages: {len(html)} ({len(extracted)} extracted, {chars:,.0f} characters of text each)")
    print(f"trafilatura.bare_extraction  {extract_rate:10,.1f} pages/s")
    print(f"relevance score (same texts) {score_rate:10,.1f} items/s")
    share, ratio = extract_rate / score_rate, score_rate / extract_rate
    print(f"scoring costs {share:.1%} of extraction (ratio {ratio:.1f}×)")
    if DEV.exists():
        dev = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line]
        items = [(d["title"], d["text"]) for d in dev]
        dev_rate = rate(lambda d: model.score(d[0], d[1]), items)
        print(f"relevance score (dev items)  {dev_rate:10,.1f} items/s")


if __name__ == "__main__":
    main()
