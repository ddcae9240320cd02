"""Runtime settings, read from the environment (prefix ``VIK_``).

    >>> settings = Settings(data_dir="/tmp/vik")
    >>> settings.resolved_database_url()
    'sqlite:////tmp/vik/vik.db'

The command line overrides these (``--db URL`` beats ``VIK_DATABASE_URL``).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from vik.logs import LogFormat


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VIK_", extra="ignore")

    # Where VIK keeps its own files: the SQLite database (embedded default),
    # run reports, quarantine files and exports.
    data_dir: Path = Path("var")
    # Public configuration: sources.yaml, departments.yaml, priority.yaml, rules/.
    config_dir: Path = Path("config")
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

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'vik.db').resolve()}"
