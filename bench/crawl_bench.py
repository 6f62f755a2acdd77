"""End-to-end crawl throughput on a scaled simulator, as ratios to two baselines in one run.

Side by side, on the same machine in the same run, over the simulator scaled to ``--pages``
article pages (``python -m monitor.simulator --scale``, in a child process):

* (a) a no-op Scrapy spider fetching the same article pages (same concurrency, no judging);
* (b) ``trafilatura.bare_extraction`` alone on the same bodies, in one process;
* ``monitor crawl --jobs 1`` and ``--jobs N`` (N = cores) into fresh SQLite stores;
* a re-crawl of the unchanged simulator (requests relative to the first crawl, 304 answers,
  article pages judged again), and the peak RSS of each crawl process (``wait4``).

    python bench/crawl_bench.py [--pages 5000] [--jobs N] [--lock /tmp/team/bench.lock]

Pages/s of a crawl counts the pages it judged over the crawl process's wall time (start-up
included). The crawls read listings back as far as they go (``catchup_pages`` raised in a user
outlets file), so they judge every page the baselines are given: like is compared with like.
The simulator runs on the same cores; its CPU seconds in each phase are printed too. The
machine is shared: read ratios, not absolute figures.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


CPU: dict[str, float] = {}


def run_child(args: list[str]) -> tuple[float, int, str]:
    """Run a child; returns (wall seconds, peak RSS in MB, stdout); its CPU seconds (with
    the descendants it reaped) are kept in ``CPU["last"]``."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    CPU["last"] = usage.ru_utime + usage.ru_stime
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} exited {proc.returncode}")
    return wall, usage.ru_maxrss // 1024, out


