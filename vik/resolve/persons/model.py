"""The Fellegi-Sunter model: m and u per comparison level, learned each night on that night's data.

    >>> model = MatchModel.estimate(levels, random_levels, comparisons, ...)  # doctest: +SKIP
    >>> levels.with_columns(model.weight_expr().alias("weight"))

For every level, ``u`` (how often it occurs between different persons) is counted
on random record-person pairs, the rare agreements exactly from value frequencies
(``WeighedComparison.exact_u``); ``m`` (how often between records of the same
person) is estimated by expectation maximisation on the candidate pairs. As in
Splink (``em_training_session.py``), each EM session learns from the candidate
pairs of one training block (``TRAINING_BLOCKS``) and leaves the comparisons that
block fixes alone: pairs with the same birth date teach the name and address levels,
pairs with the same name (and address) the birth-date levels. Learning from all
candidates at once degenerates: most of them are true matches or housemates, and
EM would blur the two. A comparison learned in more than one session gets the mean.

A pair's match weight is the prior plus the sum of ``log2(m/u)`` over the
comparisons the record has, in bits.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl
from pydantic import BaseModel, ConfigDict, Field

from vik.resolve.persons.comparison import ShareBounds, WeighedComparison
from vik.resolve.persons.comparisons import (
    AddressLevel,
    BirthDateLevel,
    GivenNamesLevel,
    SurnameLevel,
)

SEED = 20_201  # fixed: the same data gives the same model, night after night
_CONVERGED = 1e-5  # EM stops when the prior moves less than this
_PRIOR_BOUND = 1e-6  # EM's prior stays this far from 0 and 1


class ModelSettings(BaseModel):
    """How the model learns (config/resolve.yaml, key persons.model)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    em_iterations: int = Field(25, ge=1, description="Hoogstens zoveel EM-rondes per sessie.")
    em_sample: int = Field(
        400_000, ge=1, description="Kandidaatparen waarvan EM leert (alle paren krijgen een score)."
    )
    em_minimum: int = Field(
        50,
        ge=1,
        description="Minder paren dan dit in een sessie: EM leert niets en de startwaarden blijven.",
    )
    m_prior_pairs: float = Field(
        20.0,
        ge=0,
        description="EM weegt de startwaarden van m mee alsof zoveel overeenkomende paren zijn "
        "gezien: een niveau dat EM nauwelijks zag is onwaarschijnlijk, niet onmogelijk.",
    )
    u_sample: int = Field(
        30_000, ge=1, description="Willekeurige paren waarop u van de gewone niveaus wordt geteld."
    )
    u_floor: float = Field(
        1e-7,
        gt=0,
        le=1,
        description="u van een overeenkomst die geen willekeurig paar heeft: zeer zeldzaam, "
        "niet onmogelijk.",
    )
    frequency_cap: float = Field(
        20.0,
        ge=1,
        description="Een gelijke naam weegt naar zijn zeldzaamheid, hoogstens alsof hij zoveel "
        "keer zeldzamer is dan gemiddeld.",
    )
    resident_share: ShareBounds = Field(
        default_factory=lambda: ShareBounds(lowest=0.05, highest=0.99),
        description="Grenzen van het per bron geleerde aandeel records over een inwoner.",
    )
    share_iterations: int = Field(
        100, ge=1, description="Hoogstens zoveel rondes om dat aandeel te leren."
    )
    share_prior_records: float = Field(
        50.0,
        ge=0,
        description="Het aandeel van een bron leunt op dat van alle bronnen alsof het zoveel "
        "records meer had.",
    )
    name_batch: int = Field(
        250_000,
        ge=1_000,
        description="Paren waarvan de namen tegelijk worden vergeleken: begrenst het geheugen.",
    )


