"""A rule's condition in plain Dutch, and what would make its signal disappear.

The condition is parsed with ``ast`` (as the compiler does) and each part said
in words: a count against a threshold as "12 of meer inschrijvingen", another
value as "oppervlakte ten hoogste 100", a function as what it tests. The same
walk, negated by De Morgan, gives the counterfactual line every flag carries
("geen signaal bij 11 of minder inschrijvingen, of bij oppervlakte meer dan 100").
The Algoritmeregister document (vik/web/algoritmeregister.py) publishes the
first; the flag page (vik/web/templates/_signaal.html) shows the second.

    >>> plain = Plain("inschrijvingen >= min and oppervlakte <= max_m2",
    ...               {"min": 12, "max_m2": 100}, {"inschrijvingen": "count"})
    >>> plain.condition()
    '12 of meer inschrijvingen en oppervlakte ten hoogste 100'
    >>> plain.counterfactual()
    'geen signaal bij 11 of minder inschrijvingen, of bij oppervlakte meer dan 100'

A condition that cannot be turned around in words (arithmetic between values,
nested or/and) says so instead of guessing.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import Any, ClassVar

__all__ = [
    "NOT_INVERTIBLE",
    "Plain",
    "counterfactual_of_rule_data",
    "dutch_number",
    "plain_of_rule_data",
]

NOT_INVERTIBLE = (
    "Wat het signaal laat verdwijnen is niet in één zin te zeggen; zie de voorwaarde van de "
    "regel in het regelregister."
)
_OPERATORS = {ast.Add: "plus", ast.Sub: "min", ast.Mult: "maal", ast.Div: "gedeeld door"}
# Aggregations whose value is a whole count: ">= 12" turns around as "11 of minder".
_COUNTS = frozenset({"count", "count_distinct"})


class _Unreadable(Exception):
    """A part of the condition that has no plain wording."""


def dutch_number(value: float | int) -> str:
    """200000 → 200.000; 82.5 → 82,5."""
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if float(value).is_integer():
        return f"{int(value):,}".replace(",", ".")
    return f"{value:,.2f}".rstrip("0").replace(",", " ").replace(".", ",").replace(" ", ".")


def _words(name: str) -> str:
    return name.replace("_", " ")


def _at_most(number: float, words: str) -> str:
    return f"geen {words}" if number <= 0 else f"{dutch_number(number)} of minder {words}"


class Plain:
    """The plain wording of one rule's condition."""

    def __init__(
        self, condition: str | None, params: Mapping[str, Any], aggregations: Mapping[str, str]
    ):
        self.text = " ".join((condition or "").split())
        self.params = dict(params)
        self.aggregations = dict(aggregations)

    # --- values ---------------------------------------------------------------------------

    def _value(self, node: ast.AST) -> str:
        if isinstance(node, ast.Constant):
            if isinstance(node.value, int | float) and not isinstance(node.value, bool):
                return dutch_number(node.value)
            return f"'{node.value!s}'"
        if isinstance(node, ast.Name):
            if node.id == "peildatum":
                return "de peildatum"
            if node.id in self.params:
                value = self.params[node.id]
                if isinstance(value, list):
                    return ", ".join(str(v) for v in value)
                if isinstance(value, int | float) and not isinstance(value, bool):
                    return dutch_number(value)
                return f"'{value}'"
            return _words(node.id)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return "-" + self._value(node.operand)
        if isinstance(node, ast.List | ast.Tuple):
            return ", ".join(self._value(e) for e in node.elts)
        if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
            return f"{self._value(node.left)} {_OPERATORS[type(node.op)]} {self._value(node.right)}"
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "length"
            and len(node.args) == 1
        ):
            return f"het aantal waarden van {self._value(node.args[0])}"
        raise _Unreadable

    def _number(self, node: ast.AST) -> float | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return float(node.value)
        if isinstance(node, ast.Name) and isinstance(self.params.get(node.id), int | float):
            return float(self.params[node.id])
        return None

    def _is_measure(self, node: ast.AST) -> bool:
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "length":
            return True
        return isinstance(node, ast.Name) and node.id not in self.params and node.id != "peildatum"

    def _name(self, node: ast.AST) -> tuple[str, str]:
        """The measure's name (for its aggregation) and its words."""
        if isinstance(node, ast.Name):
            return node.id, _words(node.id)
        return "", self._value(node)

    # --- comparisons ----------------------------------------------------------------------

    _FLIP: ClassVar[dict[type, type]] = {
        ast.Lt: ast.Gt,
        ast.Gt: ast.Lt,
        ast.LtE: ast.GtE,
        ast.GtE: ast.LtE,
    }
    _NEGATE: ClassVar[dict[type, type]] = {
        ast.Lt: ast.GtE,
        ast.GtE: ast.Lt,
        ast.Gt: ast.LtE,
        ast.LtE: ast.Gt,
        ast.Eq: ast.NotEq,
        ast.NotEq: ast.Eq,
        ast.In: ast.NotIn,
        ast.NotIn: ast.In,
    }

    def _comparison(self, left: ast.AST, op: ast.cmpop, right: ast.AST) -> str:
        if not self._is_measure(left) and self._is_measure(right):
            left, right = right, left
            op = self._FLIP.get(type(op), type(op))()
        if not self._is_measure(left):
            raise _Unreadable
        name, words = self._name(left)
        value = self._value(right)
        count = self.aggregations.get(name) in _COUNTS
        number = self._number(right)
        if isinstance(op, ast.GtE):
            return f"{value} of meer {words}" if count else f"{words} minstens {value}"
        if isinstance(op, ast.Gt):
            return f"meer dan {value} {words}" if count else f"{words} meer dan {value}"
        if isinstance(op, ast.LtE):
            return f"ten hoogste {value} {words}" if count else f"{words} ten hoogste {value}"
        if isinstance(op, ast.Lt):
            if count and number is not None and number.is_integer():
                return _at_most(number - 1, words)
            return f"minder dan {value} {words}" if count else f"{words} minder dan {value}"
        if isinstance(op, ast.Eq):
            return f"{words} is {value}"
        if isinstance(op, ast.NotEq):
            return f"{words} is niet {value}"
        if isinstance(op, ast.In):
            return f"{words} is een van: {value}"
        if isinstance(op, ast.NotIn):
            return f"{words} is geen van: {value}"
        raise _Unreadable

    def _count_inverse(self, left: ast.AST, op: ast.cmpop, right: ast.AST) -> str:
        """The negated comparison; a count against a whole number reads as "11 of minder"."""
        if not self._is_measure(left) and self._is_measure(right):
            left, right = right, left
            op = self._FLIP.get(type(op), type(op))()
        negated = self._NEGATE[type(op)]()
        name, words = self._name(left)
        number = self._number(right)
        if (
            isinstance(negated, ast.Lt)
            and self.aggregations.get(name) in _COUNTS
            and number is not None
            and number.is_integer()
        ):
            return _at_most(number - 1, words)
        return self._comparison(left, negated, right)

    # --- functions ------------------------------------------------------------------------

    def _call(self, node: ast.Call, negate: bool) -> str:
        if not isinstance(node.func, ast.Name):
            raise _Unreadable
        name, args = node.func.id, node.args
        no = " niet" if negate else ""
        if name == "contains" and len(args) == 2:
            return f"{self._value(args[0])} bevat {self._value(args[1])}{no}"
        if name == "contains_any" and len(args) == 2:
            return f"{self._value(args[0])} bevat{no} een van: {self._value(args[1])}"
        if name == "is_empty" and len(args) == 1:
            return f"{self._value(args[0])} is {'bekend' if negate else 'onbekend'}"
        if name in ("within_days", "within_months") and len(args) == 2:
            unit = "dagen" if name == "within_days" else "maanden"
            return f"{self._value(args[0])}{no} in de laatste {self._value(args[1])} {unit}"
        if name == "starts_with_any" and len(args) == 2:
            return f"{self._value(args[0])} begint{no} met een van: {self._value(args[1])}"
        raise _Unreadable

    # --- the walk -------------------------------------------------------------------------

    def _say(self, node: ast.AST, negate: bool, depth: int = 0) -> list[str]:
        """Parts joined by "en" (or, negated, alternatives joined by "of")."""
        if isinstance(node, ast.BoolOp):
            if depth > 0:
                raise _Unreadable  # nested and/or: no plain sentence
            joined_by_and = isinstance(node.op, ast.And) != negate
            parts = [p for v in node.values for p in self._say(v, negate, depth + 1)]
            if not joined_by_and and not negate:
                return [" of ".join(parts)]
            if joined_by_and and negate:
                return [" en ".join(parts)]
            return parts
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return self._say(node.operand, not negate, depth)
        if isinstance(node, ast.Compare):
            if len(node.ops) != 1:
                raise _Unreadable
            left, op, right = node.left, node.ops[0], node.comparators[0]
            if negate:
                return [self._count_inverse(left, op, right)]
            return [self._comparison(left, op, right)]
        if isinstance(node, ast.Call):
            return [self._call(node, negate)]
        raise _Unreadable

    def _tree(self) -> ast.AST | None:
        if not self.text:
            return None
        try:
            return ast.parse(self.text, mode="eval").body
        except SyntaxError:
            return None

    def condition(self) -> str | None:
        """The condition in words ("12 of meer inschrijvingen en ..."); None if it has none
        or cannot be said plainly."""
        tree = self._tree()
        if tree is None:
            return None
        try:
            return " en ".join(self._say(tree, negate=False))
        except _Unreadable:
            return None

    def counterfactual(self) -> str:
        """What would make the signal disappear, or NOT_INVERTIBLE."""
        tree = self._tree()
        if tree is None:
            return NOT_INVERTIBLE
        try:
            parts = self._say(tree, negate=True)
        except _Unreadable:
            return NOT_INVERTIBLE
        return "geen signaal bij " + ", of bij ".join(parts)


BETROKKENHEID = (
    "Dit signaal volgt uit lopende zaken van afdelingen, niet uit een drempel: het verdwijnt "
    "zodra minder dan twee afdelingen een lopende zaak op dit adres, deze persoon of dit "
    "bedrijf hebben."
)


def counterfactual_of_rule_data(data: Mapping[str, Any]) -> str:
    """The counterfactual line of a flag of this rule (from a stored rule version)."""
    if data.get("kind") == "betrokkenheid":
        return BETROKKENHEID
    return plain_of_rule_data(data).counterfactual()


def plain_of_rule_data(data: Mapping[str, Any]) -> Plain:
    """A Plain for a rule file as parsed YAML (a stored rule version's text)."""
    aggregations = {}
    for name, measure in (data.get("measures") or {}).items():
        if isinstance(measure, dict):
            aggregations[name] = next(
                (k for k in measure if k not in ("where", "unknown")), "value"
            )
    return Plain(data.get("condition"), data.get("params") or {}, aggregations)
