"""Scrapy settings of the monitor: every component is wired here and only here."""

from __future__ import annotations

from monitor import defaults

BOT_NAME = "monitor"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"
# One spider class per configured outlet, made from outlets.toml (no Python per outlet).
SPIDER_LOADER_CLASS = "spiders.loader.OutletSpiderLoader"

for _name in dir(defaults):
    if _name.startswith("MONITOR_"):
        globals()[_name] = getattr(defaults, _name)
USER_AGENT = defaults.USER_AGENT

# Politeness: robots.txt, per-domain throttling, retries that back off.
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0.5  # ±50% around DOWNLOAD_DELAY, so requests do not tick like a clock
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
# t.me has a slot of its own: one request at a time, slower than the outlets (rate-limited).
DOWNLOAD_SLOTS = {
    "t.me": {"concurrency": 1, "delay": defaults.MONITOR_TELEGRAM_DELAY, "jitter": 0.5},
}
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
DOWNLOAD_TIMEOUT = 30
# Bombs: a body (after decompression) over 10 MiB is dropped, not parsed.
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
# Items of one response processed at once. An article response gives one item, a listing a
# dozen requests, a Telegram page about twenty posts; Scrapy starts this many asyncio tasks for
# every response whatever it gives, and at its default (100) that was a tenth of the crawl
# process's time with --jobs (py-spy, docs/benchmarks.md). Not a politeness setting.
CONCURRENT_ITEMS = 8
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
HTTPERROR_ALLOWED_CODES: list[int] = []
LOG_LEVEL = "INFO"
LOG_FORMATTER = "monitor.logformatter.MonitorLogFormatter"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

SPIDER_MIDDLEWARES = {
    "monitor.middlewares.known.KnownArticlesMiddleware": 900,
}
DOWNLOADER_MIDDLEWARES = {
    "monitor.middlewares.conditional.ConditionalGetMiddleware": 560,
    "monitor.middlewares.retry_after.RetryAfterMiddleware": 545,
    # After decompression (590), before meta refresh (580) reads the text: bad labels go.
    "monitor.middlewares.charset.CharsetLabelMiddleware": 585,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
}
# The mirror (simulator) switch lives below every middleware, in the download handler.
DOWNLOAD_HANDLERS = {
    "http": "monitor.middlewares.mirror.MirrorDownloadHandler",
    "https": "monitor.middlewares.mirror.MirrorDownloadHandler",
}
# Judge (decode → extract → language → dedup → relevance), then record the outcome.
ITEM_PIPELINES = {
    "monitor.pipelines.examining.ExaminePipeline": 50,
    "monitor.pipelines.judging.JudgePipeline": 100,
    "monitor.telegram.stories.StoryLinkPipeline": 150,
    "monitor.pipelines.record.RecordPipeline": 200,
}
EXTENSIONS = {
    "monitor.extensions.runlog.CrawlRunLog": 100,
    "monitor.extensions.progress.Progress": 200,
}
