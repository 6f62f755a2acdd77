"""Spiders: one ``OutletSpider`` class per outlet declared in outlets.toml.

Scrapy finds them through ``spiders.loader.OutletSpiderLoader``; an outlet whose site needs
code of its own can still add a subclass module here (none does yet).
"""
