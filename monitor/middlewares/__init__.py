"""Scrapy middlewares of the monitor, each enabled in monitor.settings."""
