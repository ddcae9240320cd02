"""Rules: public, declarative rule files with an enforced doelbinding, compiled to polars.

>>> context = load_context(Path("config"))
>>> rules = load_rules(Path("config/rules"), context)
>>> evaluation = evaluate_rules(rules, resolved_frames, date(2026, 11, 1), context)
"""

from vik.rules.engine import Evaluation, RuleOutcome, evaluate_rule, evaluate_rules
from vik.rules.fixtures import FixtureResult, run_fixtures
from vik.rules.loader import (
    Context,
    LoadedRule,
    RuleSet,
    doelbinding_gaps,
    load_context,
    load_rule,
    load_rules,
    run_gate,
)
from vik.rules.model import Rule

__all__ = [
    "Context",
    "Evaluation",
    "FixtureResult",
    "LoadedRule",
    "Rule",
    "RuleOutcome",
    "RuleSet",
    "doelbinding_gaps",
    "evaluate_rule",
    "evaluate_rules",
    "load_context",
    "load_rule",
    "load_rules",
    "run_fixtures",
    "run_gate",
]
