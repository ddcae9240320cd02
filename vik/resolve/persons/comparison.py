"""What a comparison is: named levels, the columns it reads, its thresholds, its part in the
model, the decision and the explanation of a link.

    >>> from vik.resolve.persons import Surname
    >>> Surname().level.EQUAL.label, Surname().very_similar
    ('gelijk', 0.92)

As in Splink's comparison library (``splink/internals/comparison_library.py``), a
comparison is one small class: its levels in order, worst first ("anders") and
best last ("gelijk"), null where a side lacks what it compares; its thresholds are
its fields, so that ``config/resolve.yaml`` sets them (``persons: surname:
similar: 0.8``). Two kinds:

- ``WeighedComparison``: compared per record-person pair, weighed by the
  Fellegi-Sunter model (m by EM, u on random pairs), and used by the decision
  (``role``, ``agrees_from``) and the method of a link (``method_word``).
- ``Identifier``: a number that decides before the model (the BSN).

A comparison is wired in by one field of ``PersonMatchSettings`` holding it; the
model, the decision and the explanation go over all of them (see
docs/resolution.md, "How to add a comparison").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, Self

import polars as pl
from pydantic import BaseModel, ConfigDict, Field, model_validator

if TYPE_CHECKING:
    from vik.resolve.persons.night import Night


class Level(IntEnum):
    """An agreement level of a comparison (worst 0, best last) with the label a user reads.

    >>> class Same(Level):
    ...     DIFFERENT = 0, "anders"
    ...     EQUAL = 1, "gelijk"
    >>> Same.EQUAL.label, int(Same.EQUAL)
    ('gelijk', 1)
    """

    label: str

    def __new__(cls, value: int, label: str) -> Self:
        member = int.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member


class Role(StrEnum):
    """A comparison's part in the decision on a link."""

    # A certain link needs a name to agree: one comparison of this role at its
    # `agrees_from` level (or else every CORROBORATES comparison at its best level).
    NAME = "name"
    # A certain link rests on more than a name: one of these at `agrees_from`.
    CORROBORATES = "corroborates"
    # An identifier: agreement decides before the model (Identifier).
    DECIDES = "decides"


@dataclass(frozen=True)
class Frequency:
    """Term-frequency adjustment, as Splink's: at `levels` an agreement weighs by how rare
    the person's value of `column` is (sharing 'Boothroyd' says more than sharing
    'Jansen')."""

    column: str
    levels: tuple[int, ...]


