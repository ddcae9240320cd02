"""Runtime settings, read from the environment (prefix ``VIK_``).

    >>> settings = Settings(data_dir="/tmp/vik")
    >>> settings.resolved_database_url()
    'sqlite:////tmp/vik/vik.db'

Where VIK looks, never the folder a command happens to start in:

- ``VIK_HOME`` is VIK's home folder: ``config/`` (the public configuration) and ``var/``
  (VIK's own files) inside it. ``vik init DIR`` makes one.
- Without ``VIK_HOME``: a source checkout is its own home (``config/`` is in git, ``var/``
  is ignored by it); an installed VIK uses ``$XDG_DATA_HOME/vik`` (``~/.local/share/vik``).
- ``VIK_CONFIG_DIR`` and ``VIK_DATA_DIR`` put either folder elsewhere; ``VIK_EXTRACTS_DIR``
  names where the evening's extracts arrive (default ``<data_dir>/extracts``).

Relative paths are taken from the folder the command starts in and made absolute at once,
so a scheduled run that starts elsewhere finds the same folders. An empty variable counts
as unset (a Prefect job variable rendered from an unset value is empty).

The command line overrides these (``--db URL`` beats ``VIK_DATABASE_URL``).
docs/operations.md documents every setting.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from vik.logs import LogFormat

CONFIG_SUBDIR = "config"
DATA_SUBDIR = "var"


def source_checkout() -> Path | None:
    """The repository VIK runs from, if it runs from one (an editable install)."""
    root = Path(__file__).resolve().parent.parent
    if (root / "pyproject.toml").is_file() and (root / CONFIG_SUBDIR).is_dir():
        return root
    return None


def default_home() -> Path:
    """VIK's home without VIK_HOME: the source checkout, else $XDG_DATA_HOME/vik."""
    checkout = source_checkout()
    if checkout is not None:
        return checkout
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "vik"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VIK_", extra="ignore", env_ignore_empty=True)

    # VIK's home folder: config/ and var/ inside it, unless set apart below.
    home: Path = Field(default_factory=default_home)
    # Where VIK keeps its own files: the SQLite database (embedded default),
    # run reports and logs, quarantine files, Prefect's state. Default <home>/var.
    data_dir: Path = Path(DATA_SUBDIR)
    # Public configuration: sources.yaml, departments.yaml, priority.yaml, rules/,
    # prefect.yaml. Default <home>/config.
    config_dir: Path = Path(CONFIG_SUBDIR)
    # The folder where the evening's extracts are delivered; default <data_dir>/extracts.
    extracts_dir: Path | None = None
    # SQLAlchemy URL; empty means SQLite in data_dir. postgresql://... works too.
    database_url: str | None = None
    # Secret for BSN pseudonyms: the key itself, or a file that holds it.
    pseudonym_key: SecretStr | None = None
    pseudonym_key_file: Path | None = None

    # Operating the night (README, "Operations"). The log: <data_dir>/logs/vik.log,
    # as text or JSON lines, rotated at log_max_bytes with log_backups old files.
    log_format: LogFormat = LogFormat.TEXT
    log_level: str = "INFO"
    log_max_bytes: int = Field(default=10_000_000, gt=0)
    log_backups: int = Field(default=10, ge=0)
    # A run lock whose holder VIK cannot see (another machine) is taken over after this.
    run_lock_max_age_hours: float = Field(default=12, gt=0)
    # Alerts (vik.alerts): Apprise URLs (mailto://, mailtos://, json://, ...) separated by
    # spaces or commas, and/or an Apprise configuration file. Both may hold passwords.
    alert_urls: SecretStr | None = None
    alert_config: Path | None = None
    # `vik bewaking`: a night older than this (hours since the last run started, or since
    # the last good run) is reported as not started / not succeeded.
    bewaking_max_hours: float = Field(default=26, gt=0)

    @model_validator(mode="before")
    @classmethod
    def _folders_from_home(cls, values: Any) -> Any:
        # Runs before the field defaults apply: an unset folder is taken from the home.
        if not isinstance(values, dict):
            return values
        home = Path(values.get("home") or default_home())
        values["home"] = home
        values.setdefault("data_dir", home / DATA_SUBDIR)
        values.setdefault("config_dir", home / CONFIG_SUBDIR)
        for name in ("home", "data_dir", "config_dir", "extracts_dir", "pseudonym_key_file"):
            if values.get(name):
                values[name] = Path(values[name]).expanduser().absolute()
        return values

    def resolved_extracts_dir(self) -> Path:
        return self.extracts_dir or self.data_dir / "extracts"

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'vik.db').resolve()}"
