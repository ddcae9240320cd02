"""Issue 11.1: the guards judge what was accepted, not what was read."""

from __future__ import annotations

import polars as pl
import pytest

from tests.extracts import ROWS, write_extract
from vik.connectors.config import SourceConfig, sources_config_from_dict
from vik.connectors.guards import Baseline
from vik.connectors.ingest import ingest_source
from vik.errors import ConfigError


def _brp_rows(n: int, **changes: str) -> list[dict]:
    good = ROWS["brp"][0]
    return [{**good, "record_id": f"brp-{i}", **changes} for i in range(n)]


def test_an_extract_whose_every_row_is_quarantined_is_refused(tmp_path, key):
    # Every begin date written 2014.02.28: read 20 rows, accepted none.
    write_extract(tmp_path, "brp", _brp_rows(20, datum_aanvang_adreshouding="2014.02.28"))
    result = ingest_source("brp", tmp_path, SourceConfig(), key)
    assert result.summary.status == "gestopt"
    assert result.summary.rows_read == result.summary.rows_quarantined == 20
    message = result.summary.error
    assert "brp.csv" in message
    assert "geen enkele rij geaccepteerd" in message
    assert "datum_aanvang_adreshouding" in message  # the most common reason
    assert "--accept-shrink brp" in message
    # The quarantine stays with the stopped source: it says what is wrong.
    assert result.quarantine.height == 20
    assert result.frame.height == 0


def test_the_shrink_guard_compares_accepted_rows(tmp_path, key):
    rows = _brp_rows(4) + _brp_rows(6, postcode="12345")
    rows = [{**r, "record_id": f"r{i}"} for i, r in enumerate(rows)]
    write_extract(tmp_path, "brp", rows)
    # Read 10 as the last good run did; accepted 4 of the last run's 10.
    refused = ingest_source("brp", tmp_path, SourceConfig(), key, baseline=Baseline(10))
    assert refused.summary.status == "gestopt"
    assert "4 rijen geaccepteerd (6 in quarantaine), tegen 10" in refused.summary.error
    taken = ingest_source(
        "brp", tmp_path, SourceConfig(), key, baseline=Baseline(10), accept_shrink=True
    )
    assert taken.summary.status == "ok"
    assert taken.frame.height == 4


def test_a_quarantine_share_far_above_last_nights_stops_the_source(tmp_path, key):
    rows = _brp_rows(70) + _brp_rows(30, geboortedatum="31-31-1980")
    rows = [{**r, "record_id": f"r{i}"} for i, r in enumerate(rows)]
    write_extract(tmp_path, "brp", rows)
    last_night = Baseline(rows_accepted=98, rows_quarantined=2)  # 2%, tonight 30%

    refused = ingest_source("brp", tmp_path, SourceConfig(), key, baseline=last_night)
    assert refused.summary.status == "gestopt"
    message = refused.summary.error
    assert "30 van de 100 rijen (30%) staan in quarantaine, tegen 2%" in message
    assert "geboortedatum" in message and "max_quarantine_rise" in message
    assert "--accept-shrink brp" in message

    # Configurable per source in config/sources.yaml.
    lenient = sources_config_from_dict({"brp": {"max_quarantine_rise": 0.5}}).source("brp")
    assert ingest_source("brp", tmp_path, lenient, key, baseline=last_night).summary.status == "ok"
    # A night like the last one passes.
    usual = Baseline(rows_accepted=70, rows_quarantined=25)
    assert ingest_source("brp", tmp_path, SourceConfig(), key, baseline=usual).summary.status == (
        "ok"
    )
    accepted = ingest_source(
        "brp", tmp_path, SourceConfig(), key, baseline=last_night, accept_shrink=True
    )
    assert accepted.summary.status == "ok"


def test_guard_settings_are_validated(tmp_path):
    with pytest.raises(ConfigError, match="max_quarantine_rise"):
        sources_config_from_dict({"brp": {"max_quarantine_rise": 2}})
    with pytest.raises(ConfigError, match="'brpp' is geen bron"):
        sources_config_from_dict({"brpp": {}})


@pytest.mark.parametrize(
    ("first", "second"),
    [("Geslachtsnaam", "geslachtsnaam"), ("geslachtsnaam", " GESLACHTSNAAM "), ("bsn", "bsn")],
)
def test_two_columns_with_one_name_are_an_error_naming_both(tmp_path, key, first, second):
    write_extract(tmp_path, "brp", ROWS["brp"])
    frame = pl.read_csv(tmp_path / "brp.csv", infer_schema=False)
    header = list(frame.columns)
    body = frame.write_csv(include_header=False)
    # A second column whose name differs only in case or spaces, holding other values.
    header[header.index(second.strip().lower())] = first
    text = ",".join([*header, second]) + "\n"
    text += "".join(line + ",Anders\n" for line in body.splitlines())
    (tmp_path / "brp.csv").write_text(text, encoding="utf-8")
    result = ingest_source("brp", tmp_path, SourceConfig(), key)
    assert result.summary.status == "gestopt"
    message = result.summary.error
    assert f"'{first}' (kolom" in message and f"'{second}' (kolom" in message
    assert "brp.csv" in message


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_case_twins_are_an_error_in_parquet_and_json_too(tmp_path, key, fmt):
    frame = pl.DataFrame(
        {"melding_id": ["M-1"], "bron": ["mma"], "Bron": ["boa"], "datum": ["2026-11-01"]}
    ).with_columns(categorie=pl.lit("drugs"), adres=pl.lit("Kerkstraat 12"))
    path = tmp_path / f"meldingen.{fmt}"
    frame.write_parquet(path) if fmt == "parquet" else frame.write_ndjson(path)
    result = ingest_source("meldingen", tmp_path, SourceConfig(), key)
    assert result.summary.status == "gestopt"
    assert "'bron'" in result.summary.error and "'Bron'" in result.summary.error
