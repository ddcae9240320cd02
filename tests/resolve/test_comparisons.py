"""The person matcher's comparisons: each one declared is used by the model, the decision and
the explanation of a link, and adding one is one class and one line of settings
(docs/resolution.md, "How to add a comparison", walks through the test below)."""

from __future__ import annotations

import inspect
import textwrap
from pathlib import Path

import polars as pl
import pytest
from pydantic import Field

from tests.resolve.crafted import records, with_resident
from vik.errors import ConfigError
from vik.resolve.links import CERTAIN, POSSIBLE
from vik.resolve.persons import (
    Comparison,
    Decision,
    Level,
    MatchModel,
    PersonMatchSettings,
    Role,
    WeighedComparison,
    resolve_persons,
)
from vik.resolve.persons.probability import record_groups
from vik.resolve.settings import ResolveSettings, load_resolve_settings

# --- the example of docs/resolution.md ----------------------------------------------------


class BirthPlaceLevel(Level):
    DIFFERENT = 0, "anders"
    EQUAL = 1, "gelijk"


class BirthPlace(WeighedComparison):
    """The place of birth, as written (folded)."""

    name = "birth_place"
    label = "geboorteplaats"
    level = BirthPlaceLevel
    role = Role.CORROBORATES
    record_columns = ("geboorteplaats",)
    person_columns = ("geboorteplaats",)
    agrees_from = BirthPlaceLevel.EQUAL
    method_word = "geboorteplaats"
    method_from = BirthPlaceLevel.EQUAL

    m_start: tuple[float, ...] = (0.05, 0.95)

    def expression(self) -> pl.Expr:
        record = pl.col("geboorteplaats").str.to_lowercase()
        person = pl.col("b_geboorteplaats").str.to_lowercase()
        return (
            pl.when(record.is_null() | person.is_null())
            .then(None)
            .when(record == person)
            .then(int(BirthPlaceLevel.EQUAL))
            .otherwise(int(BirthPlaceLevel.DIFFERENT))
        )


class WithBirthPlace(PersonMatchSettings):
    birth_place: BirthPlace = Field(default_factory=BirthPlace)


PLACES = [f"Plaats {i}" for i in range(50)]


@pytest.fixture(scope="module")
def namesakes(brp) -> pl.DataFrame:
    """Two Zwanenburgs born on one day, at different addresses; everyone has a birthplace."""
    register = brp.with_columns(
        pl.lit(pl.Series(PLACES))
        .gather(pl.int_range(pl.len()) % len(PLACES))
        .alias("geboorteplaats")
    )
    for digit, first, place, address in (
        ("8", "Jan", "Kampen", "ADDR-JAN"),
        ("9", "Johan", "Zwolle", "ADDR-JOHAN"),
    ):
        register = with_resident(
            register,
            digit,
            voornamen=first,
            geslachtsnaam="Zwanenburg",
            geboortedatum="1970-01-01",
            nummeraanduiding_id=address,
            geboorteplaats=place,
        )
    return register


def test_a_comparison_added_as_one_class_and_one_line_decides_what_it_knows(namesakes):
    # 'J. Zwanenburg, born 1970-01-01 in Kampen': without the birthplace two people fit.
    record = records({"naam": "J. Zwanenburg", "geboortedatum": "1970-01-01"}).with_columns(
        pl.lit("Kampen").alias("geboorteplaats")
    )
    without = resolve_persons(namesakes, record).row(0, named=True)
    assert without["status"] == POSSIBLE
    assert "meer personen" in without["reason"]

    linked = resolve_persons(namesakes, record, settings=WithBirthPlace()).row(0, named=True)
    assert (linked["persoon_id"], linked["status"]) == ("P" + "8" * 20, CERTAIN)
    assert linked["method"] == "naam_geboortedatum_geboorteplaats"
    # Set like any other comparison in config/resolve.yaml.
    assert WithBirthPlace.model_validate({"birth_place": {"m_start": [0.1, 0.9]}})


