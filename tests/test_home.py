"""Where VIK looks (VIK_HOME, the checkout, the XDG default) and what `vik init` writes."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from vik.cli import app
from vik.connectors.config import load_sources_config
from vik.connectors.pseudonyms import load_key
from vik.errors import ConfigError
from vik.home import init_home, require_configuration
from vik.rules import load_context, load_rules
from vik.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def no_vik_settings(monkeypatch):
    for name in ("VIK_HOME", "VIK_DATA_DIR", "VIK_CONFIG_DIR", "VIK_EXTRACTS_DIR"):
        monkeypatch.delenv(name, raising=False)


def test_this_checkout_is_its_own_home_wherever_a_command_starts(
    no_vik_settings, monkeypatch, tmp_path
):
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert (settings.home, settings.config_dir, settings.data_dir) == (
        ROOT,
        ROOT / "config",
        ROOT / "var",
    )


def test_vik_home_puts_configuration_and_data_together_and_each_can_move(
    no_vik_settings, monkeypatch, tmp_path
):
    monkeypatch.setenv("VIK_HOME", str(tmp_path / "vik"))
    settings = Settings()
    assert settings.config_dir == tmp_path / "vik" / "config"
    assert settings.data_dir == tmp_path / "vik" / "var"
    assert settings.resolved_extracts_dir() == tmp_path / "vik" / "var" / "extracts"
    monkeypatch.setenv("VIK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("VIK_EXTRACTS_DIR", "")  # empty counts as unset (a Prefect job variable)
    assert Settings().data_dir == tmp_path / "data"
    assert Settings().resolved_extracts_dir() == tmp_path / "data" / "extracts"


def test_relative_settings_are_made_absolute_once(no_vik_settings, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("VIK_DATA_DIR", "gegevens")
    assert Settings().data_dir == tmp_path / "gegevens"


def test_init_writes_a_configuration_that_runs_and_a_private_key(tmp_path):
    home = init_home(tmp_path / "vik")
    # The rules with their approvals, departments, priority, sources: all load as a night does.
    context = load_context(home.config_dir)
    rules = load_rules(home.config_dir / "rules", context)
    assert rules.invalid == {}
    assert {r.id for r in rules.valid} == {
        p.stem for p in (ROOT / "config" / "rules").glob("*.yaml")
    }
    assert load_sources_config(home.config_dir).source("brp").enabled
    assert yaml.safe_load((home.config_dir / "prefect.yaml").read_text())["deployments"]
    require_configuration(home.config_dir)

    assert home.key_created and home.key_file is not None
    assert stat.S_IMODE(home.key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(home.data_dir.stat().st_mode) == 0o700
    env = dict(
        line.split("=", 1)
        for line in home.env_file.read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert env == {"VIK_HOME": str(home.path), "VIK_PSEUDONYM_KEY_FILE": str(home.key_file)}
    settings = Settings(home=env["VIK_HOME"], pseudonym_key_file=env["VIK_PSEUDONYM_KEY_FILE"])
    assert load_key(settings).secret == home.key_file.read_bytes().strip()


def test_init_never_overwrites_a_configuration(tmp_path):
    home = init_home(tmp_path / "vik")
    rule = home.config_dir / "rules" / "overbewoning.yaml"
    rule.write_text("# bewerkt door de gemeente\n")
    result = CliRunner().invoke(app, ["init", str(home.path)])
    assert result.exit_code == 1
    assert "bestaat al en is niet leeg: VIK overschrijft geen configuratie" in result.output
    assert rule.read_text() == "# bewerkt door de gemeente\n"


def test_a_missing_configuration_says_how_to_make_one(tmp_path):
    with pytest.raises(ConfigError, match=r"vik init MAP.*VIK_HOME=MAP"):
        require_configuration(tmp_path / "config")
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "departments.yaml").write_text("{}")
    with pytest.raises(ConfigError, match=r"ontbreekt priority\.yaml, rules"):
        require_configuration(tmp_path / "config")
