"""Feedback per rule: what its signals led to, and how often it was right.

    >>> feedback = rule_feedback(session)                              # doctest: +SKIP
    >>> counts = feedback["overbewoning"].total
    >>> counts.bevestigd, counts.niet_bevestigd, counts.precision, counts.interval
    (1, 0, 1.0, (0.2065, 1.0))

Per rule, per rule version, per wijk and per quarter: flags raised, decided (by at
least one department), referred (passed on by at least one), and the outcomes. A
flag's outcome combines those of every department and action (vik.store.outcomes).
Precision = bevestigd / (bevestigd + niet bevestigd): "niet vast te stellen" does not
count either way. It comes with its Wilson score interval at 95% and the number it
rests on, because 1 of 1 is not 100 of 100. Outcomes outlive the flags (they keep
rule, version, wijk and date): flags raised and decided count the flags still kept.

The triage figure the register showed before (doorgezet against geen actie) says how
often an analist passed a signal on, not whether it was right; ``Triage`` keeps it,
under that name.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, col, select

from vik.followup import Decision
from vik.store.models import Flag, FlagDecision, Outcome
from vik.store.outcomes import deciding

# The normal quantile for a two-sided 95% interval.
Z_95 = 1.959963984540054


def wilson(successes: int, total: int, z: float = Z_95) -> tuple[float, float] | None:
    """The Wilson score interval of a proportion (None without observations)."""
    if total <= 0:
        return None
    p = successes / total
    denominator = 1 + z * z / total
    centre = p + z * z / (2 * total)
    margin = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total))
    return max(0.0, (centre - margin) / denominator), min(1.0, (centre + margin) / denominator)


def quarter(day: date) -> str:
    return f"{day.year}-K{(day.month - 1) // 3 + 1}"


@dataclass
class Counts:
    raised: int = 0
    decided: int = 0
    referred: int = 0
    bevestigd: int = 0
    niet_bevestigd: int = 0
    niet_vast_te_stellen: int = 0

    @property
    def outcomes(self) -> int:
        return self.bevestigd + self.niet_bevestigd + self.niet_vast_te_stellen

    @property
    def judged(self) -> int:
        """The outcomes precision rests on."""
        return self.bevestigd + self.niet_bevestigd

    @property
    def precision(self) -> float | None:
        return self.bevestigd / self.judged if self.judged else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson(self.bevestigd, self.judged)

    def add_outcome(self, result: str) -> None:
        setattr(self, result, getattr(self, result) + 1)


@dataclass
class RuleFeedback:
    rule_id: str
    total: Counts = field(default_factory=Counts)
    versions: dict[int, Counts] = field(default_factory=lambda: defaultdict(Counts))
    wijken: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    quarters: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    # Flags still kept without any outcome yet (every flag of a proef rule needs one).
    without_outcome: int = 0


@dataclass
class Triage:
    """How the departments decided on a rule's flags (one count per department decision)."""

    doorzetten: int = 0
    geen_actie: int = 0
    in_behandeling: int = 0
    onbeoordeeld: int = 0  # flags no department decided on

    @property
    def decided(self) -> int:
        return self.doorzetten + self.geen_actie

    @property
    def referral_rate(self) -> float | None:
        """Share of final decisions that passed the flag on (not: how often it was right)."""
        return self.doorzetten / self.decided if self.decided else None


UNKNOWN_WIJK = "onbekend"


def rule_feedback(session: Session) -> dict[str, RuleFeedback]:
    """rule id → its feedback, over the flags still kept and every outcome kept."""
    result: dict[str, RuleFeedback] = {}

    def of(rule_id: str) -> RuleFeedback:
        return result.setdefault(rule_id, RuleFeedback(rule_id))

    decided: dict[int, set[str]] = defaultdict(set)
    for decided_id, decision in session.exec(
        select(FlagDecision.flag_id, FlagDecision.decision).where(
            col(FlagDecision.decision).is_not(None)
        )
    ).all():
        if decision is not None:  # filtered in SQL; this tells the type checker
            decided[decided_id].add(decision)
    by_flag: dict[int, list[Outcome]] = defaultdict(list)
    for row in session.exec(select(Outcome)).all():
        by_flag[row.flag_id].append(row)
    for flag_id, rule_id, version, first_seen in session.exec(
        select(col(Flag.id), Flag.rule_id, Flag.rule_version, col(Flag.first_seen_on))
    ).all():
        assert flag_id is not None  # a primary key read back
        feedback = of(rule_id)
        decisions = decided.get(flag_id, set())
        for counts in (
            feedback.total,
            feedback.versions[version],
            feedback.quarters[quarter(first_seen)],
        ):
            counts.raised += 1
            counts.decided += bool(decisions)
            counts.referred += Decision.DOORZETTEN in decisions
        if flag_id not in by_flag:
            feedback.without_outcome += 1
    for rows in by_flag.values():
        outcome = deciding(rows)
        if outcome is None:
            continue
        feedback = of(outcome.rule_id)
        for counts in (
            feedback.total,
            feedback.versions[outcome.rule_version],
            feedback.wijken[outcome.wijk or UNKNOWN_WIJK],
            feedback.quarters[quarter(outcome.decided_on)],
        ):
            counts.add_outcome(outcome.result)
    return result


def triage(session: Session) -> dict[str, Triage]:
    result: dict[str, Triage] = defaultdict(Triage)
    decisions: dict[int, list[str]] = defaultdict(list)
    for decided_id, decision in session.exec(
        select(FlagDecision.flag_id, FlagDecision.decision)
    ).all():
        if decision:
            decisions[decided_id].append(decision)
    for flag_id, rule_id in session.exec(select(col(Flag.id), Flag.rule_id)).all():
        assert flag_id is not None  # a primary key read back
        counts = result[rule_id]
        own = decisions.get(flag_id, [])
        if not own:
            counts.onbeoordeeld += 1
        for decision in own:
            if decision in (Decision.DOORZETTEN, Decision.GEEN_ACTIE, Decision.IN_BEHANDELING):
                setattr(counts, decision, getattr(counts, decision) + 1)
    return result


@dataclass(frozen=True)
class Promotion:
    """Whether a proef rule meets the promotion criterion its file declares."""

    min_outcomes: int
    min_precision: float
    outcomes: int
    precision: float | None
    interval: tuple[float, float] | None

    @property
    def met(self) -> bool:
        return (
            self.outcomes >= self.min_outcomes
            and self.precision is not None
            and self.precision >= self.min_precision
        )

    def describe(self) -> str:
        precision = "geen" if self.precision is None else f"{self.precision:.0%}"
        verdict = "gehaald" if self.met else "nog niet gehaald"
        return (
            f"{self.outcomes} van minstens {self.min_outcomes} uitkomsten, precisie {precision} "
            f"(minstens {self.min_precision:.0%}): {verdict}"
        )


def promotion(counts: Counts | None, min_outcomes: int, min_precision: float) -> Promotion:
    counts = counts or Counts()
    return Promotion(min_outcomes, min_precision, counts.judged, counts.precision, counts.interval)
