"""Which way a measure makes a signal stronger, read from the rule's condition.

    >>> measure_directions("inschrijvingen >= min_inschrijvingen and oppervlakte <= max",
    ...                    {"inschrijvingen", "oppervlakte"})
    {'inschrijvingen': 'hoger', 'oppervlakte': 'lager'}

A measure compared with ``>``/``>=`` (with the measure on the left) signals more as it
rises, one compared with ``<``/``<=`` as it falls; ``not`` turns that round. A measure
that the condition also uses another way (``==``, arithmetic, a function), or both
ways, has no direction and is left out: better no reopening on its value than a wrong one. The night uses this to reopen a flag decided "geen actie"
when a measure moves past the value that was decided on (vik.store.reopen).
"""

from __future__ import annotations

import ast
from collections.abc import Collection
from enum import StrEnum


class Direction(StrEnum):
    HIGHER = "hoger"  # a higher value signals more
    LOWER = "lager"


_FLIP = {Direction.HIGHER: Direction.LOWER, Direction.LOWER: Direction.HIGHER}


def _comparison_direction(op: ast.cmpop, measure_on_left: bool) -> Direction | None:
    if isinstance(op, ast.Gt | ast.GtE):
        found = Direction.HIGHER
    elif isinstance(op, ast.Lt | ast.LtE):
        found = Direction.LOWER
    else:
        return None
    return found if measure_on_left else _FLIP[found]


def measure_directions(condition: str, measures: Collection[str]) -> dict[str, Direction]:
    """Measure name → direction, for the measures the condition uses one way only."""
    try:
        tree = ast.parse(condition.strip(), mode="eval")
    except SyntaxError:
        return {}
    seen: dict[str, set[Direction | None]] = {}

    def visit(node: ast.AST, negated: bool) -> None:
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            visit(node.operand, not negated)
            return
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            for index, op in enumerate(node.ops):
                left, right = operands[index], operands[index + 1]
                for side, measure_on_left in ((left, True), (right, False)):
                    if isinstance(side, ast.Name) and side.id in measures:
                        found = _comparison_direction(op, measure_on_left)
                        if found is not None and negated:
                            found = _FLIP[found]
                        seen.setdefault(side.id, set()).add(found)
                    else:  # inside arithmetic or a call: no direction claimed
                        visit(side, negated)
            return
        if isinstance(node, ast.Name) and node.id in measures:
            seen.setdefault(node.id, set()).add(None)
            return
        for child in ast.iter_child_nodes(node):
            visit(child, negated)

    visit(tree.body, False)
    return {
        name: next(d for d in directions if d is not None)
        for name, directions in seen.items()
        if len(directions) == 1 and None not in directions
    }


def moved_past(direction: Direction, decided: object, tonight: object) -> bool:
    """Has a numeric measure moved past the decided value, the way that signals more?"""
    if isinstance(decided, bool) or isinstance(tonight, bool):
        return False
    if not isinstance(decided, int | float) or not isinstance(tonight, int | float):
        return False
    return tonight > decided if direction is Direction.HIGHER else tonight < decided
