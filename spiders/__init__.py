"""Spiders: one ``OutletSpider`` class per outlet declared in outlets.toml.

Scrapy finds them through ``spiders.loader.OutletSpiderLoader``, which builds every spider
from configuration: there is no Python module per outlet.
"""
