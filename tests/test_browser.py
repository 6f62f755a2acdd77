"""The web view in a real browser: Debian's headless Chromium driven through chromium-driver
(installed by .ci/run; never downloaded). Opens the latest stories, searches a spelling
variant, opens a story, checks that a stored ``<script>`` title stays text, and takes the
screenshot the README shows (written to docs/web.png with MONITOR_UPDATE_SCREENSHOT=1, so an
ordinary test run leaves the working tree clean)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_web import EVIL, fill

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--lang=fa",
)

pytestmark = pytest.mark.skipif(
    not (os.path.exists(CHROMIUM) and os.path.exists(DRIVER)),
    reason="Debian's chromium and chromium-driver are not installed (.ci/run installs them)",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(db_url: str, tmp_path: Path) -> Iterator[tuple[str, dict[str, int]]]:
    ids = fill(db_url)
    port = _free_port()
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "monitor", "serve", "--port", str(port), "--db", db_url],
        cwd=ROOT,
        stdout=log,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:  # bounded wait for the server to answer, not a timed assertion
        try:
            urllib.request.urlopen(base + "/static/style.css", timeout=2).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError((tmp_path / "serve.log").read_text()) from None
            time.sleep(0.2)
    yield base, ids
    proc.terminate()
    proc.wait(10)
    log.close()


@pytest.fixture
def browser() -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument("--window-size=1000,1100")
    driver = webdriver.Chrome(service=Service(executable_path=DRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def test_browse_search_open_and_script_title_is_inert(served, browser, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    base, ids = served
    browser.get(base + "/")
    assert browser.execute_script("return document.documentElement.dir") == "rtl"
    assert browser.execute_script("return document.documentElement.lang") == "fa"
    assert "تازه‌ترین خبرها" in browser.find_element(By.TAG_NAME, "h1").text
    titles = [a.text for a in browser.find_elements(By.CSS_SELECTOR, ".story .title")]
    assert "قرارداد راه‌آهن رشت-آستارا" in titles
    assert EVIL in titles, "the stored markup is shown as text"

    # Search the spelling with a space; the stored text has a ZWNJ.
    box = browser.find_element(By.CSS_SELECTOR, "form.quick input[name=q]")
    box.send_keys("راه آهن")
    box.submit()
    marks = [m.text for m in browser.find_elements(By.TAG_NAME, "mark")]
    assert marks and all(m for m in marks)
    link = next(
        a
        for a in browser.find_elements(By.CSS_SELECTOR, ".story .title")
        if a.text == "قرارداد راه‌آهن رشت-آستارا"
    )
    shot = tmp_path / "web.png"
    browser.save_screenshot(str(shot))
    if os.environ.get("MONITOR_UPDATE_SCREENSHOT"):  # refresh the README's picture on purpose
        shutil.copyfile(shot, ROOT / "docs" / "web.png")
    link.click()
    assert browser.find_element(By.TAG_NAME, "h1").text == "قرارداد راه‌آهن رشت-آستارا"
    assert browser.find_elements(By.CSS_SELECTOR, f"tr#s{ids['copy']}")

    browser.get(f"{base}/story/a{ids['evil']}")
    assert browser.find_element(By.TAG_NAME, "h1").text == EVIL
    assert browser.title == EVIL, "the <title> holds the text, no script ran"
    assert browser.execute_script("return document.scripts.length") == 0
    assert shot.stat().st_size > 10_000

    # The pages kept under the threshold: reached from the latest list, reasons folded away.
    browser.get(base + "/")
    browser.find_element(By.CSS_SELECTOR, "p.note a[href='/borderline']").click()
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("زیر آستانه")
    reason = browser.find_element(By.CSS_SELECTOR, ".reasons li")
    assert not reason.is_displayed()
    browser.find_element(By.CSS_SELECTOR, "details summary").click()
    assert reason.is_displayed() and reason.text == "russia actor in title: روسیه"
    titles = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".story .title")]
    assert titles == [EVIL, "سفر هیئت بانکی روسیه به تهران"]
