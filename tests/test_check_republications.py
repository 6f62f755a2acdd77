"""`monitor check` on transformed republications of every seed, rendered as real HTML pages:
each is reported as a duplicate of the right seed file; hard negatives are not."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest

from bench.dedup_dataset import FEED_MISSING, build, feed_available
from tests.conftest import run_monitor

pytestmark = pytest.mark.skipif(not feed_available(), reason=FEED_MISSING)


def page(title: str, paragraphs: list[str], charset: str = "utf-8") -> str:
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (
        f'<html lang="fa" dir="rtl"><head><meta charset="{charset}"><title>{html.escape(title)}'
        f"</title></head><body><nav><a href='/'>صفحه نخست</a></nav><article><h1>"
        f"{html.escape(title)}</h1>{body}</article><footer>© ۱۴۰۲</footer></body></html>"
    )


@pytest.mark.slow
def test_check_names_the_seed_of_each_transformed_copy(tmp_path: Path, db_url: str):
    data = build()
    names = {o.key: o.name.removeprefix("seed:") for o in data.originals}
    chosen: dict[str, object] = {}
    for case in data.cases:
        seedish = case.expected in names and names[case.expected].endswith(".txt")
        if case.kind not in chosen and (seedish or case.kind.startswith("neg_topic")):
            chosen[case.kind] = case
    assert len(chosen) >= 17  # every transformation class, plus one hard-negative class
    expected: dict[str, str | None] = {}
    for kind, case in chosen.items():
        lines = [line for line in case.text().split("\n") if line.strip()]
        # A case is "headline, blank line, body"; one without a headline gets a neutral one.
        title, paragraphs = (lines[0], lines[1:]) if len(lines) > 1 else ("گزارش خبری", lines)
        if isinstance(case.page, bytes):  # the windows-1256 class: bytes as the page sends them
            raw = page(title, paragraphs, "windows-1256").encode("cp1256", errors="replace")
        else:
            raw = page(title, paragraphs).encode("utf-8")
        (tmp_path / f"{kind}.html").write_bytes(raw)
        expected[kind] = names.get(case.expected) if case.expected else None

    proc = run_monitor("check", str(tmp_path), "--db", db_url, check=False)
    verdicts = {Path(v["file"]).stem: v for v in map(json.loads, proc.stdout.splitlines())}
    assert set(verdicts) == set(expected)
    for kind, want in expected.items():
        assert verdicts[kind]["error"] is None, (kind, verdicts[kind]["error"])
        dup = verdicts[kind]["duplicate"]
        if want is None:
            assert dup is None, (kind, dup)
        else:
            assert dup is not None, f"{kind}: not recognised"
            assert dup["of"] == want and dup["kind"] in ("exact", "near"), (kind, dup)
