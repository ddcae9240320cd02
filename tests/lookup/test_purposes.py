"""config/purposes.yaml: checked as strictly as a rule file, with Dutch messages that name the key."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from vik.errors import ConfigError, LookupRefusedError
from vik.lookup.purposes import load_purposes
from vik.rules import load_context

CONFIG = Path(__file__).resolve().parents[2] / "config"


@pytest.fixture(scope="module")
def context():  # type: ignore[no-untyped-def]
    return load_context(CONFIG)


def test_the_shipped_purposes_cover_burgerzaken_handhaving_and_ondermijning(context):
    purposes = load_purposes(CONFIG, context)
    assert "adresonderzoek" in purposes.of_department("burgerzaken")
    assert "Wet BRP art. 2.8 en 2.9" in " ".join(
        purposes["adresonderzoek"].grondslag.wettelijke_taak.split()
    )
    assert purposes.of_department("handhaving")
    assert purposes.of_department("ondermijning")


def test_a_purpose_the_department_does_not_have_is_refused_naming_the_allowed_ones(context):
    purposes = load_purposes(CONFIG, context)
    with pytest.raises(LookupRefusedError) as refused:
        purposes.require("handhaving", "adresonderzoek", "adres")
    message = str(refused.value)
    assert "handhaving" in message and "'adresonderzoek'" in message
    assert "Toegestane doelen voor een adres: handhavingsonderzoek" in message
    # A department without any purpose is told so.
    with pytest.raises(LookupRefusedError, match="Toegestane doelen: geen"):
        purposes.require("zorg", "adresonderzoek")


def _write(tmp_path: Path, purposes: dict) -> Path:
    config = tmp_path / "config"
    shutil.copytree(CONFIG, config)
    (config / "purposes.yaml").write_text(yaml.safe_dump(purposes, allow_unicode=True))
    return config


def _purpose(**changes) -> dict:  # type: ignore[no-untyped-def]
    base = {
        "title": "Proef",
        "description": "Een doel om te testen.",
        "afdelingen": ["burgerzaken"],
        "entity": ["adres"],
        "grondslag": {"avg": "art. 6 lid 1 sub e AVG", "wettelijke_taak": "Wet BRP art. 2.8"},
        "inputs": ["bag.oppervlakte"],
        "gegevenscategorieen": {"bag": "Oppervlakte."},
    }
    base.update(changes)
    return base


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"doelen": "x"}, "proef.doelen: onbekende sleutel"),
        ({"afdelingen": ["stadsbeheer"]}, "proef.afdelingen: 'stadsbeheer' is geen afdeling"),
        ({"inputs": ["bag.kleur"]}, "proef.inputs: bag heeft geen kolom 'kleur'"),
        (
            {"inputs": ["brp.bsn"], "entity": ["persoon"], "gegevenscategorieen": {"brp": "x"}},
            "Sleutels en BSN-pseudoniemen zijn niet op te vragen",
        ),
        (
            {"inputs": ["bag.oppervlakte", "kvk.handelsnaam"]},
            "gegevenscategorieen noemt kvk niet",
        ),
        (
            {
                "inputs": ["handhaving.zaaktype"],
                "gegevenscategorieen": {"handhaving": "Soort zaak."},
            },
            "proef.strafrechtelijke_gegevens ontbreekt",
        ),
        (
            {
                "inputs": ["belastingen.woz_waarde"],
                "gegevenscategorieen": {"belastingen": "WOZ."},
            },
            "proef.awr_ontheffing ontbreekt",
        ),
        (
            {
                "entity": ["bedrijf"],
                "inputs": ["meldingen.categorie"],
                "gegevenscategorieen": {"meldingen": "x"},
                "strafrechtelijke_gegevens": "art. 10",
            },
            "meldingen is niet te koppelen aan bedrijf",
        ),
        ({"grondslag": {"avg": "sub e"}}, "proef.grondslag.wettelijke_taak: ontbreekt"),
    ],
)
def test_a_wrong_purpose_file_is_refused_with_the_key_and_what_to_fix(tmp_path, changes, expected):
    config = _write(tmp_path, {"proef": _purpose(**changes)})
    with pytest.raises(ConfigError) as refused:
        load_purposes(config, load_context(config))
    assert expected in str(refused.value)
    assert "purposes.yaml" in str(refused.value)


@pytest.mark.parametrize("column", ["nationaliteit", "herkomst_x1"])
def test_a_profiling_column_needs_an_explicit_exception(tmp_path, column):
    # Forbidden by its data category, whatever the column is called.
    config = _write(tmp_path, {})
    sources = config / "sources.yaml"
    data = yaml.safe_load(sources.read_text()) if sources.exists() else {}
    data = data or {}
    data.setdefault("brp", {})["extra_columns"] = {
        column: {"kind": "code", "categorie": "nationaliteit"}
    }
    sources.write_text(yaml.safe_dump(data))
    purpose = _purpose(
        entity=["persoon"],
        inputs=[f"brp.{column}"],
        gegevenscategorieen={"brp": "Nationaliteit."},
    )
    (config / "purposes.yaml").write_text(yaml.safe_dump({"proef": purpose}))
    with pytest.raises(ConfigError, match="profileert mensen \\(categorie nationaliteit"):
        load_purposes(config, load_context(config))
