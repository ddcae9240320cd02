"""What happens after a signal: the vocabulary of decisions, the LOO cycle and outcomes,
and its configuration (config/opvolging.yaml).

    >>> followup = load_followup(Path("config"))                 # doctest: +SKIP
    >>> followup.loo.secretariaat, followup.action_name("integrale_controle")
    ('ondermijning', 'Integrale controle')
    >>> followup.categories("adreskwaliteit")[0]
    'inschrijving gecorrigeerd'

A department decides on a flag (``Decision``); passing it on to the LOO puts it in the
LOO's inbox, where the secretariat (one department, named here) puts it on a meeting's
agenda. The meeting agrees on actions from the configured list, each with an owner
department and a deadline; the owner closes it with an ``Outcome``. Outcomes feed the
precision per rule. How long meetings, outcomes and decision snapshots are kept is
configured here too.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from vik.configfiles import load_model
from vik.errors import ConfigError

CONFIG_FILE = "opvolging.yaml"
# The action that records its date, the departments that took part and the findings.
INTEGRALE_CONTROLE = "integrale_controle"
DEFAULT_THEME = "overig"
# What applies without config/opvolging.yaml (the shipped file says the same, and more).
DEFAULT_ACTIONS = {
    "adresonderzoek": "Adresonderzoek (Wet BRP)",
    INTEGRALE_CONTROLE: "Integrale controle",
    "bestuurlijke_rapportage": "Bestuurlijke rapportage",
    "bibob_toets": "Bibob-toets",
    "last_onder_dwangsom": "Last onder dwangsom",
    "informatie_riec": "Informatie delen met het RIEC",
    "geen_actie": "Geen actie",
}
DEFAULT_CATEGORIES = ("overtreding vastgesteld", "vergunning geweigerd", "aangifte gedaan")
_DURATION = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?$")

Code = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class Decision(StrEnum):
    """A department's decision on a flag; ``HEROPEND`` is written by the night only."""

    IN_BEHANDELING = "in_behandeling"
    DOORZETTEN = "doorzetten"
    GEEN_ACTIE = "geen_actie"
    HEROPEND = "heropend"


class Result(StrEnum):
    """The outcome of an action or of a department's own handling of a flag."""

    BEVESTIGD = "bevestigd"
    NIET_BEVESTIGD = "niet_bevestigd"
    NIET_VAST_TE_STELLEN = "niet_vast_te_stellen"


RESULTS = {
    Result.BEVESTIGD: "Bevestigd",
    Result.NIET_BEVESTIGD: "Niet bevestigd",
    Result.NIET_VAST_TE_STELLEN: "Niet vast te stellen",
}


class MeetingStatus(StrEnum):
    GEPLAND = "gepland"
    GEHOUDEN = "gehouden"


class AgreementStatus(StrEnum):
    OPEN = "open"
    AFGEROND = "afgerond"


def _duration(value: str) -> str:
    if not _DURATION.match(value):
        raise ValueError(f"'{value}' is geen ISO 8601-duur; schrijf bijvoorbeeld P2Y of P6M")
    return value


class Loo(BaseModel):
    model_config = ConfigDict(extra="forbid")

    secretariaat: Code = Field(
        default="ondermijning",
        description="De afdeling die het LOO voorbereidt, agendeert en het verslag legt.",
    )


class Terms(BaseModel):
    """Bewaartermijnen of the follow-up data (ISO 8601 durations)."""

    model_config = ConfigDict(extra="forbid")

    loo_overleg: str = Field(
        default="P2Y", description="Overleg met agenda en afspraken, vanaf het overleg."
    )
    uitkomst: str = Field(
        default="P5Y", description="Uitkomst als telling, vanaf de datum van de uitkomst."
    )
    momentopname: str = Field(default="P2Y", description="Wat de beslisser zag, vanaf het besluit.")

    @field_validator("loo_overleg", "uitkomst", "momentopname")
    @classmethod
    def _iso_duration(cls, value: str) -> str:
        return _duration(value)


class FollowUp(BaseModel):
    """config/opvolging.yaml."""

    model_config = ConfigDict(extra="forbid")

    loo: Loo = Field(default_factory=Loo)
    acties: dict[Code, Label] = Field(default_factory=lambda: dict(DEFAULT_ACTIONS), min_length=1)
    uitkomstcategorieen: dict[Code, list[Label]] = Field(
        default_factory=lambda: {DEFAULT_THEME: list(DEFAULT_CATEGORIES)}, min_length=1
    )
    bewaartermijnen: Terms = Field(default_factory=Terms)
    openbaar_min_per_wijk: int = Field(default=5, ge=1)

    @field_validator("acties")
    @classmethod
    def _has_integrale_controle(cls, value: dict[str, str]) -> dict[str, str]:
        if INTEGRALE_CONTROLE not in value:
            raise ValueError(
                f"de lijst mist '{INTEGRALE_CONTROLE}': die actie legt datum, deelnemende "
                "afdelingen en bevindingen vast en moet erin staan"
            )
        return value

    @field_validator("uitkomstcategorieen")
    @classmethod
    def _has_default(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        if not value.get(DEFAULT_THEME):
            raise ValueError(
                f"voeg '{DEFAULT_THEME}' toe met ten minste één categorie: die geldt voor "
                "thema's zonder eigen lijst"
            )
        return value

    def action_name(self, code: str) -> str:
        return self.acties.get(code, code)

    def categories(self, theme: str) -> list[str]:
        return self.uitkomstcategorieen.get(theme) or self.uitkomstcategorieen[DEFAULT_THEME]


def load_followup(config_dir: Path, departments: Collection[str] | None = None) -> FollowUp:
    """Read and check config/opvolging.yaml (without it: the defaults above); a configured
    secretariat must be a known department."""
    path = config_dir / CONFIG_FILE
    if not path.exists():
        return FollowUp()
    followup = load_model(FollowUp, path)
    if departments is not None and followup.loo.secretariaat not in departments:
        raise ConfigError(
            f"{path}: loo.secretariaat: '{followup.loo.secretariaat}' is geen afdeling uit "
            f"config/departments.yaml ({', '.join(departments)})"
        )
    return followup
