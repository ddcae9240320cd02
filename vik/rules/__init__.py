"""Rules: public, declarative rule files with an enforced doelbinding, compiled to polars.

>>> context = load_context(Path("config"))
>>> rules = load_rules(Path("config/rules"), context)
>>> evaluation = evaluate_rules(rules, resolved_frames, date(2026, 11, 1), context)

The rule file is the declaration (``model``); ``compile_rule`` turns it into a
``CompiledRule`` once per evaluation (``compiler``); the rule's kind evaluates
that (``kinds``: ``signaal``, ``betrokkenheid``) inside the ``engine``. The
``loader`` reads files and holds the policy: the profiling ban, doelbinding
gaps and the run gate, which the ``runner`` applies before the engine runs.
Rule kinds, aggregations and expression functions are registries
(``RULE_KINDS``, ``AGGREGATIONS``, ``FUNCTIONS``); docs/rules.md says how to
add one.
"""

from vik.rules.aggregations import AGGREGATIONS, Aggregation, Reads, aggregation
from vik.rules.compiler import CompiledRule, compile_rule
from vik.rules.context import Context
from vik.rules.engine import Evaluation, RuleOutcome, evaluate_compiled
from vik.rules.expressions import FUNCTIONS, function
from vik.rules.fixtures import FixtureResult, run_fixtures
from vik.rules.kinds import RULE_KINDS, RuleKind, Verdicts, rule_kind
from vik.rules.loader import (
    LoadedRule,
    RuleSet,
    doelbinding_gaps,
    load_context,
    load_rule,
    load_rules,
    rule_warnings,
    run_gate,
)
from vik.rules.model import Rule
from vik.rules.runner import evaluate_rule, evaluate_rules, night_gate

__all__ = [
    "AGGREGATIONS",
    "FUNCTIONS",
    "RULE_KINDS",
    "Aggregation",
    "CompiledRule",
    "Context",
    "Evaluation",
    "FixtureResult",
    "LoadedRule",
    "Reads",
    "Rule",
    "RuleKind",
    "RuleOutcome",
    "RuleSet",
    "Verdicts",
    "aggregation",
    "compile_rule",
    "doelbinding_gaps",
    "evaluate_compiled",
    "evaluate_rule",
    "evaluate_rules",
    "function",
    "load_context",
    "load_rule",
    "load_rules",
    "night_gate",
    "rule_kind",
    "rule_warnings",
    "run_fixtures",
    "run_gate",
]
