"""Start-up: what a crawl imports before its first request, when its Judge starts loading, and
the cycle collector paused while modules load (docs/scaling.md, "Start-up")."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from scrapy import Request, signals
from scrapy.utils.test import get_crawler

from monitor.pipelines.judging import JudgePipeline
from monitor.startup import loading

ROOT = Path(__file__).resolve().parent.parent

# Loaded by the Judge, beside the first requests: never on the way to the first one.
JUDGING_ONLY = (
    "trafilatura",
    "htmldate",
    "courlan",
    "py3langid",
    "numpy",
    "monitor.extract",
    "monitor.judge",
    "monitor.relevance",
    "monitor.dedup.index",
    "monitor.dedup.fingerprints",
)


def test_crawl_start_imports_nothing_the_judge_loads():
    """Everything Scrapy imports before a crawl's first request (the CLI, the spider loader and
    every component named in the settings) leaves trafilatura, numpy and the Judge's own
    modules to the Judge's background load: ~0.4 s of CPU off the way to the first request."""
    code = (
        "import sys, json\n"
        "from scrapy.utils.misc import load_object\n"
        "import monitor.cli, monitor.crawl, spiders.loader\n"
        "from monitor import settings\n"
        "names = [*settings.ITEM_PIPELINES, *settings.SPIDER_MIDDLEWARES,\n"
        "         *settings.DOWNLOADER_MIDDLEWARES, *settings.EXTENSIONS,\n"
        "         *settings.DOWNLOAD_HANDLERS.values()]\n"
        "ours = [n for n in names if n.startswith(('monitor', 'spiders'))]\n"
        "loaded = [load_object(n).__name__ for n in ours]\n"
        f"print(json.dumps([loaded, [m for m in {JUDGING_ONLY!r} if m in sys.modules]]))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    loaded, imported = json.loads(proc.stdout)
    assert "JudgePipeline" in loaded and "MirrorDownloadHandler" in loaded, loaded
    assert imported == []


def test_judge_loads_once_the_first_request_reaches_the_downloader(db_url):
    """The Judge's background load starts with the first request, not at ``open_spider``
    (it competes with the way to that request for the interpreter lock), and only once."""
    crawler = get_crawler(settings_dict={"MONITOR_DB": db_url})
    stage = JudgePipeline.from_crawler(crawler)

    def preloads() -> list[threading.Thread]:
        return [t for t in threading.enumerate() if t.name == "judge-preload"]

    stage.open_spider()
    assert preloads() == [] and stage._judge is None
    request = Request("https://www.mehrnews.com/rss")
    for _ in range(2):
        crawler.signals.send_catch_log(signals.request_reached_downloader, request=request)
    started = preloads()
    assert len(started) == 1
    started[0].join(timeout=120)
    assert stage._judge is not None
    assert stage.judge.index is not None


def test_loading_freezes_what_it_made_and_restores_the_collector():
    frozen = gc.get_freeze_count()
    assert gc.isenabled()
    with loading():
        assert not gc.isenabled()
        made = [[i] for i in range(1000)]
    assert gc.isenabled()
    assert gc.get_freeze_count() >= frozen + len(made)
    gc.disable()
    try:
        with pytest.raises(RuntimeError), loading():
            raise RuntimeError("a failed load")
        assert not gc.isenabled()  # it was off before: left off
    finally:
        gc.enable()
    gc.unfreeze()  # leave the test process as it was


def test_check_makes_no_full_collection(db_url):
    """``monitor check`` loads its modules and its Judge with the cycle collector paused and
    then frozen (``monitor.startup.loading``): no full collection traverses them. Before, two
    full collections ran during its start-up (~0.09 s of CPU)."""
    code = (
        "import gc, io, json, sys, contextlib\n"
        "full = []\n"
        "gc.callbacks.append(lambda phase, info: phase == 'stop' and info['generation'] == 2"
        " and full.append(1))\n"
        "from monitor.cli import app\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        "    app(['check', 'tests/golden/pages/mehr_nastooh.html', '--url',"
        f" 'https://www.mehrnews.com/news/6018415', '--db', {db_url!r}],"
        " standalone_mode=False)\n"
        "print(json.dumps([json.loads(out.getvalue())['verdict'], len(full)]))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    verdict, full_collections = json.loads(proc.stdout)
    assert verdict in ("new", "irrelevant", "borderline", "duplicate")
    assert full_collections == 0
