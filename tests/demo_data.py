"""One small demo municipality per test session, shared by the tests that need real data.

>>> extracts = demo_extracts_dir(tmp_path_factory)   # via the fixtures in tests/conftest.py
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

DEMO_ADDRESSES = 400
DEMO_SEED = 11
DEMO_AS_OF = date(2026, 11, 22)
DEMO_DAY = DEMO_AS_OF.strftime("%d-%m-%Y")  # as the web pages write it


def generate(directory: Path, addresses: int = DEMO_ADDRESSES, seed: int = DEMO_SEED) -> Path:
    from vik.demo.generator import generate_municipality

    generate_municipality(directory, addresses=addresses, seed=seed, as_of=DEMO_AS_OF)
    return directory
