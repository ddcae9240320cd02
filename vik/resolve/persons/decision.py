"""The decision on a record's best candidate, and its explanation: method and reason.

    >>> Decision(PersonMatchSettings()).reason_text("uncorroborated")
    'alleen de naam komt overeen; geboortedatum of adres ontbreekt of verschilt'

The best candidate is ``zeker`` when its probability reaches ``certain``, the
runner-up is at least ``margin_bits`` weaker, the link rests on more than a name
(a comparison of role CORROBORATES agrees: birth date or address) and a name
agrees (a comparison of role NAME), or else every corroborating comparison agrees
exactly. When the candidates as good as the best together reach ``possible``, it
is ``mogelijk``: kept for the analist, never used by a rule. Namesakes and twins
therefore never become certain by guess.

A number the register knows decides before that (``identified``: method ``bsn``).
The method of a link says what it rests on: ``naam``, ``_omgedraaid`` where the
names were read the other way round, and the ``method_word`` of every comparison
at its ``method_from`` level (``naam_geboortedatum_adres``). A link that is not
certain says why (``reason``), naming the comparisons by their labels.
"""

from __future__ import annotations

import operator
from functools import reduce

import polars as pl

from vik.resolve.links import CERTAIN, NONE, POSSIBLE
from vik.resolve.persons.comparison import Role
from vik.resolve.persons.comparisons import BsnLevel
from vik.resolve.persons.night import Night
from vik.resolve.persons.settings import PersonMatchSettings

MODEL_METHOD = "naam"  # the first word of the method of every link the model makes
SWAPPED_METHOD = "_omgedraaid"
NOT_FOUND = "geen persoon in de BRP gevonden met deze naam en geboortedatum"


def _either(labels: list[str]) -> str:
    """'geboortedatum of adres'; 'a, b of c'."""
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " of " + labels[-1]


