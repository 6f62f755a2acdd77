"""The layers as docs/architecture.md draws them: storage knows nothing of the crawler or of
Persian, and only the edges (the CLI, ``crawl_settings``) read the environment."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_storage_imports_nothing_from_monitor_or_spiders():
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            m for m in imported_modules(path) if m.split(".")[0] in ("monitor", "spiders")
        )
        for path in (ROOT / "storage").rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_only_the_edges_read_the_environment():
    edges = {"monitor/cli/__init__.py", "monitor/cli/base.py", "monitor/crawl.py"}
    readers = set()
    for package in ("monitor", "spiders", "storage"):
        for path in (ROOT / package).rglob("*.py"):
            rel = str(path.relative_to(ROOT))
            if "simulator" in rel or rel in edges:
                continue
            source = path.read_text(encoding="utf-8")
            if "os.environ.get(" in source or "os.getenv(" in source:
                readers.add(rel)
    # The daemon passes its environment on to crawl children (it does not read settings
    # from it); XDG_DATA_HOME locates the per-user default database.
    assert readers <= {"storage/db.py"}, readers
