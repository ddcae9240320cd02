"""Enforcement at load time and at run time: what a rule may read and whether it may run."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path

import pytest
import yaml

from tests.approvals import approved
from vik.errors import ForbiddenInputError, RuleSchemaError, UndeclaredInputError
from vik.rules import load_context, load_rule, load_rules, run_gate
from vik.rules.approvals import manifest_approvals
from vik.rules.loader import Context, is_profiling

CONFIG = Path(__file__).resolve().parents[2] / "config"
PEILDATUM = date(2026, 11, 1)


@pytest.fixture(scope="module")
def context() -> Context:
    context = load_context(CONFIG)
    context.approvals = manifest_approvals(CONFIG)
    return context


def builtin(rule_id: str) -> dict:
    return yaml.safe_load((CONFIG / "rules" / f"{rule_id}.yaml").read_text(encoding="utf-8"))


def write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / f"{data['id']}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_every_builtin_rule_is_valid_and_may_run(context):
    rules = load_rules(CONFIG / "rules", context)
    assert rules.invalid == {}
    assert {r.id for r in rules.valid} >= {
        "overbewoning",
        "thuiszorg-cluster",
        "veelverhuizer",
        "damocles-vergunning",
        "meldingen-cluster",
        "briefbusfirma",
        "betrokkenheid",
    }
    for loaded in rules.valid:
        assert run_gate(loaded, context, PEILDATUM) == [], loaded.id


def test_unknown_key_is_an_error(tmp_path, context):
    data = builtin("overbewoning")
    data["drempel"] = 12
    with pytest.raises(RuleSchemaError, match="drempel: onbekende sleutel"):
        load_rule(write(tmp_path, data), context)


def test_undeclared_field_in_a_condition_names_the_field(tmp_path, context):
    data = builtin("overbewoning")
    data["measures"]["inschrijvingen"]["where"] = 'functie_adres == "W" and voornamen == "Jan"'
    with pytest.raises(UndeclaredInputError, match=r"brp\.voornamen.*niet onder inputs"):
        load_rule(write(tmp_path, data), context)


def test_undeclared_grouping_key_names_the_field(tmp_path, context):
    data = builtin("veelverhuizer")
    data["inputs"].remove("brp.persoon_id")
    with pytest.raises(UndeclaredInputError, match=r"brp\.persoon_id"):
        load_rule(write(tmp_path, data), context)


def test_declared_but_unused_input_is_refused(tmp_path, context):
    data = builtin("veelverhuizer")
    data["inputs"].append("brp.geboortedatum")
    with pytest.raises(
        RuleSchemaError, match=r"brp\.geboortedatum worden door de regel niet gebruikt"
    ):
        load_rule(write(tmp_path, data), context)


def test_field_that_does_not_exist(tmp_path, context):
    data = builtin("veelverhuizer")
    data["inputs"].append("brp.inkomen")
    with pytest.raises(RuleSchemaError, match="brp heeft geen veld 'inkomen'"):
        load_rule(write(tmp_path, data), context)


def test_bsn_pseudonym_is_not_a_rule_input(tmp_path, context):
    data = builtin("veelverhuizer")
    data["inputs"].append("brp.bsn_pseudoniem")
    with pytest.raises(RuleSchemaError, match="gebruik de gekoppelde entiteit"):
        load_rule(write(tmp_path, data), context)


@pytest.mark.parametrize(
    "field", ["nationaliteit", "geboorteland", "geslacht", "etniciteit", "taalvaardigheid"]
)
def test_profiling_input_is_refused(tmp_path, context, field):
    data = builtin("veelverhuizer")
    data["inputs"].append(f"brp.{field}")
    with pytest.raises(ForbiddenInputError, match=f"brp.{field} profileert mensen"):
        load_rule(write(tmp_path, data), context)


def _with_extra(column: str, category: str) -> Context:
    from vik.connectors.config import sources_config_from_dict
    from vik.connectors.schemas import SOURCES
    from vik.departments import load_departments

    sources = sources_config_from_dict(
        {"brp": {"extra_columns": {column: {"kind": "code", "categorie": category}}}}
    )
    return Context(
        schemas={n: sources.schema(n) for n in SOURCES},
        departments=load_departments(CONFIG),
        approvals=manifest_approvals(CONFIG),
    )


@pytest.mark.parametrize(
    ("column", "category"),
    [("herkomstcode", "nationaliteit"), ("moeder", "taal"), ("kenmerk_x", "gezondheid")],
)
def test_a_forbidden_category_under_a_harmless_column_name_is_refused(tmp_path, column, category):
    context = _with_extra(column, category)
    data = builtin("veelverhuizer")
    data["inputs"].append(f"brp.{column}")
    data["measures"]["verhuizingen"]["where"] += f' and {column} != "X"'
    with pytest.raises(
        ForbiddenInputError, match=f"brp.{column} profileert mensen \\(categorie {category}"
    ):
        load_rule(write(tmp_path, data), context)


def test_a_profiling_name_declared_harmless_is_still_refused(tmp_path):
    context = _with_extra("nationaliteit", "overig")
    data = builtin("veelverhuizer")
    data["inputs"].append("brp.nationaliteit")
    data["measures"]["verhuizingen"]["where"] += ' and nationaliteit != "X"'
    with pytest.raises(ForbiddenInputError, match="de naam wijst op herkomst"):
        load_rule(write(tmp_path, data), context)


def test_an_extra_column_must_declare_its_category():
    from vik.connectors.config import sources_config_from_dict
    from vik.errors import ConfigError

    with pytest.raises(ConfigError, match="geef kind en categorie"):
        sources_config_from_dict({"brp": {"extra_columns": {"moedertaal": "code"}}})
    with pytest.raises(ConfigError, match="categorie: moet een van deze waarden zijn"):
        sources_config_from_dict(
            {"brp": {"extra_columns": {"moedertaal": {"kind": "code", "categorie": "x"}}}}
        )


def test_a_profiling_exception_runs_only_when_the_guarding_role_approved_it(tmp_path):
    from vik.rules import rule_warnings
    from vik.rules.approvals import Scope

    context = _with_extra("geslacht", "geslacht")
    data = builtin("veelverhuizer")
    data["inputs"].append("brp.geslacht")
    data["measures"]["verhuizingen"]["where"] += ' and geslacht != "X"'
    with pytest.raises(ForbiddenInputError):
        load_rule(write(tmp_path, data), context)
    data["profilering_uitzondering"] = {
        "velden": ["brp.geslacht"],
        "onderbouwing": "Onderzoek naar uitbuiting van vrouwen in de prostitutie vraagt dit "
        "gegeven; vastgesteld na advies FG.",
    }
    loaded = approved(context, load_rule(write(tmp_path, data), context))
    reasons = run_gate(loaded, context, PEILDATUM)
    assert any("profilering_uitzondering niet goedgekeurd" in r for r in reasons)
    approved(context, loaded, Scope.PROFILERING)
    assert run_gate(loaded, context, PEILDATUM) == []
    (warning,) = rule_warnings(loaded, context, PEILDATUM)
    assert warning.startswith("profileringsuitzondering voor brp.geslacht: Onderzoek naar")
    assert "goedgekeurd door Test Eigenaar" in warning


def test_geslachtsnaam_is_not_geslacht():
    assert not is_profiling("geslachtsnaam")
    assert is_profiling("geslacht") and is_profiling("nationaliteit_code")


def test_no_python_eval_of_rule_text(tmp_path, context):
    data = builtin("veelverhuizer")
    data["condition"] = "__import__('os').system('true')"
    with pytest.raises(RuleSchemaError, match="onbekende functie"):
        load_rule(write(tmp_path, data), context)
    data["condition"] = "verhuizingen.__class__ == 1"
    with pytest.raises(RuleSchemaError, match="niet toegestaan"):
        load_rule(write(tmp_path, data), context)


def test_type_errors_are_caught_at_load_time(tmp_path, context):
    data = builtin("veelverhuizer")
    data["condition"] = 'verhuizingen >= "vier"'
    with pytest.raises(RuleSchemaError, match="vergelijkt een getal met tekst"):
        load_rule(write(tmp_path, data), context)


def test_explanation_placeholder_must_exist(tmp_path, context):
    data = builtin("veelverhuizer")
    data["explanation"] = "{verhuizingen} verhuizingen van {naam}"
    with pytest.raises(RuleSchemaError, match=r"explanation noemt \{naam\}"):
        load_rule(write(tmp_path, data), context)


def test_file_name_must_match_id(tmp_path, context):
    data = builtin("veelverhuizer")
    path = tmp_path / "andere-naam.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RuleSchemaError, match=r"hoort in een bestand veelverhuizer\.yaml"):
        load_rule(path, context)


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("dpia", "doelbinding.dpia ontbreekt"),
        ("ontvangers", "doelbinding.ontvangers ontbreekt"),
        ("bewaartermijn", "doelbinding.bewaartermijn ontbreekt"),
        ("herbeoordeling", "doelbinding.herbeoordeling ontbreekt"),
        ("strafrechtelijke_gegevens", "strafrechtelijke_gegevens ontbreekt"),
    ],
)
def test_incomplete_doelbinding_does_not_run(tmp_path, context, field, message):
    data = builtin("damocles-vergunning")
    del data["doelbinding"][field]
    loaded = load_rule(write(tmp_path, data), context)
    reasons = run_gate(loaded, context, PEILDATUM)
    assert any("doelbinding onvolledig" in r and message in r for r in reasons), reasons


def test_belastingen_needs_the_awr_disclosure_decision(tmp_path, context):
    data = builtin("betrokkenheid")
    del data["doelbinding"]["awr_ontheffing"]
    loaded = load_rule(write(tmp_path, data), context)
    assert any("art. 67 AWR" in r for r in run_gate(loaded, context, PEILDATUM))


def test_purpose_must_cover_every_source_read(tmp_path, context):
    data = builtin("overbewoning")
    del data["doelbinding"]["gegevenscategorieen"]["bag"]
    loaded = load_rule(write(tmp_path, data), context)
    assert any(
        "noemt bag niet, maar de regel leest bag" in r for r in run_gate(loaded, context, PEILDATUM)
    )


@pytest.mark.parametrize("status", ["concept", "goedgekeurd", "ingetrokken"])
def test_only_active_rules_run(tmp_path, context, status):
    data = builtin("overbewoning")
    data["status"] = status
    loaded = load_rule(write(tmp_path, data), context)
    assert f"status is {status}, niet actief" in run_gate(loaded, context, PEILDATUM)


def test_an_edited_rule_without_a_new_approval_does_not_run(tmp_path, context):
    text = (CONFIG / "rules" / "overbewoning.yaml").read_text(encoding="utf-8")
    path = tmp_path / "overbewoning.yaml"
    path.write_text(text.replace("min_inschrijvingen: 12", "min_inschrijvingen: 10"), "utf-8")
    loaded = load_rule(path, context)
    (reason,) = [r for r in run_gate(loaded, context, PEILDATUM) if "goedgekeurd" in r]
    assert reason.startswith(f"niet goedgekeurd: deze inhoud (sha256 {loaded.content_hash[:12]})")
    assert "gewijzigd sinds de goedgekeurde versie" in reason
    # The same edit approved by another account runs.
    approved(context, loaded)
    assert run_gate(loaded, context, PEILDATUM) == []


def test_an_approval_in_the_rule_file_is_refused(tmp_path, context):
    data = builtin("overbewoning")
    data["approval"] = {"by": "M. de Boer", "date": "2026-09-15"}
    with pytest.raises(RuleSchemaError, match="een regel wordt niet in het bestand goedgekeurd"):
        load_rule(write(tmp_path, data), context)


def test_the_author_is_a_vik_account_name(tmp_path, context):
    data = builtin("overbewoning")
    data["author"] = "S. Yılmaz, analist"
    with pytest.raises(RuleSchemaError, match="author"):
        load_rule(write(tmp_path, data), context)


def test_self_approved_rule_does_not_run(tmp_path, context):
    from vik.rules.approvals import RecordedApproval, Scope

    data = builtin("overbewoning")
    data["params"]["min_inschrijvingen"] = 13
    loaded = load_rule(write(tmp_path, data), context)
    context.approvals.records.append(
        RecordedApproval(
            loaded.id, loaded.content_hash, Scope.REGEL, "s.yilmaz", "S. Yılmaz",
            date(2026, 10, 1), "Besluit 2026-1", "account", "s.yilmaz",
        )
    )  # fmt: skip
    reasons = run_gate(loaded, context, PEILDATUM)
    assert any("zelf goedgekeurd" in r and "een ander moet goedkeuren" in r for r in reasons)


def test_rule_past_its_review_date_does_not_run(tmp_path, context):
    loaded = load_rule(CONFIG / "rules" / "overbewoning.yaml", context)
    assert run_gate(loaded, context, date(2027, 9, 15)) == []
    reasons = run_gate(loaded, context, date(2027, 9, 16))
    assert any("herbeoordeling was uiterlijk 2027-09-15" in r for r in reasons)


def test_a_herbeoordeling_more_than_three_years_ahead_is_refused(tmp_path, context):
    data = builtin("overbewoning")
    data["doelbinding"]["herbeoordeling"] = date(2029, 11, 2)
    loaded = approved(context, load_rule(write(tmp_path, data), context))
    reasons = run_gate(loaded, context, PEILDATUM)
    assert any("ligt meer dan 3 jaar vooruit" in r for r in reasons), reasons
    data["doelbinding"]["herbeoordeling"] = date(2029, 11, 1)
    loaded = approved(context, load_rule(write(tmp_path, data), context))
    assert run_gate(loaded, context, PEILDATUM) == []


def test_a_herbeoordeling_that_falls_due_soon_is_a_warning(context):
    from vik.rules import rule_warnings

    loaded = load_rule(CONFIG / "rules" / "overbewoning.yaml", context)
    assert rule_warnings(loaded, context, date(2027, 7, 1)) == []
    (warning,) = rule_warnings(loaded, context, date(2027, 8, 1))
    assert warning.startswith("herbeoordeling uiterlijk 2027-09-15 (over 45 dagen)")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("dpia", "n.v.t.", "zegt niets ('n.v.t.')"),
        ("dpia", "volgt", "zegt niets"),
        ("dpia", "DPIA uitgevoerd", "is geen kenmerk of link"),
        ("fg_advies", "nog niet gevraagd", "zegt niets ('nog niet gevraagd')"),
        ("proportionaliteit", "-", "zegt niets ('-')"),
        ("subsidiariteit", "Niet anders.", "te kort"),
        ("dpia_link", "intranet/dpia.pdf", "is geen link"),
    ],
)
def test_doelbinding_fields_must_say_something(tmp_path, context, field, value, message):
    data = builtin("overbewoning")
    data["doelbinding"][field] = value
    loaded = approved(context, load_rule(write(tmp_path, data), context))
    reasons = run_gate(loaded, context, PEILDATUM)
    assert any(f"doelbinding.{field}" in r and message in r for r in reasons), reasons


def test_references_in_a_recognisable_form_pass(tmp_path, context):
    data = builtin("overbewoning")
    data["doelbinding"]["dpia"] = "https://www.amersfoort.nl/dpia-vik.pdf"
    data["doelbinding"]["fg_advies"] = "FG/2026/007"
    loaded = approved(context, load_rule(write(tmp_path, data), context))
    assert run_gate(loaded, context, PEILDATUM) == []


def test_unknown_department_as_recipient(tmp_path, context):
    data = builtin("overbewoning")
    data["doelbinding"]["ontvangers"] = ["burgerzaken", "politie"]
    loaded = load_rule(write(tmp_path, data), context)
    assert any("'politie' is geen afdeling" in r for r in run_gate(loaded, context, PEILDATUM))


def test_bewaartermijn_must_be_an_iso_duration(tmp_path, context):
    data = builtin("overbewoning")
    data["doelbinding"]["bewaartermijn"] = "een jaar"
    with pytest.raises(RuleSchemaError, match="geen ISO 8601-duur"):
        load_rule(write(tmp_path, data), context)


def test_invalid_file_is_listed_not_raised(tmp_path, context):
    good = builtin("veelverhuizer")
    write(tmp_path, good)
    bad = copy.deepcopy(builtin("overbewoning"))
    bad["severity"] = "extreem"
    write(tmp_path, bad)
    rules = load_rules(tmp_path, context)
    assert [r.id for r in rules.valid] == ["veelverhuizer"]
    (message,) = rules.invalid.values()
    assert "severity" in message


def test_published_json_schema_is_current():
    from vik.cli.rules import rule_json_schema

    published = json.loads(
        (CONFIG.parent / "docs" / "rule.schema.json").read_text(encoding="utf-8")
    )
    assert published == rule_json_schema(), "run: vik rules schema --out docs/rule.schema.json"


def test_json_schema_forbids_unknown_keys():
    from vik.cli.rules import rule_json_schema

    assert rule_json_schema()["additionalProperties"] is False


def test_loaded_rule_survives_pickling(context):
    """A process-based task runner sends rules to its workers pickled."""
    import pickle

    loaded = load_rule(CONFIG / "rules" / "overbewoning.yaml", context)
    assert pickle.loads(pickle.dumps(loaded)) == loaded


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"version": 0}, "version: moet ten minste 1 zijn (gekregen: 0)"),
        ({"drempel": 3}, "drempel: onbekende sleutel; controleer de spelling of haal hem weg; "
         "toegestaan: id, version, title"),
        ({"severity": "extreem"}, "severity: moet een van deze waarden zijn: laag, middel, hoog"),
        ({"doelbinding": {"dpai": "x"}}, "doelbinding.dpai: onbekende sleutel; controleer de "
         "spelling of haal hem weg; toegestaan: grondslag, doel"),
    ],
)  # fmt: skip
def test_validation_messages_are_dutch_and_name_what_is_allowed(tmp_path, context, change, message):
    data = {**builtin("overbewoning"), **change}
    with pytest.raises(RuleSchemaError) as raised:
        load_rule(write(tmp_path, data), context)
    assert message in str(raised.value)
    assert "Input should" not in str(raised.value)
