"""Per-page cost of the monitor's stages, as ratios to plain trafilatura in the same process.

The machine is small and noisy, so absolute times mean little: each stage is timed over the same
pages in the same run as the baseline (``trafilatura.bare_extraction`` on the raw HTML) and
reported as a ratio. Pages are the simulator's article pages (every outlet, every CMS family).

The stages are those of the judging stage (``monitor.examine.examine_in_worker``, what
``monitor crawl --jobs N`` runs in its worker processes): extraction, language, near-duplicate
fingerprint, relevance, search tokens and packing, then the whole of ``examine_in_worker`` on
the page bytes. ``--pages 0`` takes every article page the simulator serves.

    python -m bench.pipeline_bench [--pages 120] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import trafilatura

import monitor.examine as examining
from monitor.dedup import fingerprint, fingerprint_input
from monitor.encoding import decode_html
from monitor.examine import Examiner, examine_in_worker, packed_fields
from monitor.extract import extract
from monitor.items import PageItem
from monitor.language import detect_language
from monitor.normalize import search_text
from monitor.outlets import load_outlets, outlet_for_url
from monitor.relevance import RelevanceModel
from monitor.simulator import Simulator
from monitor.simulator.catalog import Catalog


def pages(n: int) -> list[tuple[str, bytes, str | None]]:
    """Article pages as the simulator serves them (URL, body, HTTP charset): relevant ones
    first, then unrelated; ``n`` of them, or all when ``n`` is 0."""
    from urllib.parse import quote, urlsplit
    from urllib.request import urlopen

    arts = sorted(Catalog().visible(), key=lambda a: a.kind == "unrelated")
    out = []
    with Simulator(port=0) as sim:
        for a in arts[:n] if n else arts:
            parts = urlsplit(a.url)
            with urlopen(f"{sim.url}/{parts.netloc}{quote(parts.path)}") as resp:
                out.append((a.url, resp.read(), resp.headers.get_content_charset()))
    return out


def timed(fn: Callable[[], object], repeat: int) -> float:
    best = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best.append(time.perf_counter() - start)
    return min(best)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=120)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    outlets = load_outlets()
    served = pages(args.pages)
    docs = [(url, decode_html(body, charset)) for url, body, charset in served]
    model = RelevanceModel.load()
    extracted = [extract(html, url, outlet_for_url(url, outlets)) for url, html in docs]
    examining._WORKER = Examiner(outlets, model)  # what init_worker sets up in a worker
    items = [
        PageItem(url=url, canonical_url=url, outlet=getattr(outlet_for_url(url, outlets), "key",
                 ""), body=body, encoding=charset)
        for url, body, charset in served
    ]  # fmt: skip

    baseline = timed(lambda: [trafilatura.bare_extraction(h, url=u) for u, h in docs], args.repeat)
    stages = {
        "extract (adapter, dates, attribution)": lambda: [
            extract(h, u, outlet_for_url(u, outlets)) for u, h in docs
        ],
        "language": lambda: [
            detect_language(f"{e.title}\n{e.lead or ''}\n{e.text}") for e in extracted
        ],
        "fingerprint": lambda: [fingerprint(fingerprint_input(e.lead, e.text)) for e in extracted],
        "relevance": lambda: [model.score(e.title, e.text, e.lead) for e in extracted],
        "search tokens": lambda: [search_text(e.title, e.lead, e.text) for e in extracted],
        "packing": lambda: [packed_fields(e) for e in extracted],
        "whole judging stage (examine_in_worker)": lambda: [
            examine_in_worker(item) for item in items
        ],
    }
    n = len(docs)
    print(
        f"{n} pages, best of {args.repeat}; baseline trafilatura.bare_extraction "
        f"{baseline / n * 1000:.2f} ms/page"
    )
    print(f"{'stage':42} {'ms/page':>8} {'× baseline':>11}")
    for name, fn in stages.items():
        t = timed(fn, args.repeat)
        print(f"{name:42} {t / n * 1000:8.2f} {t / baseline:11.2f}")

    tracemalloc.start()
    [extract(h, u, outlet_for_url(u, outlets)) for u, h in docs[:20]]
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    tracemalloc.start()
    [trafilatura.bare_extraction(h, url=u) for u, h in docs[:20]]
    _, base_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"peak memory over 20 pages: adapter {peak / 2**20:.1f} MiB, "
        f"baseline {base_peak / 2**20:.1f} MiB ({peak / base_peak:.2f}×)"
    )
    sizes = [len(h) for _, h in docs]
    print(f"page size median {statistics.median(sizes) / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
