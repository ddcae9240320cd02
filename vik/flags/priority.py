"""Dossier priority: a transparent additive sum with weights from config/priority.yaml.

    >>> weights = PriorityWeights()
    >>> weights.points_for("overbewoning", "hoog")
    3

Every dossier stores its breakdown (which signals, which weight, how many,
how many points) next to the total, so the analist and the compliance officer
can see exactly why one address is above another.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from vik.configfiles import load_model

CONFIG_FILE = "priority.yaml"


class ReportWeights(BaseModel):
    model_config = ConfigDict(extra="forbid")

    punten: float = Field(default=1, ge=0)
    maximum: float = Field(default=5, ge=0)
    venster_dagen: int = Field(default=365, ge=1)


class PriorityWeights(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ernst: dict[str, float] = Field(
        default_factory=lambda: {"laag": 1.0, "middel": 2.0, "hoog": 3.0}
    )
    regels: dict[str, float] = Field(default_factory=dict)
    meldingen: ReportWeights = Field(default_factory=ReportWeights)
    themabonus: float = Field(default=2, ge=0)

    def points_for(self, rule_id: str, severity: str) -> float:
        if rule_id in self.regels:
            return self.regels[rule_id]
        return self.ernst.get(severity, 1)


def load_weights(config_dir: Path) -> PriorityWeights:
    path = config_dir / CONFIG_FILE
    return load_model(PriorityWeights, path) if path.exists() else PriorityWeights()
