"""Record-person pairs compared: one level per comparison.

    >>> levels = compare(pairs, records, night, comparisons, settings)  # doctest: +SKIP
    >>> levels.columns
    ['rec', 'pid', 'surname', 'given_names', 'birth_date', 'address', 'swapped']

The comparisons with a polars expression are evaluated together, in batches of
pairs (their names compared once per batch, see ``similarity``; lazily, so that
polars evaluates the conditions they share once); a comparison with its own way
(``levels``) gets all pairs at once. Each gathers the columns it reads for the
pairs, no more: a wide frame of every column for a million pairs would be the
night's largest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from vik.resolve.persons.comparison import WeighedComparison
from vik.resolve.persons.night import Night
from vik.resolve.persons.similarity import PERSON_COLUMNS, RECORD_COLUMNS, SwappedNames, name_scores


def record_side(comparisons: Sequence[WeighedComparison]) -> list[str]:
    """The record columns comparing reads: rec, the name scores' (where a comparison reads
    those) and every comparison's own."""
    scores = any(c.reads_name_scores for c in comparisons)
    columns = [
        *(RECORD_COLUMNS if scores else ()),
        *(x for c in comparisons for x in c.record_columns),
    ]
    return ["rec", *dict.fromkeys(columns)]


def compare(
    pairs: pl.DataFrame,
    records: pl.DataFrame,
    night: Night,
    comparisons: Sequence[WeighedComparison],
    prepared: Mapping[str, Any],
    *,
    swap: SwappedNames,
    batch: int,
) -> pl.DataFrame:
    """Agreement levels of (record, person) pairs (rec, pid): columns rec, pid, one per
    comparison (its name), and swapped (the names read the other way round). `records`
    has the record_side of every rec in the pairs; `prepared`, per comparison, what it
    prepared for the night."""
    at = pairs.join(
        records.select("rec").with_row_index("_at"), on="rec", how="left", maintain_order="left"
    )["_at"]
    batched = [c for c in comparisons if c.batched]
    scores = any(c.reads_name_scores for c in batched)
    record_columns = [
        *dict.fromkeys(
            [*(RECORD_COLUMNS if scores else ()), *(x for c in batched for x in c.record_columns)]
        )
    ]
    person_columns = [
        *dict.fromkeys(
            [*(PERSON_COLUMNS if scores else ()), *(x for c in batched for x in c.person_columns)]
        )
    ]

    def compared(part: slice) -> pl.DataFrame:
        return pl.concat(
            [
                records.select(record_columns)[at[part]],
                night.columns(person_columns, pairs["pid"][part]).select(
                    pl.all().name.prefix("b_")
                ),
            ],
            how="horizontal",
        )

    levels: dict[str, pl.Series] = {}
    if batched:
        parts = []
        for start in range(0, max(pairs.height, 1), batch):
            frame = compared(slice(start, start + batch))
            if scores:
                frame = name_scores(frame, night.names, swap)
            parts.append(
                frame.lazy()
                .select(
                    *[c.expression().cast(pl.Int8).alias(c.name) for c in batched],
                    (pl.col("swapped") if scores else pl.lit(False)).alias("swapped"),
                )
                .collect()
            )
        together = pl.concat(parts)
        levels = {column: together[column] for column in together.columns}
    for comparison in comparisons:
        if not comparison.batched:
            own = pl.concat(
                [pairs.select("rec", "pid"), records.select(comparison.record_columns)[at]],
                how="horizontal",
            )
            levels[comparison.name] = comparison.levels(
                own, night, prepared.get(comparison.name)
            ).rename(comparison.name)
    swapped = levels.get("swapped", pl.repeat(False, pairs.height, eager=True))
    return pl.concat(
        [
            pairs.select("rec", "pid"),
            pl.DataFrame([levels[c.name] for c in comparisons]),
            pl.DataFrame([swapped.rename("swapped")]),
        ],
        how="horizontal",
    )
