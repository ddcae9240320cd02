"""Per-source configuration (config/sources.yaml) for extracts that differ from the contract.

Canonical files need no configuration at all. A vendor export with other column
names, another format, encoding or delimiter is described per source::

    brp:
      file: GBA_EXPORT.TXT
      format: csv
      encoding: cp1252
      delimiter: ";"
      columns:            # canonical name: name in the vendor's file
        geslachtsnaam: ACHTERNAAM
      values:             # canonical column: {vendor value: canonical value}
        functie_adres: {Woonadres: W, Briefadres: B}
      extra_columns:      # columns beyond the contract, with kind and data category
        verhuurder: {kind: text, categorie: naam}
      min_ratio: 0.5            # shrink guard: accepted rows against the last good run
      max_quarantine_rise: 0.1  # quarantine guard: share quarantined above the last good run

Every key is optional; a source absent from the file gets the defaults. The
sources are those of the registry (vik.connectors.schemas.SOURCES).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, field_validator, model_validator

from vik.configfiles import load_model, parse_model
from vik.connectors.model import Category, Kind, SourceSchema
from vik.connectors.schemas import SOURCES

CONFIG_FILE = "sources.yaml"

Format = Literal["csv", "parquet", "jsonl"]
Encoding = Literal["auto", "utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1"]
Delimiter = Literal["auto", ",", ";", "\t", "|"]


class ExtraColumn(BaseModel):
    """A column beyond the contract: how it is validated and which data category it holds."""

    model_config = ConfigDict(extra="forbid")

    kind: Kind
    categorie: Category


class SourceConfig(BaseModel):
    """How one source's extract is delivered."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    file: str | None = Field(default=None, description="File name inside the extracts folder.")
    format: Format | None = Field(default=None, description="Default: from the file extension.")
    encoding: Encoding = "auto"
    delimiter: Delimiter = "auto"
    columns: dict[str, str] = Field(default_factory=dict, description="canonical: vendor name")
    values: dict[str, dict[str, str]] = Field(default_factory=dict)
    # Refuse an extract with fewer accepted rows than this fraction of the last good run's.
    min_ratio: float = Field(default=0.5, ge=0.0, le=1.0)
    # Refuse an extract whose share of quarantined rows is more than this above the
    # last good run's share (0.1: ten percentage points, 2% then 13% is refused).
    max_quarantine_rise: float = Field(default=0.1, ge=0.0, le=1.0)
    # Longest field (in characters) taken in; a longer one quarantines its row. Also
    # the CSV reader's field limit, so one stray quote cannot swallow a whole file.
    max_field_chars: int = Field(default=10_000, ge=100, le=131_072)
    # Columns beyond the contract that the municipality deliberately takes in
    # (everything else outside the contract is dropped at the door), each with its
    # kind and data category: {moedertaal: {kind: code, categorie: taal}}.
    extra_columns: dict[str, ExtraColumn] = Field(default_factory=dict)

    @field_validator("extra_columns", mode="before")
    @classmethod
    def _declared_category(cls, value: object) -> object:
        if isinstance(value, dict):
            for name, spec in value.items():
                if not isinstance(spec, dict):
                    raise ValueError(
                        f"extra kolom '{name}': geef kind en categorie, bijvoorbeeld "
                        f"{name}: {{kind: {spec or 'text'}, categorie: overig}}; categorieën: "
                        + ", ".join(Category)
                    )
        return value

    def extra_schema(self) -> dict[str, tuple[Kind, Category]]:
        return {name: (c.kind, c.categorie) for name, c in self.extra_columns.items()}

    @field_validator("file")
    @classmethod
    def _plain_file_name(cls, value: str | None) -> str | None:
        if value is not None and (Path(value).name != value or not value):
            raise ValueError("geef alleen een bestandsnaam, zonder map")
        return value


class SourcesConfig(RootModel[dict[str, SourceConfig]]):
    """All sources by name; a source absent from config/sources.yaml gets the defaults."""

    root: dict[str, SourceConfig] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _empty_file(cls, data: object) -> object:
        return {} if data is None else data

    @model_validator(mode="after")
    def _known_columns(self) -> SourcesConfig:
        problems = [
            f"'{name}' is geen bron; bronnen: {', '.join(SOURCES)}"
            for name in self.root
            if name not in SOURCES
        ]
        for name, config in self.root.items():
            schema = SOURCES.get(name)
            if schema is None:
                continue
            for extra in config.extra_columns:
                if (
                    extra in schema.column_names
                    or not extra.isidentifier()
                    or extra != extra.lower()
                ):
                    problems.append(
                        f"{name}.extra_columns: '{extra}' moet een nieuwe kolomnaam in kleine "
                        "letters zijn"
                    )
            known = set(schema.column_names) | set(config.extra_columns)
            for canonical in (*config.columns, *config.values):
                if canonical not in known:
                    problems.append(
                        f"{name}: '{canonical}' is geen kolom van {name}; "
                        f"bekende kolommen: {', '.join(schema.column_names)}"
                    )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def source(self, name: str) -> SourceConfig:
        return self.root.get(name) or SourceConfig()

    # Shadows pydantic's deprecated BaseModel.schema() (its JSON schema), which VIK never calls.
    def schema(self, name: str) -> SourceSchema:  # type: ignore[override]
        """The source's schema including the extra columns configured for it."""
        return SOURCES[name].extended(self.source(name).extra_schema())


def load_sources_config(config_dir: Path | None) -> SourcesConfig:
    """config/sources.yaml if it exists, else the zero-configuration defaults."""
    if config_dir is None:
        return SourcesConfig()
    path = config_dir / CONFIG_FILE
    if not path.exists():
        return SourcesConfig()
    return load_model(SourcesConfig, path)


def sources_config_from_dict(data: dict[str, Any], where: str = CONFIG_FILE) -> SourcesConfig:
    return parse_model(SourcesConfig, data, where)


def mapping_key(source: str, column: str) -> str:
    """The config key a user edits to map a vendor's column name onto a canonical one."""
    return f"{CONFIG_FILE} → {source}.columns.{column}"
