"""docs/rules.md documents exactly the registered functions, aggregations and rule kinds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from vik.rules import AGGREGATIONS, FUNCTIONS, RULE_KINDS

DOC = Path(__file__).resolve().parents[2] / "docs" / "rules.md"


def documented(heading: str) -> list[str]:
    """The names in the first column of the table under a heading of docs/rules.md."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split(f"\n{heading}\n", 1)[1]
    section = re.split(r"\n#+ ", section, maxsplit=1)[0]
    return re.findall(r"^\| `([a-z_]+)", section, flags=re.MULTILINE)


@pytest.mark.parametrize(
    ("heading", "registry"),
    [
        ("### Functions", FUNCTIONS),
        ("### Measures", AGGREGATIONS),
        ("### Rule kinds", RULE_KINDS),
    ],
)
def test_every_registered_entry_is_documented_and_nothing_else(heading, registry):
    names = documented(heading)
    assert len(names) == len(set(names)), f"{heading}: documented twice: {names}"
    assert set(names) - set(registry) == set(), f"{heading}: documented, but does not exist"
    assert set(registry) - set(names) == set(), f"{heading}: exists, but is not documented"


def test_the_link_fields_per_source_are_those_of_the_registry():
    from vik.connectors.model import ENTITIES
    from vik.connectors.schemas import SOURCES

    section = DOC.read_text(encoding="utf-8").split("\n### Link fields per source\n", 1)[1]
    section = re.split(r"\n#+ ", section, maxsplit=1)[0]
    rows = dict(re.findall(r"^\| `([a-z_]+)` \| (.*) \|$", section, flags=re.MULTILINE))
    expected = {
        name: ", ".join(f"`{ENTITIES[e].key}` ({e.value})" for e in schema.links)
        for name, schema in SOURCES.items()
    }
    assert rows == expected


def _example(rule_id: str) -> str:
    blocks = re.findall(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)
    return next(b for b in blocks if b.startswith(f"id: {rule_id}\n"))


def test_the_language_example_loads_and_passes_its_own_tests(tmp_path):
    from vik.rules import load_context, load_rule, run_fixtures

    path = tmp_path / "voorbeeld-lage-woz.yaml"
    path.write_text(_example("voorbeeld-lage-woz"), encoding="utf-8")
    context = load_context(DOC.parents[1] / "config")
    loaded = load_rule(path, context)
    results = run_fixtures(loaded, context)
    assert results and all(r.passed for r in results), [r.problems for r in results]
    # The fixture is not a rubber stamp: a threshold of 40% lets a2 in as well.
    path.write_text(path.read_text().replace("max_percentiel: 20", "max_percentiel: 40"), "utf-8")
    (result,) = run_fixtures(load_rule(path, context), context)
    assert not result.passed and "a2" in result.problems[0]
