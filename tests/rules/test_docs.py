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
