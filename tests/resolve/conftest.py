"""Fixtures of the resolve tests."""

from __future__ import annotations

import polars as pl
import pytest

from tests.resolve.crafted import crafted_brp


@pytest.fixture(scope="session")
def brp(demo_extracts) -> pl.DataFrame:
    """The demo municipality's BRP with the crafted residents (tests.resolve.crafted)."""
    return crafted_brp(demo_extracts)
