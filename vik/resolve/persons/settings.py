"""The person matcher's settings: config/resolve.yaml, key ``persons``.

    >>> settings = PersonMatchSettings.model_validate({"surname": {"similar": 0.85}})
    >>> [c.name for c in settings.comparisons()]
    ['surname', 'given_names', 'birth_date', 'address', 'bsn']

The comparisons are fields: one field per comparison, named as the comparison,
in the order the model adds their weights. Adding a comparison is one class
(``comparisons.py``) and one field here (docs/resolution.md).
"""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from vik.resolve.persons.comparison import (
    Comparison,
    Identifier,
    WeighedComparison,
    comparisons_of,
    weighed,
)
from vik.resolve.persons.comparisons import Address, BirthDate, Bsn, GivenNames, Surname
from vik.resolve.persons.model import ModelSettings
from vik.resolve.persons.similarity import SwappedNames


class PersonMatchSettings(BaseModel):
    """Thresholds of the person matcher (config/resolve.yaml, key persons)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    certain: float = Field(
        0.99, ge=0, le=1, description="Vanaf deze kans op dezelfde persoon is een koppeling zeker."
    )
    possible: float = Field(0.5, ge=0, le=1, description="Vanaf hier is een koppeling mogelijk.")
    margin_bits: float = Field(
        4.0,
        ge=0,
        description="Zoveel bits (factor 2 per bit) moet de beste kandidaat sterker zijn dan "
        "de op één na beste.",
    )
    outside_brp_confidence: float = Field(
        0.9,
        ge=0,
        le=1,
        description="Zekerheid van een persoon buiten de BRP, herkend aan naam en volledige "
        "geboortedatum.",
    )
    swapped_names: SwappedNames = Field(
        default_factory=SwappedNames,
        description="Wanneer voornaam en achternaam van een record omgedraaid worden gelezen.",
    )
    model: ModelSettings = Field(
        default_factory=ModelSettings,
        description="Hoe het model elke nacht leert: m met EM, u op willekeurige paren, het "
        "aandeel records over een inwoner.",
    )

    # The comparisons, in the order the model adds their weights.
    surname: Surname = Field(default_factory=Surname)
    given_names: GivenNames = Field(default_factory=GivenNames)
    birth_date: BirthDate = Field(default_factory=BirthDate)
    address: Address = Field(default_factory=Address)
    bsn: Bsn = Field(default_factory=Bsn)

    @model_validator(mode="after")
    def _named_as_their_field(self) -> Self:
        for field, value in dict(self).items():
            if isinstance(value, Comparison) and value.name != field:
                raise ValueError(f"vergelijking {value.name} staat onder de sleutel {field}")
        if [c.name for c in self.identifiers()] != ["bsn"]:
            raise ValueError("de persoonskoppeling kent één identificerend nummer: bsn")
        return self

    def comparisons(self) -> list[Comparison]:
        """Every comparison, in field order."""
        return comparisons_of(self)

    def weighed(self) -> list[WeighedComparison]:
        """The comparisons the model weighs, in field order."""
        return weighed(self.comparisons())

    def identifiers(self) -> list[Identifier]:
        return [c for c in self.comparisons() if isinstance(c, Identifier)]
