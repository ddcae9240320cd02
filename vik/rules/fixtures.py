"""Running the given/expect fixtures inside rule files (`vik rules test`).

    >>> results = run_fixtures(loaded, context)  # doctest: +SKIP
    >>> [r.passed for r in results]
    [True, True]

A fixture gives a few rows per source, using only the rule's declared inputs
(and optionally a record_key and `repeat: N`), and says which entity keys must
get a flag. The rule runs exactly as at night, minus the status gate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl

from vik.errors import RuleSchemaError
from vik.rules.context import Context, source_fields
from vik.rules.loader import LoadedRule
from vik.rules.model import Fixture
from vik.rules.runner import evaluate_rule

_SPECIAL = ("repeat", "record_key")


@dataclass
class FixtureResult:
    rule_id: str
    name: str
    passed: bool
    problems: list[str] = field(default_factory=list)


def _value(value: object, kind: str) -> object:
    if value is None:
        return None
    if kind == "list":
        if isinstance(value, str):
            return [item.strip() for item in value.split(";") if item.strip()]
        return [str(item) for item in value]  # type: ignore[attr-defined]
    if kind == "date":
        return value.isoformat() if isinstance(value, date) else str(value)
    if kind == "number":
        return float(value)  # type: ignore[arg-type]
    return str(value)


def fixture_frames(
    loaded: LoadedRule, fixture: Fixture, context: Context
) -> dict[str, pl.DataFrame]:
    rule = loaded.rule
    frames = {}
    for source in fixture.given:
        if source not in rule.input_sources:
            raise RuleSchemaError(
                f"{rule.id}: test '{fixture.name}' geeft {source}, maar de regel leest {source} niet"
            )
    for source in rule.input_sources:
        kinds = source_fields(context.schemas[source])
        declared = rule.fields_of(source)
        expanded: list[dict[str, Any]] = []
        for row in fixture.given.get(source, []):
            unknown = [k for k in row if k not in declared and k not in _SPECIAL]
            if unknown:
                raise RuleSchemaError(
                    f"{rule.id}: test '{fixture.name}': {source}.{unknown[0]} staat niet onder inputs"
                )
            expanded.extend([row] * int(row.get("repeat", 1)))
        data: dict[str, list[Any]] = {
            name: [_value(row.get(name), kinds[name]) for row in expanded] for name in declared
        }
        data["record_key"] = [
            str(row.get("record_key") or f"{source}-{i}") for i, row in enumerate(expanded, 1)
        ]
        schema: dict[str, pl.DataType] = {
            name: {"number": pl.Float64(), "list": pl.List(pl.String)}.get(kinds[name], pl.String())
            for name in declared
        }
        schema["record_key"] = pl.String()
        frames[source] = pl.DataFrame(data, schema=schema)
    return frames


def run_fixture(loaded: LoadedRule, fixture: Fixture, context: Context) -> FixtureResult:
    result = FixtureResult(loaded.id, fixture.name, passed=True)
    try:
        frames = fixture_frames(loaded, fixture, context)
        outcome = evaluate_rule(loaded, frames, fixture.peildatum, context, gate=False)
    except RuleSchemaError as error:
        return FixtureResult(loaded.id, fixture.name, False, [str(error)])
    expect = fixture.expect
    hits = set(outcome.hits["entity_key"].to_list())
    if hits != set(expect.hits):
        result.problems.append(f"signalen {sorted(hits)}, verwacht {sorted(expect.hits)}")
    if expect.undecided is not None:
        undecided = set(outcome.undecided["entity_key"].to_list())
        if undecided != set(expect.undecided):
            result.problems.append(
                f"onbeslist {sorted(undecided)}, verwacht {sorted(expect.undecided)}"
            )
    if expect.explanations:
        found = dict(zip(outcome.hits["entity_key"], outcome.hits["explanation"], strict=True))
        for key, text in expect.explanations.items():
            if found.get(key) != text:
                result.problems.append(f"uitleg bij {key}: '{found.get(key)}', verwacht '{text}'")
    if expect.departments:
        for key, departments in expect.departments.items():
            got = sorted(outcome.hits.filter(pl.col("entity_key") == key)["department"].to_list())
            if got != sorted(departments):
                result.problems.append(
                    f"afdelingen bij {key}: {got}, verwacht {sorted(departments)}"
                )
    result.passed = not result.problems
    return result


def run_fixtures(loaded: LoadedRule, context: Context) -> list[FixtureResult]:
    return [run_fixture(loaded, fixture, context) for fixture in loaded.rule.tests]


def fixture_reasons(loaded: LoadedRule, context: Context) -> list[str]:
    """Why the rule's own fixtures keep it from running (empty: they all pass)."""
    if not loaded.rule.tests:
        return ["geen tests: een regel draait pas als zijn eigen tests (tests:) slagen"]
    failed = [r for r in run_fixtures(loaded, context) if not r.passed]
    if not failed:
        return []
    return [
        "eigen tests mislukken: "
        + "; ".join(f"'{r.name}': {', '.join(r.problems)}" for r in failed)
        + " (`vik rules test` toont alles)"
    ]
