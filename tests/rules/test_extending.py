"""The walk-through "adding a function, an aggregation or a rule kind" in docs/rules.md runs.

Its code blocks are executed as they stand (registering a toy expression function,
a toy aggregation and a toy rule kind) and its rule files are loaded, compiled and
evaluated through their own fixtures, exactly as `vik rules test` would.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from vik.errors import RuleSchemaError
from vik.rules import (
    AGGREGATIONS,
    FUNCTIONS,
    RULE_KINDS,
    evaluate_rule,
    load_context,
    load_rule,
    run_fixtures,
)
from vik.rules.fixtures import fixture_frames

ROOT = Path(__file__).resolve().parents[2]
HEADING = "## For developers: adding a function, an aggregation or a rule kind"


def walkthrough() -> str:
    return (ROOT / "docs" / "rules.md").read_text(encoding="utf-8").split(HEADING, 1)[1]


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", walkthrough(), flags=re.DOTALL)


@pytest.fixture(scope="module")
def context():
    return load_context(ROOT / "config")


@pytest.fixture
def rule_files(tmp_path) -> dict[str, Path]:
    paths = {}
    for text in blocks("yaml"):
        rule_id = yaml.safe_load(text)["id"]
        paths[rule_id] = tmp_path / f"{rule_id}.yaml"
        paths[rule_id].write_text(text, encoding="utf-8")
    return paths


@pytest.fixture
def extensions() -> Iterator[None]:
    """Run the walk-through's code; unregister what it registered afterwards."""
    before = {id(r): set(r) for r in (FUNCTIONS, AGGREGATIONS, RULE_KINDS)}
    try:
        for code in blocks("python"):
            exec(compile(code, "docs/rules.md", "exec"), {})
        yield
    finally:
        for registry in (FUNCTIONS, AGGREGATIONS, RULE_KINDS):
            for name in set(registry) - before[id(registry)]:
                del registry[name]


def test_walkthrough_registers_a_function_an_aggregation_and_a_kind(extensions):
    assert "afgerond" in FUNCTIONS
    assert "median" in AGGREGATIONS
    assert "aanwezigheid" in RULE_KINDS


def test_rules_using_the_extensions_pass_their_own_tests(extensions, rule_files, context):
    assert set(rule_files) == {"voorbeeld-woz-mediaan", "voorbeeld-aanwezigheid"}
    for path in rule_files.values():
        loaded = load_rule(path, context)
        results = run_fixtures(loaded, context)
        assert results and all(r.passed for r in results), [r.problems for r in results]


def test_toy_aggregation_and_function_decide_the_hit(extensions, rule_files, context):
    loaded = load_rule(rule_files["voorbeeld-woz-mediaan"], context)
    fixture = loaded.rule.tests[0]
    frames = fixture_frames(loaded, fixture, context)
    outcome = evaluate_rule(loaded, frames, fixture.peildatum, context, gate=False)
    # a1: median 499,600 rounds to 500 thousand; a2: 499,400 rounds to 499.
    assert outcome.hits["entity_key"].to_list() == ["a1"]
    assert json.loads(outcome.hits["values"][0]) == {"woz": 499600.0, "min_duizenden": 500}


def test_without_the_extensions_the_rules_are_refused(rule_files, context):
    # Runs after the walk-through: its registrations are gone again for every other test.
    assert {"afgerond", "median", "aanwezigheid"}.isdisjoint(
        {*FUNCTIONS, *AGGREGATIONS, *RULE_KINDS}
    )
    mediaan = rule_files["voorbeeld-woz-mediaan"]
    with pytest.raises(RuleSchemaError, match=r"measures\.woz\.median: onbekende sleutel"):
        load_rule(mediaan, context)
    mediaan.write_text(mediaan.read_text().replace("median:", "max:"))
    with pytest.raises(RuleSchemaError, match="onbekende functie 'afgerond'"):
        load_rule(mediaan, context)
    with pytest.raises(RuleSchemaError, match="kind: moet een van deze waarden zijn"):
        load_rule(rule_files["voorbeeld-aanwezigheid"], context)
