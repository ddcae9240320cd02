"""The explanation of a flag: the rule's sentence with its placeholders filled, per entity.

    >>> explanation = compile_explanation(rule, ("inschrijvingen",), date(2026, 11, 1))  # doctest: +SKIP
    >>> frame.select(explanation.render({"inschrijvingen": (pl.col("inschrijvingen"), "number")}))

A placeholder is a param, ``peildatum``, or a name the rule's kind fills (a
signaal rule its measures, a betrokkenheid rule the departments involved). Each
value is written as a Dutch reader expects it: 82 or 82,5; 01-11-2026; a, b, c;
ja/nee; onbekend. All of it is one polars expression: no row is formatted in Python.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import polars as pl

from vik.errors import RuleSchemaError
from vik.rules.expressions import constant

if TYPE_CHECKING:
    from vik.rules.model import Rule

__all__ = ["Explanation", "compile_explanation", "placeholders", "render"]

# A value to write into an explanation: the expression and its kind (number, date, ...).
Value = tuple[pl.Expr, str]


def placeholders(template: str) -> list[str]:
    """The {names} in an explanation, in order."""
    try:
        return [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError as error:
        raise RuleSchemaError(f"explanation: ongeldige {{...}} in de tekst ({error})") from None


def _format(expr: pl.Expr, kind: str) -> pl.Expr:
    """A value as a Dutch reader expects it: 82 or 82,5; 01-11-2026; a, b, c; onbekend."""
    if kind == "number":
        as_float = expr.cast(pl.Float64)
        text = (
            pl.when(as_float == as_float.round(0))
            .then(as_float.cast(pl.Int64).cast(pl.String))
            .otherwise(as_float.round(1).cast(pl.String).str.replace(".", ",", literal=True))
        )
    elif kind == "date":
        text = pl.concat_str(
            [expr.str.slice(8, 2), expr.str.slice(5, 2), expr.str.slice(0, 4)], separator="-"
        )
    elif kind in ("list", "values"):
        text = expr.cast(pl.List(pl.String)).list.sort().list.join(", ")
    elif kind == "bool":
        text = pl.when(expr).then(pl.lit("ja")).otherwise(pl.lit("nee"))
    else:
        text = expr.cast(pl.String)
    return text.fill_null("onbekend")


def render(template: str, values: Mapping[str, Value]) -> pl.Expr:
    """The template with every {name} replaced by its formatted value."""
    parts: list[pl.Expr] = []
    for literal, name, _, _ in string.Formatter().parse(template):
        if literal:
            parts.append(pl.lit(literal))
        if name is not None:
            expr, kind = values[name]
            parts.append(_format(expr, kind))
    return pl.concat_str(parts) if parts else pl.lit("")


@dataclass(frozen=True)
class Explanation:
    """A rule's explanation, checked, with its params and peildatum already as values."""

    template: str
    constants: dict[str, Value]  # params and peildatum

    def render(self, values: Mapping[str, Value]) -> pl.Expr:
        """The sentence per row, from the kind's values (params win over a same-named value)."""
        return render(self.template, {**values, **self.constants})


def compile_explanation(rule: Rule, filled: tuple[str, ...], peildatum: date) -> Explanation:
    """Check that the explanation names only params, peildatum and what the kind fills."""
    allowed = set(rule.params) | {"peildatum"} | set(filled)
    for name in placeholders(rule.explanation):
        if name not in allowed:
            raise RuleSchemaError(
                f"{rule.id}: explanation noemt {{{name}}}, maar dat is geen measure of param; "
                f"beschikbaar: {', '.join(sorted(allowed))}"
            )
    constants: dict[str, Value] = {}
    for name, value in rule.params.items():
        typed = constant(value)
        literal = pl.lit(pl.Series([value])).first() if typed.kind == "values" else pl.lit(value)
        constants[name] = (literal, typed.kind)
    constants["peildatum"] = (pl.lit(peildatum.isoformat()), "date")
    return Explanation(rule.explanation, constants)
