"""`vik rules check` and `vik rules dry-run`: what a compliance officer and a rule author see."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.demo_data import DEMO_AS_OF
from tests.extracts import TEST_KEY
from vik.cli import app

CONFIG = Path(__file__).resolve().parents[2] / "config"


@pytest.fixture
def config(tmp_path, monkeypatch) -> Path:
    copy = tmp_path / "config"
    shutil.copytree(CONFIG, copy)
    monkeypatch.setenv("VIK_CONFIG_DIR", str(copy))
    monkeypatch.setenv("VIK_PSEUDONYM_KEY", TEST_KEY.decode())
    monkeypatch.setenv("VIK_DATA_DIR", str(tmp_path / "var"))
    return copy


def test_check_lists_every_rule_and_whether_it_may_run(config):
    result = CliRunner().invoke(app, ["rules", "check"])
    assert result.exit_code == 0, result.output
    for rule in ("overbewoning", "thuiszorg-cluster", "betrokkenheid", "veelverhuizer"):
        assert rule in result.output
    assert "ONGELDIG" not in result.output


def test_check_names_the_field_a_rule_reads_without_declaring_it(config):
    rule = config / "rules" / "overbewoning.yaml"
    rule.write_text(rule.read_text().replace("  - bag.oppervlakte\n", "  - bag.oppervlakt\n"))
    result = CliRunner().invoke(app, ["rules", "check"])
    assert result.exit_code == 1
    assert "overbewoning.yaml" in result.output
    assert "bag heeft geen veld 'oppervlakt'" in result.output


def _candidate(config: Path, tmp_path: Path, threshold: int) -> Path:
    text = (config / "rules" / "overbewoning.yaml").read_text()
    assert "  min_inschrijvingen: 12\n" in text
    candidate = tmp_path / "kandidaat" / "overbewoning.yaml"  # a rule file is named after its id
    candidate.parent.mkdir()
    candidate.write_text(
        text.replace("version: 1", "version: 2").replace(
            "  min_inschrijvingen: 12\n", f"  min_inschrijvingen: {threshold}\n"
        )
    )
    return candidate


@pytest.mark.parametrize(
    ("threshold", "appear", "disappear"), [(8, True, False), (14, False, True)]
)
def test_dry_run_shows_new_and_disappeared_hits_without_raising_flags(
    config, tmp_path, demo_extracts, threshold, appear, disappear
):
    out = tmp_path / "verschil.csv"
    result = CliRunner().invoke(
        app,
        [
            "rules",
            "dry-run",
            str(_candidate(config, tmp_path, threshold)),
            "--extracts",
            str(demo_extracts),
            "--as-of",
            DEMO_AS_OF.isoformat(),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Er worden geen signalen gemaakt" in result.output
    counts = dict(
        part.split(": ")
        for part in result.output.split("\n")
        if part.startswith("nieuw:")
        for part in part.split("   ")
        if ": " in part
    )
    assert (int(counts["nieuw"]) > 0) is appear
    assert (int(counts["verdwenen"]) > 0) is disappear
    assert out.read_text(encoding="utf-8").startswith("entity_type")
    assert not (tmp_path / "var" / "vik.db").exists()  # nothing stored


def test_check_also_refuses_a_wrong_purpose_file(config):
    result = CliRunner().invoke(app, ["rules", "check"])
    assert "Doelen voor bevraging: 3 geldig (adresonderzoek" in result.output
    purposes = config / "purposes.yaml"
    purposes.write_text(
        purposes.read_text().replace("    - bag.oppervlakte\n", "    - bag.oppervlak\n")
    )
    result = CliRunner().invoke(app, ["rules", "check"])
    assert result.exit_code == 1
    assert "ONGELDIG purposes.yaml" in result.output
    assert "adresonderzoek.inputs: bag heeft geen kolom 'oppervlak'" in result.output


def test_dry_run_of_a_file_edited_in_place_compares_with_the_version_that_ran(
    config, tmp_path, demo_extracts, monkeypatch
):
    from vik.connectors.pseudonyms import PseudonymKey
    from vik.nightly import NightlyConfig, run_nightly
    from vik.store.db import connect, migrate

    database = f"sqlite:///{tmp_path / 'var' / 'vik.db'}"
    (tmp_path / "var").mkdir()
    migrate(connect(database))  # vik db upgrade
    run_nightly(
        NightlyConfig(
            extracts_dir=demo_extracts,
            database_url=database,
            config_dir=config,
            data_dir=tmp_path / "var",
            peildatum=DEMO_AS_OF,
            key=PseudonymKey(TEST_KEY),
        )
    )
    rule = config / "rules" / "overbewoning.yaml"
    rule.write_text(
        rule.read_text().replace("  min_inschrijvingen: 12\n", "  min_inschrijvingen: 8\n")
    )
    elsewhere = tmp_path / "ergens"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # from any folder, with a relative path to the candidate
    result = CliRunner().invoke(
        app,
        [
            "rules",
            "dry-run",
            "../config/rules/overbewoning.yaml",
            "--as-of",
            DEMO_AS_OF.isoformat(),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "tegen versie 1 die het laatst draaide" in result.output
    assert "identiek" not in result.output
    new = next(line for line in result.output.splitlines() if line.startswith("nieuw:"))
    assert int(new.split()[1]) > 0


@pytest.mark.parametrize(
    "command",
    [
        ["rules", "check", "--as-of", "1-12-2026"],
        ["rules", "dry-run", "config/rules/briefbusfirma.yaml", "--as-of", "2026-13-01"],
        [
            "export",
            "flags",
            "--out",
            "x.csv",
            "--doel",
            "controle van de export",
            "--as-of",
            "morgen",
        ],
    ],
)
def test_a_bad_date_option_gets_a_message_not_a_traceback(config, command):
    if command[1] == "dry-run":
        command[2] = str(config / "rules" / "briefbusfirma.yaml")
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 1
    assert "Ongeldige peildatum bij --as-of" in result.output
    assert "Schrijf jjjj-mm-dd" in result.output
    assert "Traceback" not in result.output and not isinstance(result.exception, ValueError)


def test_a_rule_file_that_does_not_exist_is_named_not_a_traceback(config, tmp_path):
    missing = tmp_path / "woonfraude.yaml"
    approve = ["rules", "approve", str(missing), "--gebruiker", "x", "--besluit", "B-1"]
    for command in (["rules", "dry-run", str(missing)], approve):
        result = CliRunner().invoke(app, command)
        assert result.exit_code == 1, result.output
        assert f"Het regelbestand {missing} bestaat niet" in result.output
