"""Local outlet simulator: the real outlets' URL shapes and markup, served on 127.0.0.1.

See docs/simulator.md. ``Simulator(port=0).start()`` serves real URL ``https://host/path?q`` at
``http://127.0.0.1:PORT/host/path?q``; the articles come from ``build_data.manifest()``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from monitor.simulator.server import Simulator

__all__ = ["Simulator"]


def __getattr__(name: str) -> Any:
    # Imported on first use, so ``python -m monitor.simulator.build_data`` does not load the
    # server (and build_data) before running build_data as a script.
    if name == "Simulator":
        from monitor.simulator.server import Simulator

        return Simulator
    raise AttributeError(name)
