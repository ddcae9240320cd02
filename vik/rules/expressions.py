"""The small expression language of rule files, compiled to polars; nothing is ever eval'ed.

Rule text is parsed with Python's own parser (``ast.parse(mode="eval")``) and
only a short list of node types is accepted, each translated into a polars
expression. Anything else (attribute access, subscripts, lambdas, unknown
functions) is refused when the rule is loaded, with the offending text.

    >>> scope = Scope({"inschrijvingen": Typed(pl.col("inschrijvingen"), "number")}, date(2026, 11, 1))
    >>> compile_expression("inschrijvingen >= 12", scope, "condition").kind
    'bool'

Language (documented for compliance officers in docs/rules.md):
``and or not``, ``== != < <= > >=``, ``in [..]``/``not in [..]``, ``+ - * /``,
numbers, "text", [lists], names of fields/measures/params, ``peildatum`` and the
functions in ``FUNCTIONS``. Comparisons with an unknown value are unknown, and
``and``/``or`` follow three-valued logic: that is how a rule can be *onbeslist*.
"""

from __future__ import annotations

import ast
import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, TypeVar

import polars as pl

from vik.errors import RuleSchemaError

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Typed:
    """A compiled expression with its kind: number, text, date, list, bool or constant."""

    expr: pl.Expr | None
    kind: str
    constant: Any = None  # the Python value of a literal or parameter

    @property
    def is_constant(self) -> bool:
        return self.expr is None


@dataclass
class Scope:
    """The names an expression may use, and what to say about any other name."""

    names: dict[str, Typed]
    peildatum: date
    unknown_name: Callable[[str], Exception] = field(
        default=lambda name: RuleSchemaError(f"onbekende naam '{name}'")
    )
    used: set[str] = field(default_factory=set)


