"""Issue 11.3: numbers are held to their column's range in the contract."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from tests.extracts import ROWS, write_extract
from vik.connectors.config import SourceConfig
from vik.connectors.ingest import ingest_source
from vik.connectors.schemas import SOURCES

DOC = Path(__file__).resolve().parents[2] / "docs" / "extracts.md"


def _bag(oppervlakte: list[str]) -> list[dict]:
    row = ROWS["bag"][0]
    return [
        {**row, "nummeraanduiding_id": f"03072000000001{i:02d}", "oppervlakte": value}
        for i, value in enumerate(oppervlakte)
    ]


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_floor_areas_outside_the_range_are_quarantined(tmp_path, key, fmt):
    values = ["82", "-85", "0", "NaN", "inf", "-Infinity", "1234567", "0,5", "82,5"]
    write_extract(tmp_path, "bag", _bag(values), fmt=fmt)
    result = ingest_source("bag", tmp_path, SourceConfig(), key)
    assert result.frame["oppervlakte"].to_list() == [82.0, 82.5]
    reasons = dict(zip(result.quarantine["oppervlakte"], result.quarantine["redenen"], strict=True))
    assert reasons["-85"] == "oppervlakte: '-85' valt buiten het bereik van 1 t/m 999999"
    assert reasons["0"] == "oppervlakte: '0' valt buiten het bereik van 1 t/m 999999"
    assert reasons["NaN"] == "oppervlakte: 'NaN' is geen eindig getal"
    assert reasons["inf"] == "oppervlakte: 'inf' is geen eindig getal"
    assert "geen eindig getal" in reasons["-Infinity"]
    assert "buiten het bereik" in reasons["1234567"]
    assert "buiten het bereik" in reasons["0,5"]


def test_a_floating_nan_in_parquet_is_quarantined(tmp_path, key):
    frame = pl.DataFrame(_bag(["82", "82"])).with_columns(
        pl.Series("oppervlakte", [82.0, float("nan")]), pl.col("huisnummer").cast(pl.Int64)
    )
    frame.write_parquet(tmp_path / "bag.parquet")
    result = ingest_source("bag", tmp_path, SourceConfig(), key)
    assert result.frame["oppervlakte"].to_list() == [82.0]
    assert "geen eindig getal" in result.quarantine["redenen"][0]


@pytest.mark.parametrize("source", ["brp", "bag", "kvk", "belastingen"])
def test_negative_and_zero_house_numbers_are_quarantined(tmp_path, key, source):
    row = next(r for r in ROWS[source] if r.get("huisnummer"))
    rows = [
        {**row, "huisnummer": number, **_other_key(source, i)}
        for i, number in enumerate(["12", "-12", "0", "100000"])
    ]
    write_extract(tmp_path, source, rows)
    result = ingest_source(source, tmp_path, SourceConfig(), key)
    assert result.frame["huisnummer"].to_list() == [12]
    assert result.quarantine.height == 3
    assert all("huisnummer" in r and "bereik" in r for r in result.quarantine["redenen"])


def _other_key(source: str, i: int) -> dict:
    """A record key of its own for each row."""
    if source == "kvk":
        return {"vestigingsnummer": f"00000000000{i}"}
    if source == "bag":
        return {"nummeraanduiding_id": f"03072000000000{i:02d}"}
    return {"record_id": f"r{i}"} if source == "brp" else {"aanslag_id": f"a{i}"}


def test_woz_and_persons_may_not_be_negative(tmp_path, key):
    row = ROWS["belastingen"][0]
    rows = [
        {**row, "aanslag_id": "a", "woz_waarde": "-250000"},
        {**row, "aanslag_id": "b", "aantal_personen": "-1"},
        {**row, "aanslag_id": "c", "belastingjaar": "1026"},
        {**row, "aanslag_id": "d", "woz_waarde": "0", "aantal_personen": "0"},
    ]
    write_extract(tmp_path, "belastingen", rows)
    result = ingest_source("belastingen", tmp_path, SourceConfig(), key)
    assert result.frame["record_key"].to_list() == ["d"]
    reasons = " ".join(result.quarantine["redenen"])
    assert "woz_waarde: '-250000' valt buiten het bereik minstens 0" in reasons
    assert "aantal_personen" in reasons and "belastingjaar" in reasons


def test_the_ranges_are_documented_in_the_contract():
    text = DOC.read_text(encoding="utf-8")
    assert (
        "| `oppervlakte` | decimal (`82,5` or `82.5`) | woning | yes | yes | 1 to 999,999, finite |"
        in text
    )
    assert "| `huisnummer` | integer | adres | yes | yes | 1 to 99,999 |" in text
    for schema in SOURCES.values():
        for column in schema.columns:
            if column.minimum is not None:
                assert f"| `{column.name}` |" in text
