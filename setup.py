"""Build hook: the wheel carries the seed articles as package data (``monitor/seeds/``).

The repository's ``seeds/`` folder stays the one source (byte-identical to the analysts' set);
``build_py`` copies it into the built ``monitor`` package, so an installed copy finds its seeds
wherever it runs (``monitor.defaults.bundled_seeds_dir``). Everything else is in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SEEDS = Path(__file__).resolve().parent / "seeds"


class BuildWithSeeds(build_py):
    """``build_py`` plus the seeds, copied byte for byte into ``<build>/monitor/seeds``."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads the checkout's seeds/ directly
            return
        files = sorted(SEEDS.glob("*.txt"))
        if not files:
            raise SystemExit(f"no seed articles in {SEEDS}: the wheel would have none")
        target = Path(self.build_lib) / "monitor" / "seeds"
        target.mkdir(parents=True, exist_ok=True)
        for path in files:
            shutil.copyfile(path, target / path.name)


setup(cmdclass={"build_py": BuildWithSeeds})
