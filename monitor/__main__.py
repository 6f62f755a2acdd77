"""``python -m monitor`` is the CLI: the daemon starts crawl children this way."""

from monitor.cli import main

main()
