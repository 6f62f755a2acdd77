"""docs/outlets.md's worked example really adds an outlet, with no Python."""

from __future__ import annotations

import json
import re
from pathlib import Path

from scrapy.settings import Settings

from spiders.loader import OutletSpiderLoader
from tests.conftest import run_monitor

DOC = Path(__file__).resolve().parent.parent / "docs" / "outlets.md"


def example_toml() -> str:
    blocks = re.findall(r"```toml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    return next(b for b in blocks if "[outlets.khabaronline]" in b)


def test_worked_example_becomes_a_spider_and_a_source(tmp_path: Path, db_url: str):
    user = tmp_path / "outlets.toml"
    user.write_text(example_toml(), encoding="utf-8")

    loader = OutletSpiderLoader(Settings({"MONITOR_OUTLETS": str(user)}))
    assert "khabaronline" in loader.list()
    spider = loader.load("khabaronline")
    assert (
        spider.outlet.canonical_url("https://khabaronline.ir/news/1834567/روسیه-ایران?utm_source=x")
        == "https://www.khabaronline.ir/news/1834567"
    )

    sources = json.loads(
        run_monitor("sources", "--outlets", str(user), "--db", db_url, "--format", "json").stdout
    )
    entry = next(s for s in sources if s["outlet"] == "khabaronline")
    assert entry["feeds"] == ["https://www.khabaronline.ir/rss"]
    assert entry["schedule"] == "every 1800s ±120s"
    assert {s["outlet"] for s in sources} >= {"mehr", "irna"}  # merged over the bundled file


def test_changing_a_bundled_outlet_touches_only_the_given_keys(tmp_path: Path):
    blocks = re.findall(r"```toml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    change = next(b for b in blocks if "[outlets.mehr]" in b)
    user = tmp_path / "outlets.toml"
    user.write_text(change, encoding="utf-8")
    mehr = OutletSpiderLoader(Settings({"MONITOR_OUTLETS": str(user)})).load("mehr").outlet
    assert mehr.schedule.interval == 300
    assert mehr.feeds == ("https://www.mehrnews.com/rss",)
    assert "انتهای پیام" in mehr.boilerplate
    assert any("شبکه" in b for b in mehr.boilerplate)