def months_before(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def constant(value: Any) -> Typed:
    if isinstance(value, bool):
        return Typed(None, "bool", value)
    if isinstance(value, int | float):
        return Typed(None, "number", value)
    if isinstance(value, str):
        return Typed(None, "date" if ISO_DATE.match(value) else "text", value)
    if isinstance(value, list | tuple):
        return Typed(None, "values", list(value))
    if isinstance(value, date):
        return Typed(None, "date", value.isoformat())
    raise RuleSchemaError(f"waarde {value!r} wordt niet ondersteund")


def as_expr(typed: Typed) -> pl.Expr:
    """The polars expression of a compiled value (a literal for a constant)."""
    if typed.expr is not None:
        return typed.expr
    if typed.kind == "values":
        return pl.lit(pl.Series(typed.constant))
    return pl.lit(typed.constant)


class _Compiler:
    def __init__(self, text: str, scope: Scope, where: str):
        self.text, self.scope, self.where = text, scope, where

    def error(self, message: str) -> RuleSchemaError:
        return RuleSchemaError(f"{self.where}: {message} (in: {self.text})")

    def compile(self) -> Typed:
        try:
            tree = ast.parse(self.text.strip(), mode="eval")
        except SyntaxError as error:
            raise self.error(f"geen geldige uitdrukking ({error.msg})") from None
        return self.node(tree.body)

    def node(self, node: ast.AST) -> Typed:
        method: Callable[[ast.AST], Typed] | None = getattr(self, f"_{type(node).__name__}", None)
        if method is None:
            raise self.error(f"'{ast.unparse(node)}' is in regels niet toegestaan")
        return method(node)

    def _Constant(self, node: ast.Constant) -> Typed:
        if node.value is None:
            raise self.error("gebruik is_empty(x) in plaats van None")
        return constant(node.value)

    def _List(self, node: ast.List | ast.Tuple) -> Typed:
        items = [self.node(element) for element in node.elts]
        if not all(item.is_constant for item in items):
            raise self.error("een lijst bevat alleen vaste waarden")
        return Typed(None, "values", [item.constant for item in items])

    _Tuple = _List

    def _Name(self, node: ast.Name) -> Typed:
        if node.id == "peildatum":
            return Typed(None, "date", self.scope.peildatum.isoformat())
        if node.id in ("true", "True"):
            return constant(True)
        if node.id in ("false", "False"):
            return constant(False)
        typed = self.scope.names.get(node.id)
        if typed is None:
            raise self.scope.unknown_name(node.id)
        self.scope.used.add(node.id)
        return typed

    def _BoolOp(self, node: ast.BoolOp) -> Typed:
        values = [self.boolean(value) for value in node.values]
        result = values[0]
        for value in values[1:]:
            result = result & value if isinstance(node.op, ast.And) else result | value
        return Typed(result, "bool")

    def boolean(self, node: ast.AST) -> pl.Expr:
        typed = self.node(node)
        if typed.kind != "bool":
            raise self.error(f"'{ast.unparse(node)}' is geen ja/nee-uitdrukking")
        return as_expr(typed)

    def _UnaryOp(self, node: ast.UnaryOp) -> Typed:
        if isinstance(node.op, ast.Not):
            return Typed(~self.boolean(node.operand), "bool")
        if isinstance(node.op, ast.USub):
            operand = self.node(node.operand)
            if operand.kind != "number":
                raise self.error("alleen getallen kunnen negatief zijn")
            if operand.is_constant:
                return constant(-operand.constant)
            return Typed(-as_expr(operand), "number")
        raise self.error(f"'{ast.unparse(node)}' is in regels niet toegestaan")

    def _BinOp(self, node: ast.BinOp) -> Typed:
        left, right = self.node(node.left), self.node(node.right)
        if left.kind != "number" or right.kind != "number":
            raise self.error(f"rekenen kan alleen met getallen: '{ast.unparse(node)}'")
        operations: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
            ast.Add: lambda a, b: a + b,
            ast.Sub: lambda a, b: a - b,
            ast.Mult: lambda a, b: a * b,
            ast.Div: lambda a, b: a / b,
        }
        operation = operations.get(type(node.op))
        if operation is None:
            raise self.error(f"rekenteken in '{ast.unparse(node)}' is niet toegestaan")
        if left.is_constant and right.is_constant:
            return constant(operation(left.constant, right.constant))
        return Typed(operation(as_expr(left), as_expr(right)), "number")

    def _Compare(self, node: ast.Compare) -> Typed:
        parts = []
        left = self.node(node.left)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = self.node(comparator)
            parts.append(self.compare(op, left, right, node))
            left = right
        result = parts[0]
        for part in parts[1:]:
            result = result & part
        return Typed(result, "bool")

    def compare(self, op: ast.cmpop, left: Typed, right: Typed, node: ast.AST) -> pl.Expr:
        if isinstance(op, ast.In | ast.NotIn):
            if right.kind == "values":
                if left.kind in ("list", "values"):
                    raise self.error("gebruik contains_any(lijst, [...]) voor een lijst")
                result = as_expr(left).is_in(right.constant)
            elif right.kind == "list" and left.is_constant:
                result = as_expr(right).list.contains(left.constant)
            else:
                raise self.error(f"rechts van 'in' hoort een lijst: '{ast.unparse(node)}'")
            return ~result if isinstance(op, ast.NotIn) else result
        kinds = {left.kind, right.kind}
        comparable = len(kinds) == 1 or (
            kinds == {"date", "text"} and (left.is_constant or right.is_constant)
        )
        if not comparable or kinds & {"list", "values"}:
            raise self.error(
                f"'{ast.unparse(node)}' vergelijkt {_KIND_NL[left.kind]} met {_KIND_NL[right.kind]}"
            )
        if kinds == {"date", "text"}:
            literal = left if left.is_constant else right
            if not ISO_DATE.match(str(literal.constant)):
                raise self.error(f"'{literal.constant}' is geen datum (jjjj-mm-dd)")
        a, b = as_expr(left), as_expr(right)
        operations = {
            ast.Eq: a == b,
            ast.NotEq: a != b,
            ast.Lt: a < b,
            ast.LtE: a <= b,
            ast.Gt: a > b,
            ast.GtE: a >= b,
        }
        return operations[type(op)]

    def _Call(self, node: ast.Call) -> Typed:
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            known = ", ".join(sorted(FUNCTIONS))
            raise self.error(f"onbekende functie '{ast.unparse(node.func)}'; beschikbaar: {known}")
        if node.keywords:
            raise self.error("functies krijgen geen benoemde argumenten")
        kinds, implementation = FUNCTIONS[node.func.id]
        args = [self.node(arg) for arg in node.args]
        if len(args) != len(kinds):
            raise self.error(f"{node.func.id} verwacht {len(kinds)} argument(en)")
        for arg, expected, source in zip(args, kinds, node.args, strict=True):
            if arg.kind not in expected.split("|"):
                raise self.error(
                    f"{node.func.id}: '{ast.unparse(source)}' is {_KIND_NL[arg.kind]}, "
                    f"verwacht {' of '.join(_KIND_NL[k] for k in expected.split('|'))}"
                )
        return implementation(self.scope, *args)


