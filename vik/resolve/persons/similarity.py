"""Names compared: Jaro-Winkler once per distinct pair of names, and the orientation that fits.

    >>> scored = name_scores(pairs, night.names, SwappedNames())  # doctest: +SKIP
    >>> scored.select("s_surname", "s_given", "swapped", "initials_start")

The surname and given-name comparisons read these scores (``reads_name_scores``):
one batched rapidfuzz ``process.cpdist`` call over the distinct pairs of name
numbers in all the columns compared (blocks repeat the same names many times, and
a surname is mostly its own last part and glued form too), never a Python loop
per record. A clerk often swaps given name and surname ('Stronach Ethan' for Emily
Stronach); where the swapped reading fits clearly better, the scores are those of
the swapped reading and ``swapped`` says so.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl
from pydantic import BaseModel, ConfigDict, Field
from rapidfuzz import process
from rapidfuzz.distance import JaroWinkler

from vik.resolve.persons.night import pair_key

# The columns the name scores read: of the record, and of the person (b_ in a pair).
RECORD_COLUMNS = (
    "given", "initials", "initial", "initials_long", "first_given", "surname", "surname_last",
    "surname_nospace", "surname_initial", "glued",
)  # fmt: skip
PERSON_COLUMNS = ("given", "initials", "initial", "surname", "surname_last", "glued", "first_given")
# What they add to a pair.
SCORES = ("s_surname", "s_given", "swapped", "initials_start")


class SwappedNames(BaseModel):
    """When a record's given name and surname are read the other way round."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    margin: float = Field(
        0.3,
        ge=0,
        le=2,
        description="Omgedraaid lezen als de twee gelijkenissen (Jaro-Winkler) samen zoveel "
        "hoger zijn dan zoals geschreven.",
    )
    agrees: float = Field(
        0.92,
        ge=0,
        le=1,
        description="... en als omgedraaid ten minste één naam zo sterk lijkt.",
    )


def _distinct_pairs(
    pairs: pl.DataFrame, columns: Sequence[tuple[str, str]]
) -> tuple[pl.Series, pl.Series, list[pl.Series]]:
    """The distinct name-number pairs of several (left, right) column pairs of aligned
    pairs, a missing name as the empty one (number 0: '' sorts first), and per column
    pair where each row's pair is among them."""
    key = pl.concat(
        [
            pairs.select(pair_key(pl.col(left).fill_null(0), pl.col(right).fill_null(0)))
            .to_series()
            .rename("key")
            for left, right in columns
        ]
    )
    distinct = key.unique().to_frame().with_row_index("where")
    where = key.to_frame().join(distinct, on="key", how="left", maintain_order="left")["where"]
    keys = distinct["key"]
    return (
        keys // (1 << 32),
        keys % (1 << 32),
        [where.slice(i * pairs.height, pairs.height) for i in range(len(columns))],
    )


def similarity(
    pairs: pl.DataFrame, columns: Sequence[tuple[str, str]], names: pl.Series
) -> list[pl.Series]:
    """Jaro-Winkler similarity of (left, right) name columns of aligned pairs: one batched
    call over the distinct pairs of names in all of them."""
    a, b, where = _distinct_pairs(pairs, columns)
    scores = pl.Series(
        process.cpdist(
            names.gather(a).to_list(),
            names.gather(b).to_list(),
            scorer=JaroWinkler.normalized_similarity,
            workers=-1,
        ),
        dtype=pl.Float64,
    )
    return [scores.gather(w) for w in where]


def _starts_with(pairs: pl.DataFrame, left: str, right: str, names: pl.Series) -> pl.Series:
    """Whether the right name starts with the left one, per aligned pair."""
    a, b, (where,) = _distinct_pairs(pairs, [(left, right)])
    starts = names.gather(b).str.starts_with(names.gather(a))  # type: ignore[arg-type]
    return starts.gather(where)


def has_surname() -> pl.Expr:
    return pl.col("surname").is_not_null() & pl.col("b_surname").is_not_null()


def has_given() -> pl.Expr:
    return pl.col("first_given").is_not_null() & pl.col("b_first_given").is_not_null()


def name_scores(pairs: pl.DataFrame, names: pl.Series, swap: SwappedNames) -> pl.DataFrame:
    """The pairs (RECORD_COLUMNS, PERSON_COLUMNS prefixed b_) with SCORES: surname and
    given-name similarity in the orientation that fits best, whether that is swapped,
    and whether the person's initials start with the record's."""
    *surnames, given = similarity(
        pairs,
        [
            ("surname", "b_surname"),
            ("surname_last", "b_surname_last"),
            ("glued", "b_glued"),
            ("surname_nospace", "b_glued"),
            ("first_given", "b_first_given"),
        ],
        names,
    )
    surname = pl.max_horizontal(surnames)
    pairs = pairs.with_columns(
        surname.alias("s_surname"),
        given.alias("s_given"),
        _starts_with(pairs, "initials", "b_initials", names).alias("initials_start"),
    )
    # Swapped: the record's given name holds the surname, and its surname the given name.
    # Two similarities add up to 2 at most, so a swap can only fit clearly better (below)
    # where the names as written add up to less than 2 - margin: elsewhere they stay 0.
    could_swap = pairs.select(
        has_surname() & has_given() & (pl.col("s_surname") + pl.col("s_given") + swap.margin < 2.0)
    ).to_series()
    swapped_pairs = {
        "s_swapped_surname": ("given", "b_surname"),
        "s_swapped_given": ("surname", "b_given"),
    }
    scores = similarity(pairs.filter(could_swap), list(swapped_pairs.values()), names)
    for name, score in zip(swapped_pairs, scores, strict=True):
        values = np.zeros(pairs.height)
        values[could_swap.to_numpy()] = score.to_numpy()
        pairs = pairs.with_columns(pl.Series(name, values))
    # Read swapped when that fits clearly better and at least one name then agrees
    # ('Stronach Ethan' for Emily Stronach: the surname sits in the given-name field).
    swapped = (
        has_surname()
        & has_given()
        & (
            pl.col("s_swapped_surname") + pl.col("s_swapped_given")
            > pl.col("s_surname") + pl.col("s_given") + swap.margin
        )
        & (pl.max_horizontal("s_swapped_surname", "s_swapped_given") >= swap.agrees)
    )
    # Made once as columns: the levels read them many times over.
    pairs = pairs.with_columns(swapped.alias("swapped"))
    oriented = pl.col("swapped")
    return pairs.with_columns(
        pl.when(oriented)
        .then(pl.col("s_swapped_surname"))
        .otherwise(pl.col("s_surname"))
        .alias("s_surname"),
        pl.when(oriented)
        .then(pl.col("s_swapped_given"))
        .otherwise(pl.col("s_given"))
        .alias("s_given"),
    )
