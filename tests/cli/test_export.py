"""`vik export flags --extracts`: the active rules on a folder of extracts, one row per flag."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from tests.conftest import upgraded
from tests.demo_data import DEMO_AS_OF
from tests.extracts import TEST_KEY
from vik.cli import app

CONFIG = Path(__file__).resolve().parents[2] / "config"


def test_export_flags_from_extracts(demo_extracts, tmp_path, monkeypatch):
    monkeypatch.setenv("VIK_CONFIG_DIR", str(CONFIG))
    monkeypatch.setenv("VIK_PSEUDONYM_KEY", TEST_KEY.decode())
    out = tmp_path / "signalen.csv"
    database = upgraded(f"sqlite:///{tmp_path / 'vik.db'}")  # the export's audit entry goes here
    result = CliRunner().invoke(
        app,
        [
            "export",
            "flags",
            "--extracts",
            str(demo_extracts),
            "--as-of",
            DEMO_AS_OF.isoformat(),
            "--out",
            str(out),
            "--doel",
            "controle van de regels op de demogemeente",
            "--db",
            database,
        ],
    )
    assert result.exit_code == 0, result.output
    flags = pl.read_csv(out, infer_schema=False)
    assert {"rule_id", "entity_type", "entity_key", "evidence", "explanation"} <= set(flags.columns)
    planted = pl.read_csv(demo_extracts / "truth" / "planted.csv", infer_schema=False)
    assert set(flags["rule_id"]) == set(planted["rule_id"])
    # Addresses are keyed by their BAG nummeraanduiding; evidence is source:record_id;...
    addresses = flags.filter(pl.col("entity_type") == "adres")
    assert addresses["entity_key"].str.contains(r"^\d{16}$").all()
    assert flags["evidence"].str.contains(r"^[a-z]+:[^;]+(;[a-z]+:[^;]+)*$").all()
    overbewoning = flags.filter(pl.col("rule_id") == "overbewoning").row(0, named=True)
    assert "inschrijvingen op" in overbewoning["explanation"]
    assert overbewoning["evidence"].count("brp:") >= 12
    # The export is accountable: the OS user, the purpose and the number of rows are logged.
    from sqlmodel import select

    from vik.store.db import connect, session_scope
    from vik.store.models import AuditLog

    with session_scope(connect(f"sqlite:///{tmp_path / 'vik.db'}")) as session:
        (entry,) = session.exec(
            select(AuditLog).where(AuditLog.action != "goedkeuringen_ingelezen")
        ).all()
    assert entry.action == "export_signalen"
    assert entry.purpose == "controle van de regels op de demogemeente"
    assert entry.details["rijen"] == flags.height and entry.actor


def test_an_export_without_a_purpose_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("VIK_CONFIG_DIR", str(CONFIG))
    result = CliRunner().invoke(app, ["export", "links", "--out", str(tmp_path / "k.csv")])
    assert result.exit_code != 0 and "--doel" in result.output
    result = CliRunner().invoke(
        app, ["export", "links", "--out", str(tmp_path / "k.csv"), "--doel", "kort"]
    )
    assert result.exit_code == 1
    assert "Geef met --doel waarvoor u exporteert (minstens 10 tekens)" in result.output
    assert not (tmp_path / "k.csv").exists()