class Comparison(BaseModel):
    """One way of comparing a record with a person. Subclasses set the class variables and
    give their thresholds as fields (with a Dutch description: docs/resolution.md and
    config/resolve.yaml show them)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: ClassVar[str]  # the key in config/resolve.yaml and the level column of a pair
    label: ClassVar[str]  # what a user reads (Dutch)
    level: ClassVar[type[Level]]
    role: ClassVar[Role]
    record_columns: ClassVar[tuple[str, ...]]  # what it reads of a record
    person_columns: ClassVar[tuple[str, ...]]  # and of a person (the BRP)
    method_word: ClassVar[str | None] = None  # in the method of a link resting on it

    # What a comparison class must say (its kind adds to it).
    _declares: ClassVar[tuple[str, ...]] = ("name", "label", "level", "role", "record_columns")

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if "name" not in cls.__dict__:
            return  # a kind of comparison (WeighedComparison), not one
        missing = [variable for variable in cls._declares if not hasattr(cls, variable)]
        if missing:
            raise TypeError(f"comparison {cls.__name__} does not declare {', '.join(missing)}")

    def levels_text(self) -> str:
        """The levels, best first: 'gelijk, lijkt sterk, lijkt, anders'."""
        return ", ".join(level.label for level in reversed(self.level))


class WeighedComparison(Comparison):
    """A comparison of record-person pairs that the Fellegi-Sunter model weighs.

    Its levels are either one polars ``expression`` over the pair (the record's
    columns, the person's prefixed ``b_``, and with ``reads_name_scores`` the
    name similarities of ``vik.resolve.persons.similarity``), evaluated in batches
    together with the other expressions; or, where a comparison has a quicker way,
    its own ``levels``.
    """

    _declares = (*Comparison._declares, "agrees_from")
    person_columns: ClassVar[tuple[str, ...]] = ()
    # The lowest level at which the decision counts it as agreeing (see Role).
    agrees_from: ClassVar[int]
    # The lowest level at which a link's method names it (method_word).
    method_from: ClassVar[int | None] = None
    frequency: ClassVar[Frequency | None] = None
    reads_name_scores: ClassVar[bool] = False

    m_start: tuple[float, ...] = Field(
        description="m per niveau (slechtste eerst) waarmee EM begint, en waar EM naartoe "
        "leunt bij weinig gegevens."
    )

    @model_validator(mode="after")
    def _m_per_level(self) -> Self:
        if len(self.m_start) != len(self.level):
            raise ValueError(
                f"m_start heeft {len(self.level)} getallen nodig, één per niveau "
                f"({', '.join(level.label for level in self.level)})"
            )
        if any(m <= 0 for m in self.m_start) or abs(sum(self.m_start) - 1) > 1e-6:
            raise ValueError("m_start: getallen groter dan 0 die samen 1 zijn")
        return self

    @property
    def best(self) -> int:
        return len(self.level) - 1

    def expression(self) -> pl.Expr:
        """The level of a pair (Int8; null where a side lacks what is compared)."""
        raise NotImplementedError(f"{type(self).__name__}: expression() or levels()")

    @property
    def batched(self) -> bool:
        """Whether the levels come from `expression`, evaluated with the others in batches."""
        return type(self).levels is WeighedComparison.levels

    def prepare(self, night: Night) -> Any:
        """What the comparison builds once a night for `levels` and `exact_u`."""
        return None

    def levels(self, pairs: pl.DataFrame, night: Night, prepared: Any) -> pl.Series:
        """The level of every pair (columns rec, pid and the record columns it reads)."""
        raise NotImplementedError

    def exact_u(self, night: Night, prepared: Any) -> Mapping[int, float]:
        """u of the levels too rare for random pairs to show (an exact birth date agrees in
        about 1 of 30,000), counted from the values; the others are sampled."""
        return {}

    def neutral(self) -> frozenset[int]:
        """Levels that carry no evidence either way."""
        return frozenset()


class Identifier(Comparison):
    """A number that decides who a record is about, before the model: a record whose
    number the register knows is that person (``method_word``); one whose number it
    does not know is someone living elsewhere, unless the model finds a resident certain.
    """

    _declares = (*Comparison._declares, "method_word", "method_elsewhere", "method_mistyped")
    role: ClassVar[Role] = Role.DECIDES
    # Methods of a link by a number the register does not know: the person outside the
    # register, or (prefixed to the model's method) the resident it was mistyped for.
    method_elsewhere: ClassVar[str]
    method_mistyped: ClassVar[str]


class ShareBounds(BaseModel):
    """Bounds of a learned share of records that concern a resident."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    lowest: float = Field(ge=0, le=1, description="Nooit minder dan dit aandeel.")
    highest: float = Field(ge=0, le=1, description="Nooit meer dan dit aandeel.")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if not 0 < self.lowest <= self.highest < 1:
            raise ValueError("moet 0 < lowest <= highest < 1 zijn")
        return self


def comparisons_of(settings: BaseModel) -> list[Comparison]:
    """The comparisons a settings object holds, in the order of its fields."""
    return [value for value in dict(settings).values() if isinstance(value, Comparison)]


def weighed(comparisons: list[Comparison]) -> list[WeighedComparison]:
    return [c for c in comparisons if isinstance(c, WeighedComparison)]
