"""Outlet configuration: bundled outlets, user files merged over them, canonical URLs."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.outlets import OutletConfigError, load_outlets, outlet_for_url

NOW = datetime(2023, 12, 5, 12, 0, tzinfo=UTC)  # 1402/09/14 in Tehran


def test_bundled_outlets_cover_the_required_seven_and_more():
    outlets = load_outlets()
    assert {"mehr", "irna", "tasnim", "jamejam", "alalam", "fars", "isna"} <= set(outlets)
    for o in outlets.values():
        assert o.feeds or o.sitemaps or o.listings, o.key


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("https://www.mehrnews.com/news/6018415/any-slug", "https://www.mehrnews.com/news/6018415"),
        ("https://mehrnews.com/news/6018415?utm_source=x", "https://www.mehrnews.com/news/6018415"),
        ("https://m.mehrnews.com/news/6018415/", "https://www.mehrnews.com/news/6018415"),
        (
            "https://www.tasnimnews.com/fa/news/1398/02/30/2015910/لیگ",
            "https://www.tasnimnews.ir/fa/news/2015910",
        ),
        ("https://tasnimnews.com/2015910", "https://www.tasnimnews.ir/fa/news/2015910"),
        ("https://www.isna.ir/news/98030903723/", "https://www.isna.ir/news/98030903723"),
        (
            "https://farsnews.ir/amirtayebii/1758461389911299834",
            "https://farsnews.ir/amirtayebii/1758461389911299834",
        ),
        (
            "https://www.farsnews.ir/news/14020720000031/x",
            "https://farsnews.ir/news/14020720000031",
        ),
        ("https://www.mehrnews.com/service/Politic", None),
        ("https://www.mehrnews.com/news/60184150000", None),
    ],
)
def test_canonical_urls_fold_slug_host_and_query_variants(url, canonical):
    outlet = outlet_for_url(url, load_outlets())
    assert outlet is not None
    assert outlet.canonical_url(url) == canonical


def test_templates_expand_with_both_calendars_and_pages():
    outlets = load_outlets()
    (isna,) = outlets["isna"].expand(outlets["isna"].sitemaps, NOW)
    assert isna == "https://www.isna.ir/sitemap/1402/sitemap.xml"
    (tasnim,) = outlets["tasnim"].expand(outlets["tasnim"].sitemaps, NOW)
    assert tasnim.endswith("/fa/2023/12/05/fa_2023_12_05_sitemap.xml")
    pages = outlets["mehr"].expand(outlets["mehr"].listings, NOW, pages=3)
    assert [p[-9:] for p in pages] == ["pi=1&ms=0", "pi=2&ms=0", "pi=3&ms=0"]


def test_user_file_adds_an_outlet_and_overrides_one_key(tmp_path: Path):
    user = tmp_path / "outlets.toml"
    user.write_text(
        """
[outlets.mehr]
schedule = { interval = 300, jitter = 10 }

[outlets.khabaronline]
name = "Khabar Online"
domains = ["khabaronline.ir", "www.khabaronline.ir"]
feeds = ["https://www.khabaronline.ir/rss"]
article_pattern = '^https?://(?:www\\.)?khabaronline\\.ir/news/(?P<id>\\d+)'
canonical = "https://www.khabaronline.ir/news/{id}"
boilerplate = ["کد مطلب"]
""",
        encoding="utf-8",
    )
    outlets = load_outlets(user)
    assert outlets["mehr"].schedule.interval == 300
    assert outlets["mehr"].feeds == ("https://www.mehrnews.com/rss",)
    ko = outlets["khabaronline"]
    assert (
        ko.canonical_url("https://khabaronline.ir/news/123/x")
        == "https://www.khabaronline.ir/news/123"
    )
    assert "کد مطلب" in ko.boilerplate and "انتهای پیام" in ko.boilerplate


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[outlets.x]\nname='X'", "lacks"),
        (
            "[outlets.x]\nname='X'\ndomains=['x.ir']\narticle_pattern='(['\ncanonical='{id}'",
            "bad article_pattern",
        ),
        (
            "[outlets.x]\nname='X'\ndomains=['x.ir']\narticle_pattern='x'\ncanonical='{id}'",
            "(?P<id>",
        ),
        ("[outlets.x\n", "not valid TOML"),
        (
            "[outlets.x]\nname='X'\ndomains=['x.ir']\narticle_pattern='(?P<id>x)'\ncanonical='{id}'\ncolour=1",
            "colour",
        ),
    ],
)
def test_bad_user_files_fail_with_a_clear_message(tmp_path: Path, body: str, message: str):
    user = tmp_path / "bad.toml"
    user.write_text(body, encoding="utf-8")
    with pytest.raises(OutletConfigError, match=message.replace("(", r"\(").replace("?", r"\?")):
        load_outlets(user)


def test_a_bad_css_selector_is_refused_at_load_naming_outlet_and_key(tmp_path):
    from monitor.outlets import OutletConfigError

    user = tmp_path / "outlets.toml"
    user.write_text('[outlets.mehr]\nbody_selector = "div..body["\n', encoding="utf-8")
    with pytest.raises(OutletConfigError, match=r"outlet 'mehr': body_selector is not a valid CSS"):
        load_outlets(user)
