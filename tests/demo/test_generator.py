"""`generate_municipality`: files, formats, determinism and the ground truth."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from tests.demo.conftest import AS_OF
from tests.demo.reference import Demo
from vik.connectors.ingest import ingest_extracts
from vik.connectors.pseudonyms import PseudonymKey
from vik.connectors.schemas import SOURCES
from vik.demo.generator import generate_municipality


def _files(directory: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(directory)): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def _elfproef(bsn: str) -> bool:
    digits = [int(d) for d in bsn]
    total = sum(d * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True)) - digits[8]
    return len(bsn) == 9 and total % 11 == 0


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_same_seed_gives_identical_files(tmp_path, fmt):
    first = generate_municipality(tmp_path / "a", addresses=300, seed=3, as_of=AS_OF, fmt=fmt)
    second = generate_municipality(tmp_path / "b", addresses=300, seed=3, as_of=AS_OF, fmt=fmt)
    assert first.rows == second.rows
    files = _files(tmp_path / "a")
    assert len(files) == 7 + 6
    assert files == _files(tmp_path / "b")


def test_another_seed_gives_another_town(tmp_path, demo: Demo):
    generate_municipality(tmp_path, addresses=300, seed=12, as_of=AS_OF)
    for source in ("bag", "brp", "meldingen"):
        assert (tmp_path / f"{source}.csv").read_bytes() != (
            demo.directory / f"{source}.csv"
        ).read_bytes()


def test_every_file_has_exactly_the_canonical_columns(demo: Demo):
    for source in SOURCES:
        header = (demo.directory / f"{source}.csv").read_text(encoding="utf-8").splitlines()[0]
        assert header.split(",") == list(SOURCES[source].column_names)


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_parquet_and_jsonl_hold_the_same_data_as_csv(tmp_path, demo: Demo, fmt):
    generate_municipality(tmp_path, addresses=300, seed=11, as_of=AS_OF, fmt=fmt)
    assert not list(tmp_path.glob("*.csv"))
    for source in SOURCES:
        path = tmp_path / f"{source}.{fmt}"
        frame = pl.read_parquet(path) if fmt == "parquet" else pl.read_ndjson(path)
        frame = frame.select(pl.all().cast(pl.String))
        assert frame.columns == list(SOURCES[source].column_names)
        expected = demo.sources[source].drop("record_key")
        assert frame.equals(expected), source


def test_sizes_follow_the_number_of_addresses(tmp_path):
    manifest = generate_municipality(tmp_path, addresses=4000, seed=2, as_of=AS_OF)
    rows = manifest.rows
    assert rows["bag"] == 4000
    assert 1.6 * 4000 < rows["brp"] < 2.6 * 4000
    assert 0.12 * 4000 < rows["kvk"] < 0.3 * 4000
    assert 0.75 * 4000 < rows["belastingen"] < 1.1 * 4000
    assert 0.01 * 4000 < rows["handhaving"] < rows["vergunningen"] < rows["meldingen"]


def test_truth_covers_every_record(demo: Demo):
    for source, frame in demo.sources.items():
        keys = set(frame["record_key"])
        assert len(keys) == frame.height, f"{source}: record keys are not unique"
        truth = demo.addresses.filter(pl.col("source") == source)
        assert set(truth["record_key"]) == keys, source
        assert truth["nummeraanduiding_id"].null_count() == 0
    brp = demo.persons.filter(pl.col("source") == "brp")
    assert set(brp["record_key"]) == set(demo.sources["brp"]["record_key"])
    kvk = demo.companies.filter(pl.col("source") == "kvk")
    assert set(kvk["record_key"]) == set(demo.sources["kvk"]["record_key"])
    for source, prefix in (("vergunningen", "aanvrager"), ("handhaving", "betrokkene")):
        named = demo.sources[source].filter(pl.col(f"{prefix}_naam").is_not_null())
        covered = set(demo.persons.filter(pl.col("source") == source)["record_key"]) | set(
            demo.companies.filter(pl.col("source") == source)["record_key"]
        )
        assert set(named["record_key"]) == covered


def test_bsns_pass_the_elfproef_and_belong_to_one_person(demo: Demo):
    brp = demo.sources["brp"].join(demo.persons.filter(pl.col("source") == "brp"), on="record_key")
    assert all(_elfproef(b) for b in brp["bsn"].unique())
    pairs = brp.select("bsn", "person").unique()
    assert pairs["bsn"].n_unique() == pairs.height == pairs["person"].n_unique()


def test_no_bsn_appears_in_the_truth(demo: Demo):
    bsns = set(demo.sources["brp"]["bsn"])
    for path in (demo.directory / "truth").iterdir():
        runs = set(re.findall(r"(?<!\d)\d{9}(?!\d)", path.read_text(encoding="utf-8")))
        assert not runs & bsns, path.name
        assert not runs, f"{path.name} holds 9-digit numbers"


def test_process_records_have_the_required_variety(larger_demo: Demo):
    vergunningen = larger_demo.source("vergunningen")
    people = vergunningen.filter(pl.col("aanvrager_kvk").is_null())
    assert 0.1 < people["aanvrager_bsn"].is_not_null().mean() < 0.6
    assert people["aanvrager_geboortedatum"].is_not_null().mean() > 0.6
    assert {"verleend", "in_behandeling"} <= set(vergunningen["status"])
    handhaving = larger_demo.source("handhaving")
    assert {"damocles_sluiting", "apv_overtreding"} <= set(handhaving["zaaktype"])
    assert handhaving["datum_einde"].null_count() > 0
    assert handhaving["grondslag"].str.contains("13b").any()
    meldingen = larger_demo.source("meldingen")
    assert {"mma", "politie", "woningcorporatie"} <= set(meldingen["bron"])
    belastingen = larger_demo.source("belastingen")
    assert belastingen["status"].is_in(["bezwaar", "dwanginvordering"]).any()
    persons = belastingen.filter(pl.col("subject_kvk").is_null())
    assert 0.8 < persons["subject_bsn"].is_not_null().mean() < 0.97


def test_ingest_puts_exactly_the_invalid_rows_in_quarantine(demo: Demo):
    extracts = ingest_extracts(demo.directory, PseudonymKey(b"demo-test-key-" + b"0" * 32))
    quarantined = {
        (source, key)
        for source, ingested in extracts.items()
        for key in (ingested.quarantine["sleutel"] if ingested.quarantine.height else [])
    }
    expected = set(demo.quarantine.select("source", "record_key").iter_rows())
    assert expected
    assert quarantined == expected
    assert set(demo.quarantine["column"]) >= {"postcode", "datum"}


def test_the_extracts_are_dated_on_the_towns_peildatum(demo: Demo):
    # The run report and the LOO agenda show each source's extract date: the demo's
    # extracts are those of the evening of its peildatum, whatever day they were made.
    extracts = ingest_extracts(demo.directory, PseudonymKey(b"demo-test-key-" + b"0" * 32))
    assert {name: e.extract_date for name, e in extracts.items()} == {
        name: AS_OF for name in SOURCES
    }


def test_manifest_describes_the_run(demo: Demo):
    manifest = json.loads((demo.directory / "truth" / "manifest.json").read_text())
    assert manifest["seed"] == 11
    assert manifest["addresses"] == 300
    assert manifest["as_of"] == AS_OF.isoformat()
    assert manifest["format"] == "csv"
    assert manifest["rows"]["bag"] == 300
    assert manifest["generator_version"]


def test_an_older_run_in_another_format_is_replaced(tmp_path):
    generate_municipality(tmp_path, addresses=200, seed=1, as_of=AS_OF, fmt="csv")
    generate_municipality(tmp_path, addresses=200, seed=1, as_of=AS_OF, fmt="jsonl")
    assert sorted(p.suffix for p in tmp_path.iterdir() if p.is_file()) == [".jsonl"] * 7


def test_too_small_a_town_is_refused(tmp_path):
    with pytest.raises(ValueError, match="minstens"):
        generate_municipality(tmp_path, addresses=50, seed=1, as_of=date(2026, 1, 1))
