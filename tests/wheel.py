"""The built wheel in a fresh virtual environment, prepared while the other tests run.

Building the wheel and letting `pip install` resolve and install every dependency takes a
minute or more; most of it is waiting on pip. When the session holds a test marked
`install`, tests/conftest.py starts this module as a process of its own at collection
(`python -m tests.wheel DIR`), and the `installed` fixture of tests/test_install.py waits
for it only when its test comes up.

    python -m tests.wheel /tmp/vik-wheel     # DIR/venv/bin/vik afterwards
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.processes import ROOT, clean_env, run, tail

# What the wheel is built from; tests, benchmarks and docs are not part of it.
SOURCES = ("pyproject.toml", "setup.py", "README.md", "vik", "config")
LOG = "prepare.log"


def build_and_install(base: Path) -> Path:
    """Build the wheel from a copy of this checkout (the build leaves nothing in it) and
    install it with its dependencies into base/venv; returns that venv's bin folder."""
    source = base / "source"
    source.mkdir(parents=True)
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(path, source / name)
    env = clean_env()
    python = sys.executable
    run([python, "-m", "pip", "wheel", "--no-deps", "-q", "-w", base / "dist", source], env, base)
    (wheel,) = (base / "dist").glob("vik-*.whl")
    run([python, "-m", "venv", base / "venv"], env, base)
    bin_dir = base / "venv" / "bin"
    # --no-compile: Python compiles what it imports anyway; compiling all of Prefect up
    # front would double the install's time.
    install = [bin_dir / "python", "-m", "pip", "install", "-q", "--no-compile", wheel]
    run(install, env, base, timeout=900)
    return bin_dir


@dataclass
class Preparation:
    """A build-and-install running in the background."""

    base: Path
    process: subprocess.Popen[bytes]

    @classmethod
    def start(cls, base: Path) -> Preparation:
        base.mkdir(parents=True, exist_ok=True)
        with (base / LOG).open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "tests.wheel", str(base)],
                cwd=ROOT,
                env=clean_env(),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return cls(base, process)

    def bin_dir(self, timeout: float = 900) -> Path:
        if self.process.wait(timeout=timeout) != 0:
            raise AssertionError(f"wheel bouwen of installeren mislukt:\n{tail(self.base / LOG)}")
        return self.base / "venv" / "bin"

    def discard(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.base, ignore_errors=True)


if __name__ == "__main__":
    build_and_install(Path(sys.argv[1]))
