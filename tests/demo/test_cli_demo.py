"""`vik demo generate` from the command line."""

from __future__ import annotations

import polars as pl
from typer.testing import CliRunner

from vik.cli import app


def test_generate_writes_the_extracts_and_prints_a_dutch_summary(tmp_path):
    out = tmp_path / "extracts"
    result = CliRunner().invoke(
        app,
        ["demo", "generate", "--addresses", "300", "--seed", "7", "--out", str(out),
         "--as-of", "2026-05-01", "--format", "parquet"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "peildatum 2026-05-01" in result.output
    assert "overbewoning" in result.output and "gepland" in result.output
    assert str(out / "truth") in result.output
    assert pl.read_parquet(out / "bag.parquet").height == 300
    assert (out / "truth" / "planted.csv").exists()


def test_too_few_addresses_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(
        app, ["demo", "generate", "--addresses", "10", "--seed", "1", "--out", str(tmp_path)]
    )
    assert result.exit_code != 0
    assert not any(tmp_path.iterdir())
