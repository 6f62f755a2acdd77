"""``python -m monitor.simulator --port 8800``: serve the simulated outlets until Ctrl-C."""

from __future__ import annotations

import argparse

from monitor.simulator.server import Simulator


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve the simulated Persian news outlets.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8800)
    parser.add_argument("--batch", type=int, default=0, help="release batches up to this one")
    parser.add_argument(
        "--corpus", default=None, help="also serve the real feed items in this folder"
    )
    parser.add_argument(
        "--telegram-corpus",
        default=None,
        help="also serve real Telegram posts from this folder of <channel>.jsonl files "
        "(e.g. ../shared/fixtures/telegram)",
    )
    parser.add_argument(
        "--scale", type=int, default=None, help="serve at least this many articles (benchmarks)"
    )
    args = parser.parse_args(argv)
    sim = Simulator(
        corpus=args.corpus,
        host=args.host,
        port=args.port,
        telegram_corpus=args.telegram_corpus,
        scale=args.scale,
    )
    sim.release(args.batch)
    sim._bind()
    print(f"simulator listening on {sim.url} (e.g. {sim.url}/www.mehrnews.com/rss)", flush=True)
    sim.serve_forever()


if __name__ == "__main__":
    main()
