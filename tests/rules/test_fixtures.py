"""The given/expect tests inside every rule file pass, and can fail."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from vik.rules import load_context, load_rule, load_rules, run_fixtures

CONFIG = Path(__file__).resolve().parents[2] / "config"
CONTEXT = load_context(CONFIG)
RULES = load_rules(CONFIG / "rules", CONTEXT).valid


@pytest.mark.parametrize("loaded", RULES, ids=[r.id for r in RULES])
def test_builtin_rule_fixtures_pass(loaded):
    results = run_fixtures(loaded, CONTEXT)
    assert results, f"{loaded.id} has no tests"
    assert [r.problems for r in results if not r.passed] == []


@pytest.mark.parametrize(
    ("rule_id", "param", "value"),
    [
        ("overbewoning", "min_inschrijvingen", 13),
        ("thuiszorg-cluster", "min_bedrijven", 3),
        ("veelverhuizer", "min_verhuizingen", 5),
        ("meldingen-cluster", "venster_dagen", 30),
        ("briefbusfirma", "min_bedrijven", 6),
        ("betrokkenheid", "min_afdelingen", 3),
    ],
)
def test_changing_a_threshold_makes_the_fixture_fail(tmp_path, rule_id, param, value):
    data = yaml.safe_load((CONFIG / "rules" / f"{rule_id}.yaml").read_text(encoding="utf-8"))
    data["params"][param] = value
    path = tmp_path / f"{rule_id}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    results = run_fixtures(load_rule(path, CONTEXT), CONTEXT)
    assert any(not r.passed for r in results)
    assert any("signalen" in p for r in results for p in r.problems)


def test_fixture_may_not_use_undeclared_fields(tmp_path):
    data = yaml.safe_load((CONFIG / "rules" / "veelverhuizer.yaml").read_text(encoding="utf-8"))
    data["tests"][0]["given"]["brp"][0]["geslachtsnaam"] = "Jansen"
    path = tmp_path / "veelverhuizer.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    (result,) = run_fixtures(load_rule(path, CONTEXT), CONTEXT)
    assert not result.passed
    assert "brp.geslachtsnaam staat niet onder inputs" in result.problems[0]