class Decision:
    """The decision's conditions and texts, made from the settings' comparisons."""

    def __init__(self, settings: PersonMatchSettings):
        self.settings = settings
        self.comparisons = settings.weighed()
        self.names = [c for c in self.comparisons if c.role is Role.NAME]
        self.corroborating = [c for c in self.comparisons if c.role is Role.CORROBORATES]

    # Over a record: the level of the identifier (the BSN), null without one.

    def identified(self) -> pl.Expr:
        """The register knows the record's number: it decides."""
        return pl.col(self.settings.bsn.name) == int(BsnLevel.EQUAL)

    def identifier_method(self) -> pl.Expr:
        """The method of a link by number: the resident's, or someone's living elsewhere."""
        bsn = self.settings.bsn
        return (
            pl.when(self.identified())
            .then(pl.lit(bsn.method_word))
            .otherwise(pl.lit(bsn.method_elsewhere))
        )

    def reason_text(self, why: str) -> str:
        corroborating = _either([c.label for c in self.corroborating])
        return {
            "ambiguous": "meer personen komen (bijna) even goed in aanmerking",
            "uncorroborated": f"alleen de naam komt overeen; {corroborating} ontbreekt of verschilt",
            "name_differs": f"{corroborating} komt overeen, maar de naam niet",
            "below": "overeenkomst onder de drempel voor een zekere koppeling",
            "not_found": NOT_FOUND,
        }[why]

    # Over the best candidate of a record: its level columns, swapped, probability,
    # weight, runner_up (the next best weight) and close (the probability that the
    # record is one of the candidates as good as the best).

    def corroborated(self) -> pl.Expr:
        """The link rests on more than a name."""
        return reduce(
            operator.or_,
            [pl.col(c.name).fill_null(0) >= int(c.agrees_from) for c in self.corroborating],
        )

    def name_fits(self) -> pl.Expr:
        """A name agrees: the surname, or else the first given name (a woman known by her
        partner's surname, with birth date and address agreeing, is still herself). Only
        where every corroborating comparison agrees exactly may the name differ: two of
        name, birth date and address always agree in a certain link."""
        exactly = reduce(operator.and_, [pl.col(c.name) == c.best for c in self.corroborating])
        return reduce(
            operator.or_,
            [*[pl.col(c.name).fill_null(0) >= int(c.agrees_from) for c in self.names], exactly],
        )

    def distinct(self) -> pl.Expr:
        """The runner-up is at least margin_bits weaker."""
        return (pl.col("weight") - pl.col("runner_up")).fill_null(float("inf")) >= (
            self.settings.margin_bits
        )

    def probable(self) -> pl.Expr:
        return pl.col("probability") >= self.settings.certain

    def possible(self) -> pl.Expr:
        return pl.col("close") >= self.settings.possible

    def certain(self) -> pl.Expr:
        return self.probable() & self.distinct() & self.corroborated() & self.name_fits()

    def status(self) -> pl.Expr:
        return (
            pl.when(self.certain())
            .then(pl.lit(CERTAIN))
            .when(self.possible())
            .then(pl.lit(POSSIBLE))
            .otherwise(pl.lit(NONE))
        )

    def method(self) -> pl.Expr:
        return pl.concat_str(
            [
                pl.lit(MODEL_METHOD),
                pl.when(pl.col("swapped")).then(pl.lit(SWAPPED_METHOD)).otherwise(pl.lit("")),
                *[
                    pl.when(pl.col(c.name).fill_null(0) >= int(c.method_from))
                    .then(pl.lit(f"_{c.method_word}"))
                    .otherwise(pl.lit(""))
                    for c in self.comparisons
                    if c.method_word is not None and c.method_from is not None
                ],
            ]
        )

    def reason(self) -> pl.Expr:
        possible, probable = self.possible(), self.probable()
        return (
            pl.when(self.certain())
            .then(pl.lit(None, dtype=pl.String))
            .when(~self.distinct() & possible)
            .then(pl.lit(self.reason_text("ambiguous")))
            .when(probable & ~self.corroborated())
            .then(pl.lit(self.reason_text("uncorroborated")))
            .when(probable & ~self.name_fits())
            .then(pl.lit(self.reason_text("name_differs")))
            .when(possible)
            .then(pl.lit(self.reason_text("below")))
            .otherwise(pl.lit(self.reason_text("not_found")))
        )

    def decide(self, scored: pl.DataFrame, night: Night) -> pl.DataFrame:
        """Per record (rec): the best candidate's persoon_id (null unless certain or
        possible), confidence, method, status and reason."""
        # Only a record's candidates about as good as its best are ranked; of the others
        # the best weight is kept, the runner-up where no other candidate is close.
        close = pl.col("weight") >= pl.col("weight").max().over("rec") - self.settings.margin_bits
        ranked = (
            scored.with_columns(close.alias("_close"))
            .with_columns(
                pl.when(~pl.col("_close")).then(pl.col("weight")).max().over("rec").alias("_below")
            )
            .filter("_close")
            .sort(["rec", "weight", "pid"], descending=[False, True, False])
            .group_by("rec", maintain_order=True)
            .agg(
                pl.col("pid").first(),
                pl.col("probability").first(),
                pl.col("weight").first(),
                pl.coalesce(pl.col("weight").slice(1, 1).first(), pl.col("_below").first()).alias(
                    "runner_up"
                ),
                pl.col("probability").sum().alias("close"),
                *[pl.col(c.name).first() for c in self.comparisons],
                pl.col("swapped").first(),
            )
        )
        matched = ranked.select(
            "rec",
            night.numbers.ids(ranked["pid"]),
            pl.col("probability").round(4).alias("confidence"),
            self.method().alias("method"),
            self.status().alias("status"),
            self.reason().alias("reason"),
        )
        return matched.with_columns(
            pl.when(pl.col("status") == NONE)
            .then(None)
            .otherwise(pl.col("persoon_id"))
            .alias("persoon_id")
        )
