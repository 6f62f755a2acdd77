"""An installed copy works from any folder: the wheel carries the seeds, nothing reads the checkout.

The wheel is built from a clean copy of the sources (no stale ``build/``), installed with
``--no-deps`` into a fresh venv outside the checkout that sees this venv's site-packages for the
dependencies (a plain path entry: this venv's editable install of the project stays invisible),
and ``monitor check`` then judges a republished seed from an unrelated folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEED = "000_6d9b418a79da553c.txt"
SOURCES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md")
PACKAGES = ("monitor", "spiders", "storage", "seeds")


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 300):
    return subprocess.run(
        args, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env, check=False
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the built wheel installed; returns its bin folder."""
    top = tmp_path_factory.mktemp("install")
    src = top / "src"
    src.mkdir()
    for name in SOURCES:
        shutil.copy2(ROOT / name, src / name)
    junk = shutil.ignore_patterns("__pycache__", "*.pyc", "seeds")  # monitor/seeds: build output
    for name in PACKAGES:
        shutil.copytree(ROOT / name, src / name, ignore=None if name == "seeds" else junk)
    dist = top / "dist"
    built = _run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
         "-w", str(dist), str(src)],
        cwd=top,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr[-3000:]
    wheel = next(dist.glob("*.whl"))

    venv = top / "venv"
    made = _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=top)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    purelib = _run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=top
    ).stdout.strip()
    # The dependencies come from this venv: appended after the new venv's own site-packages.
    Path(purelib, "test-venv-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    put = _run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
         "--no-index", str(wheel)],
        cwd=top,
    )  # fmt: skip
    assert put.returncode == 0, put.stderr[-3000:]
    return venv / "bin"


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env.pop("PYTHONPATH", None)
    return {**env, **extra}


def test_the_wheel_ships_the_seeds_byte_identical(installed: Path, tmp_path: Path):
    probe = _run(
        [str(installed / "python"), "-c",
         "import monitor, monitor.seeds as s; print(monitor.__file__); print(s.seeds_dir())"],
        cwd=tmp_path, env=_env(),
    )  # fmt: skip
    assert probe.returncode == 0, probe.stderr
    module, seeds = probe.stdout.split()
    venv = installed.parent
    assert Path(module).is_relative_to(venv), "the installed copy, not the checkout, was imported"
    assert Path(seeds).is_relative_to(venv)
    shipped = sorted(p.name for p in Path(seeds).glob("*.txt"))
    assert shipped == sorted(p.name for p in (ROOT / "seeds").glob("*.txt"))
    for name in shipped:
        assert (Path(seeds) / name).read_bytes() == (ROOT / "seeds" / name).read_bytes()


def test_installed_check_recognises_a_republished_seed_from_another_folder(
    installed: Path, tmp_path: Path
):
    lines = [ln for ln in (ROOT / "seeds" / SEED).read_text(encoding="utf-8").splitlines() if ln]
    # Another desk's copy: its own headline, its attribution, the last paragraphs trimmed.
    body = lines[1 : max(4, len(lines) * 2 // 3)]
    page = tmp_path / "copy.txt"
    page.write_text("\n".join(["بازنشر: رایزنی تلفنی وزیران خارجه", "به گزارش ایسنا،", *body]))
    db = f"sqlite:///{tmp_path / 'installed.db'}"
    proc = _run([str(installed / "monitor"), "check", str(page), "--db", db], tmp_path, _env())
    assert proc.returncode == 0, proc.stderr
    verdict = json.loads(proc.stdout)
    assert verdict["duplicate"] is not None, verdict
    assert verdict["duplicate"]["of"] == SEED


def test_no_seed_refuses_to_run_with_one_line(installed: Path, tmp_path: Path):
    empty = tmp_path / "no-seeds"
    empty.mkdir()
    db = f"sqlite:///{tmp_path / 'unseeded.db'}"
    env = _env(MONITOR_SEEDS=str(empty))
    proc = _run([str(installed / "monitor"), "sources", "--db", db], tmp_path, env)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: no seed articles"), proc.stderr
