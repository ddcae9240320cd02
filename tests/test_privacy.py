"""No raw BSN anywhere after a full demo run: not on disk, not in the database, not in the
output on screen, not in the logs (docs/privacy.md)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from tests.extracts import TEST_KEY
from vik.cli import app

ROOT = Path(__file__).resolve().parents[1]
BSN_COLUMNS = {
    "brp": "bsn",
    "belastingen": "subject_bsn",
    "vergunningen": "aanvrager_bsn",
    "handhaving": "betrokkene_bsn",
}
pytestmark = pytest.mark.prefect


def _input_bsns(extracts: Path, sources: tuple[str, ...] = tuple(BSN_COLUMNS)) -> set[str]:
    values: set[str] = set()
    for source, column in BSN_COLUMNS.items():
        if source not in sources:
            continue
        frame = pl.read_csv(extracts / f"{source}.csv", infer_schema=False)
        values |= set(frame[column].drop_nulls().str.strip_chars().to_list())
    # Also the form without leading zero an export may have written.
    return {v for v in values if re.fullmatch(r"\d{8,9}", v)} | {
        v.lstrip("0") for v in values if re.fullmatch(r"0\d{8}", v)
    }


PURPOSE = ["--doel", "privacytest van de exports"]


def test_a_full_demo_run_leaves_no_bsn_anywhere(prefect_harness, tmp_path, monkeypatch, logged):
    data = tmp_path / "var"
    monkeypatch.setenv("VIK_DATA_DIR", str(data))
    monkeypatch.setenv("VIK_CONFIG_DIR", str(ROOT / "config"))
    monkeypatch.setenv("VIK_PSEUDONYM_KEY", TEST_KEY.decode())
    runner = CliRunner()
    extracts = tmp_path / "extracts"
    outputs = [
        runner.invoke(
            app,
            [
                "demo",
                "generate",
                "--addresses",
                "400",
                "--seed",
                "5",
                "--as-of",
                "2026-11-01",
                "--out",
                str(extracts),
            ],
        ),
        runner.invoke(app, ["db", "upgrade"]),
        runner.invoke(app, ["run", "--extracts", str(extracts), "--as-of", "2026-11-01"]),
        runner.invoke(app, ["export", "flags", "--out", str(tmp_path / "flags.csv"), *PURPOSE]),
        runner.invoke(app, ["export", "links", "--out", str(tmp_path / "links.csv"), *PURPOSE]),
        runner.invoke(app, ["runs"]),
    ]
    # A lookup by BSN (pseudonymised at entry) with its content, and one with a BSN that
    # fails the elfproef: neither may leave the number anywhere.
    resident = _input_bsns(extracts, sources=("brp",))
    for bsn in (min(resident), "123456789"):
        outputs.append(
            runner.invoke(
                app,
                [
                    "zoek",
                    "persoon",
                    "--bsn",
                    bsn,
                    "--doel",
                    "ondermijningsbeeld",
                    "--reden",
                    "privacytest: zoeken op BSN",
                    "--afdeling",
                    "ondermijning",
                    "--inhoud",
                    "--json",
                ],
            )
        )
    assert "elfproef" in outputs[-1].output
    outputs.pop()
    for result in outputs:
        assert result.exit_code == 0, result.output

    bsns = _input_bsns(extracts)
    assert len(bsns) > 500  # the demo has persons, and some BSNs on process records

    # Everything VIK wrote: database (and its WAL), reports, quarantine files, exports.
    written = [p for p in data.rglob("*") if p.is_file() and "demo" not in p.parts]
    written += [tmp_path / "flags.csv", tmp_path / "links.csv"]
    assert any(p.name == "vik.db" for p in written)
    assert any(p.parent.name == "quarantaine" for p in written)  # the demo plants bad rows
    prefect_home = Path(os.environ["PREFECT_HOME"])
    written += [p for p in prefect_home.rglob("*") if p.is_file()]
    texts = {p: p.read_bytes().decode("latin-1") for p in written}
    texts["scherm"] = "\n".join(r.output for r in outputs)
    texts["logs"] = logged.text()
    assert "run 1 geslaagd" in texts["logs"]

    found = re.compile(r"(?<!\d)(" + "|".join(sorted(bsns)) + r")(?!\d)")
    leaks = {str(where): sorted(set(found.findall(text)))[:3] for where, text in texts.items()}
    assert {where: bsn for where, bsn in leaks.items() if bsn} == {}
