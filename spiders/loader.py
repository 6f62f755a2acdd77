"""A Scrapy spider loader that makes one spider class per configured outlet.

``scrapy list`` and ``scrapy crawl mehr`` work as in any Scrapy project, yet an ordinary outlet
is a TOML entry, never a Python module: its class is made here from the configuration.
"""

from __future__ import annotations

import builtins
from typing import Any

from scrapy import Request, Spider
from scrapy.settings import BaseSettings

from monitor.channels import load_channels
from monitor.outlets import Outlet, load_outlets, outlet_for_url
from spiders.outlet import OutletSpider
from spiders.telegram import TelegramSpider


def spider_class(outlet: Outlet) -> type[OutletSpider]:
    """A named ``OutletSpider`` subclass bound to one outlet's configuration."""
    attrs: dict[str, Any] = {
        "name": outlet.key,
        "outlet": outlet,
        "allowed_domains": list(outlet.domains),
        "__doc__": f"{outlet.name} ({outlet.name_fa}), from outlets.toml.",
    }
    return type(f"{outlet.key.title()}Spider", (OutletSpider,), attrs)


class OutletSpiderLoader:
    def __init__(self, settings: BaseSettings) -> None:
        self.outlets = load_outlets(settings.get("MONITOR_OUTLETS"))
        self._spiders: dict[str, type[Spider]] = {
            key: spider_class(o) for key, o in self.outlets.items() if o.enabled
        }
        # One spider for every channel (one t.me download slot): see spiders/telegram.py.
        if any(c.enabled for c in load_channels(settings.get("MONITOR_OUTLETS")).values()):
            self._spiders[TelegramSpider.name] = TelegramSpider

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> OutletSpiderLoader:
        return cls(settings)

    def load(self, spider_name: str) -> type[Spider]:
        try:
            return self._spiders[spider_name]
        except KeyError:
            raise KeyError(f"Spider not found: {spider_name}") from None

    def list(self) -> builtins.list[str]:
        return sorted(self._spiders)

    def find_by_request(self, request: Request) -> builtins.list[str]:
        if (request.url.split("/")[2:3] or [""])[0] == "t.me":
            return [TelegramSpider.name] if TelegramSpider.name in self._spiders else []
        outlet = outlet_for_url(request.url, self.outlets)
        return [outlet.key] if outlet and outlet.key in self._spiders else []
