"""How well monitor.language tells Persian from Arabic, against py3langid alone, on ../shared.

    python -m bench.language_eval

Samples (read from ../shared, never copied):
- Persian: every dev-set item (title; whole text), including 2003–2012 Fars copy written with
  Arabic ي/ك, and every Hamshahri feed title;
- Arabic: lines inside the Telegram posts that carry ة and none of پ چ ژ گ or Persian ی ک, at
  least 40 characters long (Quranic verses, prayers, quoted Arabic). That selection leans on
  letters the rule also uses, so the Arabic figure flatters the rule; the Persian ones do not.
- Latin script: the trafilatura evaluation pages' titles (English and German news).
Speed is items per second for the whole dev set's texts in this process.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.relevance_dataset import DEV, HAMSHAHRI, SHARED
from monitor.language import _identifier, detect_language

TELEGRAM = SHARED / "telegram"
TRAF = SHARED / "trafilatura-eval" / "evaldata.json"


def samples() -> dict[str, tuple[str, list[str]]]:
    """name -> (expected code, texts)."""
    dev = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line]
    ham = json.loads(HAMSHAHRI.read_text(encoding="utf-8"))
    arabic: list[str] = []
    for path in sorted(TELEGRAM.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            for text_line in json.loads(line).get("text", "").split("\n"):
                if (
                    "ة" in text_line
                    and not re.search("[پچژگ\u06cc\u06a9]", text_line)
                    and len(text_line) >= 40
                ):
                    arabic.append(text_line)
    out = {
        "fa: dev titles": ("fa", [d["title"] for d in dev]),
        "fa: dev texts": ("fa", [d["text"] for d in dev]),
        "fa: old Fars texts (ي/ك)": (
            "fa",
            [d["text"] for d in dev if d["id"].startswith("fars-news")],
        ),
        "fa: Hamshahri titles": ("fa", [h["title"] for h in ham]),
        "ar: Arabic lines in Telegram posts": ("ar", sorted(set(arabic))),
    }
    if TRAF.exists():
        traf = json.loads(TRAF.read_text(encoding="utf-8"))
        out["en/de: page titles"] = ("en|de", [v["title"] for v in traf.values() if v.get("title")])
    return out


def langid_alone(text: str) -> str:
    return str(_identifier().classify(text)[0])


def main() -> None:
    if not DEV.exists():
        sys.exit(f"cannot evaluate: {DEV} is absent")
    print(f"{'sample':<38} {'n':>5}  {'monitor.language':>17}  {'py3langid alone':>15}")
    for name, (expected, texts) in samples().items():
        ok = expected.split("|")
        ours = Counter(detect_language(t) for t in texts)
        alone = Counter(langid_alone(t) for t in texts)
        acc_ours = sum(ours[c] for c in ok) / len(texts)
        acc_alone = sum(alone[c] for c in ok) / len(texts)
        print(f"{name:<38} {len(texts):>5}  {acc_ours:>17.3f}  {acc_alone:>15.3f}")
        wrong = [f"{c} {n}" for c, n in ours.most_common(4) if c not in ok]
        if wrong:
            print(f"{'':<38}        other answers: {', '.join(wrong)}")
    texts = samples()["fa: dev texts"][1]
    start = time.perf_counter()
    for t in texts:
        detect_language(t)
    elapsed = time.perf_counter() - start
    print(f"\nspeed: {len(texts) / elapsed:,.0f} items/s (dev texts, one core)")


if __name__ == "__main__":
    main()
