"""Generated towns shared by the demo tests (each generated once per session)."""

from __future__ import annotations

from datetime import date

import pytest

from tests.demo.reference import Demo, read_demo
from vik.demo.generator import generate_municipality

AS_OF = date(2026, 3, 31)  # month end: 12 months back is 2025-03-31
LEAP_DAY = date(2028, 2, 29)  # 12 months back is 2027-02-28


@pytest.fixture(scope="session")
def demo(tmp_path_factory) -> Demo:
    """300 addresses, the size a user tries first."""
    out = tmp_path_factory.mktemp("demo") / "extracts"
    generate_municipality(out, addresses=300, seed=11, as_of=AS_OF)
    return read_demo(out, AS_OF)


@pytest.fixture(scope="session")
def larger_demo(tmp_path_factory) -> Demo:
    """3,000 addresses on a leap day: more background that could trigger a rule by accident."""
    out = tmp_path_factory.mktemp("larger") / "extracts"
    generate_municipality(out, addresses=3000, seed=5, as_of=LEAP_DAY)
    return read_demo(out, LEAP_DAY)


@pytest.fixture(params=["demo", "larger_demo"])
def any_demo(request) -> Demo:
    return request.getfixturevalue(request.param)
