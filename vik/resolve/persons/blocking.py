"""Blocking: which record-person pairs are worth comparing, as data.

    >>> candidates(night, BLOCKING_RULES).columns  # doctest: +SKIP
    ['rec', 'pid']

A blocking rule pairs a record with every person who has the same values in its
columns: a person's own (name and date columns, ``Night.columns``), or any address
they ever had (``ADDRESS_SIDE``, ``Night.addresses``). ``only`` limits the rule to
records without some columns (such records have little else to go on). The
candidates are the union of the rules' pairs, joined in polars.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from vik.resolve.persons.night import ADDRESSES, Night, pair_key


@dataclass(frozen=True)
class BlockingRule:
    """Records and persons with equal `on` are candidates; with `only_without`, only
    records lacking all of those columns take part."""

    on: tuple[str, ...]
    only_without: tuple[str, ...] = ()

    @property
    def on_addresses(self) -> bool:
        """Whether the rule reads the addresses a person ever had."""
        return all(column in ADDRESSES for column in self.on)


BLOCKING_RULES = (
    BlockingRule(("dob_full",)),  # the same birth date
    BlockingRule(("phonetic", "dob_year", "initial")),  # sound of the surname, year, initial
    BlockingRule(("first_given", "surname_last")),  # the same first given name and surname
    # Neither birth date nor address: the sound key of the surname and the first initial.
    BlockingRule(("phonetic", "initial"), only_without=("dob", "nummeraanduiding_id")),
    BlockingRule(("nummeraanduiding_id",)),  # everyone ever registered at the address
    BlockingRule(("number",)),  # ... at the postcode and house number
    BlockingRule(("street",)),  # ... at the street and house number
)


def candidates(night: Night, rules: Sequence[BlockingRule]) -> pl.DataFrame:
    """Record-person pairs worth comparing (rec, pid): the union of the rules' pairs."""
    records, addresses = night.records, night.addresses
    own = [c for rule in rules if not rule.on_addresses for c in rule.on]
    persons = night.columns(list(dict.fromkeys(own))).with_row_index("pid")

    def block(rule: BlockingRule) -> pl.DataFrame:
        left = records
        if rule.only_without:
            left = left.filter(*[pl.col(c).is_null() for c in rule.only_without])
        right = addresses if rule.on_addresses else persons
        on = list(rule.on)
        return (
            left.select("rec", *on)
            .drop_nulls()
            .join(right.select("pid", *on).drop_nulls(), on=on)
            .select(pair_key(pl.col("rec"), pl.col("pid")).alias("pair"))
        )

    pairs = pl.concat([block(rule) for rule in rules]).to_series().unique().sort()
    return pl.DataFrame(
        {"rec": (pairs // (1 << 32)).cast(pl.Int64), "pid": (pairs % (1 << 32)).cast(pl.UInt32)}
    )
