"""Start-up without the cycle collector's rescans.

Importing the libraries a command needs (SQLAlchemy, Typer, trafilatura, Scrapy) and loading
the Judge allocate hundreds of thousands of objects that live as long as the process, and none
of them is garbage; yet the collector traversed them again and again while they were made (in
`monitor check` ~0.14 s of ~0.9 s of CPU, two full collections among them). ``loading()``
pauses the collector around such a block and then moves what it made to the permanent
generation (``gc.freeze``), which later collections skip. Garbage made inside the block is
freed by reference counting as usual; only reference cycles made there stay.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def loading() -> Iterator[None]:
    """Pause the cycle collector for the block, then freeze what exists (see the module)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()
