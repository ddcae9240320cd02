"""Issue 16.3: adding a source is one schema entry plus its demo writer.

This test walks through docs/extracts.md, "How to add a source", step by step: a
municipality adds its register of vakantieverhuur (holiday-rental notifications).
Nothing else in VIK is changed: the new source is generated, ingested, linked to
its addresses and persons, read by a rule, and flagged by the night.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import yaml
from sqlmodel import select

from tests.extracts import TEST_KEY
from vik.connectors.config import sources_config_from_dict
from vik.connectors.ingest import ingest_extracts
from vik.connectors.model import Category, Column, EntityType, Kind, SourceSchema, Subject
from vik.connectors.pseudonyms import PseudonymKey
from vik.connectors.schemas import SOURCES, address_part_columns, record_id_column
from vik.demo.extracts import WRITERS, address_parts, canonical
from vik.demo.generator import generate_municipality
from vik.demo.identifiers import as_text
from vik.demo.municipality import Municipality
from vik.nightly import NightlyConfig, run_nightly
from vik.resolve import resolve_extracts
from vik.rules import load_context, load_rule
from vik.store.approvals import approve
from vik.store.db import connect, migrate, session_scope
from vik.store.models import Flag
from vik.web.users import add_user

CONFIG = Path(__file__).resolve().parents[1] / "config"
PASSWORD = "correct paard batterij niet"
AS_OF = date(2026, 11, 1)
KEY = PseudonymKey(TEST_KEY)

# Step 1: the schema entry (in vik/connectors/schemas.py, inside SOURCES).
VAKANTIEVERHUUR = SourceSchema(
    name="vakantieverhuur",
    title="Holiday-rental notifications (meldplicht vakantieverhuur)",
    natural_key="melding_id",
    links=(EntityType.ADRES, EntityType.PERSOON),
    subject=Subject(
        naam="verhuurder_naam", bsn="verhuurder_bsn", geboortedatum="verhuurder_geboortedatum"
    ),
    personal=("verhuurder_naam", "verhuurder_bsn", "verhuurder_geboortedatum"),
    public_name="Meldingen vakantieverhuur",
    columns=(
        record_id_column(),
        Column(
            "melding_id",
            Kind.TEXT,
            "Notification number.",
            required=True,
            nullable=False,
            category=Category.IDENTIFICATIE,
        ),
        Column("verhuurder_naam", Kind.TEXT, "Name of the host.", category=Category.NAAM),
        Column("verhuurder_bsn", Kind.BSN, "BSN of the host.", category=Category.IDENTIFICATIE),
        Column(
            "verhuurder_geboortedatum",
            Kind.PARTIAL_DATE,
            "Host's date of birth.",
            category=Category.GEBOORTEDATUM,
        ),
        *address_part_columns(required=True),
        Column(
            "aankomst",
            Kind.DATE,
            "First night.",
            required=True,
            nullable=False,
            category=Category.MELDING,
        ),
        Column(
            "nachten",
            Kind.INTEGER,
            "Nights rented.",
            required=True,
            minimum=1,
            maximum=366,
            category=Category.MELDING,
        ),
    ),
)


# Step 2: its demo writer (in vik/demo/extracts.py, at the end of WRITERS).
def write_vakantieverhuur(rng: np.random.Generator, town: Municipality) -> pl.DataFrame:
    """Twelve residents rent out their home; every third one for too many nights."""
    hosts = (
        town.periods.filter(pl.col("end").is_null() & (pl.col("functie_adres") == "W"))
        .unique("p", keep="first", maintain_order=True)
        .head(12)
        .join(town.persons, on="p", how="left", maintain_order="left")
    )
    n = hosts.height
    frame = pl.concat(
        [
            hosts.select(
                melding_id=pl.format("VV-{}", pl.int_range(1, n + 1)),
                verhuurder_naam=pl.concat_str(
                    ["voornamen", "voorvoegsel", "geslachtsnaam"], separator=" ", ignore_nulls=True
                ),
                verhuurder_bsn=pl.Series(as_text(hosts["bsn"].to_numpy(), 9)),
                verhuurder_geboortedatum="geboortedatum",
                aankomst=pl.lit("2026-07-01"),
                nachten=pl.when(pl.int_range(n) % 3 == 0).then(45).otherwise(20),
                _a="a",
                _p="p",
            ),
            address_parts(town.bag, hosts["a"]),
        ],
        how="horizontal",
    )
    frame = frame.with_columns(
        _key=pl.col("melding_id"), _uid=pl.Series(town.uids(n)), _resolvable=pl.lit(True)
    )
    return canonical("vakantieverhuur", frame)


# Step 3: a rule that reads it (config/rules/vakantieverhuur-nachten.yaml).
RULE = {
    "id": "vakantieverhuur-nachten",
    "version": 1,
    "title": "Vakantieverhuur boven het maximum aantal nachten",
    "description": "Signaleert woningen die langer als vakantieverblijf zijn verhuurd dan "
    "de verordening toestaat.",
    "theme": "woonfraude",
    "entity": "adres",
    "severity": "laag",
    "inputs": ["vakantieverhuur.nummeraanduiding_id", "vakantieverhuur.nachten"],
    "params": {"max_nachten": 30},
    "measures": {"nachten": {"sum": "vakantieverhuur.nachten"}},
    "condition": "nachten > max_nachten",
    "explanation": "{nachten} nachten vakantieverhuur gemeld (maximum {max_nachten})",
    "author": "a.test",
    "status": "actief",
    "doelbinding": {
        "grondslag": {
            "avg": "art. 6 lid 1 sub e AVG (taak van algemeen belang)",
            "wettelijke_taak": "Huisvestingswet 2014 art. 23a (vakantieverhuur)",
            "links": ["https://wetten.overheid.nl/BWBR0035303"],
        },
        "doel": "Verhuur boven het maximum aantal nachten zien, zodat Wonen kan toezien.",
        "verantwoordelijk_orgaan": "college",
        "gegevenscategorieen": {"vakantieverhuur": "Aantal gemelde nachten per adres."},
        "betrokkenen": ["Verhuurders van het adres"],
        "ontvangers": ["handhaving"],
        "bewaartermijn": "P1Y",
        "bewaartermijn_aanvang": "laatste_signalering",
        "proportionaliteit": "Het signaal noemt alleen het aantal nachten.",
        "subsidiariteit": "Zonder optellen ziet niemand het maximum overschreden.",
        "dpia": "DPIA-TEST-1",
        "fg_advies": "FG-TEST-1",
        "eigenaar": "Hoofd Wonen",
        "herbeoordeling": "2027-09-01",
    },
    "tests": [
        {
            "name": "45 nachten is te veel, 30 niet",
            "peildatum": "2026-11-01",
            "given": {
                "vakantieverhuur": [
                    {"nummeraanduiding_id": "lang", "nachten": 45},
                    {"nummeraanduiding_id": "kort", "nachten": 30},
                ]
            },
            "expect": {"hits": ["lang"]},
        }
    ],
}


@pytest.fixture
def with_new_source(monkeypatch):
    monkeypatch.setitem(SOURCES, VAKANTIEVERHUUR.name, VAKANTIEVERHUUR)
    monkeypatch.setitem(WRITERS, VAKANTIEVERHUUR.name, write_vakantieverhuur)


def test_a_source_added_in_the_registry_is_generated_ingested_resolved_and_flagged(
    with_new_source, tmp_path, database_url
):
    extracts = tmp_path / "extracts"
    manifest = generate_municipality(extracts, addresses=300, seed=3, as_of=AS_OF)
    assert manifest.rows["vakantieverhuur"] == 12
    header = (extracts / "vakantieverhuur.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.split(",") == list(VAKANTIEVERHUUR.column_names)

    # The contract: sources.yaml knows it, ingest validates it like any other source.
    config = sources_config_from_dict({"vakantieverhuur": {"min_ratio": 0.4}})
    ingested = ingest_extracts(extracts, KEY, config)
    source = ingested["vakantieverhuur"]
    assert source.summary.status == "ok", source.summary.error
    assert source.summary.rows_accepted == 12
    assert "verhuurder_bsn_pseudoniem" in source.frame.columns

    # Resolution: linked to its addresses and persons, from the schema alone.
    resolved = resolve_extracts(ingested.frames())
    frame = resolved.frames["vakantieverhuur"]
    assert frame["nummeraanduiding_id"].null_count() == 0
    assert frame["persoon_id"].null_count() == 0
    assert "bedrijf_id" not in frame.columns  # the schema links no companies
    links = resolved.links.filter(pl.col("source") == "vakantieverhuur")
    assert sorted(links["entity_type"].unique()) == ["adres", "persoon"]
    brp = resolved.frames["brp"].select("nummeraanduiding_id", "persoon_id")
    assert frame.join(brp, on=["nummeraanduiding_id", "persoon_id"], how="semi").height == 12

    # A rule reads it, and the night flags the homes rented out too long.
    config_dir = tmp_path / "config"
    (config_dir / "rules").mkdir(parents=True)
    shutil.copy(CONFIG / "departments.yaml", config_dir)
    shutil.copy(CONFIG / "priority.yaml", config_dir)
    (config_dir / "rules" / "vakantieverhuur-nachten.yaml").write_text(
        yaml.safe_dump(RULE, allow_unicode=True), encoding="utf-8"
    )
    # Step 4: another account than its author approves it (vik rules approve).
    engine = connect(database_url)
    migrate(engine)
    with session_scope(engine) as session:
        add_user(session, "a.test", PASSWORD, "analist", "handhaving", "A. Test", actor="test")
        owner = add_user(session, "b.eigenaar", PASSWORD, "eigenaar", None, "B.", actor="test")
        context = load_context(config_dir)
        loaded = load_rule(config_dir / "rules" / "vakantieverhuur-nachten.yaml", context)
        approve(session, loaded, owner, besluit="Besluit college 2026-0901-01", on=AS_OF,
                context=context)  # fmt: skip
    night = NightlyConfig(
        extracts_dir=extracts,
        database_url=database_url,
        config_dir=config_dir,
        data_dir=tmp_path / "data",
        peildatum=AS_OF,
        key=KEY,
    )
    result = run_nightly(night)
    assert result.status == "geslaagd"
    assert result.source_counts["vakantieverhuur"]["rows_accepted"] == 12
    with session_scope(connect(database_url)) as session:
        flags = session.exec(select(Flag).where(Flag.rule_id == "vakantieverhuur-nachten")).all()
    nights = frame.group_by("nummeraanduiding_id").agg(pl.col("nachten").sum())
    too_long = nights.filter(pl.col("nachten") > 30)
    assert too_long.height >= 4
    assert sorted(f.entity_key for f in flags) == sorted(too_long["nummeraanduiding_id"])
    explained = {f.entity_key: f.explanation for f in flags}
    for address, total in too_long.iter_rows():
        assert explained[address] == f"{total} nachten vakantieverhuur gemeld (maximum 30)"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"subject": None}, "links to persoon but names no bsn or naam column"),
        ({"links": (EntityType.PERSOON,)}, "must link to adres too"),
        ({"subject": Subject(naam="naam_die_er_niet_is")}, "declares unknown columns"),
        ({"register_of": EntityType.BEDRIJF}, "the register of bedrijf must link to it"),
    ],
)
def test_a_schema_entry_that_cannot_be_resolved_is_refused(changes, message):
    with pytest.raises(ValueError, match=message):
        replace(VAKANTIEVERHUUR, **changes)
