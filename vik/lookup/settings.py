"""config/lookup.yaml: the thresholds of name search and the terms of the inzageverzoek.

>>> settings = load_lookup_settings(Path("config"))
>>> settings.inzage.termijn
'P1M'
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from vik.configfiles import load_model
from vik.rules.model import ISO_DURATION

CONFIG_FILE = "lookup.yaml"


def _duration(value: str) -> str:
    if not ISO_DURATION.match(value):
        raise ValueError(f"'{value}' is geen ISO 8601-duur; schrijf bijvoorbeeld P1M of P1Y")
    return value


class InzageSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    termijn: str = Field(default="P1M", description="Wettelijke termijn (art. 12 lid 3 AVG).")
    bewaartermijn_verzoek: str = Field(default="P2Y", description="Bewaren van een verzoek.")
    bewaartermijn_verwijderd: str = Field(
        default="P1Y", description="Tellen van verwijderde signalen per persoon."
    )

    @field_validator("termijn", "bewaartermijn_verzoek", "bewaartermijn_verwijderd")
    @classmethod
    def _iso(cls, value: str) -> str:
        return _duration(value)


class LookupSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    naam_drempel: float = Field(default=85.0, ge=50, le=100)
    max_kandidaten: int = Field(default=10, ge=1, le=100)
    inzage: InzageSettings = Field(default_factory=InzageSettings)


def load_lookup_settings(config_dir: Path | None) -> LookupSettings:
    if config_dir is None or not (config_dir / CONFIG_FILE).is_file():
        return LookupSettings()
    return load_model(LookupSettings, config_dir / CONFIG_FILE)
