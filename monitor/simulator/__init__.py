"""Local outlet simulator: the real outlets' URL shapes and markup, served on 127.0.0.1.

See docs/simulator.md. ``Simulator(port=0).start()`` serves real URL ``https://host/path?q`` at
``http://127.0.0.1:PORT/host/path?q``; data come from ``data/articles.json``.
"""

from monitor.simulator.server import Simulator

__all__ = ["Simulator"]
