"""Running loaded rules: the loader's gate says whether a rule may run, the engine evaluates it.

    >>> evaluation = evaluate_rules(rules, resolved_frames, date(2026, 11, 1), context)  # doctest: +SKIP
    >>> evaluation.outcome("overbewoning").counts()["hits"]
    100

Each rule is compiled once per evaluation (``compile_rule``) and the compiled
rule is what the kind's evaluator consumes.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import polars as pl

from vik.rules.compiler import compile_rule
from vik.rules.context import Context
from vik.rules.engine import Evaluation, RuleOutcome, evaluate_compiled
from vik.rules.loader import LoadedRule, RuleSet, run_gate

__all__ = ["evaluate_rule", "evaluate_rules", "night_gate"]


def night_gate(loaded: LoadedRule, context: Context, peildatum: date) -> list[str]:
    """Why this rule may not run tonight: the loader's gate (status, approval of this exact
    content, doelbinding, herbeoordeling) and the rule's own fixtures, which must pass."""
    from vik.rules.fixtures import fixture_reasons  # fixtures evaluate through this module

    return run_gate(loaded, context, peildatum) + fixture_reasons(loaded, context)


def evaluate_rule(
    loaded: LoadedRule,
    frames: Mapping[str, pl.DataFrame],
    peildatum: date,
    context: Context,
    *,
    gate: bool = True,
) -> RuleOutcome:
    """Evaluate one rule; with gate=False (fixtures, dry-run) the night gate is not asked."""
    rule = loaded.rule
    if gate:
        reasons = night_gate(loaded, context, peildatum)
        if reasons:
            return RuleOutcome(
                rule.id, rule.version, loaded.content_hash, ran=False, reasons=reasons
            )
    compiled = compile_rule(rule, context, peildatum)
    return evaluate_compiled(compiled, frames, content_hash=loaded.content_hash)


def evaluate_rules(
    rules: RuleSet,
    frames: Mapping[str, pl.DataFrame],
    peildatum: date,
    context: Context,
) -> Evaluation:
    """Every rule of the set; invalid files and gated rules are reported, not run."""
    outcomes = [
        RuleOutcome(path.stem, None, None, ran=False, reasons=[f"ongeldig regelbestand: {message}"])
        for path, message in rules.invalid.items()
    ]
    outcomes.extend(evaluate_rule(loaded, frames, peildatum, context) for loaded in rules.valid)
    return Evaluation(peildatum, sorted(outcomes, key=lambda o: o.rule_id))
