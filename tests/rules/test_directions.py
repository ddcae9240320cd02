"""Which way a measure makes a signal stronger, read from the condition."""

from __future__ import annotations

from pathlib import Path

from vik.rules import load_context, load_rules
from vik.rules.directions import Direction, measure_directions, moved_past

CONFIG = Path(__file__).resolve().parents[2] / "config"


def test_directions_of_the_built_in_rules():
    rules = {r.id: r.rule for r in load_rules(CONFIG / "rules", load_context(CONFIG)).valid}

    def of(rule_id: str) -> dict[str, Direction]:
        rule = rules[rule_id]
        return measure_directions(rule.condition or "", rule.measures)

    assert of("overbewoning") == {"inschrijvingen": "hoger", "oppervlakte": "lager"}
    assert of("veelverhuizer") == {"verhuizingen": "hoger"}
    # bewoners also sits in arithmetic (oppervlakte < m2 * bewoners): no direction claimed
    assert of("overbewoning-per-persoon") == {"oppervlakte": "lager"}


def test_not_turns_a_direction_round_and_both_ways_is_none():
    assert measure_directions("not (a < 3) and 5 > b", {"a", "b"}) == {
        "a": Direction.HIGHER,
        "b": Direction.LOWER,
    }
    assert measure_directions("a > 3 or a < 1", {"a"}) == {}
    assert measure_directions("a == 3", {"a"}) == {}
    assert measure_directions("niet (geldig", {"a"}) == {}


def test_moved_past_only_the_way_that_signals_more():
    assert moved_past(Direction.HIGHER, 12, 14)
    assert not moved_past(Direction.HIGHER, 12, 12)
    assert not moved_past(Direction.HIGHER, 12, 11)
    assert moved_past(Direction.LOWER, 90.0, 80.5)
    assert not moved_past(Direction.LOWER, 90, None)
    assert not moved_past(Direction.HIGHER, True, 2)
