"""The municipality's departments (config/departments.yaml): who may receive which flags.

>>> departments = load_departments(Path("config"))  # doctest: +SKIP
>>> departments["handhaving"].contact
'handhaving-ondermijning@demogemeente.nl'
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, RootModel

from vik.configfiles import load_model

CONFIG_FILE = "departments.yaml"


class Department(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, description="Naam zoals gebruikers hem kennen.")
    contact: str = Field(min_length=1, description="Contactpunt voor andere afdelingen.")


class Departments(RootModel[dict[str, Department]], Mapping[str, Department]):
    """Department id → department. Ids are lower-case words used in rules and user accounts."""

    def __getitem__(self, key: str) -> Department:
        return self.root[key]

    def __iter__(self) -> Iterator[str]:  # type: ignore[override]
        return iter(self.root)

    def __len__(self) -> int:
        return len(self.root)


def load_departments(config_dir: Path) -> Departments:
    return load_model(Departments, config_dir / CONFIG_FILE)
