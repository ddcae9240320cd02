"""config/resolve.yaml: the thresholds of the address resolver and the company and person matchers.

    >>> settings = load_resolve_settings(Path("config"))
    >>> settings.persons.surname.similar, settings.addresses.street_cutoff
    (0.8, 85.0)

Read at the start of every night (``vik.nightly``: ``vik run``, ``vik serve``, the
Prefect flow) and by every command that resolves outside a run (``vik export
--extracts``, ``vik rules dry-run``). Without the file the defaults hold; a file
with an unknown key, a value of the wrong type or out of range is refused with a
Dutch message that names the file and the key, before anything is read.

The shipped config/resolve.yaml states every setting with its default and its
description, and docs/resolution.md lists them; both are generated from the models
here (vik.resolve.render_settings), and a test keeps them in step.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from vik.configfiles import load_model
from vik.resolve.bag import AddressMatchSettings
from vik.resolve.companies import CompanyMatchSettings
from vik.resolve.persons import PersonMatchSettings

CONFIG_FILE = "resolve.yaml"


class ResolveSettings(BaseModel):
    """config/resolve.yaml: thresholds of the address resolver and the company and person
    matchers."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    addresses: AddressMatchSettings = Field(
        default_factory=AddressMatchSettings,
        description="Adressen: een getypt adres gekoppeld aan precies één BAG-adres.",
    )
    companies: CompanyMatchSettings = Field(
        default_factory=CompanyMatchSettings,
        description="Bedrijven: een handelsnaam gekoppeld aan een bedrijf op hetzelfde adres.",
    )
    persons: PersonMatchSettings = Field(
        default_factory=PersonMatchSettings,
        description="Personen: een record gekoppeld aan een persoon in de BRP.",
    )


def load_resolve_settings(config_dir: Path | None) -> ResolveSettings:
    """config/resolve.yaml in `config_dir`, or the defaults where there is none."""
    if config_dir is None or not (config_dir / CONFIG_FILE).exists():
        return ResolveSettings()
    return load_model(ResolveSettings, config_dir / CONFIG_FILE)