_KIND_NL = {
    "number": "een getal",
    "text": "tekst",
    "date": "een datum",
    "list": "een lijst",
    "values": "een lijst vaste waarden",
    "bool": "ja/nee",
}


# name -> (argument kinds, implementation); documented in docs/rules.md (a test checks).
FUNCTIONS: dict[str, tuple[tuple[str, ...], Callable[..., Typed]]] = {}

F = TypeVar("F", bound=Callable[..., Typed])


def function(name: str, *kinds: str) -> Callable[[F], F]:
    """Register an expression function under its name in rule text.

    ``kinds`` are the kinds of its arguments ("number|text" accepts either); the
    implementation gets the scope (for the peildatum) and the compiled arguments,
    and returns a ``Typed``:

    >>> @function("afgerond", "number")
    ... def afgerond(scope: Scope, value: Typed) -> Typed:
    ...     return Typed(as_expr(value).round(0), "number")
    """

    def register(implementation: F) -> F:
        FUNCTIONS[name] = (kinds, implementation)
        return implementation

    return register


@function("is_empty", "number|text|date|list")
def _is_empty(scope: Scope, x: Typed) -> Typed:
    e = as_expr(x)
    if x.kind == "list":
        return Typed(e.is_null() | (e.list.len() == 0), "bool")
    if x.kind == "text":
        return Typed(e.is_null() | (e == ""), "bool")
    return Typed(e.is_null(), "bool")


@function("contains", "list", "text|number")
def _contains(scope: Scope, values: Typed, item: Typed) -> Typed:
    return Typed(as_expr(values).list.contains(as_expr(item)), "bool")


@function("contains_any", "list", "values")
def _contains_any(scope: Scope, values: Typed, options: Typed) -> Typed:
    return Typed(as_expr(values).list.eval(pl.element().is_in(options.constant)).list.any(), "bool")


@function("starts_with_any", "list|text", "values")
def _starts_with_any(scope: Scope, values: Typed, prefixes: Typed) -> Typed:
    def test(element: pl.Expr) -> pl.Expr:
        result = pl.lit(False)
        for prefix in prefixes.constant:
            result = result | element.str.starts_with(str(prefix))
        return result

    e = as_expr(values)
    if values.kind == "list":
        return Typed(e.list.eval(test(pl.element())).list.any(), "bool")
    return Typed(test(e), "bool")


def _window(start: date, end: date, value: Typed) -> pl.Expr:
    e = as_expr(value)
    return (e > start.isoformat()) & (e <= end.isoformat())


@function("within_days", "date", "number")
def _within_days(scope: Scope, value: Typed, days: Typed) -> Typed:
    start = scope.peildatum - timedelta(days=int(_constant_number(days, "within_days")))
    return Typed(_window(start, scope.peildatum, value), "bool")


