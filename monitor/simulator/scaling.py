"""A bigger simulated web for throughput benchmarks, made from the simulator's own articles.

``python -m monitor.simulator --scale 5000`` (or ``Simulator(scale=5000)``) serves the
simulator's articles plus generated ones, at least 5,000 in all. Each generated article is a
new URL of a real outlet (the outlet's own URL shape and id style) whose text is stitched from
paragraphs of several served articles of any outlet, in a seeded random order: text the
project already serves, in combinations no served page has, so most generated pages are new
stories to the deduplicator (a few share enough paragraphs to be near duplicates, as on the
real web). Deterministic for a given ``seed``.

Kept apart from the simulator's content on purpose: whatever its articles are, this only
multiplies them.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from monitor.simulator.build_data import article_url

# Generated ids follow the outlet's largest bundled id (same number of digits, which the
# outlets' URL patterns check), so URLs never collide.
_ID_GAP = 1000


def scaled_records(
    records: list[dict[str, Any]], pages: int, seed: int = 0
) -> list[dict[str, Any]]:
    """``records`` (released at batch 0 or later, as given) plus generated articles, so
    that there are at least ``pages`` article pages in all."""
    rng = random.Random(seed)
    donors = [r for r in records if r.get("paragraphs") and r.get("batch", 0) == 0]
    outlets = sorted({r["outlet"] for r in records})
    next_id = {o: max(int(r["id"]) for r in records if r["outlet"] == o) + _ID_GAP for o in outlets}
    out = list(records)
    n = max(0, pages - len(records))
    for i in range(n):
        outlet = outlets[i % len(outlets)]
        parts = rng.sample(donors, k=min(3, len(donors)))
        paragraphs = [p for r in parts for p in r["paragraphs"]]
        rng.shuffle(paragraphs)
        head = parts[0]
        published = datetime.fromisoformat(head["published"]) - timedelta(minutes=i)
        art_id = str(next_id[outlet])
        next_id[outlet] += 1
        title = f"{head['title']} ({i + 1})"
        out.append(
            {
                **head,
                "outlet": outlet,
                "id": art_id,
                "url": article_url(outlet, art_id, title, published),
                "title": title,
                "lead": parts[1]["lead"] if len(parts) > 1 else head.get("lead"),
                "paragraphs": paragraphs,
                "published": published.isoformat(),
                "batch": 0,
                "kind": "scaled",
                "of": None,
                "relevant": False,
            }
        )
    return out