def sim_state(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{url}/_sim/state") as resp:
        return dict(json.loads(resp.read()))


def article_urls(sim_url: str) -> list[str]:
    from monitor.checking import quote_iri
    from monitor.simulator.catalog import Catalog

    catalog = Catalog(scale=SCALE)
    return [quote_iri(f"{sim_url}/{a.url.split('://', 1)[1]}") for a in catalog.visible()]


def noop_spider(url_file: str) -> None:
    """Child process: fetch every URL with the crawl's concurrency, do nothing with it."""
    import scrapy
    from scrapy.crawler import CrawlerProcess

    from monitor.crawl import MIRROR_OVERRIDES
    from monitor.settings import CONCURRENT_REQUESTS

    urls = Path(url_file).read_text().split()

    class Noop(scrapy.Spider):
        name = "noop"

        async def start(self):  # type: ignore[no-untyped-def]
            for u in urls:
                yield scrapy.Request(u, callback=self.parse)

        def parse(self, response):  # type: ignore[no-untyped-def]
            self.crawler.stats.inc_value("noop/pages")

    settings = {
        **MIRROR_OVERRIDES,
        "CONCURRENT_REQUESTS": CONCURRENT_REQUESTS,
        # The simulator is one host; the monitor's slots are per outlet host (8 outlets).
        "CONCURRENT_REQUESTS_PER_DOMAIN": CONCURRENT_REQUESTS,
        "LOG_LEVEL": "ERROR",
        "ROBOTSTXT_OBEY": False,
    }
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(Noop)
    process.crawl(crawler)
    process.start()
    print(crawler.stats.get_value("noop/pages", 0) if crawler.stats else 0)


def trafilatura_alone(urls: list[str]) -> tuple[int, float]:
    """(b): bare_extraction over the same bodies, fetched first, timed alone."""
    import trafilatura

    from monitor.encoding import decode_html

    bodies = []
    for u in urls:
        with urllib.request.urlopen(u) as resp:
            bodies.append((u, decode_html(resp.read(), resp.headers.get_content_charset())))
    cpu = time.process_time()
    for u, html in bodies:
        trafilatura.bare_extraction(html, url=u)
    return len(bodies), time.process_time() - cpu


# Listing-only outlets (no sitemap) would stop at their catch-up depth (10 pages of 12 by
# default) and leave most of their scaled archive unread; 1,000 is the configuration's maximum.
ALL_LISTINGS = "[defaults]\ncatchup_pages = 1000\n"


def cpu_of(pid: int) -> float:
    """CPU seconds (user + system) a live process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def crawl(sim_url: str, db: str, jobs: int, outlets_file: str) -> dict[str, Any]:
    wall, rss, _ = run_child(
        [sys.executable, "-m", "monitor", "crawl", "--db", f"sqlite:///{db}", "--mirror",
         sim_url, "--outlets", outlets_file, "--jobs", str(jobs), "-q"]
    )  # fmt: skip
    con = sqlite3.connect(db)
    runs = con.execute(
        "select sum(requests), sum(not_modified), sum(pages) from crawl_runs"
        " where id > coalesce((select max(id) from crawl_runs) - 8, 0)"
    ).fetchone()
    judged = con.execute("select count(*) from judged_pages").fetchone()[0]
    con.close()
    requests, not_modified, pages = (int(x or 0) for x in runs)
    return {"wall": wall, "cpu": CPU["last"], "rss_mb": rss, "requests": requests,
            "not_modified": not_modified, "pages": pages, "judged": judged}  # fmt: skip


SCALE = 0
LOCK: str | None = None


def machine_busy() -> tuple[float, float]:
    """(busy CPU seconds of the whole machine, seconds since boot) from ``/proc/stat``."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    tick = os.sysconf("SC_CLK_TCK")
    return (sum(fields[:8]) - idle) / tick, time.monotonic()


@contextlib.contextmanager
def measuring(phase: str) -> Any:
    """Hold ``--lock`` (flock) for one phase, so a shared machine's other benchmarks wait
    between phases rather than for the whole run; prints the load average at its start and,
    at its end, how many cores the whole machine kept busy meanwhile (every process: the crawl,
    its judging workers, whose CPU the crawl process's own figure leaves out, the simulator,
    and anything else running), which says whether the phase was bound by CPU."""
    with contextlib.ExitStack() as stack:
        if LOCK:
            fd = os.open(LOCK, os.O_RDWR | os.O_CREAT, 0o666)
            stack.callback(os.close, fd)
            fcntl.flock(fd, fcntl.LOCK_EX)
            stack.callback(fcntl.flock, fd, fcntl.LOCK_UN)
        print(f"[{phase}: load average {os.getloadavg()[0]:.1f}]", flush=True)
        busy, start = machine_busy()
        yield
        busy_end, end = machine_busy()
        cores = os.cpu_count() or 1
        print(
            f"[{phase}: machine busy {(busy_end - busy) / max(end - start, 1e-9):.2f} of"
            f" {cores} cores]",
            flush=True,
        )


def main() -> None:
    global SCALE, LOCK
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=5000)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--lock", help="a file to flock around each measured phase")
    parser.add_argument("--noop", help=argparse.SUPPRESS)  # child mode
    args = parser.parse_args()
    LOCK = args.lock
    if args.noop:
        noop_spider(args.noop)
        return

    tmp = Path(tempfile.mkdtemp(prefix="crawl-bench-"))
    SCALE = args.pages
    port = free_port()
    sim = subprocess.Popen(
        [sys.executable, "-m", "monitor.simulator", "--port", str(port), "--scale", str(SCALE)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    assert sim.stdout is not None
    sim.stdout.readline()  # "listening on …"
    sim_url = f"http://127.0.0.1:{port}"
    try:
        urls = article_urls(sim_url)
        url_file = tmp / "urls.txt"
        url_file.write_text("\n".join(urls))
        outlets_file = tmp / "all-listings.toml"
        outlets_file.write_text(ALL_LISTINGS)
        sim_cpu = cpu_of(sim.pid)

        def sim_spent() -> float:
            nonlocal sim_cpu
            before, sim_cpu = sim_cpu, cpu_of(sim.pid)
            return sim_cpu - before

        cores = os.cpu_count() or 1
        print(
            f"{len(urls)} article pages; {cores} cores; jobs {args.jobs}; load average "
            f"{os.getloadavg()[0]:.1f}",
            flush=True,
        )

        with measuring("a"):
            wall_a, rss_a, out = run_child([sys.executable, __file__, "--noop", str(url_file)])
        a = int(out.strip().splitlines()[-1]) / wall_a
        print(
            f"(a) no-op spider: {a:.1f} pages/s ({wall_a:.1f} s wall, {CPU['last']:.1f} s CPU,"
            f" {rss_a} MB; simulator {sim_spent():.1f} s CPU)",
            flush=True,
        )

        with measuring("b"):
            n_b, cpu_b = trafilatura_alone(urls)
        sim_spent()  # serving (b)'s bodies is not part of any rate
        b = n_b / cpu_b
        print(f"(b) trafilatura alone: {b:.1f} pages/s ({cpu_b:.1f} s CPU)", flush=True)

        results = {}
        for jobs in (1, args.jobs):
            db = str(tmp / f"jobs{jobs}.db")
            with measuring(f"jobs {jobs}"):
                r = results[jobs] = crawl(sim_url, db, jobs, str(outlets_file))
            rate = r["judged"] / r["wall"]
            print(
                f"monitor crawl --jobs {jobs}: {rate:.1f} pages/s ({r['judged']} judged in "
                f"{r['wall']:.1f} s wall, {r['cpu']:.1f} s CPU in the crawl process, peak RSS "
                f"{r['rss_mb']} MB; simulator {sim_spent():.1f} s CPU); {rate / b:.2f}x (b), "
                f"{rate / min(a, b * cores):.0%} of min(a, b x cores)",
                flush=True,
            )
        first = results[args.jobs]
        before = sim_state(sim_url)["requests"]
        with measuring("re-crawl"):
            again = crawl(sim_url, str(tmp / f"jobs{args.jobs}.db"), args.jobs, str(outlets_file))
        sim_requests = sim_state(sim_url)["requests"] - before
        print(
            f"re-crawl (unchanged): {again['requests']} requests = "
            f"{again['requests'] / max(1, first['requests']):.1%} of the first crawl's "
            f"{first['requests']}; {again['not_modified']} answered 304 "
            f"({again['not_modified'] / max(1, again['requests']):.0%}); "
            f"{again['pages']} article pages judged again; simulator saw {sim_requests}",
            flush=True,
        )
    finally:
        sim.terminate()
        sim.wait()


if __name__ == "__main__":
    main()
