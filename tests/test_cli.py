"""The ``monitor`` command as a user meets it: help with examples, one-line errors, JSON output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from monitor.cli import app
from tests.conftest import run_monitor

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT.parent / "shared" / "fixtures" / "real"  # saved ISNA and Tasnim pages (third-party)
COMMANDS = [
    "crawl",
    "run",
    "worker",
    "enqueue",
    "demo",
    "simulate",
    "query",
    "show",
    "sources",
    "runs",
    "status",
    "check",
    "recheck",
]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command: str):
    result = CliRunner().invoke(app, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example: monitor " in result.output


def test_a_new_database_is_created_on_first_use_by_check(tmp_path: Path):
    """`MONITOR_DB=sqlite:///new.db monitor check page.html` just works."""
    db = tmp_path / "new.db"
    proc = run_monitor(
        "check",
        str(ROOT / "seeds" / "004_446af218e34388db.txt"),
        env={"MONITOR_DB": f"sqlite:///{db}"},
    )
    verdict = json.loads(proc.stdout)
    assert db.exists()
    assert verdict["duplicate"]["of"] == "004_446af218e34388db.txt"
    assert verdict["relevant"] is True


def test_check_gives_the_documented_json_for_a_saved_page(simulator, db_url: str, tmp_path: Path):
    import urllib.request

    url = "https://www.mehrnews.com/news/5200996"
    page = tmp_path / "page.html"
    page.write_bytes(
        urllib.request.urlopen(f"{simulator.url}/www.mehrnews.com/news/5200996").read()
    )
    proc = run_monitor("check", str(page), "--url", url, "--db", db_url)
    v = json.loads(proc.stdout)
    for key in (
        "title",
        "published",
        "published_jalali",
        "text",
        "outlet",
        "relevant",
        "relevance",
        "duplicate",
    ):
        assert key in v, key
    assert v["outlet"] == "mehr"
    assert v["published"].endswith("+00:00")
    assert set(v["relevance"]) == {"score", "reasons", "version"}
    assert v["verdict"] in ("new", "duplicate", "irrelevant", "borderline")
    assert v["duplicate"] is None or set(v["duplicate"]) == {"kind", "of", "score"}


def test_check_reads_a_page_or_a_post_from_standard_input(simulator, db_url: str, tmp_path: Path):
    """``check -`` judges what is piped in exactly as the same bytes saved to a file: text (a
    Telegram post copied by hand) as a .txt file, a page as a saved page with ``--url``."""
    import urllib.request

    post = (
        "نبنزیا: مکانیسم ماشه علیه ایران مبنای حقوقی ندارد\n"
        "نماینده روسیه گفت بازگشت تحریم‌ها علیه ایران اعتبار ندارد.\n"
    )
    saved = tmp_path / "post.txt"
    saved.write_text(post, "utf-8")

    def piped(data: bytes, *args: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [sys.executable, "-m", "monitor", "check", *args, "--db", db_url],
            cwd=ROOT, input=data, capture_output=True, timeout=180,
        )  # fmt: skip

    from_stdin = json.loads(piped(post.encode(), "-").stdout)
    from_file = json.loads(run_monitor("check", str(saved), "--db", db_url).stdout)
    assert from_stdin["file"] == "-" and from_stdin["url"] == "stdin:"
    assert from_stdin["title"] == "نبنزیا: مکانیسم ماشه علیه ایران مبنای حقوقی ندارد"
    assert from_stdin["relevant"] is True
    assert from_stdin["relevance"] == from_file["relevance"]

    url = "https://www.mehrnews.com/news/5200996"
    page = urllib.request.urlopen(f"{simulator.url}/www.mehrnews.com/news/5200996").read()
    (tmp_path / "page.html").write_bytes(page)
    v = json.loads(piped(page, "-", "--url", url).stdout)
    w = json.loads(
        run_monitor("check", str(tmp_path / "page.html"), "--url", url, "--db", db_url).stdout
    )
    assert v["outlet"] == "mehr" and v["url"] == url
    assert {k: v[k] for k in ("title", "text", "published", "relevance", "verdict")} == {
        k: w[k] for k in ("title", "text", "published", "relevance", "verdict")
    }
    twice = piped(post.encode(), "-", "-")
    assert twice.returncode == 2 and twice.stderr.decode().strip() == (
        "error: - (standard input) can be given once"
    )


def test_check_a_telegram_post_link_gives_the_crawl_s_verdict(simulator, tmp_path: Path):
    """``check https://t.me/<channel>/<id>`` reads the post from the channel's preview as the
    Telegram spider does and judges it as the crawl did: same title, score and verdict kind."""
    import sqlite3

    crawled = tmp_path / "crawled.db"
    run_monitor("crawl", "telegram", "--db", f"sqlite:///{crawled}", "--mirror", simulator.url)
    con = sqlite3.connect(crawled)
    rows = con.execute(
        "select canonical_url, verdict, relevance, title from judged_pages"
        " where canonical_url like 'https://t.me/%' order by canonical_url"
    ).fetchall()
    con.close()
    stored = next(r for r in rows if r[1] == "new")
    dropped = next(r for r in rows if r[1] == "irrelevant")
    proc = run_monitor(
        "check", stored[0], dropped[0], "--mirror", simulator.url,
        "--db", f"sqlite:///{tmp_path / 'empty.db'}",
    )  # fmt: skip
    got = [json.loads(line) for line in proc.stdout.splitlines()]
    for row, v in zip((stored, dropped), got, strict=True):
        assert v["url"] == v["canonical_url"] == row[0]
        assert v["title"] == row[3]
        assert v["relevance"]["score"] == round(row[2], 4)
        assert v["verdict"] == row[1]
    unknown = run_monitor(
        "check", "https://t.me/nosuchchannel/5", "--mirror", simulator.url,
        "--db", f"sqlite:///{tmp_path / 'empty.db'}", check=False,
    )  # fmt: skip
    assert unknown.returncode == 2 and unknown.stderr.strip() == (
        "error: https://t.me/nosuchchannel/5: channel 'nosuchchannel' is not configured"
        " (--any-host allows it)"
    )


def test_check_many_files_prints_one_json_object_per_line(tmp_path: Path, db_url: str):
    if not REAL.is_dir():
        pytest.skip(f"{REAL} absent: the real saved pages live in ../shared beside the checkout")
    pages = tmp_path / "pages"
    pages.mkdir()
    for name in ("isna_001.html", "tasnim_001.html"):
        (pages / name).write_bytes((REAL / name).read_bytes())
    proc = run_monitor("check", str(pages), "--db", db_url)
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [Path(v["file"]).name for v in lines] == ["isna_001.html", "tasnim_001.html"]
    assert all(v["relevant"] is False and v["duplicate"] is None for v in lines)
    assert lines[1]["title"].startswith("لیگ قهرمانان آسیا")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["show", "999999"], "error: no article with id a999999"),
        (["show", "s999999"], "error: no sighting with id s999999"),
        (["show", "x1"], "error: not an id: 'x1'"),
        (["query", "--since", "yesterday"], "error: --since: not a date: 'yesterday'"),
        (["runs", "--format", "xml"], "error: --format must be one of"),
        (["check", "/no/such/file.html"], "error: no such file: /no/such/file.html"),
        (
            [
                "crawl",
                "mehr",
                "--mirror",
                "http://127.0.0.1:9",
                "--set",
                "MONITOR_KEEP_JUDGED_DAYS=abc",
            ],
            "error: MONITOR_KEEP_JUDGED_DAYS must be a number of days, 0 or more, not 'abc'",
        ),
        (
            [
                "crawl",
                "mehr",
                "--mirror",
                "http://127.0.0.1:9",
                "--set",
                "MONITOR_RELEVANCE_THRESHOLD=1.5",
            ],
            "error: MONITOR_RELEVANCE_THRESHOLD must be a score above 0 and at most 1",
        ),
        (["sources", "--db", "nonsense://"], "error:"),
    ],
)
def test_errors_are_one_line_with_a_non_zero_exit(args: list[str], message: str, db_url: str):
    if "--db" not in args:
        args = [*args, "--db", db_url]
    proc = run_monitor(*args, check=False)
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(message)


def test_judged_text_retention_from_the_environment(simulator, tmp_path: Path):
    """``MONITOR_KEEP_JUDGED_DAYS`` as an environment variable (how the daemon's crawls get it):
    0 clears every judged page's kept text at the end of the crawl, verdicts stay; a wrong
    value stops the daemon at start with one line."""
    import sqlite3

    path = tmp_path / "monitor.db"
    env = {"MONITOR_KEEP_JUDGED_DAYS": "0"}
    run_monitor("crawl", "mehr", "--db", f"sqlite:///{path}", "--mirror", simulator.url, env=env)
    con = sqlite3.connect(path)
    judged, kept = con.execute(
        "select count(*), count(content) from judged_pages where verdict is not null"
    ).fetchone()
    con.close()
    assert judged > 10 and kept == 0
    bad = run_monitor(
        "run", "--db", f"sqlite:///{path}", "--mirror", simulator.url, check=False,
        env={"MONITOR_KEEP_JUDGED_DAYS": "forever"},
    )  # fmt: skip
    assert bad.returncode == 2
    assert bad.stderr.strip() == (
        "error: MONITOR_KEEP_JUDGED_DAYS must be a number of days, 0 or more, not 'forever'"
    )


def test_listing_commands_speak_json(db_url: str):
    sources = json.loads(run_monitor("sources", "--db", db_url, "--format", "json").stdout)
    assert {s["outlet"] for s in sources} >= {"mehr", "irna", "tasnim", "isna"}
    assert json.loads(run_monitor("runs", "--db", db_url, "--format", "json").stdout) == []
    # An empty store holds the seed stories, each an article id ("a…").
    stories = json.loads(run_monitor("query", "--db", db_url, "--format", "json").stdout)
    assert len(stories) == 5 and all(s["id"].startswith("a") for s in stories)


def test_scrapy_list_works_from_the_repository_root():
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "scrapy", "list"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert {"mehr", "irna", "isna", "tasnim", "jamejam", "alalam", "fars"} <= set(
        proc.stdout.split()
    )


def test_check_a_real_outlet_url_through_the_mirror(simulator, db_url: str):
    """A republished seed, checked by its real URL and fetched from the simulator."""

    from monitor.simulator.build_data import manifest

    copy = next(r for r in manifest() if r["kind"] == "republication" and r["batch"] == 0)
    proc = run_monitor("check", copy["url"], "--mirror", simulator.url, "--db", db_url)
    verdict = json.loads(proc.stdout)
    assert verdict["url"] == copy["url"]
    assert verdict["outlet"] == copy["outlet"]
    assert verdict["duplicate"]["of"] == copy["of"]


def test_no_arguments_lists_the_commands_and_exits_0():
    proc = run_monitor(check=False)
    assert proc.returncode == 0, proc.stderr
    for command in ("demo", "crawl", "query", "check", "simulate"):
        assert command in proc.stdout
    assert "unexpected" not in proc.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["crawll"], "No such command 'crawll'"),
        (["query", "--limit", "many"], "Invalid value for '--limit'"),
    ],
)
def test_usage_errors_print_clicks_message_and_exit_2(args: list[str], message: str):
    proc = run_monitor(*args, check=False)
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr
    assert "Usage: monitor" in proc.stderr and "unexpected" not in proc.stderr