@dataclass(frozen=True)
class TrainingBlock:
    """Candidate pairs one EM session learns from: those at or above `where` (comparison:
    level); `narrow`, where it leaves at least em_minimum pairs, narrows them further. The
    session leaves the comparisons both name alone: the block fixes them."""

    name: str
    where: Mapping[str, int]
    narrow: Mapping[str, int] = field(default_factory=dict)

    @property
    def fixes(self) -> set[str]:
        return {*self.where, *self.narrow}

    def pairs(self, levels: pl.DataFrame, minimum: int) -> pl.DataFrame:
        sample = levels.filter(*[pl.col(name) >= int(level) for name, level in self.where.items()])
        if self.narrow:
            narrowed = sample.filter(
                *[pl.col(name) >= int(level) for name, level in self.narrow.items()]
            )
            # Where names are common, namesakes crowd the same-name pairs and EM would learn
            # that a true match often has another birth date; pairs that also share the
            # address are (nearly) all true matches.
            if narrowed.height >= minimum:
                return narrowed
        return sample


TRAINING_BLOCKS = (
    TrainingBlock("geboortedatum", {"birth_date": BirthDateLevel.EQUAL}),
    TrainingBlock(
        "naam",
        {"surname": SurnameLevel.EQUAL, "given_names": GivenNamesLevel.FIRST_NAME_EQUAL},
        narrow={"address": AddressLevel.NUMBER},
    ),
)


def weight(prior: float, bits: Mapping[str, list[float]]) -> pl.Expr:
    """A pair's match weight in bits: the prior's log-odds plus, per comparison, the bits
    of the pair's level (a comparison the record lacks adds nothing)."""
    parts = [pl.lit(math.log2(prior / (1 - prior)))]
    for name, per_level in bits.items():
        mapping = dict(enumerate(per_level))
        parts.append(pl.col(name).replace_strict(mapping, default=0.0, return_dtype=pl.Float64))
    return pl.sum_horizontal(parts)


def probability(weight: pl.Expr) -> pl.Expr:
    """Match weight in bits → match probability."""
    return 1 / (1 + pl.lit(2.0).pow(-weight))


class MatchModel:
    """m and u per comparison level, and the prior; weights in bits.

    >>> model = MatchModel.estimate(candidate_levels, random_levels, ...)  # doctest: +SKIP
    >>> model.weight_expr()   # polars expression: match weight of a pair
    """

    def __init__(
        self,
        comparisons: Sequence[WeighedComparison],
        m: dict[str, list[float]],
        u: dict[str, list[float]],
        prior: float,
        frequency_cap: float = 20.0,
    ):
        self.comparisons = list(comparisons)
        self.m, self.u, self.prior = m, u, prior
        self.frequency_cap = frequency_cap

    def bits(self, comparison: WeighedComparison) -> list[float]:
        """log2(m/u) per level; 0 for the levels the comparison calls neutral (such as a
        different address where the source's address is a location, not a residence)."""
        neutral = comparison.neutral()
        return [
            0.0 if level in neutral else math.log2(m / u)
            for level, (m, u) in enumerate(
                zip(self.m[comparison.name], self.u[comparison.name], strict=True)
            )
        ]

    def weight_expr(self, frequencies: bool = False) -> pl.Expr:
        """The match weight of a pair in bits. With `frequencies`, an agreement at a
        comparison's Frequency levels weighs by how rare the person's value is (column
        b_tf_<name>: the share of persons with it), as Splink's term-frequency adjustment
        does."""
        parts = [weight(self.prior, {c.name: self.bits(c) for c in self.comparisons})]
        if frequencies:
            for comparison in self.comparisons:
                if comparison.frequency is None:
                    continue
                share = f"b_tf_{comparison.name}"
                for level in comparison.frequency.levels:
                    u = self.u[comparison.name][level]
                    parts.append(
                        pl.when(pl.col(comparison.name) == int(level))
                        .then(
                            math.log2(u)
                            - pl.col(share).clip(lower_bound=u / self.frequency_cap).log(2)
                        )
                        .otherwise(0.0)
                    )
        return pl.sum_horizontal(parts)

    @staticmethod
    def u_from(
        random_levels: pl.DataFrame,
        comparisons: Sequence[WeighedComparison],
        exact: Mapping[str, Mapping[int, float]],
        floor: float,
    ) -> dict[str, list[float]]:
        """u per level. Levels in `exact` (the rare agreements: same birth date, surname,
        address) are computed from value frequencies; the rest is their share among random
        pairs, smoothed so that no level has u = 0."""
        u = {}
        for comparison in comparisons:
            name, levels = comparison.name, len(comparison.level)
            known = {int(level): max(value, floor) for level, value in exact.get(name, {}).items()}
            sampled = random_levels[name].drop_nulls()
            counts = sampled.filter(~sampled.is_in(list(known))).value_counts()
            count = dict(zip(counts[name].to_list(), counts["count"].to_list(), strict=True))
            rest = [i for i in range(levels) if i not in known]
            total = sum(count.values()) + 0.5 * len(rest)
            share = max(1 - sum(known.values()), 0.5)
            u[name] = [
                known[i] if i in known else share * (count.get(i, 0) + 0.5) / total
                for i in range(levels)
            ]
        return u

    @classmethod
    def estimate(
        cls,
        levels: pl.DataFrame,
        random_levels: pl.DataFrame,
        persons: int,
        comparisons: Sequence[WeighedComparison],
        exact: Mapping[str, Mapping[int, float]],
        settings: ModelSettings,
        blocks: Sequence[TrainingBlock] = TRAINING_BLOCKS,
    ) -> MatchModel:
        """u from random pairs; m by EM in one session per training block; the prior from
        the number of persons."""
        u = cls.u_from(random_levels, comparisons, exact, settings.u_floor)
        m = {c.name: list(c.m_start) for c in comparisons}
        start = {c.name: c.m_start for c in comparisons}
        # EM may sample: the same pairs every night.
        names = [c.name for c in comparisons]
        levels = levels.select("rec", "pid", *names).sort("rec", "pid")
        learned: dict[str, list[list[float]]] = {}
        for block in blocks:
            session = [name for name in names if name not in block.fixes]
            sample = block.pairs(levels, settings.em_minimum).select(session)
            estimated = _em(sample, {n: m[n] for n in session}, u, start, settings)
            for name in session:
                learned.setdefault(name, []).append(estimated[name])
        for name, estimates in learned.items():
            m[name] = (
                estimates[0]
                if len(estimates) == 1
                else [float(np.mean(values)) for values in zip(*estimates, strict=True)]
            )
        # A record is one person at most: of all record-person pairs, 1 in `persons` matches.
        return cls(comparisons, m, u, 1 / max(persons, 2), settings.frequency_cap)


