"""Duplicate-index performance: fingerprint throughput, check latency, memory, load time.

    python -m bench.dedup_bench                  # 10k and 100k stored items
    python -m bench.dedup_bench --sizes 10000 100000 1000000 --workers 2

Stored items are synthetic Persian articles: 60-140 words drawn by frequency from the
vocabulary of the real Hamshahri feed summaries (so they share function words and common
phrases the way real news does, without being copies of one another). Every stored item goes
through the real ``fingerprint``; with ``--workers`` > 1 that is done in worker processes.

Per size it reports: fingerprint throughput (pages/s, on the seeds and on synthetic pages, one
process), check latency (``DedupIndex.query`` alone, median and p99 over ``--queries`` queries,
half of them near-duplicates of stored items, half new pages), the share of near-duplicate
queries found, index memory per stored item (its arrays' bytes / n, and the process RSS
growth while building it), and load time (``from_bytes`` of every stored fingerprint plus
``DedupIndex.from_rows``, as the store does at start-up).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse
import contextlib
import ctypes
import gc
import json
import resource
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from bench.dedup_dataset import feed_items, load_seed_originals
from monitor.dedup import DedupIndex, fingerprint

_VOCAB: tuple[list[str], np.ndarray] | None = None


def _vocabulary() -> tuple[list[str], np.ndarray]:
    global _VOCAB
    if _VOCAB is None:
        counts = Counter(w for _, s in feed_items() for w in s.split())
        words = sorted(counts)
        freq = np.array([counts[w] for w in words], dtype=float)
        _VOCAB = (words, freq / freq.sum())
    return _VOCAB


def synthetic_doc(i: int) -> str:
    """Synthetic article ``i`` (deterministic): three or four paragraphs of sampled words."""
    words, p = _vocabulary()
    rng = np.random.default_rng(i)
    n = int(rng.integers(60, 141))
    picks = rng.choice(len(words), size=n, p=p)
    cuts = sorted(rng.choice(np.arange(15, n - 10), size=2, replace=False))
    parts = np.split(picks, cuts)
    return "\n".join(" ".join(words[j] for j in part) + "." for part in parts)


def _fingerprint_range(bounds: tuple[int, int]) -> list[bytes]:
    return [fingerprint(synthetic_doc(i)).to_bytes() for i in range(*bounds)]


def stored_fingerprints(n: int, workers: int, cache: Path | None) -> list[bytes]:
    """``to_bytes`` of the fingerprints of synthetic docs 0..n-1 (cached on disk if asked)."""
    if cache and cache.exists():
        data = cache.read_bytes()
        out, off = [], 0
        while off < len(data) and len(out) < n:
            size = int.from_bytes(data[off : off + 4], "little")
            out.append(data[off + 4 : off + 4 + size])
            off += 4 + size
        if len(out) >= n:
            return out[:n]
    step = 5000
    ranges = [(s, min(n, s + step)) for s in range(0, n, step)]
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            chunks = list(pool.map(_fingerprint_range, ranges))
    else:
        chunks = [_fingerprint_range(r) for r in ranges]
    out = [b for chunk in chunks for b in chunk]
    if cache:
        cache.write_bytes(b"".join(len(b).to_bytes(4, "little") + b for b in out))
    return out


def _near_copy(text: str, rng: np.random.Generator) -> str:
    """A republication: first 60-100% of the words, two words replaced, a new header line."""
    words = text.split(" ")
    keep = words[: max(20, int(len(words) * rng.uniform(0.6, 1.0)))]
    for _ in range(2):
        keep[int(rng.integers(len(keep)))] = "تغییر"
    return "کد خبر: ۱۲۳۴۵۶\n" + " ".join(keep)


def throughput() -> dict[str, float]:
    """Pages per second through ``fingerprint`` (one process)."""
    seeds = [o.body for o in load_seed_originals()]
    synth = [synthetic_doc(10**9 + i) for i in range(300)]
    out = {}
    for name, pages in (("seeds (2-6 KB)", seeds * 40), ("synthetic (~0.8 KB)", synth)):
        start = time.perf_counter()
        for page in pages:
            fingerprint(page)
        out[name] = len(pages) / (time.perf_counter() - start)
    return out


def _trim_heap() -> None:
    """Hand freed heap pages back to the OS, so RSS shows what is live (glibc only)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_size(n: int, blobs: list[bytes], queries: int) -> dict[str, float]:
    gc.collect()
    _trim_heap()
    rss0 = _rss_mb()
    start = time.perf_counter()  # the store's path (monitor.dedup.persist.load_index)
    index = DedupIndex.from_blobs(enumerate(blobs[:n]))
    load = time.perf_counter() - start
    gc.collect()
    _trim_heap()
    rss1 = _rss_mb()
    index_bytes = index.nbytes()
    rng = np.random.default_rng(7)
    near_ids = rng.choice(n, size=queries // 2, replace=False)
    qs = [(int(i), fingerprint(_near_copy(synthetic_doc(int(i)), rng))) for i in near_ids]
    qs += [(None, fingerprint(synthetic_doc(2 * 10**9 + k))) for k in range(queries - len(qs))]
    rng.shuffle(qs)  # type: ignore[arg-type]
    times = []
    found = 0
    false = 0
    for want, fp in qs:
        t0 = time.perf_counter()
        match = index.query(fp)
        times.append(time.perf_counter() - t0)
        if want is not None:
            found += match is not None and match.of == want
        else:
            false += match is not None
    t = np.array(times) * 1000
    # Adding new articles (the pipeline adds every stored page): amortised cost, merges included.
    extra = [fingerprint(synthetic_doc(3 * 10**9 + k)) for k in range(500)]
    adds = []
    for k, fp in enumerate(extra):
        t0 = time.perf_counter()
        index.add(n + k, fp)
        adds.append(time.perf_counter() - t0)
    a = np.array(adds) * 1000
    t0 = time.perf_counter()
    index._merge_tail()  # what every _MERGE_AT-th add pays (linear in n)
    merge = time.perf_counter() - t0
    return {
        "merge_s": merge,
        "add_median_ms": float(np.median(a)),
        "add_mean_ms": float(a.mean()),
        "n": n,
        "load_s": load,
        "bytes_per_item": index_bytes / n,
        "rss_mb_per_100k": (rss1 - rss0) / n * 100_000,
        "rss_bytes_per_item": (rss1 - rss0) * 2**20 / n,
        "median_ms": float(np.median(t)),
        "p99_ms": float(np.percentile(t, 99)),
        "max_ms": float(t.max()),
        "near_found": found / (queries // 2),
        "new_matched": false / (queries - queries // 2),
    }


def datasketch_baseline(n: int, queries: int) -> dict[str, float]:
    """The same stored items and queries in datasketch's MinHashLSH (128 permutations, word
    3-shingles, threshold 0.5), timed in this process: the reference our figures are ratios to.
    """
    import tracemalloc

    from bench import extras

    ds = extras.datasketch()
    MinHash, MinHashLSH = ds.MinHash, ds.MinHashLSH

    def minhash(text: str) -> MinHash:
        words = text.split()
        m = MinHash(num_perm=128)
        m.update_batch(" ".join(words[i : i + 3]).encode() for i in range(max(1, len(words) - 2)))
        return m

    stored = [minhash(synthetic_doc(i)) for i in range(n)]
    tracemalloc.start()
    lsh = MinHashLSH(threshold=0.5, num_perm=128)
    for i, m in enumerate(stored):
        lsh.insert(i, m)
    size, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rng = np.random.default_rng(7)
    near = [_near_copy(synthetic_doc(int(i)), rng) for i in rng.choice(n, queries // 2, False)]
    texts = near + [synthetic_doc(2 * 10**9 + k) for k in range(queries - len(near))]
    probes = [minhash(t) for t in texts]
    times = []
    for m in probes:
        t0 = time.perf_counter()
        lsh.query(m)
        times.append(time.perf_counter() - t0)
    t = np.array(times) * 1000
    return {"median_ms": float(np.median(t)), "bytes_per_item": size / n}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cache", type=Path, default=None, help="file to keep fingerprints in")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    tp = throughput()
    for name, rate in tp.items():
        print(f"fingerprint throughput, {name}: {rate:,.0f} pages/s")
    biggest = max(args.sizes)
    start = time.perf_counter()
    blobs = stored_fingerprints(biggest, args.workers, args.cache)
    print(
        f"{biggest:,} stored fingerprints ready in {time.perf_counter() - start:.0f} s "
        f"(cache: {args.cache})"
    )
    rows = []
    for n in sorted(args.sizes):
        r = run_size(n, blobs, args.queries)
        rows.append(r)
        print(
            f"n={n:>9,}  load {r['load_s']:6.2f} s  "
            f"index {r['bytes_per_item']:6.0f} B/item  "
            f"(RSS +{r['rss_bytes_per_item']:5.0f} B/item)  check median {r['median_ms']:.3f} ms  "
            f"p99 {r['p99_ms']:.3f} ms  max {r['max_ms']:.2f} ms  "
            f"near found {r['near_found']:.3f}  new matched {r['new_matched']:.3f}  "
            f"add median {r['add_median_ms']:.3f} ms (mean {r['add_mean_ms']:.3f}), "
            f"tail merge {r['merge_s']:.2f} s"
        )
    smallest = rows[0]
    base = datasketch_baseline(smallest["n"], min(args.queries, 1000))
    print(
        f"baseline datasketch MinHashLSH at n={smallest['n']:,}: check median "
        f"{base['median_ms']:.3f} ms, index {base['bytes_per_item']:.0f} B/item; ours/baseline: "
        f"check {smallest['median_ms'] / base['median_ms']:.2f}x, "
        f"memory {smallest['bytes_per_item'] / base['bytes_per_item']:.2f}x"
    )
    if args.json:
        print(json.dumps({"throughput": tp, "sizes": rows, "baseline": base}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
