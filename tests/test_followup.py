"""config/opvolging.yaml: the LOO secretariat, actions, outcome categories and terms, read
with Dutch messages that name the key and say what to fix."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from vik.departments import load_departments
from vik.errors import ConfigError
from vik.followup import load_followup

CONFIG = Path(__file__).resolve().parents[1] / "config"


def test_the_shipped_configuration():
    followup = load_followup(CONFIG, load_departments(CONFIG))
    assert followup.loo.secretariaat == "ondermijning"
    assert followup.action_name("integrale_controle") == "Integrale controle"
    assert followup.categories("adreskwaliteit")[0] == "inschrijving gecorrigeerd"
    assert followup.categories("samenwerking") == followup.uitkomstcategorieen["overig"]
    assert followup.bewaartermijnen.momentopname == "P2Y"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("  integrale_controle: Integrale controle\n", ""),
            "acties: de lijst mist 'integrale_controle'",
        ),
        (
            ("  momentopname: P2Y", "  momentopname: twee jaar"),
            "bewaartermijnen.momentopname: 'twee jaar' is geen ISO 8601-duur",
        ),
        (
            ("  secretariaat: ondermijning", "  secretariaat: bestaat_niet"),
            "loo.secretariaat: 'bestaat_niet' is geen afdeling",
        ),
        (
            ("openbaar_min_per_wijk: 5", "openbaar_min_per_wijk: vijf"),
            "openbaar_min_per_wijk: moet een geheel getal zijn (gekregen: 'vijf')",
        ),
        (("loo:\n", "lo:\n"), "lo: onbekende sleutel"),
    ],
)
def test_a_wrong_configuration_says_which_key_and_what_to_fix(tmp_path, change, message):
    config = tmp_path / "config"
    shutil.copytree(CONFIG, config)
    path = config / "opvolging.yaml"
    old, new = change
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_followup(config, load_departments(config))
    assert str(path) in str(error.value)
    assert message in str(error.value)


def test_without_the_file_the_defaults_apply(tmp_path):
    followup = load_followup(tmp_path)
    assert followup.loo.secretariaat == "ondermijning"
    assert "integrale_controle" in followup.acties
    assert followup.categories("adreskwaliteit") == list(followup.uitkomstcategorieen["overig"])
    assert followup.bewaartermijnen.loo_overleg == "P2Y"
