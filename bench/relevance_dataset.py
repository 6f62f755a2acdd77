"""The labelled items behind the relevance model: where they come from and how they are split.

- ``../shared/fixtures/relevance/dev.jsonl``: real Telegram posts and Fars articles labelled by
  hand with the rubric (docs/relevance.md). Read from the shared folder, never copied here.
- ``../shared/fixtures/real/hamshahri_feed_items.json``: real feed items (title and summary),
  labelled by the project in ``bench/data/hamshahri_labels.json``.
- ``bench/data/relevance_handmade.json``: items written by the project with the same rubric.

Splits (``split_by_date``, ``split_by_outlet``): the held-out part is only ever scored, never
trained or tuned on. Unsure items are dropped from every score.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
SHARED = ROOT.parent / "shared" / "fixtures"
DEV = SHARED / "relevance" / "dev.jsonl"
HAMSHAHRI = SHARED / "real" / "hamshahri_feed_items.json"
HANDMADE = DATA / "relevance_handmade.json"
CUTOFF = "2026-07-08"  # the README's date split (2026-07-08T00:00Z): train before, hold out from


@dataclass(frozen=True)
class LabelledItem:
    id: str
    title: str
    text: str
    lead: str | None
    label: bool
    kind: str  # relevant, both-named-unrelated, russia-only, iran-only, trap-substring, ordinary
    family: str  # "telegram" or "web"
    outlet: str
    date: str
    unsure: bool = False


def shared_missing() -> str | None:
    """Why the shared data cannot be read, or None when it can."""
    for path in (DEV, HAMSHAHRI):
        if not path.exists():
            return f"{path} is absent (the shared fixtures live beside the checkout)"
    return None


def _record(d: dict[str, object], outlet: str | None = None) -> LabelledItem:
    """One line of the development set's format (``monitor label --export`` writes it too)."""
    url = str(d["url"])
    telegram = url.startswith("https://t.me/")
    if outlet is None:  # the dev set: the channel for a post, Fars for an article
        outlet = str(d["id"]).split("/")[0] if telegram else "farsnews"
    return LabelledItem(
        id=str(d["id"]),
        title=str(d["title"]),
        text=str(d["text"]),
        lead=None,
        label=bool(d["relevant"]),
        kind=str(d["kind"]),
        family="telegram" if telegram else "web",
        outlet=outlet,
        date=str(d.get("date") or ""),
        unsure=bool(d.get("unsure")),
    )


def _records(path: Path) -> list[dict[str, object]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def dev_items(path: Path = DEV) -> list[LabelledItem]:
    return [_record(d) for d in _records(path)]


def hamshahri_items(
    path: Path = HAMSHAHRI, labels: Path = DATA / "hamshahri_labels.json"
) -> list[LabelledItem]:
    """Real feed items (about 2020): title, summary as lead; negative unless listed."""
    positives = set(json.loads(labels.read_text(encoding="utf-8"))["positives"])
    out = []
    for i, item in enumerate(json.loads(path.read_text(encoding="utf-8"))):
        label = item.get("link") in positives
        out.append(
            LabelledItem(
                id=f"hamshahri-{i}",
                title=item.get("title", ""),
                text="",
                lead=item.get("summary") or None,
                label=label,
                kind="relevant" if label else "feed-negative",
                family="web",
                outlet="hamshahri",
                date="2020",
            )
        )
    return out


def handmade_items(path: Path = HANDMADE) -> list[LabelledItem]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [
        LabelledItem(
            id=item["id"],
            title=item["title"],
            text=item.get("text", ""),
            lead=item.get("lead"),
            label=bool(item["label"]),
            kind="relevant" if item["label"] else item.get("kind", "handmade-negative"),
            family=item.get("family", "web"),
            outlet="handmade",
            date="handmade",
        )
        for item in data["items"]
    ]


def analyst_items(path: Path) -> list[LabelledItem]:
    """Pages an analyst labelled (``monitor label --export FILE``), as items of their own."""
    return [_record(d, outlet="analyst") for d in _records(path)]


def split_by_date() -> tuple[list[LabelledItem], list[LabelledItem]]:
    """(train, held-out): dev items before the cut-off plus every project-labelled item; dev
    items from the cut-off on."""
    dev = dev_items()
    train = [i for i in dev if i.date[:10] < CUTOFF] + hamshahri_items() + handmade_items()
    held = [i for i in dev if i.date[:10] >= CUTOFF]
    return train, held


def split_by_outlet(outlet: str = "alonews") -> tuple[list[LabelledItem], list[LabelledItem]]:
    """(train, held-out): every item not from ``outlet``; the outlet's items."""
    dev = dev_items()
    train = [i for i in dev if i.outlet != outlet] + hamshahri_items() + handmade_items()
    return train, [i for i in dev if i.outlet == outlet]


if __name__ == "__main__":
    tr, ho = split_by_date()
    for name, part in (("train", tr), ("held-out", ho)):
        sure = [i for i in part if not i.unsure]
        print(f"{name}: {len(part)} items, {sum(i.label for i in sure)} sure positives")
