"""The resolve stage on a demo municipality, checked against the generator's ground truth,
and `vik export links`."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from tests.conftest import upgraded
from tests.extracts import TEST_KEY
from vik.cli import app
from vik.connectors.pseudonyms import PseudonymKey
from vik.pipeline import ingest_and_resolve

CONFIG = Path(__file__).resolve().parents[2] / "config"
PROCESS = ["belastingen", "vergunningen", "handhaving", "meldingen"]


@pytest.fixture(scope="module")
def resolved(demo_extracts):
    extracts, resolved = ingest_and_resolve(demo_extracts, CONFIG, PseudonymKey(TEST_KEY))
    return extracts, resolved


def _truth(demo_extracts: Path, name: str) -> pl.DataFrame:
    return pl.read_csv(demo_extracts / "truth" / name, infer_schema=False)


def test_process_addresses_resolve_right_and_never_wrong(resolved, demo_extracts):
    _, result = resolved
    links = result.links.filter(pl.col("entity_type") == "adres")
    truth = _truth(demo_extracts, "addresses.csv").join(
        links,
        on=["source", "record_key"],
        how="inner",  # quarantined rows are not linked
    )
    process = truth.filter(pl.col("source").is_in(PROCESS))
    resolvable = process.filter(pl.col("resolvable") == "true")
    right = (resolvable["entity_id"] == resolvable["nummeraanduiding_id"]).mean()
    wrong = (
        process["entity_id"].is_not_null()
        & (process["entity_id"] != process["nummeraanduiding_id"])
    ).sum()
    assert right >= 0.99
    assert wrong / process.height <= 0.002
    # what cannot be found is left open with a reason
    unresolvable = process.filter(pl.col("resolvable") == "false")
    assert unresolvable["entity_id"].null_count() == unresolvable.height
    assert unresolvable["reason"].null_count() == 0


def test_persons_link_with_high_precision_and_recall(resolved, demo_extracts):
    _, result = resolved
    truth = _truth(demo_extracts, "persons.csv")
    links = result.links.filter(pl.col("entity_type") == "persoon").join(
        truth, on=["source", "record_key"]
    )
    brp = (
        links.filter(pl.col("source") == "brp")
        .select("person", pl.col("entity_id").alias("true_id"))
        .unique()
    )
    process = links.filter(pl.col("source") != "brp").join(brp, on="person")
    certain = process.filter(pl.col("status") == "zeker")
    precision = (certain["entity_id"] == certain["true_id"]).mean()
    recall = (certain["entity_id"] == certain["true_id"]).sum() / process.height
    assert precision >= 0.995
    assert recall >= 0.99


def test_every_record_has_one_link_row_per_entity_type(resolved):
    extracts, result = resolved
    counts = result.links.group_by("source", "entity_type").len()
    vergunningen = extracts["vergunningen"].frame.height
    for entity_type in ("adres", "persoon", "bedrijf"):
        row = counts.filter(
            (pl.col("source") == "vergunningen") & (pl.col("entity_type") == entity_type)
        )
        assert row["len"].item() <= vergunningen
    addresses = counts.filter(
        (pl.col("source") == "meldingen") & (pl.col("entity_type") == "adres")
    )
    assert addresses["len"].item() == extracts["meldingen"].frame.height
    assert (
        result.links.select(
            pl.struct("source", "record_key", "entity_type").is_duplicated().any()
        ).item()
        is False
    )
    unlinked = result.links.filter(pl.col("entity_id").is_null())
    assert unlinked["reason"].null_count() == 0


def test_export_links_writes_the_csv_from_the_extracts(demo_extracts, tmp_path, monkeypatch):
    extracts = tmp_path / "extracts"
    shutil.copytree(demo_extracts, extracts, ignore=shutil.ignore_patterns("truth"))
    with (extracts / "meldingen.csv").open("a", encoding="utf-8") as meldingen:
        meldingen.write(",M-TEST-1,boa,2026-11-01,overlast,,,,,,,Nergensstraat 1\n")
    monkeypatch.setenv("VIK_CONFIG_DIR", str(CONFIG))
    monkeypatch.setenv("VIK_PSEUDONYM_KEY", TEST_KEY.decode())
    out = tmp_path / "links.csv"
    result = CliRunner().invoke(
        app,
        [
            "export",
            "links",
            "--extracts",
            str(extracts),
            "--out",
            str(out),
            "--doel",
            "controle van de koppelingen (test)",
            "--db",
            upgraded(f"sqlite:///{tmp_path / 'vik.db'}"),  # where the export is audited
        ],
    )
    assert result.exit_code == 0, result.output
    links = pl.read_csv(out, infer_schema=False)
    assert links.columns[:6] == [
        "source",
        "record_id",
        "entity_type",
        "entity_id",
        "confidence",
        "method",
    ]
    assert set(links["entity_type"]) == {"adres", "persoon", "bedrijf"}
    planted = links.filter(pl.col("record_id") == "M-TEST-1").row(0, named=True)
    assert planted["entity_id"] is None
    assert planted["reason"] == "straat 'Nergensstraat' niet gevonden in de BAG"
    bsn = (extracts / "brp.csv").read_text(encoding="utf-8").splitlines()[1].split(",")[1]
    assert bsn not in out.read_text(encoding="utf-8")


def test_the_same_extracts_in_another_row_order_give_the_same_links(resolved):
    extracts, result = resolved
    from vik.pipeline import empty_judgements
    from vik.resolve import resolve_extracts

    reversed_frames = {name: frame.reverse() for name, frame in extracts.frames().items()}
    again = resolve_extracts(reversed_frames, judgements=empty_judgements())
    key = ["source", "record_key", "entity_type"]
    assert again.links.sort(key).equals(result.links.sort(key))