def test_the_docs_show_the_comparison_this_test_adds():
    docs = (Path(__file__).resolve().parents[2] / "docs" / "resolution.md").read_text("utf-8")
    shown = textwrap.dedent(docs.split("## How to add a comparison", 1)[1])
    code = "\n".join(line.removeprefix("   ") for line in shown.splitlines())
    for example in (BirthPlaceLevel, BirthPlace):
        assert inspect.getsource(example).strip() in code, example.__name__
    assert "birth_place: BirthPlace = Field(default_factory=BirthPlace)" in code


# --- every comparison is wired in ---------------------------------------------------------


def _reads(*expressions: pl.Expr) -> set[str]:
    return {name for expression in expressions for name in expression.meta.root_names()}


def _uses(settings: PersonMatchSettings) -> dict[str, set[str]]:
    """Which level columns the model, the decision and the explanation read."""
    weighed = settings.weighed()
    model = MatchModel(
        weighed,
        m={c.name: list(c.m_start) for c in weighed},
        u={c.name: [1 / len(c.level)] * len(c.level) for c in weighed},
        prior=0.01,
    )
    decision = Decision(settings)
    return {
        "model": _reads(model.weight_expr(frequencies=True), record_groups(settings.bsn.name)),
        "decision": _reads(decision.certain(), decision.identified()),
        "explanation": _reads(decision.method(), decision.reason(), decision.identifier_method()),
    }


@pytest.mark.parametrize("settings", [PersonMatchSettings(), WithBirthPlace()], ids=["vik", "toy"])
def test_every_comparison_declared_is_used_in_the_model_the_decision_and_the_explanation(
    settings,
):
    uses = _uses(settings)
    for comparison in settings.comparisons():
        for stage, reads in uses.items():
            assert comparison.name in reads, f"{comparison.name} is not used in the {stage}"


def test_a_comparison_the_decision_leaves_out_is_caught():
    # A decision that forgot the address (as a hand-written one could) fails the check.
    class Forgetful(Decision):
        def corroborated(self) -> pl.Expr:
            return pl.col("birth_date").fill_null(0) >= 2

        def name_fits(self) -> pl.Expr:
            return pl.col("surname").fill_null(0) >= 1

    reads = _reads(Forgetful(PersonMatchSettings()).certain())
    assert "address" not in reads and "given_names" not in reads


# --- levels and settings ------------------------------------------------------------------


def test_levels_are_named_worst_first_with_the_labels_users_read():
    settings = PersonMatchSettings()
    assert settings.surname.levels_text() == "gelijk, lijkt sterk, lijkt, anders"
    assert [level.label for level in settings.address.level] == [
        "anders",
        "straat of postcode",
        "straat of postcode, en huisnummer",
        "gelijk",
    ]
    for comparison in settings.weighed():
        assert len(comparison.m_start) == len(comparison.level)
        assert isinstance(comparison, Comparison)


def test_a_threshold_is_a_setting_with_a_dutch_message_when_wrong(tmp_path):
    (tmp_path / "resolve.yaml").write_text(
        "persons:\n  surname:\n    similar: 1.5\n    simlar: 0.8\n  given_names:\n"
        "    m_start: [0.5, 0.5]\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as error:
        load_resolve_settings(tmp_path)
    message = str(error.value)
    assert "resolve.yaml: persons.surname.similar" in message
    assert "persons.surname.simlar: onbekende sleutel" in message
    assert "m_start heeft 6 getallen nodig" in message
    assert ResolveSettings().persons.surname.similar == 0.8


def test_a_comparison_must_sit_under_its_own_name():
    class Misnamed(PersonMatchSettings):
        place: BirthPlace = Field(default_factory=BirthPlace)

    with pytest.raises(ValueError, match="vergelijking birth_place staat onder de sleutel place"):
        Misnamed()
