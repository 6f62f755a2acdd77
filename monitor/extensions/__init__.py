"""Scrapy extensions of the monitor: the crawl-run log and the progress display."""
