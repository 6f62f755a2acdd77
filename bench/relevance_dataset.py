"""The labelled set behind the relevance gate: who is about Iran–Russia relations, who is not.

Positives: the five seed articles, three republication variants of each (another agency's
attribution and a trimmed ending; headline and lead only; an excerpt under an edited
headline), and the hand-written relations snippets in ``bench/data/relevance_handmade.json``.
Negatives: all 1,102 real Hamshahri feed items (minus any labelled positive in
``bench/data/hamshahri_labels.json``) and the hand-written traps.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
SEEDS = ROOT / "seeds"
HAMSHAHRI = ROOT / "bench" / "data" / "hamshahri_feed_items.json"  # copy of the shared fixture


@dataclass(frozen=True)
class LabelledItem:
    id: str
    title: str
    text: str
    lead: str | None
    label: bool
    source: str


def _paragraphs(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def seed_items(seeds_dir: Path = SEEDS) -> Iterator[LabelledItem]:
    """Each seed and three republication variants of it."""
    for path in sorted(seeds_dir.glob("*.txt")):
        paras = _paragraphs(path)
        title, body = paras[0], paras[1:]
        stem = path.stem
        yield LabelledItem(stem, title, "\n".join(body), None, True, "seed")
        # Republished by another agency: new attribution, last paragraph (furniture) cut.
        first = re.sub(r"^به گزارش [^،,]+[،,]\s*", "", body[0]) if body else ""
        reworded = [f"به گزارش خبرگزاری مهر به نقل از ایرنا، {first}", *body[1:-1]]
        yield LabelledItem(
            f"{stem}-republished", title, "\n".join(reworded), None, True, "seed-variant"
        )
        # A feed item: headline and the first paragraph as lead, no body.
        lead = body[0] if body else None
        yield LabelledItem(f"{stem}-headline", title, "", lead, True, "seed-variant")
        # An excerpt under an edited headline.
        yield LabelledItem(
            f"{stem}-excerpt",
            f"{title} (گزارش تکمیلی)",
            "\n".join(body[:3]),
            None,
            True,
            "seed-variant",
        )


def handmade_items(path: Path = DATA / "relevance_handmade.json") -> Iterator[LabelledItem]:
    data = json.loads(path.read_text(encoding="utf-8"))
    for item in data["items"]:
        yield LabelledItem(
            item["id"], item["title"], item.get("text", ""), item.get("lead"), bool(item["label"]),
            "handmade-positive" if item["label"] else "handmade-trap",
        )  # fmt: skip


def hamshahri_items(
    path: Path = HAMSHAHRI, labels: Path = DATA / "hamshahri_labels.json"
) -> Iterator[LabelledItem]:
    """All real feed items: title, summary as lead; labelled negative unless listed."""
    positives = set(json.loads(labels.read_text(encoding="utf-8"))["positives"])
    for i, item in enumerate(json.loads(path.read_text(encoding="utf-8"))):
        yield LabelledItem(
            f"hamshahri-{i}", item.get("title", ""), "", item.get("summary") or None,
            item.get("link") in positives, "hamshahri",
        )  # fmt: skip


def load_dataset() -> list[LabelledItem]:
    """Every labelled item: seeds, hand-made snippets and the real Hamshahri feed items."""
    return [*seed_items(), *handmade_items(), *hamshahri_items()]


if __name__ == "__main__":
    dataset = load_dataset()
    print(f"{len(dataset)} items, {sum(i.label for i in dataset)} positive")
