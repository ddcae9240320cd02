"""config/resolve.yaml: shipped with every default, read every night, and what it says changes
the links."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest
import yaml
from sqlmodel import select

from tests.demo_data import DEMO_AS_OF
from tests.extracts import TEST_KEY
from vik.connectors.pseudonyms import PseudonymKey
from vik.errors import ConfigError, StepFailed
from vik.nightly import NightlyConfig, run_nightly
from vik.pipeline import ingest_and_resolve
from vik.resolve.render_settings import render_yaml, replace_generated, settings_items
from vik.resolve.settings import ResolveSettings, load_resolve_settings
from vik.store.db import connect, session_scope
from vik.store.models import Link, Run

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "config"
DOC = ROOT / "docs" / "resolution.md"
REGENERATE = "run: .venv/bin/python -m vik.resolve.render_settings"


def test_the_shipped_file_states_every_setting_with_its_default():
    assert (CONFIG / "resolve.yaml").read_text(encoding="utf-8") == render_yaml(), REGENERATE
    assert load_resolve_settings(CONFIG) == ResolveSettings()


def test_the_docs_list_every_setting_with_its_description():
    text = DOC.read_text(encoding="utf-8")
    assert text == replace_generated(text), REGENERATE
    for key, _, description, opens in settings_items(ResolveSettings()):
        if opens is None:
            assert f"| `{key}` |" in text
            assert description, f"{key} has no description"


def with_settings(tmp_path: Path, settings: dict) -> Path:
    """A copy of config/ whose resolve.yaml is `settings`."""
    config = tmp_path / "config"
    shutil.copytree(CONFIG, config)
    (config / "resolve.yaml").write_text(yaml.safe_dump(settings), encoding="utf-8")
    return config


def certain(links: pl.DataFrame, entity_type: str) -> int:
    return links.filter(
        (pl.col("entity_type") == entity_type)
        & (pl.col("status") == "zeker")
        & ~pl.col("source").is_in(["brp", "bag", "kvk"])
    ).height


@pytest.fixture(scope="module")
def default_links(demo_extracts) -> pl.DataFrame:
    return ingest_and_resolve(demo_extracts, CONFIG, PseudonymKey(TEST_KEY))[1].links


@pytest.mark.parametrize(
    ("settings", "entity_type"),
    [
        ({"persons": {"certain": 0.999999}}, "persoon"),
        ({"addresses": {"street_cutoff": 99.0, "street_agrees": 1.0}}, "adres"),
    ],
    ids=["persons", "addresses"],
)
def test_a_stricter_threshold_in_the_file_gives_fewer_certain_links(
    settings, entity_type, default_links, demo_extracts, tmp_path
):
    config = with_settings(tmp_path, settings)
    _, stricter = ingest_and_resolve(demo_extracts, config, PseudonymKey(TEST_KEY))
    assert 0 < certain(stricter.links, entity_type) < certain(default_links, entity_type)


def test_the_night_reads_the_file_and_its_links_follow_it(
    default_links, demo_extracts, database_url, tmp_path
):
    config = with_settings(tmp_path, {"persons": {"certain": 0.999999}})
    result = run_nightly(
        NightlyConfig(
            extracts_dir=demo_extracts,
            database_url=database_url,
            config_dir=config,
            data_dir=tmp_path / "data",
            peildatum=DEMO_AS_OF,
            key=PseudonymKey(TEST_KEY),
        )
    )
    assert result.status == "geslaagd"
    with session_scope(connect(database_url)) as session:
        stored = pl.DataFrame(
            [
                {"source": link.source, "entity_type": link.entity_type, "status": link.status}
                for link in session.exec(select(Link)).all()
            ]
        )
    assert certain(stored, "persoon") < certain(default_links, "persoon")
    _, expected = ingest_and_resolve(demo_extracts, config, PseudonymKey(TEST_KEY))
    assert certain(stored, "persoon") == certain(expected.links, "persoon")


def test_a_wrong_file_stops_the_night_before_it_starts(demo_extracts, database_url, tmp_path):
    """No step runs: the night is recorded as failed in step "start", with the message."""
    config = with_settings(tmp_path, {"persons": {"certian": 0.9}})
    with pytest.raises(StepFailed) as failure:
        run_nightly(
            NightlyConfig(
                extracts_dir=demo_extracts,
                database_url=database_url,
                config_dir=config,
                data_dir=tmp_path / "data",
                peildatum=DEMO_AS_OF,
                key=PseudonymKey(TEST_KEY),
            )
        )
    assert failure.value.step == "start" and isinstance(failure.value.cause, ConfigError)
    assert "resolve.yaml: persons.certian: onbekende sleutel" in str(failure.value.cause)
    with session_scope(connect(database_url)) as session:
        runs = session.exec(select(Run)).all()
        assert [(r.status, r.failed_step) for r in runs] == [("mislukt", "start")]
        assert session.exec(select(Link)).all() == []
