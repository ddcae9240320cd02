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


# Formats after a colon in a placeholder: {woz:euro}, {oppervlakte:getal}, and
# {aanvragen:aanvraag/aanvragen} for singular/plural ("1 aanvraag", "3 aanvragen").
FORMATS = {
    "euro": "bedrag in euro's met punten: € 180.000",
    "getal": "getal met punten per duizendtal: 180.000 of 1.250,5",
    "enkelvoud/meervoud": "aantal met het woord: 1 aanvraag, 3 aanvragen",
}


def check_format(spec: str, kind: str, where: str) -> None:
    """Raise RuleSchemaError when a placeholder's format is unknown or does not fit its kind."""
    if not spec:
        return
    if spec in ("euro", "getal") or "/" in spec:
        if kind != "number":
            raise RuleSchemaError(f"{where}: het formaat :{spec} is voor getallen")
        if "/" in spec and not all(part.strip() for part in spec.split("/", 1)):
            raise RuleSchemaError(f"{where}: schrijf :enkelvoud/meervoud, bv. :aanvraag/aanvragen")
        return
    raise RuleSchemaError(
        f"{where}: onbekend formaat ':{spec}'; formaten: "
        + "; ".join(f"{name} ({what})" for name, what in FORMATS.items())
    )


def _thousands(whole: pl.Expr) -> pl.Expr:
    """A whole number with a dot per thousand: 1234567 -> 1.234.567 (up to 10^15)."""
    a = whole.abs()
    groups = [(a // 10**exp) % 1000 for exp in (12, 9, 6, 3, 0)]
    text = pl.lit("")
    started = pl.lit(False)
    for index, group in enumerate(groups):
        last = index == len(groups) - 1
        lead = (a >= 10 ** (3 * (len(groups) - 1 - index))) if not last else pl.lit(True)
        piece = (
            pl.when(started)
            .then(pl.lit(".") + group.cast(pl.String).str.zfill(3))
            .when(lead)
            .then(group.cast(pl.String))
            .otherwise(pl.lit(""))
        )
        text = text + piece
        started = started | lead
    return pl.when(whole < 0).then(pl.lit("-") + text).otherwise(text)


def _formatted(expr: pl.Expr, spec: str) -> pl.Expr:
    as_float = expr.cast(pl.Float64)
    whole = as_float.round(0).cast(pl.Int64)
    if spec == "euro":
        return (pl.lit("€ ") + _thousands(whole)).fill_null("onbekend")
    decimal = ((as_float.abs() * 10).round(0).cast(pl.Int64) % 10).cast(pl.String)
    number = (
        pl.when(as_float == as_float.round(0))
        .then(_thousands(whole))
        .otherwise(_thousands(as_float.cast(pl.Int64)) + pl.lit(",") + decimal)
    )
    if spec == "getal":
        return number.fill_null("onbekend")
    singular, plural = (part.strip() for part in spec.split("/", 1))
    return (
        pl.when(as_float == 1)
        .then(pl.lit(f"1 {singular}"))
        .otherwise(number + pl.lit(f" {plural}"))
        .fill_null("onbekend")
    )


def _format(expr: pl.Expr, kind: str, spec: str = "") -> pl.Expr:
    """A value as a Dutch reader expects it: 82 or 82,5; 01-11-2026; a, b, c; onbekend;
    with a format (FORMATS): € 180.000, 1.250, 1 aanvraag."""
    if spec:
        return _formatted(expr, spec)
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
    for literal, name, spec, _ in string.Formatter().parse(template):
        if literal:
            parts.append(pl.lit(literal))
        if name is not None:
            expr, kind = values[name]
            parts.append(_format(expr, kind, spec or ""))
    return pl.concat_str(parts) if parts else pl.lit("")


@dataclass(frozen=True)
class Explanation:
    """A rule's explanation, checked, with its params and peildatum already as values."""

    template: str
    constants: dict[str, Value]  # params and peildatum

    def render(self, values: Mapping[str, Value]) -> pl.Expr:
        """The sentence per row, from the kind's values (params win over a same-named value)."""
        return render(self.template, {**values, **self.constants})


def compile_explanation(
    rule: Rule, filled: tuple[str, ...], peildatum: date, kinds: Mapping[str, str] | None = None
) -> Explanation:
    """Check that the explanation names only params, peildatum and what the kind fills, each
    with a format that fits it."""
    allowed = set(rule.params) | {"peildatum"} | set(filled)
    kinds = {**(kinds or {}), **{n: constant(v).kind for n, v in rule.params.items()}}
    for name in placeholders(rule.explanation):
        if name not in allowed:
            raise RuleSchemaError(
                f"{rule.id}: explanation noemt {{{name}}}, maar dat is geen measure, derived of "
                f"param; beschikbaar: {', '.join(sorted(allowed))}"
            )
    for _, field, spec, _ in string.Formatter().parse(rule.explanation):
        if field is not None and spec:
            check_format(
                spec, kinds.get(field, "number"), f"{rule.id}: explanation {{{field}:{spec}}}"
            )
    constants: dict[str, Value] = {}
    for name, value in rule.params.items():
        typed = constant(value)
        literal = pl.lit(pl.Series([value])).first() if typed.kind == "values" else pl.lit(value)
        constants[name] = (literal, typed.kind)
    constants["peildatum"] = (pl.lit(peildatum.isoformat()), "date")
    return Explanation(rule.explanation, constants)
