"""Outlet files are checked on load: each wrong value is one line naming outlet and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.outlets import OutletConfigError, load_outlets
from tests.conftest import run_monitor

BASE = """
[outlets.t]
name = "T"
domains = ["www.mehrnews.com"]
article_pattern = '^https://www\\.mehrnews\\.com/news/(?P<id>\\d+)'
canonical = "https://www.mehrnews.com/news/{id}"
"""


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        ('feeds = "https://www.mehrnews.com/rss"', "feeds"),
        ('catchup_pages = "ten"', "catchup_pages"),
        ("catchup_pages = -1", "catchup_pages"),
        ('feeds = ["ftp://www.mehrnews.com/rss"]', "feeds"),
        ('enabled = "yes"', "enabled"),
        ("name_fa = 5", "name_fa"),
        ('[outlets.t.schedule]\ncron = "61 * * * *"', "schedule.cron"),
        ("[outlets.t.schedule]\ninterval = 0", "schedule.interval"),
    ],
)
def test_bad_outlet_value_is_a_one_line_error(tmp_path: Path, extra: str, key: str):
    path = tmp_path / "outlets.toml"
    path.write_text(BASE + extra + "\n", encoding="utf-8")
    with pytest.raises(OutletConfigError) as exc:
        load_outlets(path)
    message = str(exc.value)
    assert "'t'" in message and key in message and "\n" not in message


def test_outlet_without_domains_is_refused(tmp_path: Path):
    path = tmp_path / "outlets.toml"
    path.write_text(BASE.replace('["www.mehrnews.com"]', "[]"), encoding="utf-8")
    with pytest.raises(OutletConfigError, match="domains"):
        load_outlets(path)


def test_cli_reports_a_bad_outlets_file_in_one_line(tmp_path: Path, db_url: str):
    path = tmp_path / "outlets.toml"
    path.write_text(BASE + 'catchup_pages = "ten"\n', encoding="utf-8")
    proc = run_monitor("crawl", "t", "--db", db_url, "--outlets", str(path), check=False)
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "catchup_pages" in lines[0], proc.stderr


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (("recheck", "--threshold", "5"), "--threshold"),
        (("runs", "--limit", "99999999999999999999"), "--limit"),
        (("runs", "--limit", "-1"), "--limit"),
        (("run", "--every", "-1"), "--every"),
        (("crawl", "--set", "nonsense"), "--set"),
        (("crawl", "--set", "TELNETCONSOLE_ENABLED=1"), "telnet"),
    ],
)
def test_bad_command_line_values_are_one_line_errors(db_url: str, args, option):
    proc = run_monitor(*args, "--db", db_url, check=False)
    assert proc.returncode == 2
    # A usage error: click's usage message ending in the one line naming the option.
    last = proc.stderr.strip().splitlines()[-1]
    assert option in last and "unexpected" not in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


def test_crawls_have_no_telnet_console():
    from monitor.crawl import crawl_settings

    for mirror in (None, "http://127.0.0.1:8800"):
        settings = crawl_settings(db="sqlite:///:memory:", mirror=mirror)
        assert settings.getbool("TELNETCONSOLE_ENABLED") is False


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("/dev/zero", "not a regular file"),
        ("https://elsewhere.example/news/1", "not on a configured outlet's domain"),
        ("https://www.mehrnews.com:8443/news/1", "not on a configured outlet's domain"),
    ],
)
def test_check_reads_only_outlet_urls_and_regular_files(db_url: str, source: str, message: str):
    proc = run_monitor("check", source, "--db", db_url, check=False)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], proc.stderr


def test_check_follows_no_redirect_to_another_port_or_scheme(fresh_simulator, db_url: str):
    """``monitor check URL`` fetched through the mirror: a redirect to another port is refused
    with one line, and so is one to another scheme."""
    sim = fresh_simulator
    art = next(a for a in sim.catalog.visible("mehr") if a.kind == "new")
    url = f"https://www.mehrnews.com/news/{art.id}"
    for where in ("http://127.0.0.1:9/elsewhere", "file:///etc/passwd"):
        sim.clear_faults()
        sim.add_fault(f"/news/{art.id}(?:[/?#]|$)", status=302, headers={"Location": where})
        proc = run_monitor("check", url, "--mirror", sim.url, "--db", db_url, check=False)
        assert proc.returncode != 0
        said = proc.stdout + proc.stderr
        assert "redirect refused" in said or "is not allowed" in said, said
        assert "Traceback" not in proc.stderr
