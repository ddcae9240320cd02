"""Record probability: the chance that a record is this candidate, rather than another or someone outside the BRP.

    >>> record_probability(weighted, records, settings)  # doctest: +SKIP

A record is one person at most. With ``o`` a pair's odds from its weight (prior 1
in the number of persons) and ``share`` the share of a group's records that
concern someone in the BRP, candidate j is the person with probability
``share * o_j / ((1 - share) + share * sum(o))``. A group is a source, apart for
the records whose BSN did not decide (column ``bsn``, optional: the record's level
of the Bsn identifier). The share is learned each night per group, by expectation
maximisation over all its records, those without a candidate included; a small
group leans on the share of all groups of its kind (as if it had
``share_prior_records`` records more), and the share is bounded: it is never
certain that a record concerns a resident. A lone strong candidate thus counts for
more where nearly every record has its person in the BRP, and a close runner-up
takes its share of the probability. For records with an unknown BSN the kind's
share itself leans on its lower bound (``Bsn.mistyped_share``): an unknown BSN is a
non-resident's unless the night shows that this source's BSNs are often mistyped.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from vik.resolve.persons.settings import PersonMatchSettings

_CONVERGED = 1e-6  # the shares stop when none moves more than this
_UNKNOWN_GROUP = "\x1f?"  # appended to the source of records whose BSN did not decide
_NO_BSN, _UNKNOWN_BSN = 0, 1  # the two kinds of group


def record_groups(identifier: str) -> pl.Expr:
    """Whether a record's identifier (column `identifier`: its level, null without one)
    did not decide: such records form groups of their own."""
    return pl.col(identifier).is_not_null()


def record_probability(
    weighted: pl.DataFrame, records: pl.DataFrame, settings: PersonMatchSettings | None = None
) -> pl.DataFrame:
    """`weighted` (rec and weight per candidate pair) with each pair's probability;
    `records`: rec, source and (optional) the BSN level of every record (column bsn)."""
    settings = settings or PersonMatchSettings()
    residents, mistyped = settings.model.resident_share, settings.bsn.mistyped_share
    iterations, prior_records = settings.model.share_iterations, settings.model.share_prior_records
    identifier = settings.bsn.name
    # log2(sum(o)) per record, from the best weight so that 2**weight cannot overflow.
    best = pl.col("weight").max().over("rec")
    per_record = (
        weighted.select(
            "rec", best.alias("_best"), pl.lit(2.0).pow(pl.col("weight") - best).alias("_odds")
        )
        .group_by("rec")
        .agg(pl.col("_best").first(), pl.col("_odds").sum())
        .select(
            "rec", (pl.col("_best") + pl.col("_odds").log(2)).clip(-1000, 1000).alias("_log_odds")
        )
    )
    unknown = record_groups(identifier) if identifier in records.columns else pl.lit(False)
    table = records.select(
        "rec",
        (pl.col("source") + pl.when(unknown).then(pl.lit(_UNKNOWN_GROUP)).otherwise(pl.lit("")))
        .rank("dense")
        .sub(1)
        .cast(pl.Int64)
        .alias("_group"),
        unknown.alias("_unknown"),
    ).join(per_record, on="rec", how="left")
    group = table["_group"].to_numpy()
    log_odds = table["_log_odds"].fill_null(-1000.0).to_numpy()
    odds = np.exp2(log_odds)
    counts = np.bincount(group).astype(float)
    # Per group its kind (_NO_BSN, or _UNKNOWN_BSN: a BSN that did not decide) and bounds.
    kind = np.full(counts.size, _NO_BSN, dtype=np.int64)
    kind[group] = table["_unknown"].to_numpy().astype(np.int64)
    bounds = np.array([(residents.lowest, residents.highest), (mistyped.lowest, mistyped.highest)])
    lower, upper = bounds[kind, 0], bounds[kind, 1]
    share = np.where(kind == _UNKNOWN_BSN, mistyped.lowest, 0.5)
    record_kind = kind[group]
    for _ in range(iterations):
        own = share[group]
        found = own * odds / ((1 - own) + own * odds)
        pooled = np.empty(2)
        for k, (floor, ceiling) in enumerate(bounds):
            mine = found[record_kind == k]
            lean = prior_records if k == _UNKNOWN_BSN else 0.0  # unknown BSN: "hardly ever"
            pooled[k] = np.clip(
                (mine.sum() + lean * floor) / max(mine.size + lean, 1), floor, ceiling
            )
        by_group = np.bincount(group, weights=found, minlength=counts.size)
        updated = np.clip(
            (by_group + prior_records * pooled[kind]) / (counts + prior_records),
            lower,
            upper,
        )
        converged = np.abs(updated - share).max(initial=0.0) < _CONVERGED
        share = updated
        if converged:
            break
    own = share[group]
    norm = table.select(
        "rec",
        pl.Series("_share", np.log2(own)),
        pl.Series("_norm", np.logaddexp2(np.log2(1 - own), np.log2(own) + log_odds)),
    )
    per_pair = weighted.select("rec", "weight").join(
        norm, on="rec", how="left", maintain_order="left"
    )
    return weighted.with_columns(
        per_pair.select(
            pl.lit(2.0)
            .pow(pl.col("_share") + pl.col("weight") - pl.col("_norm"))
            .clip(upper_bound=1.0)
            .alias("probability")
        ).to_series()
    )