def _em(
    sample: pl.DataFrame,
    m: dict[str, list[float]],
    u: dict[str, list[float]],
    start: Mapping[str, Sequence[float]],
    settings: ModelSettings,
) -> dict[str, list[float]]:
    """m of the comparisons in `sample` by expectation maximisation, u fixed."""
    if sample.height < settings.em_minimum:
        return m  # too little to learn from: keep the starting values
    if sample.height > settings.em_sample:
        sample = sample.sample(settings.em_sample, seed=SEED)
    # A pair's weight depends on its levels alone: EM goes over the distinct combinations
    # of levels (a few hundred at most), each counted as often as pairs have it, with the
    # weight of scoring (weight, probability).
    pairs = sample.height
    combinations = sample.group_by(sample.columns).len("_pairs")
    level = {f: combinations[f].fill_null(-1).to_numpy().astype(np.int64) for f in m}
    m = {f: list(v) for f, v in m.items()}
    prior = 0.5
    for _ in range(settings.em_iterations):
        bits = {
            name: [math.log2(a / b) for a, b in zip(levels, u[name], strict=True)]
            for name, levels in m.items()
        }
        matched = (
            combinations.select(pl.col("_pairs") * probability(weight(prior, bits)))
            .to_series()
            .to_numpy()
        )
        new_prior = min(max(matched.sum() / pairs, _PRIOR_BOUND), 1 - _PRIOR_BOUND)
        for name, levels in m.items():
            known = level[name] >= 0
            by_level = np.bincount(
                level[name][known], weights=matched[known], minlength=len(levels)
            )
            # Weighed against the start: a level EM has hardly seen among matches is
            # unlikely, not impossible (a clerk can replace a first name altogether).
            total = by_level.sum() + settings.m_prior_pairs
            default = start[name]
            m[name] = [
                (by_level[i] + settings.m_prior_pairs * default[i]) / total
                for i in range(len(levels))
            ]
        converged = abs(new_prior - prior) < _CONVERGED
        prior = new_prior
        if converged:
            break
    return m
