"""Issues 11.1 and 11.2 through the whole night: a delivery that would make open flags
lapse stops the night and keeps the last good run; every delivered row is counted."""

from __future__ import annotations

import json
import shutil

import polars as pl
import pytest

from tests.test_nightly import config, snapshot
from vik.errors import StepFailed
from vik.nightly import run_nightly


def _copy(demo_extracts, tmp_path):
    copy = tmp_path / "vanavond"
    shutil.copytree(demo_extracts, copy)
    return copy


def test_a_brp_whose_every_row_is_quarantined_stops_the_night(
    demo_extracts, database_url, tmp_path
):
    run_nightly(config(demo_extracts, database_url, tmp_path))
    good = snapshot(database_url)
    assert any(flag[4] == "open" for flag in good["flags"])
    tonight = _copy(demo_extracts, tmp_path)
    brp = pl.read_csv(tonight / "brp.csv", infer_schema=False)
    brp.with_columns(datum_aanvang_adreshouding=pl.lit("2014.02.28")).write_csv(tonight / "brp.csv")

    with pytest.raises(StepFailed) as raised:
        run_nightly(config(tonight, database_url, tmp_path))
    assert raised.value.step == "extract"
    message = str(raised.value)
    assert "brp.csv: geen enkele rij geaccepteerd" in message
    assert "--accept-shrink brp" in message
    assert snapshot(database_url) == good  # no open flag lapsed
    # The quarantine of the stopped source is written: it shows why.
    (quarantine,) = tmp_path.glob("runs/*/quarantaine/brp.csv")
    assert pl.read_csv(quarantine, infer_schema=False).height == brp.height


def test_a_second_column_differing_only_in_case_stops_the_night(
    demo_extracts, database_url, tmp_path
):
    run_nightly(config(demo_extracts, database_url, tmp_path))
    good = snapshot(database_url)
    tonight = _copy(demo_extracts, tmp_path)
    brp = pl.read_csv(tonight / "brp.csv", infer_schema=False)
    brp.with_columns(Geslachtsnaam=pl.lit("Jansen")).write_csv(tonight / "brp.csv")

    with pytest.raises(StepFailed) as raised:
        run_nightly(config(tonight, database_url, tmp_path))
    assert "'geslachtsnaam' (kolom 3) en 'Geslachtsnaam' (kolom" in str(raised.value)
    assert snapshot(database_url) == good


def test_a_quarantine_share_far_above_last_nights_stops_the_night(
    demo_extracts, database_url, tmp_path
):
    run_nightly(config(demo_extracts, database_url, tmp_path))
    good = snapshot(database_url)
    tonight = _copy(demo_extracts, tmp_path)
    meldingen = pl.read_csv(tonight / "meldingen.csv", infer_schema=False)
    spoiled = pl.int_range(pl.len()) % 3 == 0  # a third of the dates in another format
    meldingen.with_columns(
        datum=pl.when(spoiled).then(pl.col("datum").str.replace_all("-", ".")).otherwise("datum")
    ).write_csv(tonight / "meldingen.csv")

    with pytest.raises(StepFailed) as raised:
        run_nightly(config(tonight, database_url, tmp_path))
    assert "staan in quarantaine, tegen" in str(raised.value)
    assert snapshot(database_url) == good
    taken = run_nightly(config(tonight, database_url, tmp_path, accept_shrink=("meldingen",)))
    assert taken.status == "geslaagd"


def test_the_run_report_accounts_for_every_delivered_row(demo_extracts, database_url, tmp_path):
    tonight = _copy(demo_extracts, tmp_path)
    lines = (tonight / "brp.csv").read_text(encoding="utf-8").splitlines()
    delivered = len(lines) - 1
    # Near the end, a surname opens a quote it never closes.
    fields = lines[-4].split(",")
    fields[2] = '"' + fields[2]
    lines[-4] = ",".join(fields)
    (tonight / "brp.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")

    result = run_nightly(config(tonight, database_url, tmp_path))
    report = json.loads(result.report_path.with_suffix(".json").read_text(encoding="utf-8"))
    brp = report["sources"]["brp"]
    assert brp["rows_read"] == delivered
    assert brp["rows_read"] == brp["rows_accepted"] + brp["rows_quarantined"]
    for counts in report["sources"].values():
        assert counts["rows_read"] == counts["rows_accepted"] + counts["rows_quarantined"]
    quarantine = pl.read_csv(result.report_path.parent / "quarantaine" / "brp.csv")
    broken = quarantine.filter(pl.col("redenen").str.contains("aanhalingsteken"))
    assert broken["rij"].to_list() == [len(lines) - 3]  # the file's own line number
    assert f"regel {len(lines) - 3}" in broken["redenen"][0]
    assert "aangeleverd" in result.report_path.read_text(encoding="utf-8")
