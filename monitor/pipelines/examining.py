"""Stage 0: the CPU part of judging (``monitor.examine``) in worker processes.

With ``MONITOR_JOBS`` > 1 this stage sends each page to a process pool (extraction,
normalization, language, fingerprint, relevance) and awaits the result, so the reactor keeps
fetching while up to N pages are examined at once. The decisions that read the store (URL and
near duplicates, labels) and the write stay in this process, in the judge and record stages,
which run back to back for a page without yielding to the reactor: one writer, and no two
pages decided against the same state of the index. With ``MONITOR_JOBS`` = 1 this stage does
nothing and the judge stage examines inline, as before.

The pool is shared by every crawler in the process (like the Judge) and started when the first
spider opens. A pool that breaks (a worker killed by the OOM killer, say) is not fatal: the
page is examined inline and the pool restarted for the next ones.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from scrapy.crawler import Crawler

from monitor.examine import examine, examine_in_worker, init_worker, warm_up
from monitor.items import PageItem
from monitor.pipelines.base import Stage

log = logging.getLogger(__name__)

# A pool per (jobs, outlets file, terms file, relevance model options): crawlers that judge
# alike share one.
PoolKey = tuple[int, str | None, str | None, tuple[tuple[str, Any], ...]]
_POOLS: dict[PoolKey, ProcessPoolExecutor] = {}
_USERS: dict[PoolKey, int] = {}


def default_jobs() -> int:
    """``MONITOR_JOBS`` when unset: one worker per core."""
    return os.cpu_count() or 1


def _pool(key: PoolKey) -> ProcessPoolExecutor:
    if key not in _POOLS:
        jobs, outlets_file, terms, model_options = key
        # forkserver: workers start from a clean process that has imported the extraction
        # stack once, never from a fork of the running reactor and its threads.
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["monitor.examine", "monitor.extract", "monitor.relevance"])
        _POOLS[key] = ProcessPoolExecutor(
            jobs,
            mp_context=ctx,
            initializer=init_worker,
            initargs=(outlets_file, terms, model_options),
        )
    return _POOLS[key]


class ExaminePipeline(Stage):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        jobs = crawler.settings.getint("MONITOR_JOBS", 0) or default_jobs()
        self.jobs = max(1, jobs)
        options = tuple(sorted(self.model_options.items()))
        self.key: PoolKey = (self.jobs, self.outlets_file, self.terms, options)

    def open_spider(self) -> None:
        if self.jobs <= 1:
            return
        _USERS[self.key] = _USERS.get(self.key, 0) + 1
        pool = _pool(self.key)
        for _ in range(self.jobs):
            pool.submit(warm_up)  # workers start now, while the first feeds are fetched

    def close_spider(self) -> None:
        if self.jobs <= 1:
            return
        _USERS[self.key] -= 1
        if _USERS[self.key] == 0 and self.key in _POOLS:
            _POOLS.pop(self.key).shutdown(wait=True, cancel_futures=True)

    async def process_item(self, item: PageItem) -> PageItem:
        if self.jobs <= 1:
            return item
        try:
            future = _pool(self.key).submit(examine_in_worker, item)
            item.examined = await asyncio.wrap_future(future)
            self.stats.inc_value("monitor/examined_in_worker")
        except BrokenProcessPool:
            log.warning("judging worker pool broke; examining %s inline", item.url)
            self.stats.inc_value("monitor/worker_pool_broken")
            _POOLS.pop(self.key, None)
            item.examined = examine(self.judge, item)
        except Exception as exc:
            raise self.fail(item, exc) from exc
        return item
