"""The rule expression language: functions, windows and three-valued logic."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from vik.errors import RuleSchemaError
from vik.rules.expressions import Scope, Typed, compile_expression, constant, months_before

PEIL = date(2026, 11, 1)


def evaluate(text: str, frame: pl.DataFrame, kinds: dict[str, str], params=None) -> list:
    names = {n: Typed(pl.col(n), k) for n, k in kinds.items()}
    names.update({n: constant(v) for n, v in (params or {}).items()})
    typed = compile_expression(text, Scope(names, PEIL), "test")
    return frame.select(typed.expr.alias("r"))["r"].to_list()


def test_and_or_follow_three_valued_logic():
    frame = pl.DataFrame({"a": [1, None, 1, None], "b": [None, None, 5, 1]})
    kinds = {"a": "number", "b": "number"}
    assert evaluate("a >= 1 and b >= 1", frame, kinds) == [None, None, True, None]
    assert evaluate("a >= 1 or b >= 1", frame, kinds) == [True, None, True, True]
    assert evaluate("a > 5 and b >= 1", frame, kinds) == [False, None, False, None]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2026-11-01", True), ("2026-08-05", True), ("2026-08-04", False), ("2026-11-02", False)],
)
def test_within_days_is_a_window_up_to_the_peildatum(value, expected):
    frame = pl.DataFrame({"d": [value]})
    assert evaluate("within_days(d, 89)", frame, {"d": "date"}) == [expected]


def test_within_months_and_month_ends():
    assert months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)
    frame = pl.DataFrame({"d": ["2025-11-01", "2025-11-02"]})
    assert evaluate("within_months(d, 12)", frame, {"d": "date"}) == [False, True]


def test_is_current_with_partial_and_open_end_dates():
    frame = pl.DataFrame(
        {"s": ["2020-00-00", "2027-01-01", "2020-01-01"], "e": [None, None, "2026-11-01"]}
    )
    assert evaluate("is_current(s, e)", frame, {"s": "date", "e": "date"}) == [True, False, False]


def test_list_functions():
    frame = pl.DataFrame({"l": [["88101", "4711"], ["1071"], None]})
    kinds = {"l": "list"}
    assert evaluate('contains_any(l, ["88101", "86942"])', frame, kinds) == [True, False, None]
    assert evaluate('starts_with_any(l, ["881"])', frame, kinds) == [True, False, None]
    assert evaluate("is_empty(l)", frame, kinds) == [False, False, True]
    assert evaluate('"1071" in l', frame, kinds) == [False, True, None]
    assert evaluate("length(l) == 1", frame, kinds) == [False, True, None]


def test_in_with_a_param_list():
    frame = pl.DataFrame({"t": ["damocles_sluiting", "apv"]})
    params = {"types": ["damocles_sluiting", "damocles_waarschuwing"]}
    assert evaluate("t in types", frame, {"t": "text"}, params) == [True, False]
    assert evaluate("t not in types", frame, {"t": "text"}, params) == [False, True]


def test_days_between_and_year_ignore_partial_dates():
    frame = pl.DataFrame({"a": ["2026-01-01", "1980-00-00"], "b": ["2026-01-31", "2026-01-31"]})
    kinds = {"a": "date", "b": "date"}
    assert evaluate("days_between(a, b)", frame, kinds) == [30, None]
    assert evaluate("year(a)", frame, kinds) == [2026, 1980]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a +", "geen geldige uitdrukking"),
        ("a[0] == 1", "niet toegestaan"),
        ("open('x')", "onbekende functie 'open'"),
        ("lambda: 1", "niet toegestaan"),
        ("a == None", "is_empty"),
        ("a == 'x'", "vergelijkt een getal met tekst"),
        ("d > 'morgen'", "'morgen' is geen datum"),
        ("a", "geen ja/nee"),
    ],
)
def test_refused_expressions(text, message):
    names = {"a": Typed(pl.col("a"), "number"), "d": Typed(pl.col("d"), "date")}
    with pytest.raises(RuleSchemaError, match=message):
        typed = compile_expression(text, Scope(names, PEIL), "test")
        if typed.kind != "bool":
            raise RuleSchemaError("geen ja/nee")
