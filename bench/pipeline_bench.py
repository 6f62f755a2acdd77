"""Per-page cost of the monitor's stages, as ratios to plain trafilatura in the same process.

The machine is small and noisy, so absolute times mean little: each stage is timed over the same
pages in the same run as the baseline (``trafilatura.bare_extraction`` on the raw HTML) and
reported as a ratio. Pages are the simulator's article pages (every outlet, every CMS family).

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

from monitor.dedup import fingerprint
from monitor.encoding import decode_html
from monitor.extract import extract
from monitor.outlets import load_outlets, outlet_for_url
from monitor.relevance import RelevanceModel
from monitor.simulator import Simulator
from monitor.simulator.catalog import Catalog


def pages(n: int) -> list[tuple[str, str]]:
    """Article pages as the simulator serves them: relevant ones first, then unrelated."""
    from urllib.parse import quote, urlsplit
    from urllib.request import urlopen

    arts = sorted(Catalog().visible(), key=lambda a: a.kind == "unrelated")[:n]
    out = []
    with Simulator(port=0) as sim:
        for a in arts:
            parts = urlsplit(a.url)
            with urlopen(f"{sim.url}/{parts.netloc}{quote(parts.path)}") as resp:
                out.append((a.url, decode_html(resp.read(), resp.headers.get_content_charset())))
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
    docs = pages(args.pages)
    model = RelevanceModel.load()
    extracted = [extract(html, url, outlet_for_url(url, outlets)) for url, html in docs]

    baseline = timed(lambda: [trafilatura.bare_extraction(h, url=u) for u, h in docs], args.repeat)
    stages = {
        "extract (adapter, dates, attribution)": lambda: [
            extract(h, u, outlet_for_url(u, outlets)) for u, h in docs
        ],
        "fingerprint": lambda: [
            fingerprint("\n".join(filter(None, (e.lead, e.text)))) for e in extracted
        ],
        "relevance": lambda: [model.score(e.title, e.text, e.lead) for e in extracted],
    }
    n = len(docs)
    print(
        f"{n} pages, best of {args.repeat}; baseline trafilatura.bare_extraction "
        f"{baseline / n * 1000:.2f} ms/page"
    )
    print(f"{'stage':40} {'ms/page':>8} {'× baseline':>11}")
    for name, fn in stages.items():
        t = timed(fn, args.repeat)
        print(f"{name:40} {t / n * 1000:8.2f} {t / baseline:11.2f}")

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
