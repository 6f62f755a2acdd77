"""Packages only the benchmarks use, kept out of the product's dependencies.

``pip install -e ".[bench]"`` brings them; without it a benchmark that needs one stops with a
one-line message naming the extra instead of an ImportError traceback.
"""

from __future__ import annotations

from types import ModuleType


def datasketch() -> ModuleType:
    """The datasketch package (the MinHash baseline the dedup figures are compared against)."""
    try:
        import datasketch as module
    except ImportError as exc:
        raise SystemExit(
            "bench: datasketch is not installed; it is a benchmark-only extra: "
            'pip install -e ".[bench]"'
        ) from exc
    return module
