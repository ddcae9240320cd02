"""Governance settings (config/governance.yaml): how far ahead a herbeoordeling may lie, when
VIK starts warning that one falls due, and the public links of the Algoritmeregister.

    >>> load_governance(Path("config")).herbeoordeling_max_jaren
    3

Every key is optional; docs/rules.md ("Governance settings") describes each.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from vik.configfiles import load_model

__all__ = ["CONFIG_FILE", "Governance", "load_governance"]

CONFIG_FILE = "governance.yaml"


class Governance(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # A herbeoordeling further ahead than this (from the peildatum) is refused.
    herbeoordeling_max_jaren: int = Field(default=3, ge=1, le=10)
    # From this many days before a herbeoordeling falls due, check, register and the
    # compliance pages warn.
    herbeoordeling_waarschuwing_dagen: int = Field(default=60, ge=1, le=365)
    # Algoritmeregister: the organisation's page on algorithms (website), where the
    # rule files are published (publiccode: {bron_url}/{id}.yaml), and the page that
    # describes the process the rules serve (process_index_url).
    website: str | None = Field(default=None, pattern=r"^https://\S+$")
    bron_url: str | None = Field(default=None, pattern=r"^https://\S+$")
    process_index_url: str | None = Field(default=None, pattern=r"^https://\S+$")
    organisatie: str = "Gemeente Amersfoort"
    organisatie_code: str | None = None


def load_governance(config_dir: Path | None) -> Governance:
    if config_dir is None or not (config_dir / CONFIG_FILE).exists():
        return Governance()
    return load_model(Governance, config_dir / CONFIG_FILE)