@function("within_months", "date", "number")
def _within_months(scope: Scope, value: Typed, months: Typed) -> Typed:
    start = months_before(scope.peildatum, int(_constant_number(months, "within_months")))
    return Typed(_window(start, scope.peildatum, value), "bool")


def _constant_number(value: Typed, function: str) -> float:
    if not value.is_constant:
        raise RuleSchemaError(f"{function}: de termijn is een vast getal of een param")
    number: float = value.constant
    return number


@function("is_current", "date", "date")
def _is_current(scope: Scope, start: Typed, end: Typed) -> Typed:
    peil = scope.peildatum.isoformat()
    s, e = as_expr(start), as_expr(end)
    return Typed((s <= peil) & (e.is_null() | (e > peil)), "bool")


@function("length", "list|values")
def _length(scope: Scope, values: Typed) -> Typed:
    e = as_expr(values)
    if values.kind == "values":
        return constant(len(values.constant))
    return Typed(e.list.len().cast(pl.Int64), "number")


def _as_date(value: Typed) -> pl.Expr:
    return as_expr(value).str.to_date("%Y-%m-%d", strict=False)


@function("days_between", "date", "date")
def _days_between(scope: Scope, first: Typed, second: Typed) -> Typed:
    """Days from the first date to the second: positive when the second is later."""
    return Typed((_as_date(second) - _as_date(first)).dt.total_days(), "number")


@function("months_between", "date", "date")
def _months_between(scope: Scope, first: Typed, second: Typed) -> Typed:
    """Whole months from the first date to the second (positive when the second is later):
    2026-01-15 to 2026-02-14 is 0, to 2026-02-15 is 1; 2026-01-31 to 2026-02-28 is 1 (the
    last day of a shorter month completes the month)."""
    a, b = _as_date(first), _as_date(second)
    months = (b.dt.year() - a.dt.year()) * 12 + (b.dt.month() - a.dt.month())
    # A month counts once its day is reached (a later day-of-month in a shorter month too).
    short = b.dt.day() < a.dt.day()
    end_of_month = b.dt.month_end().dt.day() == b.dt.day()
    whole = (
        pl.when(months > 0)
        .then(months - (short & ~end_of_month).cast(pl.Int64))
        .when(months < 0)
        .then(months + (b.dt.day() > a.dt.day()).cast(pl.Int64))
        .otherwise(0)
    )
    return Typed(whole.cast(pl.Int64), "number")


@function("percentile_in", "number", "text|number")
def _percentile_in(scope: Scope, value: Typed, group: Typed) -> Typed:
    """The share (0-100) of the entities in the same group (for example the same wijk) whose
    value is at or below this entity's: percentile_in(woz, wijk) <= 20 is the lowest fifth of
    its wijk. Entities without a value or group count in no group."""
    v, g = as_expr(value), as_expr(group)
    known = v.is_not_null() & g.is_not_null()
    rank = v.rank("max").over(g)
    size = v.count().over(g)
    return Typed(pl.when(known).then(rank / size * 100), "number")


@function("wijk", "text")
def _wijk(scope: Scope, postcode: Typed) -> Typed:
    """The wijk of a postcode: its four digits (as the register's spread per wijk)."""
    return Typed(as_expr(postcode).str.slice(0, 4), "text")


@function("year", "date")
def _year(scope: Scope, value: Typed) -> Typed:
    year = as_expr(value).str.slice(0, 4).cast(pl.Int64, strict=False)
    return Typed(pl.when(year > 0).then(year), "number")


def compile_expression(text: str, scope: Scope, where: str) -> Typed:
    """Compile rule text to a typed polars expression; RuleSchemaError says what is wrong."""
    return _Compiler(text, scope, where).compile()


def names_in(text: str) -> set[str]:
    """The plain names an expression mentions (fields, measures, params)."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        return set()
    return {
        node.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and node.id not in FUNCTIONS and node.id != "peildatum"
    }
